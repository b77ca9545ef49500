"""In-app notifications for events of the profiles domain (membership approved or rejected,
an invitation to an existing account, a landlord verification decision, a concept on a
followed topic).

Profiles sits below listings and cannot call ``notify`` itself, so it sends signals and the
receivers here write the notifications (pushed over the socket after commit). They live
here only because the notifications table does; a notifications module of its own, shared
by every domain, is future work.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from exchange import signals
from exchange.extensions import db
from exchange.listings.services import notify
from exchange.profiles.models import Membership, MembershipStatus


@signals.membership_approved.connect
def _membership_approved(membership, **_: Any) -> None:
    notify(
        membership.user_id,
        "membership_approved",
        {
            "organization_id": membership.organization_id,
            "organization_name": membership.organization.name,
            "role": membership.role,
        },
    )


@signals.membership_rejected.connect
def _membership_rejected(organization, user_id: int, **_: Any) -> None:
    notify(
        user_id,
        "membership_rejected",
        {"organization_id": organization.id, "organization_name": organization.name},
    )


@signals.invitation_created.connect
def _invitation_created(invitation, user_id: int, **_: Any) -> None:
    notify(
        user_id,
        "invitation",
        {
            "invitation_id": invitation.id,
            "organization_id": invitation.organization_id,
            "organization_name": invitation.organization.name,
            "role": invitation.role,
            "expires_at": invitation.expires_at.isoformat(),
        },
    )


@signals.organization_verification_decided.connect
def _verification_decided(organization, **_: Any) -> None:
    members = db.session.scalars(
        select(Membership.user_id)
        .where(
            Membership.organization_id == organization.id,
            Membership.status == MembershipStatus.ACTIVE,
        )
        .order_by(Membership.user_id)
    ).all()
    kind = "landlord_verified" if organization.verified else "landlord_rejected"
    for user_id in members:
        notify(
            user_id,
            kind,
            {
                "organization_id": organization.id,
                "organization_name": organization.name,
                "reason": organization.verification_reason,
            },
        )


@signals.concept_published.connect
def _concept_published(concept, user_ids: list[int], author, **_: Any) -> None:
    for user_id in user_ids:
        notify(user_id, "concept", {"concept_id": concept.id, "title": concept.title,
                                    "topics": concept.topics, "author": author.name})
