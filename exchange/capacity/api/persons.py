"""REST API of the person registry: persons, households, activities, the audit log. Reads
of persons write the audit log too."""

from __future__ import annotations

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
from exchange.openapi import api_blueprint, endpoint
from exchange.pagination import Page

from . import current_actor, person_answer

blp = api_blueprint("capacity_persons", __name__,
                    "The person registry: persons, households, activities, the audit log")


@endpoint(blp, "post", "/persons", 201, NewRegistryPersonSchema, body=PersonCreateArgs)
def create_person(args: dict):
    """Register a person; the answer names possible duplicates already registered."""
    user = current_actor()
    organization_id = args.pop("organization_id")
    person, duplicates = persons.create_person(user, args, organization_id)
    view = persons.person_view(user, person)
    view.possible_duplicates = duplicates
    return view


@endpoint(blp, "get", "/persons", 200, RegistryPersonPageSchema, query=PersonListArgs)
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


@endpoint(blp, "get", "/persons/<int:person_id>", 200, RegistryPersonSchema, query=ReadReasonArgs)
def get_person(args: dict, person_id: int):
    """One person (audited; a restricted person needs `reason`, audited with it)."""
    return person_answer(persons.read_person, person_id, args.get("reason"))


@endpoint(blp, "patch", "/persons/<int:person_id>", 200, RegistryPersonSchema,
          body=PersonUpdateArgs)
def update_person(args: dict, person_id: int):
    """Correct a person's data (audited)."""
    return person_answer(persons.update_person, person_id, args)


@endpoint(blp, "get", "/persons/<int:person_id>/activities", 200, ActivitySchema(many=True),
          query=ReadReasonArgs)
def list_activities(args: dict, person_id: int):
    """A person's activities by due date (audited; a restricted person needs `reason`)."""
    return activities.list_activities(current_actor(), person_id, args.get("reason"))


@endpoint(blp, "post", "/persons/<int:person_id>/activities", 201, ActivitySchema,
          body=ActivityCreateArgs)
def create_activity(args: dict, person_id: int):
    """Something to do for a person: vaccination, BAMF hearing, kindergarten, school …"""
    return activities.create_activity(current_actor(), person_id, args)


@endpoint(blp, "patch", "/activities/<int:activity_id>", 200, ActivitySchema,
          body=ActivityUpdateArgs)
def update_activity(args: dict, activity_id: int):
    """Change an activity: title, due date, status (open, done, cancelled)."""
    return activities.update_activity(current_actor(), activity_id, args)


# --- households ----------------------------------------------------------------------------


@endpoint(blp, "post", "/households", 201, HouseholdSchema, body=HouseholdArgs)
def create_household(args: dict):
    """A household of registered persons (they leave their previous household)."""
    return persons.create_household(
        current_actor(), args["member_ids"], args["organization_id"], args["ref"]
    )


@endpoint(blp, "get", "/households/<int:household_id>", 200, HouseholdSchema)
def get_household(household_id: int):
    """A household and its members' ids."""
    return access.get_household_for(current_actor(), household_id)


# --- audit ---------------------------------------------------------------------------------


@endpoint(blp, "get", "/organizations/<int:organization_id>/audit", 200, AuditPageSchema,
          query=AuditArgs)
def organization_audit(args: dict, organization_id: int):
    """Who read or changed which person when (the organisation's admins)."""
    return audit.list_audit(
        current_actor(), organization_id, args.get("person_id"), args["limit"], args["cursor"]
    )
