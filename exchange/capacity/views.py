"""HTML pages of the capacity domain: the shelters with their occupancy, a shelter's room
plan, person search and detail with activities, the registry import and the district
dashboard with its trend chart.

Like the map, the pages are shells over the JSON API (/api/v1/…): what they need from the
server is rendered into them as JSON. Reach is checked here as in the API (the services
answer 404 for what the user may not see); person names reach the page only for
caseworkers and admins of the owning district, and every person shown is audited.
"""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from exchange.capacity import (
    access,
    counts,
    forecast_views,
    persons,
    rights_views,
    shelters,
    transfer_views,
)
from exchange.capacity.audit import AuditAction, audit
from exchange.capacity.models import Bed, Person, Shelter, ShelterRoom
from exchange.capacity.occupancy import current_beds
from exchange.capacity.schemas.shelters import CapacitySchema, ShelterRoomSchema
from exchange.errors import InvalidInput
from exchange.extensions import db
from exchange.profiles import authz
from exchange.profiles.models import Organization

bp = Blueprint("capacity_views", __name__, template_folder="templates")
# The pages of data-subject rights (disclosure, restriction, erasure) join this blueprint.
rights_views.register(bp)
# So do the pages of bed requests between districts.
transfer_views.register(bp)
# And the forecast's fragment and threshold form.
forecast_views.register(bp)

#: Shelters listed on one page (a district runs tens, not thousands).
SHELTER_PAGE = 200


def _user():
    return current_user._get_current_object()


def _page_config(page: str, **extra) -> dict:
    return {
        "api": "/api/v1",
        "page": page,
        "user_id": current_user.id,
        "shelters_url": url_for("capacity_views.shelters_page"),
        "shelter_url": url_for("capacity_views.shelter_page", shelter_id=0),
        "plan_url": url_for("capacity_views.shelter_plan", shelter_id=0),
        "person_url": url_for("capacity_views.person_page", person_id=0),
        **extra,
    }


def _case_reach() -> set[int]:
    return access.capacity_scope(_user(), access.CASE_ROLES)


# --- shelters ------------------------------------------------------------------------------


@bp.get("/shelters")
@login_required
def shelters_page():
    user = _user()
    page = shelters.list_shelters(user, limit=SHELTER_PAGE)
    capacity = counts.counts_for(page.items)
    names = dict(
        db.session.execute(
            select(Organization.id, Organization.name).where(
                Organization.id.in_({s.organization_id for s in page.items})
            )
        ).all()
    )
    rows = [
        {
            "shelter": shelter,
            "organization": names.get(shelter.organization_id, ""),
            "capacity": CapacitySchema().dump(capacity.get(shelter.id) or counts.Capacity()),
        }
        for shelter in sorted(page.items, key=lambda s: (s.name.lower(), s.id))
    ]
    return render_template(
        "capacity/shelters.html",
        rows=rows,
        more=page.next_cursor is not None,
        can_manage=bool(_case_reach()),
        page_config=_page_config("shelters"),
    )


@bp.get("/shelters/<int:shelter_id>")
@login_required
def shelter_page(shelter_id: int):
    user = _user()
    shelter = access.get_shelter_for(user, shelter_id)
    capacity = counts.shelter_capacity(user, shelter_id)
    manage = access.may_see_persons(user, shelter.organization_id)
    return render_template(
        "capacity/shelter.html",
        shelter=shelter,
        capacity=CapacitySchema().dump(capacity),
        manage=manage,
        page_config=_page_config("plan", shelter_id=shelter.id, manage=manage),
    )


@bp.get("/shelters/<int:shelter_id>/plan.json")
@login_required
def shelter_plan(shelter_id: int):
    """The room plan for the page: rooms, beds and, for caseworkers and admins, the
    occupants' names (audited as a read of each person shown; none of a restricted
    person)."""
    user = _user()
    shelter = access.get_shelter_for(user, shelter_id)
    views = shelters.shelter_rooms(user, shelter_id)
    manage = access.may_see_persons(user, shelter.organization_id)
    names: dict[int, str] = {}
    if manage:
        ids = sorted({b.person_id for v in views for b in v.beds if b.person_id is not None})
        shown = list(db.session.scalars(select(Person).where(Person.id.in_(ids)))) if ids else []
        # A restricted person's name is not shown (reading it needs a stated reason).
        shown = [p for p in shown if p.restricted_at is None]
        audit(user, shown, AuditAction.READ)
        names = {p.id: _full_name(p) for p in shown}
    rooms = ShelterRoomSchema(many=True, exclude=("shelter_id",)).dump(views)
    if manage:
        for room in rooms:
            for bed in room["beds"]:
                bed["person_name"] = names.get(bed["person_id"]) if bed["person_id"] else None
    capacity = CapacitySchema().dump(counts.shelter_capacity(user, shelter_id))
    return jsonify({"shelter_id": shelter.id, "capacity": capacity, "rooms": rooms})


