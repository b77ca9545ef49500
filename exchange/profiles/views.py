"""HTML pages of the profiles domain: start, login, registration, profile, directory."""

from __future__ import annotations

from urllib.parse import urlparse

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from marshmallow import ValidationError

from exchange.errors import ServiceError
from exchange.extensions import db
from exchange.profiles import auth, services
from exchange.profiles.models import Organization, OrganizationKind
from exchange.profiles.schemas import ProfileArgs

bp = Blueprint("profiles_views", __name__, template_folder="templates")


def _safe_next(target: str | None) -> str:
    """Only redirect within this site after login."""
    if target and urlparse(target).netloc == "" and target.startswith("/"):
        return target
    return url_for("profiles_views.index")


@bp.get("/")
@login_required
def index():
    return render_template("profiles/index.html")


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
            flash(_("Too many failed attempts. Please wait a few minutes.")
                  if error.status == 429 else _("E-mail or password is wrong."), "error")
            return render_template("profiles/login.html"), error.status
        auth.sign_in(user)
        db.session.commit()
        return redirect(_safe_next(request.args.get("next")))
    return render_template("profiles/login.html")


@bp.post("/logout")
@login_required
def logout():
    auth.sign_out()
    db.session.commit()
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
            user, membership = services.register(
                request.form.get("email", ""),
                request.form.get("password", ""),
                request.form.get("name", ""),
                int(organization_id) if organization_id else None,
            )
        except ServiceError as error:
            db.session.rollback()
            for messages in (error.errors or {}).get("json", {}).values():
                for message in messages:
                    flash(message, "error")
            if not error.errors:
                flash(error.message, "error")
            return render_template("profiles/register.html", organizations=organizations), 422
        if membership.status == "active":
            auth.sign_in(user)
            db.session.commit()
            flash(_("Welcome! Your landlord account is ready."), "info")
            return redirect(url_for("profiles_views.index"))
        db.session.commit()
        flash(_("Thank you. An administrator of the organisation will approve your request."),
              "info")
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
        try:
            changes = ProfileArgs().load(changes)
        except ValidationError as error:
            for field, messages in error.messages.items():
                flash(f"{field}: {messages}", "error")
            return render_template("profiles/profile.html"), 422
        services.update_profile(current_user, changes)
        db.session.commit()
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
    page = services.list_organizations(kind, q, None, 500, None)
    return render_template("profiles/directory.html", page=page, kind=kind, q=q or "")


@bp.get("/directory/<int:organization_id>")
@login_required
def organization(organization_id: int):
    try:
        org = services.get_organization(organization_id)
    except ServiceError:
        abort(404)
    return render_template(
        "profiles/organization.html", org=org, members=services.members_of(org.id)
    )


@bp.post("/language")
def set_language():
    """Switch the UI language (stored in the session and, when signed in, the profile)."""
    locale = request.form.get("locale")
    if locale in ("de", "en"):
        session["locale"] = locale
        if current_user.is_authenticated:
            services.update_profile(current_user, {"locale": locale})
            db.session.commit()
    return redirect(_safe_next(request.form.get("next")))
