"""Transfer requests between districts: district A asks district B for beds of one of B's
published `beds` listings (registry-kept or manual). B accepts or declines; an accepted
request holds the beds (B's published free beds drop) until its date or an explicit
release.

Holding is decided in the database: accepting locks the request row, then (registry
listings) the shelter's counter row, the same lock every occupancy change takes first, and
reads the published figure afresh under it; of two accepts for the last beds the second
waits and gets 409. Registry listings keep held beds in `shelters.held_beds`, so the
publication formula (max(free - reserve - held, 0)) and its map and socket events follow
through the usual publication path; manual listings lose the beds from `free_beds`.

The chat thread of a request is opened by the chat domain, which receives the
`transfer_requested` signal (chat and capacity are siblings; neither imports the other).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, or_, select, update

from exchange import notifications, signals
from exchange.errors import Conflict, Forbidden, InvalidInput, NotFound, Text
from exchange.extensions import db
from exchange.listings import access as listings
from exchange.listings.models import BedsSource, Listing, ListingKind
from exchange.profiles import authz
from exchange.profiles.models import Membership, MembershipStatus, Organization, Role, User

from .counts import current_counts, lock_counts, published_free
from .models import BedTransfer, Shelter, TransferStatus
from .publication import publish

REQUESTER_ROLES = frozenset({Role.OFFICIAL, Role.CASEWORKER, Role.ADMIN})
PROVIDER_ROLES = frozenset({Role.OFFICIAL, Role.ADMIN})
T = TransferStatus


# The state a request is in, for the 409 when it cannot be decided any more.
_STATUS_WORDS = {
    "requested": Text("requested"),
    "accepted": Text("accepted"),
    "declined": Text("declined"),
    "released": Text("released"),
    "withdrawn": Text("withdrawn"),
}


def _not_open(transfer) -> Conflict:
    status = _STATUS_WORDS.get(transfer.status, transfer.status)
    return Conflict(Text("The request is %(status)s.", status=status))

def _now() -> datetime:
    return datetime.now(UTC)


def _requesting_organization(actor: User, organization_id: int | None) -> int:
    """The actor's verified organisation holding capacity on whose behalf they ask (the
    beds held are for its persons)."""
    candidates = [
        m.organization
        for m in authz.active_memberships(actor)
        if m.role in REQUESTER_ROLES
        and m.organization.kind in authz.CAPACITY_KINDS
        and m.organization.verified
    ]
    if organization_id is not None:
        candidates = [o for o in candidates if o.id == organization_id]
    if not candidates:
        raise Forbidden("Only officials, caseworkers and admins of a public organisation "
                        "may ask for beds.")
    return sorted(candidates, key=lambda o: o.id)[0].id


def _side_user_ids(organization_id: int, roles=PROVIDER_ROLES) -> list[int]:
    return list(
        db.session.scalars(
            select(Membership.user_id)
            .where(
                Membership.organization_id == organization_id,
                Membership.status == MembershipStatus.ACTIVE,
                Membership.role.in_(sorted(roles)),
            )
            .distinct()
            .order_by(Membership.user_id)
        )
    )


def _payload(transfer: BedTransfer, actor: User | None) -> dict:
    # The organisation that acted (the feed's text names it and links to it).
    acting = transfer.requesting_organization_id
    if actor is None or authz.has_role(actor, transfer.providing_organization_id, PROVIDER_ROLES):
        acting = transfer.providing_organization_id
    listing = db.session.get(Listing, transfer.listing_id)
    return {
        "organization_id": acting,
        "organization_name": db.session.get(Organization, acting).name,
        "title": listing.title if listing is not None else "",
        "transfer_id": transfer.id,
        "listing_id": transfer.listing_id,
        "beds": transfer.beds,
        "until": transfer.until.isoformat(),
        "arrival_date": transfer.arrival_date.isoformat() if transfer.arrival_date else None,
        "status": transfer.status,
        "room_id": transfer.room_id,
        "by": {"id": actor.id, "name": actor.name} if actor is not None else None,
    }


def _notify(user_ids, kind: str, transfer: BedTransfer, actor: User) -> None:
    for user_id in dict.fromkeys(user_ids):
        if user_id is not None and user_id != actor.id:
            notifications.notify(user_id, kind, _payload(transfer, actor))


def _requesting_side(transfer: BedTransfer) -> list[int]:
    return [transfer.requested_by_id,
            *_side_user_ids(transfer.requesting_organization_id)]


def visible_clause(actor: User):
    orgs = authz.organizations_with_role(actor, REQUESTER_ROLES)
    return or_(
        BedTransfer.requesting_organization_id.in_(orgs),
        BedTransfer.providing_organization_id.in_(orgs),
    )


def get_transfer_for(actor: User, transfer_id: int, lock: bool = False) -> BedTransfer:
    """A request seen by staff of either side; anyone else gets 404."""
    authz.require_user(actor)
    stmt = select(BedTransfer).where(BedTransfer.id == transfer_id, visible_clause(actor))
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    transfer = db.session.scalar(stmt)
    if transfer is None:
        raise NotFound()
    return transfer


def request_transfer(
    actor: User,
    listing_id: int,
    beds: int,
    until: date,
    message: str = "",
    organization_id: int | None = None,
    arrival_date: date | None = None,
) -> BedTransfer:
    """District A asks for ``beds`` of listing ``listing_id`` (another organisation's
    published beds listing) from ``arrival_date`` (today when not given) until ``until``.
    B's officials and admins are notified; the chat domain opens the request's thread."""
    authz.require_user(actor)
    requesting_id = _requesting_organization(actor, organization_id)
    listing = listings.get_published_listing_for(actor, listing_id)
    if listing.kind != ListingKind.BEDS:
        raise InvalidInput({"listing_id": "Only free-bed announcements can be asked for."})
    if listing.organization_id == requesting_id:
        raise InvalidInput({"listing_id": "This is your own organisation's listing."})
    if beds < 1:
        raise InvalidInput({"beds": "Must be at least 1."})
    today = date.today()
    arrival_date = arrival_date or today
    if arrival_date < today:
        raise InvalidInput({"arrival_date": "Must not be in the past."})
    if until < today:
        raise InvalidInput({"until": "Must not be in the past."})
    if arrival_date > until:
        raise InvalidInput({"arrival_date": "Must not be after the end date."})
    if (listing.free_beds or 0) < beds:
        raise Conflict("Not as many free beds are published.")
    transfer = BedTransfer(
        listing_id=listing.id,
        requesting_organization_id=requesting_id,
        providing_organization_id=listing.organization_id,
        beds=beds,
        until=until,
        arrival_date=arrival_date,
        message=message.strip(),
        status=T.REQUESTED.value,
        requested_by_id=actor.id,
    )
    db.session.add(transfer)
    db.session.flush()
    recipients = _side_user_ids(listing.organization_id)
    signals.transfer_requested.send(transfer, actor=actor, recipient_ids=recipients)
    db.session.flush()
    _notify(recipients, "transfer_requested", transfer, actor)
    return transfer


def _require_provider(actor: User, transfer: BedTransfer) -> None:
    if not authz.has_role(actor, transfer.providing_organization_id, PROVIDER_ROLES):
        raise Forbidden("Only officials and admins of the offering organisation may decide.")


def _registry_shelter_id(listing: Listing) -> int | None:
    if listing.source == BedsSource.REGISTRY and listing.shelter_id is not None:
        return listing.shelter_id
    return None


def _hold(listing: Listing, beds: int) -> None:
    """Hold (beds > 0) or give back (beds < 0) published beds, under row locks."""
    shelter_id = _registry_shelter_id(listing)
    if shelter_id is not None:
        lock_counts([shelter_id])
        shelter = db.session.get_one(
            Shelter, shelter_id, with_for_update=True, populate_existing=True
        )
        if beds > 0:
            available = 0
            if listing.status in listings.STAFF_VISIBLE:
                available = published_free(current_counts(shelter_id), shelter)
            if available < beds:
                raise Conflict("Not as many free beds are published any more.")
        db.session.execute(
            update(Shelter)
            .where(Shelter.id == shelter_id)
            .values(held_beds=func.greatest(Shelter.held_beds + beds, 0))
        )
        db.session.flush()
        publish([shelter_id])
        return
    locked = db.session.scalars(
        select(Listing)
        .where(Listing.id == listing.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    free = locked.free_beds or 0
    if beds > 0 and (locked.status not in listings.STAFF_VISIBLE or free < beds):
        raise Conflict("Not as many free beds are published any more.")
    locked.free_beds = free - beds
    for column in ("beds_male", "beds_female", "beds_family", "beds_mixed", "accessible_beds"):
        value = getattr(locked, column)
        if value is not None and value > locked.free_beds:
            setattr(locked, column, locked.free_beds)
    db.session.flush()
    signals.listing_changed.send(locked, event="updated", previous_status=locked.status)


def accept_transfer(actor: User, transfer_id: int) -> BedTransfer:
    """B accepts: the beds are held; 409 when B no longer publishes that many."""
    transfer = get_transfer_for(actor, transfer_id, lock=True)
    _require_provider(actor, transfer)
    if transfer.status != T.REQUESTED:
        raise _not_open(transfer)
    if transfer.until < date.today():
        raise Conflict("The request's date has passed.")
    listing = db.session.get(Listing, transfer.listing_id)
    _hold(listing, transfer.beds)
    transfer.status = T.ACCEPTED.value
    transfer.decided_by_id = actor.id
    transfer.decided_at = _now()
    db.session.flush()
    _notify(_requesting_side(transfer), "transfer_accepted", transfer, actor)
    return transfer


def decline_transfer(actor: User, transfer_id: int, reason: str = "") -> BedTransfer:
    """B declines, with a reason for A."""
    transfer = get_transfer_for(actor, transfer_id, lock=True)
    _require_provider(actor, transfer)
    if transfer.status != T.REQUESTED:
        raise _not_open(transfer)
    transfer.status = T.DECLINED.value
    transfer.reason = reason.strip() or None
    transfer.decided_by_id = actor.id
    transfer.decided_at = _now()
    db.session.flush()
    _notify(_requesting_side(transfer), "transfer_declined", transfer, actor)
    return transfer


def may_decide(actor: User, transfer: BedTransfer) -> bool:
    """Whether ``actor`` may accept or decline ``transfer`` now (an open request, asked of
    an organisation where they are an official or admin)."""
    return transfer.status == T.REQUESTED and authz.has_role(
        actor, transfer.providing_organization_id, PROVIDER_ROLES)


def may_withdraw(actor: User, transfer: BedTransfer) -> bool:
    """Whether ``actor`` may take ``transfer`` back: an open request of their side."""
    return transfer.status == T.REQUESTED and (
        transfer.requested_by_id == actor.id
        or authz.has_role(actor, transfer.requesting_organization_id, REQUESTER_ROLES))


def may_release(actor: User, transfer: BedTransfer) -> bool:
    """Whether ``actor`` may give held beds back (either side of an accepted request)."""
    return transfer.status == T.ACCEPTED


def withdraw_transfer(actor: User, transfer_id: int) -> BedTransfer:
    """The asking side takes an open request back; B's officials and admins are told."""
    transfer = get_transfer_for(actor, transfer_id, lock=True)
    if transfer.status != T.REQUESTED:
        raise _not_open(transfer)
    if not may_withdraw(actor, transfer):
        raise Forbidden("Only the asking organisation may withdraw its request.")
    transfer.status = T.WITHDRAWN.value
    transfer.withdrawn_at = _now()
    db.session.flush()
    _notify(_side_user_ids(transfer.providing_organization_id), "transfer_withdrawn",
            transfer, actor)
    return transfer


