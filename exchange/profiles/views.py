"""HTML pages of the profiles domain: start, login (with the second factor), registration,
profile, directory, an organisation's member administration, invitations, verification."""

from __future__ import annotations

from urllib.parse import urlparse

import segno
from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from marshmallow import ValidationError

from exchange import mail
from exchange.db import utcnow
from exchange.errors import ServiceError, localise
from exchange.extensions import db
from exchange.profiles import auth, authz, services
from exchange.profiles.models import MembershipStatus, Organization, OrganizationKind, Role
from exchange.profiles.schemas import ProfileArgs

bp = Blueprint("profiles_views", __name__, template_folder="templates")


def _client_address() -> str:
    return (request.remote_addr or "unknown")[:64]


def _flash_errors(error: ServiceError) -> None:
    messages = [m for ms in (error.errors or {}).get("json", {}).values() for m in ms]
    for message in messages or [error.message]:
        flash(message, "error")


def _safe_next(target: str | None) -> str:
    """Only redirect within this site after login."""
    if target and urlparse(target).netloc == "" and target.startswith("/"):
        return target
    return url_for("profiles_views.index")


@bp.get("/")
@login_required
def index():
    """The start page per role. The blocks' data comes from the domains that own it,
    imported here (not at module level: profiles sits below them)."""
    from exchange.profiles import start

    roles = start.roles_of(current_user)
    blocks: dict = {}
    if Role.OFFICIAL.value in roles:
        from exchange.capacity import start as capacity_start
        from exchange.listings import start as listings_start

        blocks["official"] = {
            "region": capacity_start.region_figures(current_user),
            "offers": listings_start.newest_offers(current_user),
            "requests": listings_start.open_requests(current_user),
        }
    if Role.CASEWORKER.value in roles:
        from exchange.capacity import start as capacity_start

        blocks["caseworker"] = capacity_start.casework_figures(current_user)
    if Role.LANDLORD.value in roles:
        from exchange.chat import read_state as chat
        from exchange.listings import start as listings_start

        mine = listings_start.my_listings(current_user)
        blocks["landlord"] = {"listings": mine, "expiring": listings_start.expiring_soon(mine),
                              "unread": chat.unread_total(current_user)}
    if Role.ADMIN.value in roles:
        blocks["admin"] = start.admin_figures(current_user)
    return render_template("profiles/index.html", blocks=blocks)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "POST":
        try:
            user = services.authenticate(
                request.form.get("email", ""), request.form.get("password", ""),
                (request.remote_addr or "unknown")[:64],
            )
        except ServiceError as error:
            db.session.rollback()
            flash(error.message if error.status == 429 else _("E-mail or password is wrong."),
                  "error")
            return render_template("profiles/login.html"), error.status, _retry_after(error)
        return _after_password(user)
    return render_template("profiles/login.html")


def _after_password(user):
    """Signed in, or on to the second factor (setting it up first where it is due)."""
    answer = auth.after_password(user)
    target = request.args.get("next")
    if answer.get("second_factor") == "enroll":
        return redirect(url_for("profiles_views.second_factor_setup", next=target))
    if answer.get("second_factor") == "required":
        return redirect(url_for("profiles_views.second_factor", next=target))
    return redirect(_safe_next(target))


def _retry_after(error: ServiceError) -> dict[str, str]:
    """The Retry-After header of a throttled attempt (none for other errors)."""
    seconds = getattr(error, "retry_after", None)
    return {"Retry-After": str(seconds)} if seconds else {}


def _wrong_code(error: ServiceError):
    db.session.rollback()
    if error.status == 429:
        flash(error.message, "error")
    else:
        flash(_("This code is not valid. Check the time on your device and try again."),
              "error")


