"""HTML pages of rent limits and matching: a district's limits (its admins: the table,
a form per row, a new row, the CSV import) and what a household's page (proposal_views)
shows of matching: its needs and the flats that fit it (its caseworkers).
Server-rendered forms that call the same services as the API."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from exchange.errors import Forbidden, InvalidInput, form_action
from exchange.extensions import db

from . import matching, rent_limits, rent_limits_csv

bp = Blueprint("matching_views", __name__, template_folder="templates")

_MONEY_FIELDS = ("max_gross_rent", "max_area_m2", "further_person_rent",
                 "further_person_area_m2")


def _user():
    return current_user._get_current_object()


def _form_values() -> dict:
    """A limit's fields from the page's form, each checked; 422 naming the field."""
    form, values, errors = request.form, {}, {}
    for name in ("municipality_id", "household_size"):
        raw = form.get(name, "").strip()
        if raw.isdigit() and 0 < int(raw) < 2**31:
            values[name] = int(raw)
        else:
            errors[name] = "Give a whole number."
    try:
        values["valid_from"] = date.fromisoformat(form.get("valid_from", "").strip())
    except ValueError:
        errors["valid_from"] = "Give a date."
    for name in _MONEY_FIELDS:
        raw = form.get(name, "").strip().replace(",", ".")
        if not raw and name.startswith("further"):
            values[name] = None
            continue
        try:
            value = Decimal(raw)
        except InvalidOperation:
            errors[name] = "Give a number."
            continue
        if not value.is_finite() or value <= 0 or value >= 100_000:
            errors[name] = "Give a number above 0 and below 100000."
        values[name] = value.quantize(Decimal("0.01")) if value.is_finite() else value
    if values.get("household_size", 1) > rent_limits_csv.MAX_HOUSEHOLD_SIZE:
        errors["household_size"] = "At most 15 persons (then: each further person)."
    if errors:
        raise InvalidInput(errors)
    return values


@bp.get("/placement/rent-limits")
@login_required
def rent_limits_page():
    districts = rent_limits.districts_kept_by(_user())
    if not districts:
        abort(404)
    chosen = request.args.get("district_id", type=int) or districts[0].id
    district = next((d for d in districts if d.id == chosen), None)
    if district is None:
        abort(404)
    municipalities = rent_limits.municipalities_of(district.id)
    limits = rent_limits.list_limits(_user(), district.id)
    in_force = {limit.id for limit in rent_limits.list_limits(
        _user(), district.id, in_force_on=rent_limits.today())}
    return render_template("placement/rent_limits.html", districts=districts, district=district,
                           municipalities=municipalities,
                           names={m.id: m.name for m in municipalities},
                           limits=limits, in_force=in_force, today=rent_limits.today())


def _back(district_id: int):
    return redirect(url_for("matching_views.rent_limits_page", district_id=district_id))


@bp.post("/placement/rent-limits/<int:district_id>")
@login_required
def create_rent_limit(district_id: int):
    form_action(lambda: rent_limits.create_limit(_user(), district_id, _form_values()),
                _("The limit is saved."))
    return _back(district_id)


@bp.post("/placement/rent-limits/<int:district_id>/<int:limit_id>")
@login_required
def update_rent_limit(district_id: int, limit_id: int):
    if request.form.get("action") == "delete":
        form_action(lambda: rent_limits.delete_limit(_user(), limit_id),
                    _("The limit is removed."))
    else:
        form_action(lambda: rent_limits.update_limit(_user(), limit_id, _form_values()),
                    _("The limit is saved."))
    return _back(district_id)


@bp.post("/placement/rent-limits/<int:district_id>/import")
@login_required
def import_rent_limits(district_id: int):
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Choose a CSV file."), "error")
        return _back(district_id)
    report = form_action(lambda: rent_limits_csv.import_limits(_user(), district_id,
                                                               upload.stream), "")
    if report is not None and not report.ok:
        db.session.rollback()
        for error in report.errors[:20]:
            flash(_("Line %(row)s, %(field)s: %(message)s", row=error["row"],
                    field=error["column"] or error["field"], message=_(error["message"])),
                  "error")
        flash(_("Nothing was imported."), "error")
    elif report is not None:
        flash(_("%(n)s limits imported.", n=report.written), "info")
    return _back(district_id)


@bp.get("/placement/households/<int:household_id>")
@login_required
def matching_page(household_id: int):
    """The old address of a household's matching: its one page now (query kept)."""
    return redirect(url_for("placement_views.household_page", household_id=household_id,
                            **request.args))


def matching_context(user, household_id: int) -> dict:
    """What a household's page shows of matching: its needs (the form) and the flats that
    fit it, for its caseworkers; nothing for those who may see the household but not its
    needs (health data)."""
    try:
        needs = matching.needs_of(user, household_id)
    except Forbidden:
        return {}
    by = request.args.get("available_by", type=date.fromisoformat)
    municipalities = {m.id: m for d in sorted(matching.reach_of(user))
                      for m in rent_limits.municipalities_of(d)}
    return {"needs": needs, "flats": matching.flats_for_household(user, household_id, by),
            "by": by or rent_limits.today(),
            "municipalities": sorted(municipalities.values(), key=lambda m: m.name)}


@bp.post("/placement/households/<int:household_id>")
@login_required
def household_needs(household_id: int):
    raw_municipality = request.form.get("assigned_municipality_id", "").strip()
    raw_radius = request.form.get("radius_km", "").strip()
    values = {
        "assigned_municipality_id": int(raw_municipality) if raw_municipality.isdigit() else None,
        "needs_step_free": request.form.get("needs_step_free") == "true",
    }
    if raw_radius.isdigit() and 1 <= int(raw_radius) <= matching.MAX_RADIUS_KM:
        values["radius_km"] = int(raw_radius)
    form_action(lambda: matching.set_needs(_user(), household_id, values), _("Saved."))
    return redirect(url_for("placement_views.household_page", household_id=household_id))