def _release(transfer: BedTransfer, actor: User | None) -> None:
    listing = db.session.get(Listing, transfer.listing_id)
    _hold(listing, -transfer.beds)
    transfer.status = T.RELEASED.value
    transfer.released_at = _now()
    db.session.flush()


def release_transfer(actor: User, transfer_id: int) -> BedTransfer:
    """Either side ends an accepted request before its date: the beds are published again."""
    transfer = get_transfer_for(actor, transfer_id, lock=True)
    if transfer.status != T.ACCEPTED:
        raise _not_open(transfer)
    _release(transfer, actor)
    others = (
        _side_user_ids(transfer.providing_organization_id)
        if authz.has_role(actor, transfer.requesting_organization_id, REQUESTER_ROLES)
        else _requesting_side(transfer)
    )
    _notify(others, "transfer_released", transfer, actor)
    return transfer


def release_due_transfers(today: date | None = None) -> int:
    """Release every accepted request whose date has passed (cron:
    `exchange release-transfers`); each in id order, under the same locks."""
    today = today or date.today()
    ids = list(
        db.session.scalars(
            select(BedTransfer.id)
            .where(BedTransfer.status == T.ACCEPTED, BedTransfer.until < today)
            .order_by(BedTransfer.id)
        )
    )
    released = 0
    for transfer_id in ids:
        transfer = db.session.scalar(
            select(BedTransfer)
            .where(BedTransfer.id == transfer_id, BedTransfer.status == T.ACCEPTED)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if transfer is None:
            continue
        _release(transfer, None)
        for user_id in dict.fromkeys(
            [*_requesting_side(transfer), *_side_user_ids(transfer.providing_organization_id)]
        ):
            if user_id is not None:
                notifications.notify(user_id, "transfer_released", _payload(transfer, None))
        released += 1
    return released