@bp.route("/login/2fa", methods=["GET", "POST"])
def second_factor():
    """The second step of signing in: a code from the authenticator app, or a recovery
    code."""
    pending = auth.pending_user()
    if pending is None:
        return redirect(url_for("profiles_views.login", next=request.args.get("next")))
    user, stage = pending
    if stage == "enroll":
        return redirect(url_for("profiles_views.second_factor_setup",
                                next=request.args.get("next")))
    if request.method == "POST":
        try:
            services.verify_second_factor(user, request.form.get("code", ""), _client_address())
            auth.finish_second_factor(user)  # 401 when the challenge was used meanwhile
        except ServiceError as error:
            _wrong_code(error)
            return (render_template("profiles/second_factor.html"), error.status,
                    _retry_after(error))
        return redirect(_safe_next(request.args.get("next")))
    return render_template("profiles/second_factor.html")


@bp.route("/2fa/setup", methods=["GET", "POST"])
def second_factor_setup():
    """Set up TOTP: at the first login of those who must (half-signed-in), or from the
    profile for everyone else. Shows the secret, its otpauth URI and a QR code, then takes
    a first code and shows the recovery codes once."""
    if current_user.is_authenticated:
        user, half = current_user._get_current_object(), False
    else:
        pending = auth.pending_user()
        if pending is None:
            return redirect(url_for("profiles_views.login"))
        user, half = pending[0], True
        if pending[1] != "enroll":
            return redirect(url_for("profiles_views.second_factor",
                                    next=request.args.get("next")))
    if user.totp_enabled_at is not None:
        flash(_("Two-factor sign-in is set up already."), "info")
        return redirect(url_for("profiles_views.profile"))
    if request.method == "POST" and session.get("totp_setup_user") == user.id:
        try:
            codes = services.confirm_totp(user, request.form.get("code", ""), _client_address())
            if half:  # 401 (and nothing set up) when the challenge was used meanwhile
                auth.finish_second_factor(user)
        except ServiceError as error:
            _wrong_code(error)
            return _setup_page(user), error.status, _retry_after(error)
        session.pop("totp_setup_user", None)
        if not half and session.get("login_session"):
            services.mark_second_factor(session["login_session"])
        return render_template("profiles/recovery_codes.html", codes=codes,
                               next=_safe_next(request.args.get("next")))
    # A new secret for every setup this browser starts: one shown to anybody else (who
    # knew the password and began a setup too) is never reused.
    if session.get("totp_setup_user") != user.id or not user.totp_secret:
        services.begin_totp_setup(user)
        session["totp_setup_user"] = user.id
    return _setup_page(user)


def _setup_page(user):
    uri = services.totp_uri(user)
    qr = Markup(segno.make(uri, error="m").svg_inline(scale=4, omitsize=False))
    return render_template("profiles/second_factor_setup.html", secret=user.totp_secret,
                           otpauth_uri=uri, qr=qr)


@bp.post("/logout")
@login_required
def logout():
    auth.sign_out()
    flash(_("You have been logged out."), "info")
    return redirect(url_for("profiles_views.login"))


