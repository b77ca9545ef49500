"""Reading transfer requests: the lists of the API and the /transfers page, what waits on
a start page, and who sees the navigation's "Requests" (writing them: transfers.py)."""

from __future__ import annotations

from sqlalchemy import select

from exchange.errors import InvalidInput
from exchange.extensions import db
from exchange.pagination import Page, page_by_id
from exchange.profiles import authz
from exchange.profiles.models import Organization, User

from .models import BedTransfer
from .transfers import PROVIDER_ROLES, REQUESTER_ROLES, T, visible_clause


def _direction_clause(actor: User, direction: str | None):
    authz.require_user(actor)
    orgs = authz.organizations_with_role(actor, REQUESTER_ROLES)
    if direction == "incoming":
        return BedTransfer.providing_organization_id.in_(orgs)
    if direction == "outgoing":
        return BedTransfer.requesting_organization_id.in_(orgs)
    if direction in (None, ""):
        return visible_clause(actor)
    raise InvalidInput({"direction": "Must be one of: incoming, outgoing."})


def list_transfers(
    actor: User, direction: str | None, limit: int, cursor: str | None
) -> Page:
    """Requests of my organisations: ``incoming`` (asked of us), ``outgoing`` (we asked)."""
    stmt = select(BedTransfer).where(_direction_clause(actor, direction))
    return page_by_id(stmt, BedTransfer.id, limit, cursor)


def recent_transfers(actor: User, direction: str | None, limit: int) -> list[BedTransfer]:
    """The newest ``limit`` requests of my organisations, newest first (the /transfers
    page: what was asked last matters most, and older ones must not push it off)."""
    stmt = select(BedTransfer).where(_direction_clause(actor, direction))
    return list(db.session.scalars(stmt.order_by(BedTransfer.id.desc()).limit(limit)))


def organization_names(transfers) -> dict[int, str]:
    ids = {t.requesting_organization_id for t in transfers} | {
        t.providing_organization_id for t in transfers
    }
    if not ids:
        return {}
    return dict(db.session.execute(
        select(Organization.id, Organization.name).where(Organization.id.in_(ids))
    ).all())


def open_incoming(actor: User, limit: int = 10) -> list[BedTransfer]:
    """Open requests asked of organisations where ``actor`` decides (officials and admins):
    what waits for their answer, oldest first (the start page)."""
    deciding = sorted(authz.organizations_with_role(actor, PROVIDER_ROLES))
    if not deciding:
        return []
    return list(db.session.scalars(
        select(BedTransfer)
        .where(BedTransfer.providing_organization_id.in_(deciding),
               BedTransfer.status == T.REQUESTED)
        .order_by(BedTransfer.id)
        .limit(limit)
    ))


def may_answer_requests(actor: User) -> bool:
    """Whether ``actor`` asks for or answers bed requests at all (the navigation's
    "Requests"): staff of a public organisation that holds capacity."""
    return any(
        m.role in REQUESTER_ROLES and m.organization.kind in authz.CAPACITY_KINDS
        for m in authz.active_memberships(actor)
    )


def transfer_of_room(actor: User, room_id: int) -> BedTransfer | None:
    """The request whose chat thread ``room_id`` is, if ``actor`` sees it (the room shows
    the request and its actions)."""
    return db.session.scalar(
        select(BedTransfer)
        .where(BedTransfer.room_id == room_id, visible_clause(actor))
        .order_by(BedTransfer.id)
        .limit(1)
    )
