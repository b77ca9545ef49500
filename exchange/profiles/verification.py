"""Landlord verification: officials of a municipality or district (within reach) verify or
reject a landlord organisation with a reason; its members are told."""

from __future__ import annotations

from exchange import signals
from exchange.db import utcnow
from exchange.errors import Conflict, Forbidden, InvalidInput, NotFound
from exchange.extensions import db
from exchange.profiles import authz
from exchange.profiles.models import Organization, OrganizationKind, Role, User

VERIFYING_KINDS = frozenset({OrganizationKind.MUNICIPALITY, OrganizationKind.DISTRICT})


def may_verify(actor: User, organization: Organization) -> bool:
    """Officials of a (verified) municipality or district verify landlords: those placed
    under an organisation (parent_id) only from within its reach, those without one
    (self-registered) from any. Platform admins may too."""
    if organization.kind != OrganizationKind.LANDLORD:
        return False
    if actor.is_platform_admin:
        return True
    offices = {
        m.organization_id
        for m in authz.active_memberships(actor)
        if m.role == Role.OFFICIAL
        and m.organization.kind in VERIFYING_KINDS
        and m.organization.verified
    }
    if not offices:
        return False
    if organization.parent_id is None:
        return True
    return organization.parent_id in authz.descendants_and_self(offices)


def decide_verification(
    actor: User, organization_id: int, decision: str, reason: str | None
) -> Organization:
    """Verify or reject a landlord organisation, with a reason (required to reject). A new
    decision replaces the last one; the organisation's members are notified."""
    organization = db.session.get(
        Organization, organization_id, with_for_update=True, populate_existing=True
    )
    if organization is None:
        raise NotFound()
    if organization.kind != OrganizationKind.LANDLORD:
        raise Conflict("Only landlord organisations are verified.")
    if not may_verify(actor, organization):
        raise Forbidden("Only an official of a municipality or district may verify landlords.")
    reason = (reason or "").strip() or None
    if decision == "reject" and reason is None:
        raise InvalidInput({"reason": "Give a reason for the rejection."})
    organization.verified = decision == "verify"
    organization.verification_reason = reason
    organization.verification_decided_at = utcnow()
    organization.verification_decided_by_id = actor.id
    db.session.flush()
    signals.organization_verification_decided.send(organization)
    return organization
