"""The `beds` listing that the capacity registry keeps for each published shelter."""

from __future__ import annotations

from sqlalchemy import select

from exchange.errors import Forbidden, NotFound
from exchange.extensions import db
from exchange.profiles import authz
from exchange.profiles.models import Organization

from .models import BedsSource, Listing, ListingKind
from .models import ListingStatus as S
from .operations import TRANSITIONS, announce, apply_fields, check_consistency, transition


def sync_registry_listing(
    listing_id: int | None,
    *,
    organization_id: int,
    shelter_id: int,
    values: dict,
    publish: bool,
) -> Listing | None:
    """Create or update the `beds` listing that the capacity registry keeps for a shelter
    (source registry, no owner, never expiring), in the caller's transaction.

    ``values`` holds common and beds fields as the API takes them (title, address,
    location, free_beds, beds_by_policy, accessible_beds). With ``publish`` the listing is
    put on the map (created when ``listing_id`` is None); without, it is withdrawn. No
    actor: the capacity services have checked who may change the shelter. Announced like
    every listing change (unchanged figures are not written again). None when there is
    nothing to publish or withdraw. Only organisations that hold capacity
    (authz.CAPACITY_KINDS) may publish one: never a landlord company (403).
    """
    if publish:
        holder = db.session.get(Organization, organization_id)
        if holder is None or holder.kind not in authz.CAPACITY_KINDS:
            raise Forbidden("Only districts, municipalities and providers run shelters "
                            "and a person registry.")
    if listing_id is None:
        if not publish:
            return None
        listing = Listing(
            kind=ListingKind.BEDS,
            status=S.DRAFT,
            organization_id=organization_id,
            owner_id=None,
            source=BedsSource.REGISTRY,
            shelter_id=shelter_id,
            description="",
            street="",
        )
        db.session.add(listing)
        previous = None
    else:
        listing = db.session.scalar(
            select(Listing)
            .where(Listing.id == listing_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if listing is None:
            raise NotFound()
        previous = listing.status
    apply_fields(listing, values)
    check_consistency(listing)
    changed = listing in db.session.new or db.session.is_modified(listing)
    db.session.flush()
    if publish and listing.status in TRANSITIONS["publish"][0]:
        transition(listing, "publish", None)
    elif not publish and listing.status in TRANSITIONS["withdraw"][0]:
        transition(listing, "withdraw", None)
    elif changed:
        announce(listing, "updated", previous_status=previous)
    return listing
