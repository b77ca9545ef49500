"""Writing listings: create, edit, the status machine, confirm and flag.

Every write flushes and announces the change (``signals.listing_changed``, see events.py);
the request commits. Who may do what is asked of access.py.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from flask import current_app

from exchange import notifications, signals
from exchange.db import point_wkt, utcnow
from exchange.errors import Conflict, Forbidden, InvalidInput, NotFound, Text
from exchange.extensions import db
from exchange.i18n import N_
from exchange.profiles.models import User

from . import saved_searches
from .access import (
    creator_organizations,
    lock_listing_for,
    may_flag,
    may_manage,
    may_reserve,
)
from .models import BEDS_FIELDS, FLAT_FIELDS, POLICIES, BedsSource, Listing, ListingKind
from .models import ListingStatus as S
from .notices import listing_ref, owner_recipients

#: The status machine: action → (statuses it may start from, status it leads to).
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "publish": (frozenset({S.DRAFT, S.WITHDRAWN, S.EXPIRED}), S.PUBLISHED),
    "reserve": (frozenset({S.PUBLISHED}), S.RESERVED),
    "let": (frozenset({S.RESERVED}), S.LET),
    "withdraw": (frozenset({S.PUBLISHED, S.RESERVED}), S.WITHDRAWN),
    "expire": (frozenset({S.PUBLISHED}), S.EXPIRED),
}
#: The socket event each action announces (Socket.IO `listing`).
TRANSITION_EVENTS = {
    "publish": "published",
    "reserve": "updated",
    "let": "updated",
    "withdraw": "withdrawn",
    "expire": "withdrawn",
}
PAST_TENSE = {
    "publish": "published",
    "reserve": "reserved",
    "let": "let",
    "withdraw": "withdrawn",
    "expire": "expired",
}
# The words for a status in error messages, in the reader's language (exchange.errors.Text).
_WORDS = {
    "draft": Text("draft"),
    "published": Text("published"),
    "reserved": Text("reserved"),
    "let": Text("let"),
    "withdrawn": Text("withdrawn"),
    "expired": Text("expired"),
}


def _word(status: str) -> str:
    return _WORDS.get(status, status)


def check_kind_fields(kind: str, values: dict) -> None:
    """Fields of the other kind are refused, each by name."""
    foreign = BEDS_FIELDS if kind == ListingKind.FLAT else FLAT_FIELDS
    errors = {
        name: Text("Only for listings of kind %(kind)s.",
                   kind="beds" if kind == ListingKind.FLAT else "flat")
        for name in foreign
        if name in values
    }
    if errors:
        raise InvalidInput(errors)


def set_place(target: object, name: str, value: dict) -> bool:
    """Set ``address`` (its parts given; null as "") or ``location`` ({lat, lon}) as the
    API takes them on the columns of a listing or a shelter. False for any other field."""
    if name == "address":
        for part in ("street", "postal_code", "city"):
            if part in value:
                setattr(target, part, value[part] if value[part] is not None else "")
    elif name == "location":
        target.location = point_wkt(value["lat"], value["lon"])
    else:
        return False
    return True


def apply_fields(listing: Listing, values: dict) -> None:
    """Set the fields as the API takes them (``address`` and ``location`` as dictionaries,
    ``beds_by_policy`` by policy) on the listing's columns."""
    for name, value in values.items():
        if set_place(listing, name, value):
            continue
        if name == "beds_by_policy":
            for policy in POLICIES:
                if policy in (value or {}):
                    setattr(listing, f"beds_{policy}", value[policy])
        else:
            setattr(listing, name, value)


def check_consistency(listing: Listing) -> None:
    """Rules across fields, on the listing as it will be stored."""
    errors: dict[str, str] = {}
    if listing.kind == ListingKind.FLAT:
        if listing.max_occupants is None:
            errors["max_occupants"] = "Missing data for required field."
        if (
            listing.available_from is not None
            and listing.available_until is not None
            and listing.available_until < listing.available_from
        ):
            errors["available_until"] = "Must not be before available_from."
    else:
        if listing.free_beds is None:
            errors["free_beds"] = "Missing data for required field."
    if errors:
        raise InvalidInput(errors)


