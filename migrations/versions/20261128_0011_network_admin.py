"""Profiles: second factor (TOTP secret and last step on users, recovery codes, the
session's second_factor_at), invitations by e-mail, landlord verification decisions.

Revision ID: 0011
Revises: 0008
Create Date: 2026-11-28 18:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0008"
branch_labels = None
depends_on = None


def _created_at() -> sa.Column:
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def upgrade() -> None:
    op.add_column("users", sa.Column("totp_secret", sa.String(length=64), nullable=True))
    op.add_column(
        "users", sa.Column("totp_enabled_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("users", sa.Column("totp_last_step", sa.BigInteger(), nullable=True))
    op.add_column(
        "login_sessions",
        sa.Column("second_factor_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        _created_at(),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_recovery_codes_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_codes")),
        sa.UniqueConstraint("user_id", "code_hash", name="uq_recovery_codes_user_id_code_hash"),
    )

    op.add_column("organizations", sa.Column("verification_reason", sa.Text(), nullable=True))
    op.add_column(
        "organizations",
        sa.Column("verification_decided_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.add_column(
        "organizations", sa.Column("verification_decided_by_id", sa.Integer(), nullable=True)
    )
    op.create_foreign_key(
        op.f("fk_organizations_verification_decided_by_id_users"),
        "organizations", "users", ["verification_decided_by_id"], ["id"], ondelete="SET NULL",
    )

    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        _created_at(),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_by_id", sa.Integer(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "role IN ('admin', 'official', 'caseworker', 'landlord')",
            name=op.f("ck_invitations_role"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organizations.id"],
            name=op.f("fk_invitations_organization_id_organizations"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invited_by_id"], ["users.id"], name=op.f("fk_invitations_invited_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["accepted_by_id"], ["users.id"], name=op.f("fk_invitations_accepted_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_invitations_token_hash")),
    )
    op.create_index(
        op.f("ix_invitations_organization_id"), "invitations", ["organization_id"], unique=False
    )
    op.create_index(
        "uq_invitations_open_org_email",
        "invitations",
        ["organization_id", sa.text("lower(email)")],
        unique=True,
        postgresql_where=sa.text("accepted_at IS NULL AND revoked_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_invitations_open_org_email", table_name="invitations")
    op.drop_index(op.f("ix_invitations_organization_id"), table_name="invitations")
    op.drop_table("invitations")
    op.drop_constraint(
        op.f("fk_organizations_verification_decided_by_id_users"), "organizations",
        type_="foreignkey",
    )
    op.drop_column("organizations", "verification_decided_by_id")
    op.drop_column("organizations", "verification_decided_at")
    op.drop_column("organizations", "verification_reason")
    op.drop_table("recovery_codes")
    op.drop_column("login_sessions", "second_factor_at")
    op.drop_column("users", "totp_last_step")
    op.drop_column("users", "totp_enabled_at")
    op.drop_column("users", "totp_secret")
