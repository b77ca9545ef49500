"""Housing offers (flats) and free-bed announcements, their files, and saved searches."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exchange.db import Base, check_in_enum, created_at_column, point_column
from exchange.documents.models import Document, attached_document_column
from exchange.geo import point_to_dict
from exchange.profiles.models import Organization, User

DESCRIPTION_MAX_LENGTH = 20_000

#: The fields of each kind as the API takes and shows them (the other kind's stay NULL).
FLAT_FIELDS = (
    "rooms",
    "area_m2",
    "max_occupants",
    "rent_cold",
    "utilities",
    "available_from",
    "available_until",
    "furnished",
    "accessible",
    "pets_allowed",
)
BEDS_FIELDS = ("free_beds", "beds_by_policy", "accessible_beds", "valid_until", "shelter_id")
COMMON_FIELDS = ("title", "description", "address", "location")
#: Free beds by who may take them (columns beds_<policy>).
POLICIES = ("male", "female", "family", "mixed")


# A member's value is its name in lower case (functional StrEnum API).
ListingKind = enum.StrEnum("ListingKind", "FLAT BEDS")
ListingStatus = enum.StrEnum("ListingStatus", "DRAFT PUBLISHED RESERVED LET WITHDRAWN EXPIRED")
BedsSource = enum.StrEnum("BedsSource", "MANUAL REGISTRY")
AttachmentKind = enum.StrEnum("AttachmentKind", "PHOTO DOCUMENT")


def _non_negative(*columns: str) -> list[CheckConstraint]:
    return [CheckConstraint(f"{c} >= 0", name=f"{c}_non_negative") for c in columns]


#: What the search filters by (filters.filter_sql), carried in the covering indexes.
FILTER_COLUMNS = ("kind", "max_occupants", "free_beds", "rent_cold", "utilities",
                  "available_from", "available_until", "valid_until", "accessible",
                  "accessible_beds")


class Listing(Base):
    """One offer on the shared map: a flat, or free beds in a shelter.

    Both kinds share one table so that one spatial index and one query serve the map;
    the columns of the other kind stay NULL (checked below).
    """

    __tablename__ = "listings"
    __table_args__ = (
        CheckConstraint(check_in_enum("kind", ListingKind), name="kind"),
        CheckConstraint(check_in_enum("status", ListingStatus), name="status"),
        CheckConstraint(f"source IS NULL OR {check_in_enum('source', BedsSource)}", name="source"),
        CheckConstraint("kind <> 'flat' OR max_occupants IS NOT NULL", name="flat_occupants"),
        CheckConstraint(
            "kind <> 'beds' OR (free_beds IS NOT NULL AND source IS NOT NULL)", name="beds_fields"
        ),
        CheckConstraint(
            "available_until IS NULL OR available_from IS NULL"
            " OR available_until >= available_from",
            name="available_range",
        ),
        CheckConstraint(
            f"char_length(description) <= {DESCRIPTION_MAX_LENGTH}", name="description_length"
        ),
        *_non_negative(
            "rooms",
            "area_m2",
            "max_occupants",
            "rent_cold",
            "utilities",
            "free_beds",
            "beds_male",
            "beds_female",
            "beds_family",
            "beds_mixed",
            "accessible_beds",
        ),
        Index("ix_listings_location", "location", postgresql_using="gist"),
        # Map viewports are lon/lat rectangles: compared as geometry, not as great circles.
        Index(
            "ix_listings_location_geometry", text("(location::geometry)"), postgresql_using="gist"
        ),
        # A viewport's newest page: its ids by an index-only scan (migration 0006; the
        # location is included because the planner wants it present for the expression).
        Index(
            "ix_listings_published_map",
            text("(location::geometry)"),
            postgresql_using="gist",
            postgresql_include=["listed_at", "id", "location"],
            postgresql_where=text("status = 'published'"),
        ),
        # A dense viewport's newest page: published listings newest first, each location
        # and filter checked from the index, stopping after one page (0016, 0029).
        Index(
            "ix_listings_published_newest",
            text("listed_at DESC"),
            text("id DESC"),
            postgresql_include=["location", *FILTER_COLUMNS],
            postgresql_where=text("status = 'published'"),
        ),
        # A search by distance: published listings nearest first inside the radius's box,
        # each filter in the index (migration 0029).
        Index(
            "ix_listings_published_knn",
            "location",
            postgresql_using="gist",
            postgresql_include=[*FILTER_COLUMNS, "listed_at"],
            postgresql_where=text("status = 'published'"),
        ),
        # OGC pages walk the published listings' ids (migration 0029).
        Index("ix_listings_published_id", "id", postgresql_where=text("status = 'published'")),
        # sort=newest walks this index and stops after one page, whatever the table size.
        Index("ix_listings_status_listed_at", "status", "listed_at", "id"),
        Index("ix_listings_expires_at", "expires_at", postgresql_where="status = 'published'"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20), default=ListingStatus.DRAFT.value)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")

    street: Mapped[str] = mapped_column(String(200), default="", server_default="")
    postal_code: Mapped[str] = mapped_column(String(10))
    city: Mapped[str] = mapped_column(String(100))
    location = point_column(nullable=False)

    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    # NULL for announcements kept by the registry (capacity domain) rather than a person.
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )

    # flat
    rooms: Mapped[Decimal | None] = mapped_column(Numeric(4, 1))
    area_m2: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    max_occupants: Mapped[int | None] = mapped_column(Integer)
    rent_cold: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    utilities: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    available_from: Mapped[date | None] = mapped_column(Date)
    available_until: Mapped[date | None] = mapped_column(Date)
    furnished: Mapped[bool | None] = mapped_column(Boolean)
    accessible: Mapped[bool | None] = mapped_column(Boolean)
    pets_allowed: Mapped[bool | None] = mapped_column(Boolean)

    # beds
    free_beds: Mapped[int | None] = mapped_column(Integer)
    beds_male: Mapped[int | None] = mapped_column(Integer)
    beds_female: Mapped[int | None] = mapped_column(Integer)
    beds_family: Mapped[int | None] = mapped_column(Integer)
    beds_mixed: Mapped[int | None] = mapped_column(Integer)
    accessible_beds: Mapped[int | None] = mapped_column(Integer)
    valid_until: Mapped[date | None] = mapped_column(Date)
    # The capacity domain's shelter; a foreign key follows when that table exists.
    shelter_id: Mapped[int | None] = mapped_column(Integer, index=True)
    source: Mapped[str | None] = mapped_column(String(10))

    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    # When the listing was last put on the market (its creation while a draft);
    # sort=newest orders by it.
    listed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The reminder for the current period was sent (cleared whenever the owner confirms).
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    flagged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    flag_reason: Mapped[str | None] = mapped_column(String(500))
    flagged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reserved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reserved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    organization: Mapped[Organization] = relationship()
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])

    # What a presented listing shows of its organisation and owner, under the names that a
    # search page's flat rows carry (search.page_select): one presenter serves both.
    @property
    def lat(self) -> float:
        return point_to_dict(self.location)["lat"]

    @property
    def lon(self) -> float:
        return point_to_dict(self.location)["lon"]

    @property
    def organization_name(self) -> str:
        return self.organization.name

    @property
    def organization_verified(self) -> bool:
        return self.organization.verified

    @property
    def owner_name(self) -> str | None:
        return self.owner.name if self.owner is not None else None

    @property
    def owner_email(self) -> str | None:
        return self.owner.email if self.owner is not None else None

    @property
    def owner_phone(self) -> str | None:
        return self.owner.phone if self.owner is not None else None


class ListingCell(Base):
    """Published listings counted per grid cell, for the map's clusters at any table size.

    Maintained by the database trigger `listings_cells` (see the migration), so every
    writer keeps it right; `services.rebuild_listing_cells()` recomputes it after bulk
    loads. Cell (cx, cy) of `level` spans `360 / 2**level` degrees in both axes.
    `sum_id` equals the listing's id when a cell holds exactly one listing.
    """

    __tablename__ = "listing_cells"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    cx: Mapped[int] = mapped_column(Integer, primary_key=True)
    cy: Mapped[int] = mapped_column(Integer, primary_key=True)
    listings: Mapped[int] = mapped_column(Integer)
    free_beds: Mapped[int] = mapped_column(BigInteger)
    sum_lon: Mapped[float] = mapped_column(Float)
    sum_lat: Mapped[float] = mapped_column(Float)
    sum_id: Mapped[int] = mapped_column(BigInteger)


class ListingFilterCell(Base):
    """Published listings per grid cell by the map's filter dimensions: kind, accessible,
    beds (capped) and a Fenwick node over the whole-euro rent (migration 0032), so that
    filtered clusters read a bounded number of rows. See listings/cluster_cube.py."""

    __tablename__ = "listing_filter_cells"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    node: Mapped[int] = mapped_column(Integer, primary_key=True)
    cx: Mapped[int] = mapped_column(Integer, primary_key=True)
    cy: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(Text, primary_key=True)
    accessible: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    beds: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    listings: Mapped[int] = mapped_column(Integer)
    free_beds: Mapped[int] = mapped_column(BigInteger)
    sum_lon: Mapped[float] = mapped_column(Float)
    sum_lat: Mapped[float] = mapped_column(Float)
    sum_id: Mapped[int] = mapped_column(BigInteger)


class SavedSearch(Base):
    """An official's search (filters and optionally an area) that reports new matches."""

    __tablename__ = "saved_searches"
    __table_args__ = (Index("ix_saved_searches_area", "area", postgresql_using="gist"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    # The search parameters as GET /listings takes them (without paging and sorting).
    filters: Mapped[dict] = mapped_column(JSONB, default=dict, server_default="{}")
    # An area drawn on the map that matches must lie in (lon/lat, as the map shows it).
    area = mapped_column(
        Geometry(geometry_type="POLYGON", srid=4326, spatial_index=False), nullable=True
    )
    created_at: Mapped[datetime] = created_at_column()


class ListingDocument(Base):
    """A document attached to a listing: a photo (an image, shown in the detail) or another
    file (a floor plan, an energy certificate). Whoever sees the listing may read it (the
    documents domain asks listings through a registered reader)."""

    __tablename__ = "listing_documents"
    __table_args__ = (CheckConstraint(check_in_enum("kind", AttachmentKind), name="kind"),)

    # The primary key makes (listing, document) unique: a file is attached once.
    listing_id: Mapped[int] = mapped_column(
        ForeignKey("listings.id", ondelete="CASCADE"), primary_key=True
    )
    document_id: Mapped[int] = attached_document_column()
    kind: Mapped[str] = mapped_column(String(10))
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = created_at_column()

    document: Mapped[Document] = relationship()