def create_listing(
    actor: User,
    values: dict,
    *,
    organization_id: int | None = None,
    publish: bool = False,
    source: str = BedsSource.MANUAL,
) -> Listing:
    """A new listing as a draft (or published at once with ``publish``).

    Landlords create flats in their landlord organisation; officials (and org admins)
    create flats and beds for their public organisation. ``values`` holds the fields as
    the API takes them (``address`` and ``location`` as dictionaries).
    """
    kind = values["kind"]
    allowed = creator_organizations(actor, kind)
    if not allowed:
        if kind == ListingKind.BEDS and creator_organizations(actor, ListingKind.FLAT):
            raise Forbidden("Only officials announce free beds.")
        raise Forbidden("Only landlords and officials may create listings.")
    if organization_id is None:
        if len(allowed) > 1:
            raise InvalidInput(
                {"organization_id": "You belong to several organisations: choose one."}
            )
        (organization_id,) = allowed
    elif organization_id not in allowed:
        raise Forbidden("You may not create listings for this organisation.")
    fields_ = {k: v for k, v in values.items() if k != "kind"}
    check_kind_fields(kind, fields_)
    listing = Listing(
        kind=kind,
        status=S.DRAFT,
        organization_id=organization_id,
        owner_id=actor.id,
        source=source if kind == ListingKind.BEDS else None,
        description="",
        street="",
    )
    apply_fields(listing, fields_)
    check_consistency(listing)
    db.session.add(listing)
    db.session.flush()
    if publish:
        transition(listing, "publish", actor)
    else:
        announce(listing, "updated", previous_status=None)
    return listing


def update_listing(actor: User, listing_id: int, changes: dict) -> Listing:
    """Change a listing's fields: its owner, or a manager of the owning organisation."""
    listing = lock_listing_for(actor, listing_id)
    if not may_manage(actor, listing):
        raise Forbidden("Only the owner or an official of the owning organisation may edit.")
    check_kind_fields(listing.kind, changes)
    apply_fields(listing, changes)
    check_consistency(listing)
    db.session.flush()
    announce(listing, "updated", previous_status=listing.status)
    return listing


def change_status(actor: User, listing_id: int, action: str) -> Listing:
    """publish, withdraw, let (owner side) or reserve (an official); 409 when illegal."""
    if action not in TRANSITIONS or action == "expire":
        raise NotFound()
    listing = lock_listing_for(actor, listing_id)
    if action == "reserve":
        if not may_reserve(actor, listing):
            raise Forbidden("Only officials reserve listings.")
    elif not may_manage(actor, listing):
        raise Forbidden("Only the owner or an official of the owning organisation may do this.")
    transition(listing, action, actor)
    return listing


def reserve_listing(actor: User, listing_id: int) -> Listing:
    """An official reserves a listing: the owner side must hear of it and talk with them,
    so ``signals.listing_reserved`` goes to the chat domain (which notifies the owner side
    and opens their conversation). The chat's own request (chat.listing_requests) reserves
    through change_status and does the same itself."""
    listing = change_status(actor, listing_id, "reserve")
    signals.listing_reserved.send(listing, actor=actor)
    return listing


def status_action(actor: User, listing_id: int, action: str) -> Listing:
    """A status change asked for through the API: a reservation also hands the listing
    over to its owner side (reserve_listing)."""
    if action == "reserve":
        return reserve_listing(actor, listing_id)
    return change_status(actor, listing_id, action)


