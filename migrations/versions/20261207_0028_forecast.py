"""The free-bed forecast (issue 18, point 4).

- allocations: persons the state announced (Zuweisungen), with a date, household sizes if
  known, the kind of shelter meant for them if decided, and a note.
- planned_move_outs: persons who will leave a shelter on a date (entered by hand or by the
  placement package under a unique ``source``, e.g. "proposal:17").
- forecast_settings: an organisation's warning threshold and when its admins were last
  warned (cleared when the forecast is back above it: one warning per crossing).
- shelters.opens_on: an announced shelter's opening day (its beds join the forecast then).

Revision ID: 0028
Revises: 0025
Create Date: 2026-12-07 14:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0028"
down_revision = "0025"
branch_labels = None
depends_on = None

KINDS = "'collective', 'flat', 'emergency'"


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], ondelete=ondelete,
                                   name=op.f(f"fk_{table}_{column}_{target}"))


def upgrade() -> None:
    op.add_column("shelters", sa.Column("opens_on", sa.Date(), nullable=True))
    op.create_table(
        "allocations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("arrives_on", sa.Date(), nullable=False),
        sa.Column("persons", sa.Integer(), nullable=False),
        sa.Column("households", postgresql.ARRAY(sa.Integer()), server_default="{}",
                  nullable=False),
        sa.Column("shelter_kind", sa.String(length=20), nullable=True),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allocations")),
        _fk("allocations", "organization_id", "organizations", "CASCADE"),
        _fk("allocations", "created_by_id", "users", "SET NULL"),
        sa.CheckConstraint("persons > 0", name=op.f("ck_allocations_persons_positive")),
        sa.CheckConstraint(f"shelter_kind IS NULL OR shelter_kind IN ({KINDS})",
                           name=op.f("ck_allocations_shelter_kind")),
    )
    op.create_index("ix_allocations_organization_id_arrives_on", "allocations",
                    ["organization_id", "arrives_on"])
    op.create_table(
        "planned_move_outs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("shelter_id", sa.Integer(), nullable=False),
        sa.Column("moves_on", sa.Date(), nullable=False),
        sa.Column("persons", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("source", sa.String(length=100), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_planned_move_outs")),
        _fk("planned_move_outs", "organization_id", "organizations", "CASCADE"),
        _fk("planned_move_outs", "shelter_id", "shelters", "CASCADE"),
        _fk("planned_move_outs", "created_by_id", "users", "SET NULL"),
        sa.CheckConstraint("persons > 0", name=op.f("ck_planned_move_outs_persons_positive")),
        sa.UniqueConstraint("source", name=op.f("uq_planned_move_outs_source")),
    )
    op.create_index("ix_planned_move_outs_organization_id_moves_on", "planned_move_outs",
                    ["organization_id", "moves_on"])
    op.create_index("ix_planned_move_outs_shelter_id", "planned_move_outs", ["shelter_id"])
    op.create_table(
        "forecast_settings",
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=True),
        sa.Column("warned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("organization_id", name=op.f("pk_forecast_settings")),
        _fk("forecast_settings", "organization_id", "organizations", "CASCADE"),
        _fk("forecast_settings", "updated_by_id", "users", "SET NULL"),
        sa.CheckConstraint("threshold >= 0",
                           name=op.f("ck_forecast_settings_threshold_non_negative")),
    )


def downgrade() -> None:
    op.drop_table("forecast_settings")
    op.drop_table("planned_move_outs")
    op.drop_table("allocations")
    op.drop_column("shelters", "opens_on")
