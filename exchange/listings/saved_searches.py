"""Saved searches: staff keep filters (and an area) and hear of newly published matches."""

from __future__ import annotations

from collections.abc import Iterable

from shapely.geometry import shape
from shapely.validation import explain_validity
from sqlalchemy import exists, false, func, or_, select

from exchange import notifications
from exchange.errors import Conflict, Forbidden, InvalidInput, NotFound, Text
from exchange.extensions import db
from exchange.notifications.models import Notification
from exchange.profiles import authz
from exchange.profiles.models import User

from .access import may_see
from .filters import ListingFilter, filter_clauses, geometry
from .models import Listing, SavedSearch
from .notices import listing_ref

MAX_SAVED_SEARCHES = 100
MAX_AREA_POINTS = 2000


def create_saved_search(
    actor: User, name: str, flt: ListingFilter, area: dict | None = None
) -> SavedSearch:
    """Save a search (staff only); newly published listings that match are notified."""
    if not authz.is_staff(actor):
        raise Forbidden("Only staff of public organisations save searches.")
    try:
        flt.check()
    except InvalidInput as error:
        raise InvalidInput({"filters": error.errors["query"]}) from error
    count = db.session.scalar(
        select(func.count()).select_from(SavedSearch).where(SavedSearch.owner_id == actor.id)
    )
    if count >= MAX_SAVED_SEARCHES:
        raise Conflict(Text("You have %(n)d saved searches already.", n=MAX_SAVED_SEARCHES))
    saved = SavedSearch(
        owner_id=actor.id,
        name=name.strip(),
        filters=flt.to_saved(),
        area=_area_wkt(area) if area is not None else None,
    )
    db.session.add(saved)
    db.session.flush()
    return saved


def _area_wkt(area: dict) -> str:
    """EWKT of a GeoJSON Polygon in lon/lat, or 422 naming `area`."""
    try:
        polygon = shape(area)
    except (ValueError, TypeError, KeyError, AttributeError, IndexError) as exc:
        raise InvalidInput({"area": "Not a GeoJSON Polygon."}) from exc
    if polygon.geom_type != "Polygon" or polygon.is_empty:
        raise InvalidInput({"area": "Not a GeoJSON Polygon."})
    coordinates = list(polygon.exterior.coords) + [
        c for ring in polygon.interiors for c in ring.coords
    ]
    if len(coordinates) > MAX_AREA_POINTS:
        raise InvalidInput({"area": Text("At most %(n)d points.", n=MAX_AREA_POINTS)})
    if any(not (-180 <= lon <= 180 and -90 <= lat <= 90) for lon, lat, *_ in coordinates):
        raise InvalidInput({"area": "Coordinates are lon,lat within -180..180, -90..90."})
    if not polygon.is_valid:
        raise InvalidInput({"area": Text("Not a valid polygon: %(reason)s.",
                                         reason=explain_validity(polygon))})
    return f"SRID=4326;{polygon.wkt}"


def list_saved_searches(actor: User) -> list[SavedSearch]:
    """The actor's own saved searches, oldest first."""
    return list(
        db.session.scalars(
            select(SavedSearch).where(SavedSearch.owner_id == actor.id).order_by(SavedSearch.id)
        )
    )


def delete_saved_search(actor: User, saved_search_id: int) -> None:
    """Delete one of the actor's saved searches; anyone else's is 404."""
    saved = db.session.get(SavedSearch, saved_search_id)
    if saved is None or saved.owner_id != actor.id:
        raise NotFound()
    db.session.delete(saved)
    db.session.flush()


def matching_saved_searches(listing: Listing) -> list[SavedSearch]:
    """Saved searches whose filters (and area) the listing matches, evaluated in SQL with
    the same conditions as the search, one statement per batch of searches."""
    location = select(geometry()).where(Listing.id == listing.id).scalar_subquery()
    candidates = list(
        db.session.scalars(
            select(SavedSearch)
            .where(or_(SavedSearch.area.is_(None), func.ST_Covers(SavedSearch.area, location)))
            .order_by(SavedSearch.id)
        )
    )
    matches: list[SavedSearch] = []
    for batch in _batches(candidates, 200):
        tests = []
        for saved in batch:
            try:
                flt = ListingFilter.from_saved(saved.filters)
            except (TypeError, ValueError, ArithmeticError):
                tests.append(false())  # stored by an older version: never matches
                continue
            tests.append(
                exists(select(Listing.id).where(Listing.id == listing.id, *filter_clauses(flt)))
            )
        row = db.session.execute(select(*tests)).one()
        matches.extend(saved for saved, hit in zip(batch, row, strict=True) if hit)
    return matches


def _batches(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def notify_saved_searches(listing: Listing) -> None:
    """A newly published listing: tell the owners of the saved searches it matches, once
    per search and listing, if they may see it (not the one who published it)."""
    matches = matching_saved_searches(listing)
    if not matches:
        return
    told = set(
        db.session.scalars(
            select(Notification.payload["saved_search_id"].as_integer()).where(
                Notification.kind == "saved_search_match",
                Notification.payload["listing_id"].as_integer() == listing.id,
            )
        )
    )
    for saved in matches:
        owner = db.session.get(User, saved.owner_id)
        if saved.id in told or owner is None or owner.disabled or owner.id == listing.owner_id:
            continue
        if not may_see(owner, listing):
            continue
        notifications.notify(
            owner.id,
            "saved_search_match",
            {**listing_ref(listing), "saved_search_id": saved.id, "saved_search_name": saved.name},
        )

