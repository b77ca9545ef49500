"""REST API of the person registry: persons, households, activities, the audit log. Reads
of persons write the audit log too."""

from __future__ import annotations

from flask_login import login_required
from flask_smorest import Blueprint

from exchange.capacity import access, activities, audit, persons
from exchange.capacity.schemas.persons import (
    ActivityCreateArgs,
    ActivitySchema,
    ActivityUpdateArgs,
    AuditArgs,
    AuditPageSchema,
    HouseholdArgs,
    HouseholdSchema,
    NewRegistryPersonSchema,
    PersonCreateArgs,
    PersonListArgs,
    PersonUpdateArgs,
    RegistryPersonPageSchema,
    RegistryPersonSchema,
)
from exchange.capacity.schemas.rights import ReadReasonArgs
from exchange.pagination import Page

from . import current_actor

blp = Blueprint(
    "capacity_persons",
    __name__,
    url_prefix="/api/v1",
    description="The person registry: persons, households, activities, the audit log",
)


@blp.post("/persons")
@blp.arguments(PersonCreateArgs)
@blp.response(201, NewRegistryPersonSchema)
@login_required
def create_person(args: dict):
    """Register a person; the answer names possible duplicates already registered."""
    user = current_actor()
    organization_id = args.pop("organization_id")
    person, duplicates = persons.create_person(user, args, organization_id)
    view = persons.person_view(user, person)
    view.possible_duplicates = duplicates
    return view


@blp.get("/persons")
@blp.arguments(PersonListArgs, location="query")
@blp.response(200, RegistryPersonPageSchema)
@login_required
def search_persons(args: dict):
    """Persons within my reach by name or external id (audited). A `q` of four characters
    or more also finds misspelt, unaccented and transliterated names ("Hadad" finds
    "Haddad", "Ruya" "Rüya"), best first; its pages have an offset cursor."""
    user = current_actor()
    page = persons.search_persons(
        user,
        args.get("q"),
        args.get("organization_id"),
        args.get("household_id"),
        args["limit"],
        args["cursor"],
    )
    return Page(persons.person_views(user, page.items), page.next_cursor)


@blp.get("/persons/<int:person_id>")
@blp.arguments(ReadReasonArgs, location="query")
@blp.response(200, RegistryPersonSchema)
@login_required
def get_person(args: dict, person_id: int):
    """One person (audited; a restricted person needs `reason`, audited with it)."""
    user = current_actor()
    return persons.person_view(user, persons.read_person(user, person_id, args.get("reason")))


@blp.patch("/persons/<int:person_id>")
@blp.arguments(PersonUpdateArgs)
@blp.response(200, RegistryPersonSchema)
@login_required
def update_person(args: dict, person_id: int):
    """Correct a person's data (audited)."""
    user = current_actor()
    return persons.person_view(user, persons.update_person(user, person_id, args))


@blp.get("/persons/<int:person_id>/activities")
@blp.arguments(ReadReasonArgs, location="query")
@blp.response(200, ActivitySchema(many=True))
@login_required
def list_activities(args: dict, person_id: int):
    """A person's activities by due date (audited; a restricted person needs `reason`)."""
    return activities.list_activities(current_actor(), person_id, args.get("reason"))


@blp.post("/persons/<int:person_id>/activities")
@blp.arguments(ActivityCreateArgs)
@blp.response(201, ActivitySchema)
@login_required
def create_activity(args: dict, person_id: int):
    """Something to do for a person: vaccination, BAMF hearing, kindergarten, school …"""
    return activities.create_activity(current_actor(), person_id, args)


@blp.patch("/activities/<int:activity_id>")
@blp.arguments(ActivityUpdateArgs)
@blp.response(200, ActivitySchema)
@login_required
def update_activity(args: dict, activity_id: int):
    """Change an activity: title, due date, status (open, done, cancelled)."""
    return activities.update_activity(current_actor(), activity_id, args)


# --- households ----------------------------------------------------------------------------


@blp.post("/households")
@blp.arguments(HouseholdArgs)
@blp.response(201, HouseholdSchema)
@login_required
def create_household(args: dict):
    """A household of registered persons (they leave their previous household)."""
    return persons.create_household(
        current_actor(), args["member_ids"], args["organization_id"], args["ref"]
    )


@blp.get("/households/<int:household_id>")
@blp.response(200, HouseholdSchema)
@login_required
def get_household(household_id: int):
    """A household and its members' ids."""
    return access.get_household_for(current_actor(), household_id)


# --- audit ---------------------------------------------------------------------------------


@blp.get("/organizations/<int:organization_id>/audit")
@blp.arguments(AuditArgs, location="query")
@blp.response(200, AuditPageSchema)
@login_required
def organization_audit(args: dict, organization_id: int):
    """Who read or changed which person when (the organisation's admins)."""
    return audit.list_audit(
        current_actor(), organization_id, args.get("person_id"), args["limit"], args["cursor"]
    )
