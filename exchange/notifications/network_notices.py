"""In-app notifications for events of the profiles domain (membership approved or rejected,
an invitation to an existing account, a landlord verification decision, a concept on a
followed topic), and what they say.

Profiles sits below notifications and cannot call ``notify`` itself, so it sends signals and
the receivers here write the notifications (pushed over the socket after commit).
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from exchange import signals
from exchange.extensions import db
from exchange.notifications import texts
from exchange.notifications.services import notify
from exchange.notifications.texts import UrlFor
from exchange.profiles.models import Membership, MembershipStatus


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


def _membership_rejected(organization, user_id: int, **_: Any) -> None:
    notify(
        user_id,
        "membership_rejected",
        {"organization_id": organization.id, "organization_name": organization.name},
    )


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


def _concept_published(concept, user_ids: list[int], author, **_: Any) -> None:
    for user_id in user_ids:
        notify(user_id, "concept", {"concept_id": concept.id, "title": concept.title,
                                    "topics": concept.topics, "author": author.name})


def _about_organization(text: Any) -> texts.Describe:
    """A line about the payload's organisation (``text``: lazy, with %(organization)s),
    linking to its page."""

    def describe(payload: dict, url: UrlFor) -> tuple[str, str | None]:
        line = str(text) % {"organization": payload.get("organization_name", "")}
        return line, texts.link(payload, "organization_id", url)

    return describe


def _concept(payload: dict, url: UrlFor) -> tuple[str, str | None]:
    if not payload.get("concept_id"):
        return texts.generic("concept", payload, url)
    return (_("%(name)s wrote “%(title)s” on a topic you follow",
              name=texts.author_name(payload), title=payload.get("title", "")),
            url("concepts_views.concept_page", concept_id=payload["concept_id"]))


def register() -> None:
    """Write the notices of profiles' events and tell the feed their kinds."""
    signals.membership_approved.connect(_membership_approved)
    signals.membership_rejected.connect(_membership_rejected)
    signals.invitation_created.connect(_invitation_created)
    signals.organization_verification_decided.connect(_verification_decided)
    signals.concept_published.connect(_concept_published)
    texts.register_kinds((
        ("membership_approved", _l("Membership approved"),
         _l("You are a member of %(organization)s now")),
        ("membership_rejected", _l("Membership rejected"),
         _l("Your request to join %(organization)s was rejected")),
        ("invitation", _l("Invitation to an organisation"),
         _l("You were invited to %(organization)s")),
        ("landlord_verified", _l("Landlord verified"), _l("%(organization)s is verified")),
        ("landlord_rejected", _l("Landlord rejected"),
         _l("The verification of %(organization)s was rejected")),
    ), _about_organization)
    texts.register_kind("concept", _l("New concept on a topic I follow"), _concept)
