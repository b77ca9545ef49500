"""Publication of free beds: after a change, each shelter's `beds` listing follows its
counts in the same transaction, and `capacity_changed` tells who must hear of it
(exchange.capacity.events emits it after commit).

Locks are always taken in one order, so concurrent calls cannot deadlock: persons (by
id), beds (by id), shelters (by id), their counter rows (by shelter id), then listings.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from exchange import signals
from exchange.extensions import db
from exchange.geo import point_to_dict
from exchange.listings.access import STAFF_VISIBLE
from exchange.listings.registry_sync import sync_registry_listing
from exchange.profiles.models import Organization

from .counts import current_counts, published_free
from .models import CapacityCount, Shelter


def _published_values(shelter: Shelter, counts: CapacityCount, place: bool) -> dict:
    """The listing's fields: counts only (each policy and accessible capped at the
    published total, so that no figure gives the reserve away); with ``place`` also the
    shelter's name, address and location."""
    free = published_free(counts, shelter)
    values: dict = {
        "free_beds": free,
        "beds_by_policy": {policy: min(n, free) for policy, n in counts.by_policy.items()},
        "accessible_beds": min(counts.free_accessible, free),
    }
    if place:
        values["title"] = shelter.name
        values["address"] = {
            "street": shelter.street,
            "postal_code": shelter.postal_code,
            "city": shelter.city,
        }
        values["location"] = point_to_dict(shelter.location)
    return values


def _organization_chain(organization_id: int) -> list[int]:
    """The organisation and those above it (a few levels: municipality, district, state)."""
    chain = []
    current = db.session.get(Organization, organization_id)
    while current is not None and current.id not in chain:
        chain.append(current.id)
        current = current.parent
    return chain


def publish(shelter_ids: Iterable[int], place: bool = False) -> None:
    """After beds, rooms, occupancies or settings changed (flushed): bring each shelter's
    listing up to date in this transaction and announce the new counts. ``place``: the
    shelter's name, address or location may have changed too."""
    for shelter_id in sorted(set(shelter_ids)):
        shelter = db.session.scalars(
            select(Shelter)
            .where(Shelter.id == shelter_id)
            .execution_options(populate_existing=True)
        ).one()
        counts = current_counts(shelter_id)
        listing = None
        if shelter.publish_capacity or shelter.listing_id is not None:
            listing = sync_registry_listing(
                shelter.listing_id,
                organization_id=shelter.organization_id,
                shelter_id=shelter.id,
                values=_published_values(shelter, counts, place or shelter.listing_id is None),
                publish=shelter.publish_capacity,
            )
            if listing is not None and shelter.listing_id != listing.id:
                shelter.listing_id = listing.id
                db.session.flush()
        published = listing is not None and listing.status in STAFF_VISIBLE
        payload = {
            "shelter_id": shelter.id,
            "organization_id": shelter.organization_id,
            "free": counts.free,
            "free_published": published_free(counts, shelter) if published else 0,
            "listing_id": listing.id if published else None,
        }
        signals.capacity_changed.send(
            shelter,
            payload=payload,
            organization_ids=_organization_chain(shelter.organization_id),
            published=published,
        )
