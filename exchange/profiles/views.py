"""HTML pages of accounts: login (with the second factor and its setup), logout,
registration, one's profile, accepting an invitation, the language switch."""

from __future__ import annotations

from urllib.parse import urlparse

import segno
from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from marshmallow import ValidationError

from exchange.errors import ServiceError, flash_errors, localise
from exchange.extensions import db
from exchange.profiles import (
    accounts,
    auth,
    authz,
    invitations,
    login_sessions,
    memberships,
    organizations,
)
from exchange.profiles import (
    second_factor as two_factor,
)
from exchange.profiles.schemas import ProfileArgs

bp = Blueprint("profiles_views", __name__, template_folder="templates")


def _client_address() -> str:
    return (request.remote_addr or "unknown")[:64]


def _safe_next(target: str | None) -> str:
    """Only redirect within this site after login."""
    if target and urlparse(target).netloc == "" and target.startswith("/"):
        return target
    return url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "POST":
        try:
            user = accounts.authenticate(
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
            two_factor.verify_second_factor(user, request.form.get("code", ""), _client_address())
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
            codes = two_factor.confirm_totp(user, request.form.get("code", ""), _client_address())
            if half:  # 401 (and nothing set up) when the challenge was used meanwhile
                auth.finish_second_factor(user)
        except ServiceError as error:
            _wrong_code(error)
            return _setup_page(user), error.status, _retry_after(error)
        session.pop("totp_setup_user", None)
        if not half and session.get("login_session"):
            login_sessions.mark_second_factor(session["login_session"])
        return render_template("profiles/recovery_codes.html", codes=codes,
                               next=_safe_next(request.args.get("next")))
    # A new secret for every setup this browser starts: one shown to anybody else (who
    # knew the password and began a setup too) is never reused.
    if session.get("totp_setup_user") != user.id or not user.totp_secret:
        two_factor.begin_totp_setup(user)
        session["totp_setup_user"] = user.id
    return _setup_page(user)


def _setup_page(user):
    uri = two_factor.totp_uri(user)
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
    joinable = organizations.joinable_organizations()
    if request.method == "POST":
        organization_id = request.form.get("organization_id") or None
        try:
            organization_id = int(organization_id) if organization_id else None
            accounts.register(
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
            return render_template("profiles/register.html", organizations=joinable), 422
        # The same answer for a new and a known e-mail (the owner of a known one gets an
        # e-mail): nobody is signed in here, a new landlord signs in next.
        flash(localise(accounts.registration_message(organization_id)), "info")
        return redirect(url_for("profiles_views.login"))
    return render_template("profiles/register.html", organizations=joinable)


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
            "show_email": request.form.get("show_email") == "on",
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
        accounts.update_profile(current_user, changes)
        # One's job title in each organisation (shown in the directory).
        for membership in authz.active_memberships(current_user):
            field = f"function-{membership.organization_id}"
            if field in request.form:
                memberships.set_own_function(current_user, membership.organization_id,
                                             request.form[field][:200])
        flash(_("Profile saved."), "info")
        return redirect(url_for("profiles_views.profile"))
    return render_template("profiles/profile.html")


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    """The page of an invitation link: name and a new password (or the password of the
    existing account), then signed in (with the second factor where it is due)."""
    try:
        invitation = invitations.invitation_for_token(token)
    except ServiceError:
        return render_template("profiles/invitation.html", invitation=None), 404
    has_account = accounts.find_user_by_email(invitation.email) is not None
    if request.method == "POST":
        try:
            user = invitations.accept_invitation(
                token, request.form.get("name", ""), request.form.get("password", ""),
                _client_address(),
            )
        except ServiceError as error:
            db.session.rollback()
            flash_errors(error)
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
            accounts.update_profile(current_user, {"locale": locale})
    return redirect(_safe_next(request.form.get("next")))
