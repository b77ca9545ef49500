"""Sign-in hardening: second-factor challenges in the database, throttles instead of
counted failures.

- second_factor_challenges: the half-signed-in state between a correct password and the
  second factor, formerly only in the signed cookie (which named a user id: anyone with
  the SECRET_KEY could forge it). The cookie now holds a random token whose sha256 is
  stored here; a row expires and is used up by the second factor.
- login_throttles: attempts per key (e-mail+address, address, second factor of a user),
  admitted under a row lock so that parallel attempts are counted one after another, with
  a growing delay instead of a lockout. Replaces login_attempts.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 00:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "second_factor_challenges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=10), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("consumed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "stage IN ('enroll', 'required')", name=op.f("ck_second_factor_challenges_stage")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_second_factor_challenges_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_second_factor_challenges")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_second_factor_challenges_token_hash")),
    )
    op.create_index(
        op.f("ix_second_factor_challenges_user_id"), "second_factor_challenges", ["user_id"]
    )
    op.create_table(
        "login_throttles",
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "last_attempt_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttles")),
    )
    op.create_index(
        "ix_login_throttles_last_attempt_at", "login_throttles", ["last_attempt_at"]
    )
    op.drop_index("ix_login_attempts_email_at", table_name="login_attempts")
    op.drop_index("ix_login_attempts_address_at", table_name="login_attempts")
    op.drop_table("login_attempts")


def downgrade() -> None:
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column(
            "attempted_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_attempts")),
    )
    op.create_index(
        "ix_login_attempts_address_at", "login_attempts", ["address", "attempted_at"]
    )
    op.create_index("ix_login_attempts_email_at", "login_attempts", ["email", "attempted_at"])
    op.drop_table("login_throttles")
    op.drop_index(
        op.f("ix_second_factor_challenges_user_id"), table_name="second_factor_challenges"
    )
    op.drop_table("second_factor_challenges")