@bp.route("/register", methods=["GET", "POST"])
def register():
    organizations = db.session.scalars(
        db.select(Organization)
        .where(Organization.kind != OrganizationKind.LANDLORD.value)
        .order_by(Organization.name)
    ).all()
    if request.method == "POST":
        organization_id = request.form.get("organization_id") or None
        try:
            organization_id = int(organization_id) if organization_id else None
            services.register(
                request.form.get("email", ""),
                request.form.get("password", ""),
                request.form.get("name", ""),
                organization_id,
            )
        except ValueError:
            abort(400)
        except ServiceError as error:
            db.session.rollback()
            for messages in (error.errors or {}).get("json", {}).values():
                for message in messages:
                    flash(message, "error")
            if not error.errors:
                flash(error.message, "error")
            return render_template("profiles/register.html", organizations=organizations), 422
        # The same answer for a new and a known e-mail (the owner of a known one gets an
        # e-mail): nobody is signed in here, a new landlord signs in next.
        flash(localise(services.registration_message(organization_id)), "info")
        return redirect(url_for("profiles_views.login"))
    return render_template("profiles/register.html", organizations=organizations)


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    if request.method == "POST":
        changes = {
            "name": request.form.get("name", current_user.name).strip() or current_user.name,
            "bio": request.form.get("bio", ""),
            "phone": request.form.get("phone", ""),
            "languages": [x for x in request.form.get("languages", "").lower().split() if x],
            "topics": [x.strip() for x in request.form.get("topics", "").split(",") if x.strip()],
            "email_notifications": request.form.get("email_notifications") == "on",
        }
        if "email_kinds" in request.form:  # the per-kind e-mail opt-out: shown but unticked
            on = set(request.form.getlist("email_kind_on"))
            changes["email_muted_kinds"] = sorted(
                {k for k in request.form.getlist("email_kinds") if k not in on}
            )
        try:
            changes = ProfileArgs().load(changes)
        except ValidationError as error:
            for messages in error.messages.values():
                for message in messages if isinstance(messages, list) else [messages]:
                    flash(localise(message) if isinstance(message, str) else str(message),
                          "error")
            return render_template("profiles/profile.html"), 422
        services.update_profile(current_user, changes)
        flash(_("Profile saved."), "info")
        return redirect(url_for("profiles_views.profile"))
    return render_template("profiles/profile.html")


@bp.get("/directory")
@login_required
def directory():
    kind = request.args.get("kind") or None
    if kind and kind not in {k.value for k in OrganizationKind}:
        abort(404)
    q = request.args.get("q") or None
    ags = request.args.get("ags") or None
    if ags and not (ags.isdigit() and len(ags) <= 12):
        abort(404)
    parent_id = request.args.get("parent_id", type=int)
    page = services.list_organizations(kind, q, parent_id, 500, None, ags=ags)
    # The participating municipalities (and other organisations with a place) on a map.
    from flask import current_app

    from exchange.geo import point_to_dict

    places = []
    for org in page.items:
        point = point_to_dict(org.location) if org.location is not None else None
        if point:
            places.append({
                "id": org.id, "name": org.name, "kind": org.kind, **point,
                "url": url_for("profiles_views.organization", organization_id=org.id),
            })
    page_config = {
        "api": "/api/v1",
        "tile_url": current_app.config.get("MAP_TILE_URL") or "",
        "tile_attribution": current_app.config.get("MAP_TILE_ATTRIBUTION") or "",
        "outline_url": url_for("static", filename="geo/germany.json"),
        "places": places,
    }
    return render_template("profiles/directory.html", page=page, kind=kind, q=q or "",
                           ags=ags or "", parent_id=parent_id, page_config=page_config)


@bp.get("/directory/<int:organization_id>")
@login_required
def organization(organization_id: int):
    try:
        org = services.get_organization(organization_id)
    except ServiceError:
        abort(404)
    return render_template(
        "profiles/organization.html", org=org,
        members=services.members_of(org.id)
        if services.may_list_members(current_user, org.id) else None,
        contact=services.contact_of(org),
        can_verify=services.can_verify(current_user, org),
        is_admin=authz.is_org_admin(current_user, org.id),
    )


@bp.post("/directory/<int:organization_id>/verify")
@login_required
def verify_organization(organization_id: int):
    """An official verifies or rejects a landlord organisation with a reason."""
    try:
        org = services.decide_verification(
            current_user, organization_id, request.form.get("decision", ""),
            request.form.get("reason"),
        )
    except ServiceError as error:
        db.session.rollback()
        if error.status == 404:
            abort(404)
        _flash_errors(error)
        return redirect(url_for("profiles_views.organization", organization_id=organization_id))
    flash(_("%(name)s is verified now.", name=org.name) if org.verified
          else _("%(name)s was rejected.", name=org.name), "info")
    return redirect(url_for("profiles_views.organization", organization_id=organization_id))


# --- member administration ---------------------------------------------------------------