def _full_name(person: Person) -> str:
    return ", ".join(part for part in (person.family_name, person.given_names) if part)


# --- persons -------------------------------------------------------------------------------


@bp.get("/persons")
@login_required
def persons_page():
    if not _case_reach():
        abort(404)
    return render_template("capacity/persons.html", page_config=_page_config("persons"))


@bp.get("/persons/<int:person_id>")
@login_required
def person_page(person_id: int):
    user = _user()
    reason = request.args.get("reason")
    try:
        # 404 outside one's reach; audited (a restricted person with the reason stated)
        person = persons.read_person(user, person_id, reason)
    except InvalidInput:
        db.session.rollback()
        return render_template(
            "capacity/reason.html", person_id=person_id,
            target=url_for("capacity_views.person_page", person_id=person_id),
        )
    bed_id = current_beds([person.id]).get(person.id)
    housing = None
    if bed_id is not None:
        row = db.session.execute(
            select(Bed.label, ShelterRoom.name, Shelter.id, Shelter.name)
            .join(ShelterRoom, ShelterRoom.id == Bed.room_id)
            .join(Shelter, Shelter.id == ShelterRoom.shelter_id)
            .where(Bed.id == bed_id)
        ).one()
        housing = {"bed": row[0], "room": row[1], "shelter_id": row[2], "shelter": row[3]}
    special = access.may_see_special_categories(user, person.organization_id)
    return render_template(
        "capacity/person.html",
        person=person,
        name=_full_name(person),
        housing=housing,
        special=special,
        rights_admin=access.may_see_restricted(user, person.organization_id),
        reason=reason,
        page_config=_page_config("person", person_id=person.id, reason=reason),
    )


# --- import --------------------------------------------------------------------------------


@bp.get("/registry/import")
@login_required
def import_page():
    reach = authz.organizations_with_role(_user(), access.CASE_ROLES)
    if not reach:
        abort(404)
    organizations = list(
        db.session.scalars(
            select(Organization)
            .where(Organization.id.in_(
                authz.descendants_and_self(reach, access.CAPACITY_KINDS)))
            .order_by(Organization.name)
        )
    )
    if not organizations:  # e.g. the admin of a landlord company
        abort(404)
    return render_template(
        "capacity/import.html",
        organizations=organizations,
        page_config=_page_config("import"),
    )


# --- dashboard -----------------------------------------------------------------------------


def _home_organization() -> Organization | None:
    """The organisation whose dashboard opens first: the highest one the user is staff of."""
    memberships = [
        m for m in authz.active_memberships(_user()) if m.role in authz.STAFF_ROLES
    ]
    order = {"state": 0, "district": 1, "municipality": 2}
    memberships.sort(key=lambda m: (order.get(m.organization.kind, 9), m.organization.name))
    return memberships[0].organization if memberships else None


@bp.get("/capacity")
@bp.get("/capacity/<int:organization_id>")
@login_required
def dashboard_page(organization_id: int | None = None):
    user = _user()
    if organization_id is None:
        home = _home_organization()
        if home is None:
            abort(404)
        organization = home
    else:
        organization = db.session.get(Organization, organization_id)
        if organization is None:
            abort(404)
    total = counts.organization_capacity(user, organization.id)
    children = list(
        db.session.scalars(
            select(Organization)
            .where(Organization.parent_id == organization.id)
            .order_by(Organization.name)
        )
    )
    rows = [
        {"organization": child, "capacity": counts.organization_capacity(user, child.id)}
        for child in children
    ]
    return render_template(
        "capacity/dashboard.html",
        organization=organization,
        total=total,
        rows=rows,
        forecast_section=forecast_views.forecast_context(user, organization.id),
        page_config=_page_config(
            "dashboard", organization_id=organization.id,
            forecast_url=url_for("capacity_views.forecast_fragment",
                                 organization_id=organization.id)),
    )


@bp.app_context_processor
def _navigation() -> dict:
    """`shows_shelters_link()` for the navigation: caseworkers and admins of an
    organisation run shelters (a function: asked only where the navigation is shown)."""

    def shows_shelters_link() -> bool:
        if not current_user.is_authenticated:
            return False
        return access.may_run_capacity(current_user)

    return {"shows_shelters_link": shows_shelters_link}
