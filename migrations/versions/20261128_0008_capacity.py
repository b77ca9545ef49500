"""Capacity: shelters, rooms, beds, persons, households, occupancies (exclusion constraints),
activities, the append-only person audit log, trigger-kept capacity counts, snapshots.

- occupancies: `EXCLUDE USING gist (bed_id WITH =, period WITH &&)` and the same for
  person_id (btree_gist from 0001): no bed and no person in two overlapping periods; an
  occupancy is open while its period has no upper bound.
- capacity_counts: one row per shelter, kept by row triggers on shelters, rooms, beds and
  occupancies in the writing transaction; each change touches one counter row, whatever
  the size of the registry. capacity_counts_rebuild() recomputes them (after bulk loads).
- person_audit: a statement trigger refuses UPDATE, DELETE and TRUNCATE.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 16:00:00
"""

import geoalchemy2  # noqa: F401
import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geography
from sqlalchemy.dialects import postgresql

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _created_at() -> sa.Column:
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def _updated_at() -> sa.Column:
    return sa.Column(
        "updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


COUNT_COLUMNS = (
    "total",
    "blocked",
    "occupied",
    "free_male",
    "free_female",
    "free_family",
    "free_mixed",
    "free_accessible",
)

CAPACITY_FUNCTIONS = """
-- Add deltas to one shelter's counters; free beds go to the room's policy (and to
-- free_accessible for an accessible room).
CREATE FUNCTION capacity_add(
    p_shelter_id integer, p_policy text, p_accessible boolean,
    d_total integer, d_blocked integer, d_occupied integer, d_free integer
) RETURNS void LANGUAGE sql AS $$
    UPDATE capacity_counts SET
        total = total + d_total,
        blocked = blocked + d_blocked,
        occupied = occupied + d_occupied,
        free_male = free_male + CASE WHEN p_policy = 'male' THEN d_free ELSE 0 END,
        free_female = free_female + CASE WHEN p_policy = 'female' THEN d_free ELSE 0 END,
        free_family = free_family + CASE WHEN p_policy = 'family' THEN d_free ELSE 0 END,
        free_mixed = free_mixed + CASE WHEN p_policy = 'mixed' THEN d_free ELSE 0 END,
        free_accessible = free_accessible + CASE WHEN p_accessible THEN d_free ELSE 0 END
    WHERE shelter_id = p_shelter_id
$$;

-- Add (sign 1) or take away (sign -1) one bed as it stands: status and occupied or not.
CREATE FUNCTION capacity_bed(
    p_room_id integer, p_sign integer, p_status text, p_occupied boolean
) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    room record;
BEGIN
    SELECT shelter_id, policy, accessible INTO room FROM rooms WHERE id = p_room_id;
    IF FOUND THEN
        PERFORM capacity_add(
            room.shelter_id, room.policy, room.accessible, p_sign,
            CASE WHEN p_status <> 'available' THEN p_sign ELSE 0 END,
            CASE WHEN p_occupied THEN p_sign ELSE 0 END,
            CASE WHEN p_status = 'available' AND NOT p_occupied THEN p_sign ELSE 0 END);
    END IF;
END $$;

CREATE FUNCTION capacity_bed_occupied(p_bed_id integer) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM occupancies WHERE bed_id = p_bed_id AND upper_inf(period))
$$;

CREATE FUNCTION beds_capacity() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM capacity_bed(OLD.room_id, -1, OLD.status, capacity_bed_occupied(OLD.id));
    END IF;
    IF TG_OP = 'INSERT' THEN
        PERFORM capacity_bed(NEW.room_id, 1, NEW.status, false);
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM capacity_bed(NEW.room_id, 1, NEW.status, capacity_bed_occupied(NEW.id));
    END IF;
    RETURN NULL;
END $$;

-- An occupancy opened (sign 1) or closed (sign -1) on a bed.
CREATE FUNCTION capacity_occupy(p_bed_id integer, p_sign integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    bed record;
BEGIN
    SELECT r.shelter_id, r.policy, r.accessible, b.status INTO bed
    FROM beds AS b JOIN rooms AS r ON r.id = b.room_id WHERE b.id = p_bed_id;
    IF FOUND THEN
        PERFORM capacity_add(
            bed.shelter_id, bed.policy, bed.accessible, 0, 0, p_sign,
            CASE WHEN bed.status = 'available' THEN -p_sign ELSE 0 END);
    END IF;
END $$;

CREATE FUNCTION occupancies_capacity() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND upper_inf(OLD.period) THEN
        PERFORM capacity_occupy(OLD.bed_id, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND upper_inf(NEW.period) THEN
        PERFORM capacity_occupy(NEW.bed_id, 1);
    END IF;
    RETURN NULL;
END $$;

-- A room that changes policy, accessibility or shelter moves all its beds' counts.
CREATE FUNCTION rooms_capacity() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    c record;
BEGIN
    SELECT count(*)::integer AS total,
           (count(*) FILTER (WHERE b.status <> 'available'))::integer AS blocked,
           (count(*) FILTER (WHERE o.id IS NOT NULL))::integer AS occupied,
           (count(*) FILTER (WHERE b.status = 'available' AND o.id IS NULL))::integer AS free
    INTO c
    FROM beds AS b LEFT JOIN occupancies AS o ON o.bed_id = b.id AND upper_inf(o.period)
    WHERE b.room_id = NEW.id;
    PERFORM capacity_add(OLD.shelter_id, OLD.policy, OLD.accessible,
                         -c.total, -c.blocked, -c.occupied, -c.free);
    PERFORM capacity_add(NEW.shelter_id, NEW.policy, NEW.accessible,
                         c.total, c.blocked, c.occupied, c.free);
    RETURN NULL;
END $$;

CREATE FUNCTION shelters_capacity() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO capacity_counts (shelter_id, organization_id)
        VALUES (NEW.id, NEW.organization_id);
    ELSE
        UPDATE capacity_counts SET organization_id = NEW.organization_id
        WHERE shelter_id = NEW.id;
    END IF;
    RETURN NULL;
END $$;

-- Recompute every counter row from the tables (after a load with the triggers disabled,
-- or to repair); the hot path never does this.
CREATE FUNCTION capacity_counts_rebuild() RETURNS void LANGUAGE sql AS $$
    INSERT INTO capacity_counts AS c (
        shelter_id, organization_id, total, blocked, occupied,
        free_male, free_female, free_family, free_mixed, free_accessible)
    SELECT s.id, s.organization_id,
           count(b.id),
           count(b.id) FILTER (WHERE b.status <> 'available'),
           count(o.id),
           count(b.id) FILTER (WHERE b.status = 'available' AND o.id IS NULL
                               AND r.policy = 'male'),
           count(b.id) FILTER (WHERE b.status = 'available' AND o.id IS NULL
                               AND r.policy = 'female'),
           count(b.id) FILTER (WHERE b.status = 'available' AND o.id IS NULL
                               AND r.policy = 'family'),
           count(b.id) FILTER (WHERE b.status = 'available' AND o.id IS NULL
                               AND r.policy = 'mixed'),
           count(b.id) FILTER (WHERE b.status = 'available' AND o.id IS NULL
                               AND r.accessible)
    FROM shelters AS s
    LEFT JOIN rooms AS r ON r.shelter_id = s.id
    LEFT JOIN beds AS b ON b.room_id = r.id
    LEFT JOIN occupancies AS o ON o.bed_id = b.id AND upper_inf(o.period)
    GROUP BY s.id
    ON CONFLICT (shelter_id) DO UPDATE SET
        organization_id = excluded.organization_id,
        total = excluded.total,
        blocked = excluded.blocked,
        occupied = excluded.occupied,
        free_male = excluded.free_male,
        free_female = excluded.free_female,
        free_family = excluded.free_family,
        free_mixed = excluded.free_mixed,
        free_accessible = excluded.free_accessible
$$;

CREATE TRIGGER shelters_capacity AFTER INSERT OR UPDATE OF organization_id ON shelters
FOR EACH ROW EXECUTE FUNCTION shelters_capacity();

CREATE TRIGGER rooms_capacity AFTER UPDATE OF policy, accessible, shelter_id ON rooms
FOR EACH ROW WHEN (
    OLD.policy IS DISTINCT FROM NEW.policy
    OR OLD.accessible IS DISTINCT FROM NEW.accessible
    OR OLD.shelter_id IS DISTINCT FROM NEW.shelter_id
) EXECUTE FUNCTION rooms_capacity();

CREATE TRIGGER beds_capacity AFTER INSERT OR DELETE ON beds
FOR EACH ROW EXECUTE FUNCTION beds_capacity();

CREATE TRIGGER beds_capacity_update AFTER UPDATE OF status, room_id ON beds
FOR EACH ROW WHEN (
    OLD.status IS DISTINCT FROM NEW.status OR OLD.room_id IS DISTINCT FROM NEW.room_id
) EXECUTE FUNCTION beds_capacity();

CREATE TRIGGER occupancies_capacity AFTER INSERT OR DELETE ON occupancies
FOR EACH ROW EXECUTE FUNCTION occupancies_capacity();

CREATE TRIGGER occupancies_capacity_update AFTER UPDATE OF period, bed_id ON occupancies
FOR EACH ROW WHEN (
    OLD.period IS DISTINCT FROM NEW.period OR OLD.bed_id IS DISTINCT FROM NEW.bed_id
) EXECUTE FUNCTION occupancies_capacity();

-- The audit log is append-only: whoever can write to the database through the app
-- cannot rewrite its history.
CREATE FUNCTION person_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'person_audit is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER person_audit_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON person_audit
FOR EACH STATEMENT EXECUTE FUNCTION person_audit_append_only();
"""

CAPACITY_DROP = """
DROP TRIGGER IF EXISTS person_audit_append_only ON person_audit;
DROP FUNCTION IF EXISTS person_audit_append_only();
DROP TRIGGER IF EXISTS occupancies_capacity_update ON occupancies;
DROP TRIGGER IF EXISTS occupancies_capacity ON occupancies;
DROP TRIGGER IF EXISTS beds_capacity_update ON beds;
DROP TRIGGER IF EXISTS beds_capacity ON beds;
DROP TRIGGER IF EXISTS rooms_capacity ON rooms;
DROP TRIGGER IF EXISTS shelters_capacity ON shelters;
DROP FUNCTION IF EXISTS capacity_counts_rebuild();
DROP FUNCTION IF EXISTS shelters_capacity();
DROP FUNCTION IF EXISTS rooms_capacity();
DROP FUNCTION IF EXISTS occupancies_capacity();
DROP FUNCTION IF EXISTS capacity_occupy(integer, integer);
DROP FUNCTION IF EXISTS beds_capacity();
DROP FUNCTION IF EXISTS capacity_bed_occupied(integer);
DROP FUNCTION IF EXISTS capacity_bed(integer, integer, text, boolean);
DROP FUNCTION IF EXISTS capacity_add(integer, text, boolean, integer, integer, integer, integer);
"""


def upgrade() -> None:
    op.create_table(
        "households",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=True),
        _created_at(),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_households_organization_id_organizations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_households")),
        sa.UniqueConstraint("organization_id", "ref", name="uq_households_ref"),
    )
    op.create_index(
        op.f("ix_households_organization_id"), "households", ["organization_id"], unique=False
    )

    op.create_table(
        "persons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=True),
        sa.Column("family_name", sa.String(length=200), nullable=False),
        sa.Column("given_names", sa.String(length=200), server_default="", nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("gender", sa.String(length=1), nullable=False),
        sa.Column("nationality", sa.String(length=3), nullable=True),
        sa.Column(
            "languages",
            postgresql.ARRAY(sa.String(length=3)),
            server_default="{}",
            nullable=False,
        ),
        sa.Column("religion", sa.String(length=100), nullable=True),
        sa.Column("health_notes", sa.Text(), nullable=True),
        sa.Column("profession", sa.String(length=200), nullable=True),
        sa.Column("household_id", sa.Integer(), nullable=True),
        sa.Column("arrival_date", sa.Date(), nullable=True),
        sa.Column("anonymised_at", sa.DateTime(timezone=True), nullable=True),
        _created_at(),
        _updated_at(),
        sa.CheckConstraint("gender IN ('f', 'm', 'x')", name=op.f("ck_persons_gender")),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_persons_household_id_households"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_persons_organization_id_organizations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_persons")),
        sa.UniqueConstraint("organization_id", "external_id", name="uq_persons_external_id"),
    )
    op.create_index(op.f("ix_persons_household_id"), "persons", ["household_id"], unique=False)
    op.create_index(
        "ix_persons_name_trgm",
        "persons",
        [sa.literal_column("lower(family_name || ' ' || given_names)").label("full_name")],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"full_name": "gin_trgm_ops"},
    )
    op.create_index(
        "ix_persons_organization_id_birth_date",
        "persons",
        ["organization_id", "birth_date"],
        unique=False,
    )
    op.create_index(
        "ix_persons_organization_id_id", "persons", ["organization_id", "id"], unique=False
    )

    op.create_table(
        "person_audit",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column(
            "at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_audit")),
    )
    op.create_index(
        "ix_person_audit_organization_id_id",
        "person_audit",
        ["organization_id", "id"],
        unique=False,
    )
    op.create_index(
        "ix_person_audit_person_id_id", "person_audit", ["person_id", "id"], unique=False
    )

    op.create_geospatial_table(
        "shelters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("street", sa.String(length=200), server_default="", nullable=False),
        sa.Column("postal_code", sa.String(length=10), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column(
            "location",
            Geography(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeogFromText",
                name="geography",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("publish_capacity", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("reserve_beds", sa.Integer(), server_default="0", nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=True),
        _created_at(),
        _updated_at(),
        sa.CheckConstraint(
            "kind IN ('collective', 'flat', 'emergency')", name=op.f("ck_shelters_kind")
        ),
        sa.CheckConstraint("reserve_beds >= 0", name=op.f("ck_shelters_reserve_beds_non_negative")),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["listings.id"],
            name=op.f("fk_shelters_listing_id_listings"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_shelters_organization_id_organizations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shelters")),
        sa.UniqueConstraint("listing_id", name=op.f("uq_shelters_listing_id")),
    )
    op.create_geospatial_index(
        "ix_shelters_location",
        "shelters",
        ["location"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(
        op.f("ix_shelters_organization_id"), "shelters", ["organization_id"], unique=False
    )

    op.create_table(
        "capacity_counts",
        sa.Column("shelter_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        *[sa.Column(c, sa.Integer(), server_default="0", nullable=False) for c in COUNT_COLUMNS],
        *[
            sa.CheckConstraint(f"{c} >= 0", name=op.f(f"ck_capacity_counts_{c}_non_negative"))
            for c in COUNT_COLUMNS
        ],
        sa.ForeignKeyConstraint(
            ["shelter_id"],
            ["shelters.id"],
            name=op.f("fk_capacity_counts_shelter_id_shelters"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("shelter_id", name=op.f("pk_capacity_counts")),
    )
    op.create_index(
        op.f("ix_capacity_counts_organization_id"),
        "capacity_counts",
        ["organization_id"],
        unique=False,
    )

    op.create_table(
        "capacity_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("shelter_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("blocked", sa.Integer(), nullable=False),
        sa.Column("occupied", sa.Integer(), nullable=False),
        sa.Column("free", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_capacity_snapshots_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shelter_id"],
            ["shelters.id"],
            name=op.f("fk_capacity_snapshots_shelter_id_shelters"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_capacity_snapshots")),
        sa.UniqueConstraint("shelter_id", "day", name="uq_capacity_snapshots_day"),
    )
    op.create_index(
        "ix_capacity_snapshots_organization_id_day",
        "capacity_snapshots",
        ["organization_id", "day"],
        unique=False,
    )

    op.create_table(
        "rooms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shelter_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("policy", sa.String(length=10), nullable=False),
        sa.Column("accessible", sa.Boolean(), server_default="false", nullable=False),
        _created_at(),
        sa.CheckConstraint(
            "policy IN ('male', 'female', 'family', 'mixed')", name=op.f("ck_rooms_policy")
        ),
        sa.ForeignKeyConstraint(
            ["shelter_id"],
            ["shelters.id"],
            name=op.f("fk_rooms_shelter_id_shelters"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rooms")),
        sa.UniqueConstraint("shelter_id", "name", name="uq_rooms_name"),
    )

    op.create_table(
        "beds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=50), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("block_reason", sa.String(length=500), nullable=True),
        _created_at(),
        sa.CheckConstraint(
            "status <> 'available' OR block_reason IS NULL", name=op.f("ck_beds_block_reason")
        ),
        sa.CheckConstraint(
            "status IN ('available', 'blocked', 'out_of_service')", name=op.f("ck_beds_status")
        ),
        sa.ForeignKeyConstraint(
            ["room_id"], ["rooms.id"], name=op.f("fk_beds_room_id_rooms"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_beds")),
        sa.UniqueConstraint("room_id", "label", name="uq_beds_label"),
    )

    op.create_table(
        "occupancies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("bed_id", sa.Integer(), nullable=False),
        sa.Column("period", postgresql.TSTZRANGE(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("ended_by_id", sa.Integer(), nullable=True),
        _created_at(),
        sa.CheckConstraint(
            "NOT isempty(period) AND NOT lower_inf(period)", name=op.f("ck_occupancies_period")
        ),
        sa.ForeignKeyConstraint(
            ["bed_id"], ["beds.id"], name=op.f("fk_occupancies_bed_id_beds"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_occupancies_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["ended_by_id"],
            ["users.id"],
            name=op.f("fk_occupancies_ended_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_occupancies_person_id_persons"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_occupancies")),
    )
    # No bed and no person in two overlapping occupancies (btree_gist for the integers).
    op.create_exclude_constraint(
        "ex_occupancies_bed", "occupancies", ("bed_id", "="), ("period", "&&"), using="gist"
    )
    op.create_exclude_constraint(
        "ex_occupancies_person", "occupancies", ("person_id", "="), ("period", "&&"), using="gist"
    )
    op.create_index(
        "ix_occupancies_open_bed",
        "occupancies",
        ["bed_id"],
        unique=False,
        postgresql_where=sa.text("upper_inf(period)"),
    )
    op.create_index(
        "ix_occupancies_open_person",
        "occupancies",
        ["person_id"],
        unique=False,
        postgresql_where=sa.text("upper_inf(period)"),
    )

    op.create_table(
        "activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), server_default="", nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        _created_at(),
        _updated_at(),
        sa.CheckConstraint(
            "kind IN ('vaccination', 'bamf_hearing', 'kindergarten', 'school', 'custom')",
            name=op.f("ck_activities_kind"),
        ),
        sa.CheckConstraint(
            "status IN ('open', 'done', 'cancelled')", name=op.f("ck_activities_status")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_activities_person_id_persons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
    )
    op.create_index(op.f("ix_activities_person_id"), "activities", ["person_id"], unique=False)

    op.execute(CAPACITY_FUNCTIONS)


def downgrade() -> None:
    op.execute(CAPACITY_DROP)
    op.drop_index(op.f("ix_activities_person_id"), table_name="activities")
    op.drop_table("activities")
    op.drop_index("ix_occupancies_open_person", table_name="occupancies")
    op.drop_index("ix_occupancies_open_bed", table_name="occupancies")
    op.drop_table("occupancies")
    op.drop_table("beds")
    op.drop_table("rooms")
    op.drop_index("ix_capacity_snapshots_organization_id_day", table_name="capacity_snapshots")
    op.drop_table("capacity_snapshots")
    op.drop_index(op.f("ix_capacity_counts_organization_id"), table_name="capacity_counts")
    op.drop_table("capacity_counts")
    op.drop_index(op.f("ix_shelters_organization_id"), table_name="shelters")
    op.drop_geospatial_index(
        "ix_shelters_location",
        table_name="shelters",
        postgresql_using="gist",
        column_name="location",
    )
    op.drop_geospatial_table("shelters")
    op.drop_index("ix_person_audit_person_id_id", table_name="person_audit")
    op.drop_index("ix_person_audit_organization_id_id", table_name="person_audit")
    op.drop_table("person_audit")
    op.drop_index("ix_persons_organization_id_id", table_name="persons")
    op.drop_index("ix_persons_organization_id_birth_date", table_name="persons")
    op.drop_index("ix_persons_name_trgm", table_name="persons")
    op.drop_index(op.f("ix_persons_household_id"), table_name="persons")
    op.drop_table("persons")
    op.drop_index(op.f("ix_households_organization_id"), table_name="households")
    op.drop_table("households")