def _administered(organization_id: int) -> Organization:
    org = db.session.get(Organization, organization_id)
    if org is None or not authz.is_org_admin(current_user, org.id):
        abort(404)
    return org


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
    everyone = services.memberships_of(current_user, org.id, None)
    return render_template(
        "profiles/members.html",
        org=org,
        members=[m for m in everyone if m.status != MembershipStatus.PENDING],
        pending=[m for m in everyone if m.status == MembershipStatus.PENDING],
        invitations=services.open_invitations(current_user, org.id),
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
    back = redirect(url_for("profiles_views.members", organization_id=org.id))
    try:
        user_id = int(form.get("user_id") or 0)
        if action == "invite":
            invitation, raw = services.invite(
                current_user, org.id, form.get("email", ""), form.get("role", "")
            )
            mailed = services.mail_invitation(invitation, raw, current_user)
            if mailed:
                flash(_("Invitation sent to %(email)s.", email=invitation.email), "info")
            else:
                flash(_("Invitation created. This server sends no e-mail: pass this one-time "
                        "link on to %(email)s yourself.", email=invitation.email), "info")
                flash(services.invitation_link(raw), "invitation-link")
            return back
        if action == "approve":
            membership = services.approve_member(current_user, org.id, user_id)
            message = _("%(name)s is a member now.", name=membership.user.name)
        elif action == "reject":
            services.reject_member(current_user, org.id, user_id)
            message = _("The request was rejected.")
        elif action == "role":
            membership = services.update_member(current_user, org.id, user_id,
                                                role=form.get("role", ""))
            message = _("The role of %(name)s was changed.", name=membership.user.name)
        elif action in ("disable", "enable"):
            status = "disabled" if action == "disable" else "active"
            membership = services.update_member(current_user, org.id, user_id, status=status)
            message = (_("%(name)s is disabled in this organisation: what it allowed them "
                         "stops now.", name=membership.user.name) if action == "disable"
                       else _("%(name)s is active again.", name=membership.user.name))
        elif action == "function":
            membership = services.update_member(current_user, org.id, user_id,
                                                function=form.get("function", "")[:200])
            message = _("The function of %(name)s was saved.", name=membership.user.name)
        elif action in ("contact", "clear_contact"):
            services.set_contact(current_user, org.id, user_id if action == "contact" else None)
            message = _("The contact person was saved.")
        elif action == "revoke":
            services.revoke_invitation(current_user, org.id, int(form.get("invitation_id") or 0))
            message = _("The invitation was revoked.")
        else:
            abort(400)
    except ValueError:
        abort(400)
    except ServiceError as error:
        db.session.rollback()
        _flash_errors(error)
        return back
    flash(message, "info")
    return back


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    """The page of an invitation link: name and a new password (or the password of the
    existing account), then signed in (with the second factor where it is due)."""
    try:
        invitation = services.invitation_for_token(token)
    except ServiceError:
        return render_template("profiles/invitation.html", invitation=None), 404
    has_account = services.find_user_by_email(invitation.email) is not None
    if request.method == "POST":
        try:
            user = services.accept_invitation(
                token, request.form.get("name", ""), request.form.get("password", ""),
                _client_address(),
            )
        except ServiceError as error:
            db.session.rollback()
            _flash_errors(error)
            return render_template("profiles/invitation.html", invitation=invitation,
                                   has_account=has_account), error.status
        response = _after_password(user)  # starts a new session: flash after it
        flash(_("Welcome to %(organization)s!", organization=invitation.organization.name),
              "info")
        return response
    return render_template("profiles/invitation.html", invitation=invitation,
                           has_account=has_account)


@bp.post("/language")
def set_language():
    """Switch the UI language (stored in the session and, when signed in, the profile)."""
    locale = request.form.get("locale")
    if locale in ("de", "en"):
        session["locale"] = locale
        if current_user.is_authenticated:
            services.update_profile(current_user, {"locale": locale})
    return redirect(_safe_next(request.form.get("next")))
