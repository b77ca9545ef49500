"""HTML pages of organisations: the directory with its map, an organisation's page (its
members, contact person and landlord verification) and the member administration of an
organisation's admins (members, join requests, invitations)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from exchange import mail
from exchange.db import utcnow
from exchange.errors import NotFound, ServiceError, flash_errors, form_action
from exchange.extensions import db
from exchange.geo import point_to_dict
from exchange.places import attribution as places_attribution
from exchange.profiles import (
    authz,
    invitations,
    memberships,
    organizations,
    people,
    verification,
)
from exchange.profiles.models import MembershipStatus, Organization, OrganizationKind, Role

bp = Blueprint("organizations_views", __name__, template_folder="templates")


@bp.get("/directory")
@login_required
def directory():
    """The directory: organisations by kind, region (AGS) or name, those with a place on
    a map, and for a search the people found by name, function or organisation with how
    to reach them."""
    kind = request.args.get("kind") or None
    if kind and kind not in {k.value for k in OrganizationKind}:
        abort(404)
    q = request.args.get("q") or None
    ags = request.args.get("ags") or None
    if ags and not (ags.isdigit() and len(ags) <= 12):
        abort(404)
    parent_id = request.args.get("parent_id", type=int)
    page = organizations.list_organizations(kind, q, parent_id, 500, None, ags=ags)
    # The participating municipalities (and other organisations with a place) on a map.
    places = []
    for org in page.items:
        point = point_to_dict(org.location) if org.location is not None else None
        if point:
            places.append({
                "id": org.id, "name": org.name, "kind": org.kind, **point,
                "url": url_for("organizations_views.organization", organization_id=org.id),
            })
    page_config = {
        "api": "/api/v1",
        "tile_url": current_app.config.get("MAP_TILE_URL") or "",
        "tile_attribution": current_app.config.get("MAP_TILE_ATTRIBUTION") or "",
        "places_attribution": places_attribution(),
        "outline_url": url_for("static", filename="geo/germany.json"),
        "places": places,
    }
    found = people.search_people(current_user, q, kind, ags) if q else None
    return render_template("profiles/directory.html", page=page, kind=kind, q=q or "",
                           ags=ags or "", parent_id=parent_id, page_config=page_config,
                           people=found)


@bp.get("/directory/<int:organization_id>")
@login_required
def organization(organization_id: int):
    """An organisation's page: its members (for those who may list them), contact person
    and verification."""
    try:
        org = organizations.get_organization(organization_id)
    except ServiceError:
        abort(404)
    contact = organizations.contact_of(org)
    return render_template(
        "profiles/organization.html", org=org,
        members=organizations.members_of(org.id)
        if organizations.may_list_members(current_user, org.id) else None,
        contact=people.reach(current_user, contact) if contact else None,
        can_verify=verification.may_verify(current_user, org),
        is_admin=authz.is_org_admin(current_user, org.id),
        # Where the "invitation" notification leads: the invitation is accepted here.
        invitations=[i for i in invitations.my_invitations(current_user)
                     if i.organization_id == org.id],
    )


@bp.post("/directory/<int:organization_id>/invitations/<int:invitation_id>/accept")
@login_required
def accept_invitation(organization_id: int, invitation_id: int):
    """A signed-in user accepts an invitation to their e-mail from the organisation's
    page (another's is 404)."""
    form_action(lambda: invitations.accept_my_invitation(current_user, invitation_id),
                _("You joined the organisation."))
    return redirect(url_for("organizations_views.organization", organization_id=organization_id))


@bp.post("/directory/<int:organization_id>/verify")
@login_required
def verify_organization(organization_id: int):
    """An official verifies or rejects a landlord organisation with a reason."""
    try:
        org = verification.decide_verification(
            current_user, organization_id, request.form.get("decision", ""),
            request.form.get("reason"),
        )
    except ServiceError as error:
        db.session.rollback()
        if error.status == 404:
            abort(404)
        flash_errors(error)
        return redirect(url_for("organizations_views.organization",
                                organization_id=organization_id))
    flash(_("%(name)s is verified now.", name=org.name) if org.verified
          else _("%(name)s was rejected.", name=org.name), "info")
    return redirect(url_for("organizations_views.organization", organization_id=organization_id))


# --- member administration ---------------------------------------------------------------


def _administered(organization_id: int) -> Organization:
    try:
        return organizations.get_administered_organization_for(current_user, organization_id)
    except NotFound:
        abort(404)


def _roles_for(org: Organization) -> list[str]:
    if org.kind == OrganizationKind.LANDLORD:
        return [Role.ADMIN.value, Role.LANDLORD.value]
    return [Role.ADMIN.value, Role.OFFICIAL.value, Role.CASEWORKER.value]


@bp.get("/organizations/<int:organization_id>/members")
@login_required
def members(organization_id: int):
    """An organisation's admin page: members with role and status, pending requests,
    open invitations and the invitation form."""
    org = _administered(organization_id)
    everyone = memberships.memberships_of(current_user, org.id, None)
    return render_template(
        "profiles/members.html",
        org=org,
        members=[m for m in everyone if m.status != MembershipStatus.PENDING],
        pending=[m for m in everyone if m.status == MembershipStatus.PENDING],
        invitations=invitations.open_invitations(current_user, org.id),
        roles=_roles_for(org),
        now=utcnow(),
        mail_enabled=mail.enabled(),
    )


@bp.post("/organizations/<int:organization_id>/members")
@login_required
def manage_members(organization_id: int):
    """The forms of the admin page, one ``action`` each."""
    org = _administered(organization_id)
    action = request.form.get("action", "")
    form = request.form
    back = redirect(url_for("organizations_views.members", organization_id=org.id))
    try:
        user_id = int(form.get("user_id") or 0)
        if action == "invite":
            invitation, raw = invitations.invite(
                current_user, org.id, form.get("email", ""), form.get("role", "")
            )
            mailed = invitations.mail_invitation(invitation, raw, current_user)
            if mailed:
                flash(_("Invitation sent to %(email)s.", email=invitation.email), "info")
            else:
                flash(_("Invitation created. This server sends no e-mail: pass this one-time "
                        "link on to %(email)s yourself.", email=invitation.email), "info")
                flash(invitations.invitation_link(raw), "invitation-link")
            return back
        if action == "approve":
            membership = memberships.approve_member(current_user, org.id, user_id)
            message = _("%(name)s is a member now.", name=membership.user.name)
        elif action == "reject":
            memberships.reject_member(current_user, org.id, user_id)
            message = _("The request was rejected.")
        elif action == "role":
            membership = memberships.update_member(current_user, org.id, user_id,
                                                role=form.get("role", ""))
            message = _("The role of %(name)s was changed.", name=membership.user.name)
        elif action in ("disable", "enable"):
            status = "disabled" if action == "disable" else "active"
            membership = memberships.update_member(current_user, org.id, user_id, status=status)
            message = (_("%(name)s is disabled in this organisation: what it allowed them "
                         "stops now.", name=membership.user.name) if action == "disable"
                       else _("%(name)s is active again.", name=membership.user.name))
        elif action == "function":
            membership = memberships.update_member(current_user, org.id, user_id,
                                                function=form.get("function", "")[:200])
            message = _("The function of %(name)s was saved.", name=membership.user.name)
        elif action in ("contact", "clear_contact"):
            contact_id = user_id if action == "contact" else None
            organizations.set_contact(current_user, org.id, contact_id)
            message = _("The contact person was saved.")
        elif action == "revoke":
            invitations.revoke_invitation(current_user, org.id, int(form.get("invitation_id") or 0))
            message = _("The invitation was revoked.")
        else:
            abort(400)
    except ValueError:
        abort(400)
    except ServiceError as error:
        db.session.rollback()
        flash_errors(error)
        return back
    flash(message, "info")
    return back


