"""Rent and size limits per municipality and household size, household needs for
matching, and the SQL that applies the limits (issue 18, points 1 and 2).

- rent_limits: the highest appropriate gross cold rent and floor area per municipality,
  household size and valid-from date (a municipality's rows of one date form its table);
- household_needs: a waiting household's assigned municipality, step-free need, radius;
- placement_municipality_at(point): the municipality organisation whose seat is nearest
  to a point, within 20 km (until municipality boundaries are loaded);
- placement_rent_limit(municipality, size, day): the limit in force that day, as
  {gross cold rent, area};
- placement_fits(municipality, size, gross rent, area, day): whether a flat is
  appropriate; placement_fits_households(...): the sizes it is appropriate for.

Revision ID: 0026
Revises: 0028
Create Date: 2026-12-07 14:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0029"

# PL/pgSQL, not SQL: a non-inlined SQL function is planned anew on many calls (a third of
# a millisecond for each listing the map's filter looks at); PL/pgSQL keeps its plans.
FUNCTIONS = """
CREATE FUNCTION placement_municipality_at(point geography) RETURNS integer
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN (SELECT id FROM organizations
            WHERE kind = 'municipality' AND location IS NOT NULL
              AND ST_DWithin(location, point, 20000, false)
            ORDER BY location <-> point
            LIMIT 1);
END
$$;

CREATE FUNCTION placement_rent_limit(municipality integer, size integer, day date)
RETURNS numeric[]
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    IF municipality IS NULL THEN
        RETURN NULL;
    END IF;
    RETURN (
        SELECT ARRAY[r.max_gross_rent + (size - r.household_size)
                                        * coalesce(r.further_person_rent, 0),
                     r.max_area_m2 + (size - r.household_size)
                                     * coalesce(r.further_person_area_m2, 0)]
        FROM rent_limits r
        WHERE r.municipality_id = municipality
          AND r.valid_from = (SELECT max(latest.valid_from) FROM rent_limits latest
                              WHERE latest.municipality_id = municipality
                                AND latest.valid_from <= day)
          AND r.household_size <= size
          AND (r.household_size = size OR r.further_person_rent IS NOT NULL)
        ORDER BY r.household_size DESC
        LIMIT 1);
END
$$;

CREATE FUNCTION placement_fits(municipality integer, size integer, gross_rent numeric,
                               area numeric, day date) RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    found numeric[] := placement_rent_limit(municipality, size, day);
BEGIN
    RETURN coalesce(gross_rent <= found[1] AND area <= found[2], false);
END
$$;

CREATE FUNCTION placement_fits_households(municipality integer, max_occupants integer,
                                          gross_rent numeric, area numeric, day date)
RETURNS integer[]
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(n ORDER BY n), '{}')
    FROM generate_series(1, least(max_occupants, 20)) AS n
    WHERE municipality IS NOT NULL AND placement_fits(municipality, n, gross_rent, area, day)
$$;
"""


def upgrade() -> None:
    op.create_table(
        "rent_limits",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("district_id", sa.Integer(),
                  sa.ForeignKey("organizations.id", ondelete="CASCADE",
                                name=op.f("fk_rent_limits_district_id_organizations")),
                  nullable=False),
        sa.Column("municipality_id", sa.Integer(),
                  sa.ForeignKey("organizations.id", ondelete="CASCADE",
                                name=op.f("fk_rent_limits_municipality_id_organizations")),
                  nullable=False),
        sa.Column("household_size", sa.SmallInteger(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("max_gross_rent", sa.Numeric(10, 2), nullable=False),
        sa.Column("max_area_m2", sa.Numeric(7, 2), nullable=False),
        sa.Column("further_person_rent", sa.Numeric(10, 2), nullable=True),
        sa.Column("further_person_area_m2", sa.Numeric(7, 2), nullable=True),
        sa.Column("updated_by_id", sa.Integer(),
                  sa.ForeignKey("users.id", ondelete="SET NULL",
                                name=op.f("fk_rent_limits_updated_by_id_users")),
                  nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.UniqueConstraint("municipality_id", "valid_from", "household_size",
                            name="uq_rent_limits_municipality_day_size"),
        sa.CheckConstraint("household_size BETWEEN 1 AND 15",
                           name=op.f("ck_rent_limits_household_size")),
        sa.CheckConstraint("max_gross_rent > 0 AND max_area_m2 > 0",
                           name=op.f("ck_rent_limits_positive")),
        sa.CheckConstraint(
            "(further_person_rent IS NULL) = (further_person_area_m2 IS NULL)"
            " AND coalesce(further_person_rent, 0) >= 0"
            " AND coalesce(further_person_area_m2, 0) >= 0",
            name=op.f("ck_rent_limits_further_person"),
        ),
    )
    op.create_index("ix_rent_limits_district_id", "rent_limits", ["district_id"])
    op.create_table(
        "household_needs",
        sa.Column("household_id", sa.Integer(),
                  sa.ForeignKey("households.id", ondelete="CASCADE",
                                name=op.f("fk_household_needs_household_id_households")),
                  primary_key=True),
        sa.Column("assigned_municipality_id", sa.Integer(),
                  sa.ForeignKey("organizations.id", ondelete="SET NULL",
                                name=op.f("fk_household_needs_assigned_municipality_id_organizations")),
                  nullable=True),
        sa.Column("needs_step_free", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("radius_km", sa.Integer(), server_default="30", nullable=False),
        sa.Column("updated_by_id", sa.Integer(),
                  sa.ForeignKey("users.id", ondelete="SET NULL",
                                name=op.f("fk_household_needs_updated_by_id_users")),
                  nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
    )
    op.create_index(op.f("ix_household_needs_assigned_municipality_id"), "household_needs",
                    ["assigned_municipality_id"])
    op.execute(FUNCTIONS)


def downgrade() -> None:
    op.execute("DROP FUNCTION placement_fits_households(integer, integer, numeric, numeric, date)")
    op.execute("DROP FUNCTION placement_fits(integer, integer, numeric, numeric, date)")
    op.execute("DROP FUNCTION placement_rent_limit(integer, integer, date)")
    op.execute("DROP FUNCTION placement_municipality_at(geography)")
    op.drop_table("household_needs")
    op.drop_table("rent_limits")
