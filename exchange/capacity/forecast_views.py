"""The forecast on the capacity dashboard (exchange.capacity.forecast): the section's
data for the dashboard page, its table and lists as a fragment the page's script fetches
again after an allocation is entered or removed (the table is the chart's accessible
form; the chart is drawn from the JSON embedded in it), and the threshold form's post.

Added to the capacity pages' blueprint by ``register(bp)``, like transfer_views.
Allocations are entered through the API (/api/v1/capacity/…), one validation path.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from exchange.capacity import allocations, forecast
from exchange.capacity.models import Shelter, ShelterKind
from exchange.capacity.schemas.forecast import ForecastSchema
from exchange.errors import InvalidInput, form_action
from exchange.extensions import db

#: The shelter kinds as the forecast's table and chart name them.
KIND_LABELS = {
    ShelterKind.COLLECTIVE.value: _l("Collective shelters"),
    ShelterKind.FLAT.value: _l("Flats"),
    ShelterKind.EMERGENCY.value: _l("Emergency shelters"),
}


def _user():
    return current_user._get_current_object()


def forecast_context(user, organization_id: int) -> dict | None:
    """What the dashboard's forecast section shows, or None for those who may not see it
    (caseworkers and admins of the organisation or above it see it)."""
    if not forecast.may_see_forecast(user, organization_id):
        return None
    result = forecast.compute_forecast(organization_id)
    move_outs = allocations.upcoming_move_outs(organization_id)
    shelter_names = dict(db.session.execute(
        select(Shelter.id, Shelter.name).where(
            Shelter.id.in_({m.shelter_id for m in move_outs} or {0}))).all())
    return {
        "forecast": result,
        "forecast_data": ForecastSchema().dump(result),
        "kind_labels": {kind: str(label) for kind, label in KIND_LABELS.items()},
        "allocations": allocations.upcoming_allocations(organization_id),
        "move_outs": move_outs,
        "shelter_names": shelter_names,
        "may_set_threshold": forecast.may_set_threshold(user, organization_id),
        "organization_id": organization_id,
    }


@login_required
def forecast_fragment(organization_id: int):
    """The forecast's table, run-out summary and lists (for the page's script)."""
    context = forecast_context(_user(), organization_id)
    if context is None:
        abort(404)
    return render_template("capacity/_forecast.html", **context)


@login_required
def threshold_post(organization_id: int):
    """The threshold form: a number of free beds, or empty for no warning."""
    user = _user()
    if not forecast.may_see_forecast(user, organization_id):
        abort(404)

    def call():
        value = request.form.get("threshold", "").strip()
        if not value:
            return forecast.set_threshold(user, organization_id, None)
        try:
            threshold = int(value)
        except ValueError:
            raise InvalidInput({"threshold": "Not a valid integer."}) from None
        if threshold < 0:
            raise InvalidInput({"threshold": "Must be greater than or equal to 0."})
        return forecast.set_threshold(user, organization_id, threshold)

    form_action(call, str(_l("The threshold is saved.")))
    return redirect(url_for("capacity_views.dashboard_page", organization_id=organization_id)
                    + "#forecast")


def register(bp: Blueprint) -> None:
    """Add the forecast's fragment and form to the capacity pages' blueprint."""
    bp.add_url_rule("/capacity/<int:organization_id>/forecast", view_func=forecast_fragment,
                    methods=["GET"])
    bp.add_url_rule("/capacity/<int:organization_id>/forecast/threshold",
                    view_func=threshold_post, methods=["POST"])
