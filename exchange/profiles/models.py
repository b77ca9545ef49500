"""Organisations, users, memberships, invitations, API tokens, login sessions, sign-in
throttles and the second factor (TOTP secret, recovery codes, pending challenges)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exchange.db import Base, check_in_enum, created_at_column, point_column

# A member's value is its name in lower case (functional StrEnum API).
OrganizationKind = enum.StrEnum("OrganizationKind", "STATE DISTRICT MUNICIPALITY LANDLORD PROVIDER")
Role = enum.StrEnum("Role", "ADMIN OFFICIAL CASEWORKER LANDLORD")
MembershipStatus = enum.StrEnum("MembershipStatus", "PENDING ACTIVE DISABLED")


class Organization(Base):
    __tablename__ = "organizations"
    __table_args__ = (
        CheckConstraint(check_in_enum("kind", OrganizationKind), name="kind"),
        CheckConstraint("parent_id <> id", name="not_own_parent"),
        Index("ix_organizations_location", "location", postgresql_using="gist"),
        Index(
            "ix_organizations_name_trgm",
            "name",
            postgresql_using="gin",
            postgresql_ops={"name": "gin_trgm_ops"},
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    # Amtlicher Gemeindeschlüssel: 2 (state), 5 (district) or 8 (municipality) digits.
    ags: Mapped[str | None] = mapped_column(String(12), unique=True)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    location = point_column()
    verified: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    # The last verification decision on a landlord organisation (POST .../verify): who,
    # when, and the reason given (required for a rejection).
    verification_reason: Mapped[str | None] = mapped_column(Text)
    verification_decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    verification_decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    # The named contact person of the directory (set by the organisation's admins).
    contact_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = created_at_column()

    parent: Mapped[Organization | None] = relationship(remote_side=[id])
    memberships: Mapped[list[Membership]] = relationship(back_populates="organization")


class User(Base):
    __tablename__ = "users"
    __table_args__ = (Index("uq_users_email_lower", text("lower(email)"), unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_platform_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    disabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    bio: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Shown in the directory when given (the profile page says so).
    phone: Mapped[str] = mapped_column(String(50), default="", server_default="")
    # The directory shows the e-mail address only when its owner switched this on
    # (privacy by default: docs/decisions/profiles.md, "Directory").
    show_email: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    languages: Mapped[list[str]] = mapped_column(
        ARRAY(String(2)), default=list, server_default="{}"
    )
    topics: Mapped[list[str]] = mapped_column(ARRAY(String(60)), default=list, server_default="{}")
    locale: Mapped[str] = mapped_column(String(5), default="de", server_default="de")
    # Every notification also by e-mail (notifications/emails.py), when the server has SMTP
    # configured.
    email_notifications: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default="true"
    )
    # Second factor (TOTP, RFC 6238): the base32 secret, set by /auth/2fa/setup and in force
    # once confirmed (totp_enabled_at); the last time step accepted, so that a code is never
    # accepted twice (also not within its validity window).
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    # Notification kinds (e.g. "saved_search_match") NOT to send by e-mail, even with
    # email_notifications on: the per-kind opt-out, edited on the profile page.
    email_muted_kinds: Mapped[list[str]] = mapped_column(
        ARRAY(String(40)), default=list, server_default="{}"
    )
    totp_enabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = created_at_column()

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", order_by="Membership.id"
    )

    # Flask-Login protocol; profiles.auth also checks the login session on every request,
    # so that ending a session (logout, disabling) takes effect at once.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return not self.disabled

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("user_id", "organization_id", name="uq_memberships_user_org"),
        CheckConstraint(check_in_enum("role", Role), name="role"),
        CheckConstraint(check_in_enum("status", MembershipStatus), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default=MembershipStatus.PENDING.value)
    # Job title shown in the directory ("Bürgermeister", "Leitung Sozialamt").
    function: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = created_at_column()

    user: Mapped[User] = relationship(back_populates="memberships")
    organization: Mapped[Organization] = relationship(back_populates="memberships")


class ApiToken(Base):
    """A personal API token; only its sha256 is stored (tokens are long and random)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = created_at_column()
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship()


class LoginSession(Base):
    """One signed-in browser session; ended on logout or when the user is disabled."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = created_at_column()
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When the session passed the second factor; a session without it does not count as
    # signed in for a user who must use one (checked on every request).
    second_factor_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship()


class RecoveryCode(Base):
    """A one-time code that stands in for a TOTP code; only its sha256 is stored."""

    __tablename__ = "recovery_codes"
    __table_args__ = (
        UniqueConstraint("user_id", "code_hash", name="uq_recovery_codes_user_id_code_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = created_at_column()
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Invitation(Base):
    """An invitation by e-mail into an organisation in a role: a one-time link whose random
    token is stored as its sha256 only. One open invitation per address and organisation."""

    __tablename__ = "invitations"
    __table_args__ = (
        CheckConstraint(check_in_enum("role", Role), name="role"),
        Index(
            "uq_invitations_open_org_email",
            "organization_id",
            text("lower(email)"),
            unique=True,
            postgresql_where=text("accepted_at IS NULL AND revoked_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    accepted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    organization: Mapped[Organization] = relationship()
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])


class LoginThrottle(Base):
    """Sign-in attempts counted per key ("email+address:…", "address:…", "second-factor:…")
    to slow guessing down (exchange/profiles/throttle.py). A row is locked while an attempt
    is admitted, so parallel attempts are counted one after another."""

    __tablename__ = "login_throttles"
    __table_args__ = (Index("ix_login_throttles_last_attempt_at", "last_attempt_at"),)

    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    # Admitted attempts not (yet) known to have succeeded: failures and those in flight.
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    # No attempt before this time (set once the free attempts are used up).
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_attempt_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class SecondFactorChallenge(Base):
    """A half-signed-in browser session: the password was right, the second factor is
    due. The cookie holds only a random token; its sha256 is stored here. Created only by a
    correct password, it expires and is used up when the second factor is passed."""

    __tablename__ = "second_factor_challenges"
    __table_args__ = (CheckConstraint("stage IN ('enroll', 'required')", name="stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = created_at_column()
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    consumed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