def transition(
    listing: Listing, action: str, actor: User | None, now: datetime | None = None
) -> None:
    """Move a (locked) listing along the status machine, or 409; announced, and a newly
    published one is matched against the saved searches."""
    allowed, target = TRANSITIONS[action]
    if listing.status not in allowed:
        message = Text("A %(status)s listing cannot be %(action)s.",
                       status=_word(listing.status), action=_word(PAST_TENSE[action]))
        raise Conflict(message, field="status")
    now = now or utcnow()
    previous = listing.status
    listing.status = target
    if target == S.PUBLISHED:
        listing.listed_at = now
        listing.reserved_at = None
        listing.reserved_by_id = None
        _renew(listing, now)
    elif action == "reserve":
        listing.reserved_at = now
        listing.reserved_by_id = actor.id if actor else None
    db.session.flush()
    announce(listing, TRANSITION_EVENTS[action], previous_status=previous)
    if target == S.PUBLISHED:
        saved_searches.notify_saved_searches(listing)
    if previous == S.RESERVED and target == S.WITHDRAWN:
        _tell_reserver(listing, actor)


def _tell_reserver(listing: Listing, actor: User | None) -> None:
    """The official who reserved a listing hears that its owner side withdrew it (the
    reservation ends with it)."""
    reserver = listing.reserved_by_id
    if reserver is None or (actor is not None and actor.id == reserver):
        return
    notifications.notify(reserver, "listing_reservation_ended", {
        **listing_ref(listing),
        "by": {"id": actor.id, "name": actor.name} if actor is not None else None,
    })


def _renew(listing: Listing, now: datetime) -> None:
    """Start a new availability period: confirmed now, expiring after LISTING_TTL_DAYS.

    Announcements kept by the registry are current by construction and never expire.
    """
    listing.confirmed_at = now
    listing.expires_at = (
        None
        if listing.source == BedsSource.REGISTRY
        else now + timedelta(days=current_app.config["LISTING_TTL_DAYS"])
    )
    listing.reminded_at = None
    listing.flagged_at = None
    listing.flag_reason = None
    listing.flagged_by_id = None


def _lock_published(actor: User, listing_id: int, may: Callable[[User, Listing], bool],
                    refused: str, not_published: str) -> Listing:
    """The listing, locked, when ``may(actor, listing)`` (else 403 ``refused``) and it is
    published (else 409 ``not_published``, whose ``%(status)s`` names its status)."""
    listing = lock_listing_for(actor, listing_id)
    if not may(actor, listing):
        raise Forbidden(refused)
    if listing.status != S.PUBLISHED:
        raise Conflict(Text(not_published, status=_word(listing.status)), field="status")
    return listing


def confirm_listing(actor: User, listing_id: int) -> Listing:
    """The owner says "still available": renews ``expires_at`` and clears a flag."""
    listing = _lock_published(
        actor, listing_id, may_manage,
        N_("Only the owner or an official of the owning organisation may confirm."),
        N_("Only published listings are confirmed; this one is %(status)s."))
    _renew(listing, utcnow())
    db.session.flush()
    announce(listing, "updated", previous_status=listing.status)
    return listing


def flag_listing(actor: User, listing_id: int, reason: str) -> Listing:
    """An official reports a listing as no longer available: the owner is asked to confirm
    or withdraw, and the listing expires within LISTING_REMINDER_DAYS unless confirmed."""
    listing = _lock_published(
        actor, listing_id, may_flag, N_("Only officials flag listings."),
        N_("Only published listings can be flagged; this one is %(status)s."))
    if listing.flagged_at is not None:
        return listing  # the owner has been asked already
    now = utcnow()
    listing.flagged_at = now
    listing.flag_reason = reason.strip()
    listing.flagged_by_id = actor.id
    deadline = now + timedelta(days=current_app.config["LISTING_REMINDER_DAYS"])
    if listing.expires_at is None or listing.expires_at > deadline:
        listing.expires_at = deadline
    listing.reminded_at = now
    db.session.flush()
    for user_id in owner_recipients(listing):
        notifications.notify(
            user_id,
            "listing_flagged",
            {
                **listing_ref(listing),
                "reason": listing.flag_reason,
                "expires_at": listing.expires_at.isoformat(),
            },
        )
    announce(listing, "updated", previous_status=listing.status)
    return listing


def announce(listing: Listing, event: str, previous_status: str | None) -> None:
    """Tell whoever listens (events.py: the map's sockets) that the flushed listing changed."""
    signals.listing_changed.send(listing, event=event, previous_status=previous_status)
