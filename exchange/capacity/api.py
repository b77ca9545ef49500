"""REST API of shelters, the person registry, occupancy and capacity: parse → service →
commit → dump. Reads of persons commit too: they write the audit log."""

from __future__ import annotations

from flask import Response, current_app, jsonify, request
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from exchange.capacity import registry, services
from exchange.capacity.rights_api import ReadReasonArgs
from exchange.capacity.schemas import (
    ActivityCreateArgs,
    ActivitySchema,
    ActivityUpdateArgs,
    AuditArgs,
    AuditPageSchema,
    BedStateSchema,
    BlockArgs,
    CapacitySchema,
    HouseholdArgs,
    HouseholdSchema,
    ImportReportSchema,
    MergeArgs,
    MoveArgs,
    MoveResultSchema,
    NewRegistryPersonSchema,
    OccupancyArgs,
    OccupancySchema,
    OrganizationCapacitySchema,
    PersonCreateArgs,
    PersonListArgs,
    PersonUpdateArgs,
    PlacementArgs,
    PlacementResultSchema,
    RegistryChangesArgs,
    RegistryChangesSchema,
    RegistryPersonPageSchema,
    RegistryPersonSchema,
    ShelterCreateArgs,
    ShelterListArgs,
    ShelterPageSchema,
    ShelterRoomCreateArgs,
    ShelterRoomSchema,
    ShelterRoomUpdateArgs,
    ShelterSchema,
    ShelterUpdateArgs,
    TrendArgs,
    TrendPointSchema,
    capacity_json,
    person_json,
    placement_json,
    room_json,
    shelter_json,
)
from exchange.documents.storage import file_too_large
from exchange.errors import Forbidden, NotFound
from exchange.hygiene import text_problem
from exchange.profiles import authz
from exchange.profiles.models import Role
from exchange.transaction import keep_despite_error

blp = Blueprint(
    "capacity",
    __name__,
    url_prefix="/api/v1",
    description="Capacity: shelters, person registry, occupancy, publication of free beds",
)


def _user():
    return current_user._get_current_object()


# --- shelters ------------------------------------------------------------------------------


def _shelter_answer(shelter, status: int = 200):
    capacity = services.counts_for([shelter]).get(shelter.id)
    return jsonify(shelter_json(shelter, capacity)), status


@blp.post("/shelters")
@blp.arguments(ShelterCreateArgs)
@blp.response(201, ShelterSchema)
@blp.alt_response(403, description="Not a caseworker or admin of the organisation")
@login_required
def create_shelter(args: dict):
    """A new shelter; with `publish_capacity` its free beds go on the map."""
    organization_id = args.pop("organization_id")
    shelter = services.create_shelter(_user(), args, organization_id)
    return _shelter_answer(shelter, 201)


@blp.get("/shelters")
@blp.arguments(ShelterListArgs, location="query")
@blp.response(200, ShelterPageSchema)
@login_required
def list_shelters(args: dict):
    """Shelters within my reach (staff), with their capacity."""
    page = services.list_shelters(
        _user(), args.get("organization_id"), args["limit"], args["cursor"]
    )
    capacity = services.counts_for(page.items)
    items = [shelter_json(shelter, capacity.get(shelter.id)) for shelter in page.items]
    return jsonify({"items": items, "next_cursor": page.next_cursor})


@blp.get("/shelters/<int:shelter_id>")
@blp.response(200, ShelterSchema)
@login_required
def get_shelter(shelter_id: int):
    """One shelter with its capacity."""
    return _shelter_answer(services.get_shelter(_user(), shelter_id))


@blp.patch("/shelters/<int:shelter_id>")
@blp.arguments(ShelterUpdateArgs)
@blp.response(200, ShelterSchema)
@login_required
def update_shelter(args: dict, shelter_id: int):
    """Change a shelter or its publication (`publish_capacity`, `reserve_beds`)."""
    shelter = services.update_shelter(_user(), shelter_id, args)
    return _shelter_answer(shelter)


@blp.get("/shelters/<int:shelter_id>/capacity")
@blp.response(200, CapacitySchema)
@login_required
def shelter_capacity(shelter_id: int):
    """A shelter's beds: total, occupied, blocked, free (also by room policy, accessible)."""
    return jsonify(capacity_json(services.shelter_capacity(_user(), shelter_id)))


@blp.post("/shelters/<int:shelter_id>/rooms")
@blp.arguments(ShelterRoomCreateArgs)
@blp.response(201, ShelterRoomSchema)
@login_required
def add_room(args: dict, shelter_id: int):
    """A room with that many new beds."""
    room = services.add_room(_user(), shelter_id, **args)
    return _room_answer(room, 201)


def _room_answer(room, status: int = 200):
    views = services.shelter_rooms(_user(), room.shelter_id)
    (view,) = [v for v in views if v.room.id == room.id]
    return jsonify(room_json(view, with_persons=True)), status


@blp.get("/shelters/<int:shelter_id>/rooms")
@blp.response(200, ShelterRoomSchema(many=True))
@login_required
def list_rooms(shelter_id: int):
    """The room plan: rooms and beds, which are occupied (occupants' ids for caseworkers
    and admins only)."""
    user = _user()
    views = services.shelter_rooms(user, shelter_id)
    shelter = services.get_shelter(user, shelter_id)
    with_persons = services.may_see_persons(user, shelter.organization_id)
    return jsonify([room_json(view, with_persons) for view in views])


@blp.patch("/shelters/<int:shelter_id>/rooms/<int:room_id>")
@blp.arguments(ShelterRoomUpdateArgs)
@blp.response(200, ShelterRoomSchema)
@login_required
def update_room(args: dict, shelter_id: int, room_id: int):
    """Rename a room, change its policy or accessibility."""
    room = services.update_room(_user(), shelter_id, room_id, args)
    return _room_answer(room)


@blp.post("/beds/<int:bed_id>/block")
@blp.arguments(BlockArgs)
@blp.response(200, BedStateSchema)
@blp.alt_response(409, description="The bed is occupied")
@login_required
def block_bed(args: dict, bed_id: int):
    """Block a bed (or take it out of service) with a reason."""
    bed = services.set_bed_status(_user(), bed_id, args["status"], args["reason"])
    return bed


@blp.post("/beds/<int:bed_id>/unblock")
@blp.response(200, BedStateSchema)
@login_required
def unblock_bed(bed_id: int):
    """Make a blocked bed available again."""
    bed = services.set_bed_status(_user(), bed_id, "available")
    return bed


# --- persons -------------------------------------------------------------------------------


def _person_json(person) -> dict:
    user = _user()
    bed = services.current_beds([person.id]).get(person.id)
    return person_json(person, bed, services.sees_special_categories(user, person.organization_id))


@blp.post("/persons")
@blp.arguments(PersonCreateArgs)
@blp.response(201, NewRegistryPersonSchema)
@login_required
def create_person(args: dict):
    """Register a person; the answer names possible duplicates already registered."""
    organization_id = args.pop("organization_id")
    person, duplicates = services.create_person(_user(), args, organization_id)
    data = _person_json(person)
    data["possible_duplicates"] = [{"id": i, "score": score} for i, score in duplicates]
    return jsonify(data), 201


@blp.get("/persons")
@blp.arguments(PersonListArgs, location="query")
@blp.response(200, RegistryPersonPageSchema)
@login_required
def search_persons(args: dict):
    """Persons within my reach by name or external id (audited)."""
    user = _user()
    page = services.search_persons(
        user,
        args.get("q"),
        args.get("organization_id"),
        args.get("household_id"),
        args["limit"],
        args["cursor"],
    )
    beds = services.current_beds(p.id for p in page.items)
    special = {
        org: services.sees_special_categories(user, org)
        for org in {p.organization_id for p in page.items}
    }
    items = [person_json(p, beds.get(p.id), special[p.organization_id]) for p in page.items]
    return jsonify({"items": items, "next_cursor": page.next_cursor})


@blp.get("/persons/<int:person_id>")
@blp.arguments(ReadReasonArgs, location="query")
@blp.response(200, RegistryPersonSchema)
@login_required
def get_person(args: dict, person_id: int):
    """One person (audited; a restricted person needs `reason`, audited with it)."""
    person = services.get_person(_user(), person_id, args.get("reason"))
    return jsonify(_person_json(person))


@blp.patch("/persons/<int:person_id>")
@blp.arguments(PersonUpdateArgs)
@blp.response(200, RegistryPersonSchema)
@login_required
def update_person(args: dict, person_id: int):
    """Correct a person's data (audited)."""
    person = services.update_person(_user(), person_id, args)
    return jsonify(_person_json(person))


@blp.get("/persons/<int:person_id>/activities")
@blp.arguments(ReadReasonArgs, location="query")
@blp.response(200, ActivitySchema(many=True))
@login_required
def list_activities(args: dict, person_id: int):
    """A person's activities by due date (audited; a restricted person needs `reason`)."""
    activities = services.list_activities(_user(), person_id, args.get("reason"))
    return activities


@blp.post("/persons/<int:person_id>/activities")
@blp.arguments(ActivityCreateArgs)
@blp.response(201, ActivitySchema)
@login_required
def create_activity(args: dict, person_id: int):
    """Something to do for a person: vaccination, BAMF hearing, kindergarten, school …"""
    activity = services.create_activity(_user(), person_id, args)
    return activity


@blp.patch("/activities/<int:activity_id>")
@blp.arguments(ActivityUpdateArgs)
@blp.response(200, ActivitySchema)
@login_required
def update_activity(args: dict, activity_id: int):
    """Change an activity: title, due date, status (open, done, cancelled)."""
    activity = services.update_activity(_user(), activity_id, args)
    return activity


# --- households ----------------------------------------------------------------------------


def _household_json(household) -> dict:
    return {
        "id": household.id,
        "organization_id": household.organization_id,
        "ref": household.ref,
        "member_ids": services.household_member_ids(household.id),
        "created_at": household.created_at.isoformat(),
    }


@blp.post("/households")
@blp.arguments(HouseholdArgs)
@blp.response(201, HouseholdSchema)
@login_required
def create_household(args: dict):
    """A household of registered persons (they leave their previous household)."""
    household = services.create_household(
        _user(), args["member_ids"], args["organization_id"], args["ref"]
    )
    return jsonify(_household_json(household)), 201


@blp.get("/households/<int:household_id>")
@blp.response(200, HouseholdSchema)
@login_required
def get_household(household_id: int):
    """A household and its members' ids."""
    return jsonify(_household_json(services.get_household(_user(), household_id)))


# --- occupancy -----------------------------------------------------------------------------


@blp.post("/occupancies")
@blp.arguments(OccupancyArgs)
@blp.response(201, OccupancySchema)
@blp.alt_response(409, description="The bed is taken or blocked, or the person is housed")
@login_required
def check_in(args: dict):
    """Check a person into a free bed."""
    occupancy = services.check_in(_user(), args["person_id"], args["bed_id"])
    return occupancy


@blp.post("/occupancies/<int:occupancy_id>/end")
@blp.response(200, OccupancySchema)
@blp.alt_response(409, description="The occupancy has ended already")
@login_required
def check_out(occupancy_id: int):
    """Check a person out (the occupancy ends now)."""
    occupancy = services.check_out(_user(), occupancy_id)
    return occupancy


@blp.post("/moves")
@blp.arguments(MoveArgs)
@blp.response(200, MoveResultSchema)
@blp.alt_response(409, description="A bed is taken or blocked; nothing was changed")
@login_required
def move(args: dict):
    """Move a person or a whole household to other beds, in one step."""
    result = services.move(_user(), args["bed_ids"], args["person_id"], args["household_id"])
    return result


@blp.post("/placements/search")
@blp.arguments(PlacementArgs)
@blp.response(200, PlacementResultSchema)
@login_required
def search_placements(args: dict):
    """Rooms that can take a household (or persons described by gender and age)
    together, honouring room policy; best fit first, then nearest."""
    user = _user()
    if args["household_id"] is not None:
        group = services.household_group(user, args["household_id"])
    else:
        group = [services.GroupMember(p["gender"], p["age"]) for p in args["persons"]]
    near = (args["near"]["lat"], args["near"]["lon"]) if args["near"] else None
    placements = services.search_placements(
        user, group, args["accessible"], near, args["organization_id"], args["limit"]
    )
    return jsonify({"items": [placement_json(p) for p in placements]})


# --- organisations -------------------------------------------------------------------------


@blp.get("/organizations/<int:organization_id>/capacity")
@blp.response(200, OrganizationCapacitySchema)
@login_required
def organization_capacity(organization_id: int):
    """Totals over the shelters of the organisation and the ones below it."""
    capacity = services.organization_capacity(_user(), organization_id)
    return jsonify(
        {
            **capacity_json(capacity),
            "organization_id": organization_id,
            "shelters": capacity.shelters,
        }
    )


@blp.get("/organizations/<int:organization_id>/capacity/trend")
@blp.arguments(TrendArgs, location="query")
@blp.response(200, TrendPointSchema(many=True))
@login_required
def capacity_trend(args: dict, organization_id: int):
    """Daily totals from the snapshots (`exchange snapshot-capacity`), oldest first."""
    return services.capacity_trend(_user(), organization_id, args["days"])


@blp.get("/organizations/<int:organization_id>/audit")
@blp.arguments(AuditArgs, location="query")
@blp.response(200, AuditPageSchema)
@login_required
def organization_audit(args: dict, organization_id: int):
    """Who read or changed which person when (the organisation's admins)."""
    return services.list_audit(
        _user(), organization_id, args.get("person_id"), args["limit"], args["cursor"]
    )


# --- registry exchange with the state system -----------------------------------------------


def _registry_import_form() -> tuple[int, bool]:
    from exchange.errors import InvalidInput

    errors: dict[str, str] = {}
    raw_id = request.form.get("organization_id", "").strip()
    organization_id = (int(raw_id) if raw_id.isascii() and raw_id.isdigit()
                       and 0 < int(raw_id) < 2**31 else None)
    if organization_id is None:
        errors["organization_id"] = "Give the id of the organisation (an integer)."
    raw_dry = request.form.get("dry_run", "false").strip().lower()
    if raw_dry not in {"", "0", "1", "false", "true", "no", "yes"}:
        errors["dry_run"] = "Use true or false."
    if errors:
        raise InvalidInput(errors)
    return organization_id, raw_dry in {"1", "true", "yes"}


REGISTRY_IMPORT_MAX_BYTES = 2 * 1024 * 1024 * 1024


@blp.url_value_preprocessor
def _registry_import_limit(endpoint: str | None, values: dict | None) -> None:
    # Registry files are larger than documents: the request limit of the import is raised
    # only for a caseworker of an organisation holding capacity, and an oversized body is
    # refused from its Content-Length, all before anything reads the body (URL value
    # preprocessors run before every before_request hook, the CSRF check among them, which
    # reads the form). Anyone else is refused here, the body unread; the anonymous are
    # left to login_required and the application's limit for them (exchange/limits.py).
    # Werkzeug spools the upload to a temporary file: the size costs disk, not memory.
    if endpoint != "capacity.import_registry" or not current_user.is_authenticated:
        return
    if not services.runs_capacity(current_user, {Role.CASEWORKER}):
        if authz.organizations_with_role(current_user, services.CASE_ROLES):
            # Case roles in an organisation that holds no capacity: a landlord company.
            raise Forbidden("Only caseworkers of a district, municipality or provider "
                            "import the registry.")
        raise NotFound()  # like any organisation outside one's reach
    limit = current_app.config.get("REGISTRY_IMPORT_MAX_BYTES", REGISTRY_IMPORT_MAX_BYTES)
    request.max_content_length = limit
    if (request.content_length or 0) > limit:
        raise file_too_large(limit)


@blp.post("/registry/imports")
@blp.doc(requestBody={"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object",
    "required": ["file", "organization_id"],
    "properties": {
        "file": {"type": "string", "format": "binary", "description": "the registry CSV"},
        "organization_id": {"type": "integer", "minimum": 1},
        "dry_run": {"type": "boolean", "default": False},
    },
}}}})
@blp.response(200, ImportReportSchema,
              description="The report: nothing was written if it lists errors (422)")
@blp.alt_response(422, schema={"anyOf": [{"$ref": "#/components/schemas/ImportReport"},
                                         {"$ref": "#/components/schemas/Error"}]},
                  description="Bad rows (the report names each row and field), or a bad "
                  "form field (the usual error body)")
@login_required
def import_registry():
    """Import the state system's registry CSV (multipart `file`, `organization_id`,
    `dry_run`). Any bad row: nothing is written and the answer (422) names every bad row
    and field; re-importing the same file changes nothing. Progress goes to the importing
    user's sockets as `import_progress` events."""
    from exchange.errors import InvalidUpload
    from exchange.realtime import emit_import_progress

    organization_id, dry_run = _registry_import_form()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise InvalidUpload("Choose a CSV file.")
    if problem := text_problem(upload.filename):  # the name is stored with the import log
        raise InvalidUpload(problem)
    user = _user()
    total = request.content_length

    def progress(import_id: int, bytes_read: int, rows_done: int) -> None:
        emit_import_progress(
            user.id,
            {
                "import_id": import_id,
                "rows_done": rows_done,
                "bytes_read": bytes_read,
                "bytes_total": total,
            },
        )

    report = registry.import_registry(
        user, organization_id, upload.stream, dry_run, upload.filename, progress
    )
    if not report.ok:
        keep_despite_error()  # its log says what was refused (the rows are rolled back)
    return jsonify(report.as_json()), 200 if report.ok else 422


@blp.post("/persons/<int:person_id>/merge")
@blp.arguments(MergeArgs)
@blp.response(200, RegistryPersonSchema)
@blp.alt_response(409, description="Both are housed now, or their stays overlap")
@login_required
def merge_persons(args: dict, person_id: int):
    """Merge another person (a duplicate) into this one: the other's occupancies and
    activities move here, the other is marked merged and hidden from search (audited)."""
    person = registry.merge_persons(_user(), person_id, args["other_id"])
    return jsonify(_person_json(person))


@blp.get("/registry/changes")
@blp.arguments(RegistryChangesArgs, location="query")
@blp.response(200, RegistryChangesSchema)
@blp.alt_response(200, schema={"type": "string"}, content_type="text/csv", success=True,
                  description="The persons changed here; with `Accept: text/csv` or "
                  "`format=csv` as CSV in the import's layout")
@login_required
def registry_changes(args: dict):
    """Persons corrected here (not by the import) since a date, for return to the state
    system: JSON, or CSV in the import's layout with `Accept: text/csv` or `format=csv`
    (audited)."""
    changes = registry.registry_changes(_user(), args["organization_id"], args["since"])
    wants_csv = args.get("format") == "csv" or (
        args.get("format") is None
        and request.accept_mimetypes.best_match(["application/json", "text/csv"]) == "text/csv"
    )
    if wants_csv:
        body = "".join(registry.changes_csv(changes))
        response = Response(body, mimetype="text/csv")
        response.headers["Content-Disposition"] = (
            f'attachment; filename="registry-changes-{args["organization_id"]}.csv"'
        )
        return response
    return jsonify({"items": registry.changes_json(changes)})


# --- transfer requests between districts -----------------------------------------------------

from exchange.capacity import transfers  # noqa: E402
from exchange.capacity.schemas import (  # noqa: E402
    TransferCreateArgs,
    TransferDeclineArgs,
    TransferListArgs,
    TransferPageSchema,
    TransferSchema,
)


@blp.post("/transfers")
@blp.arguments(TransferCreateArgs)
@blp.response(201, TransferSchema)
@blp.alt_response(409, description="Not as many free beds are published")
@login_required
def request_transfer(args: dict):
    """Ask another district for beds of its published beds listing (opens a chat thread)."""
    transfer = transfers.request_transfer(
        _user(), args["listing_id"], args["beds"], args["until"], args["message"],
        args["organization_id"],
    )
    return transfer


@blp.get("/transfers")
@blp.arguments(TransferListArgs, location="query")
@blp.response(200, TransferPageSchema)
@login_required
def list_transfers(args: dict):
    """Requests of my organisations: incoming (asked of us) or outgoing (we asked)."""
    page = transfers.list_transfers(_user(), args["direction"], args["limit"], args["cursor"])
    return {"items": page.items, "next_cursor": page.next_cursor}


@blp.get("/transfers/<int:transfer_id>")
@blp.response(200, TransferSchema)
@login_required
def get_transfer(transfer_id: int):
    """One request (staff of either side)."""
    return transfers.get_transfer(_user(), transfer_id)


@blp.post("/transfers/<int:transfer_id>/accept")
@blp.response(200, TransferSchema)
@blp.alt_response(409, description="Not as many free beds are published any more")
@login_required
def accept_transfer(transfer_id: int):
    """Accept: the beds are held (the published free beds drop) until the request's date."""
    transfer = transfers.accept_transfer(_user(), transfer_id)
    return transfer


@blp.post("/transfers/<int:transfer_id>/decline")
@blp.arguments(TransferDeclineArgs)
@blp.response(200, TransferSchema)
@login_required
def decline_transfer(args: dict, transfer_id: int):
    """Decline, with a reason."""
    transfer = transfers.decline_transfer(_user(), transfer_id, args["reason"])
    return transfer


@blp.post("/transfers/<int:transfer_id>/release")
@blp.response(200, TransferSchema)
@login_required
def release_transfer(transfer_id: int):
    """Release held beds before the date (either side)."""
    transfer = transfers.release_transfer(_user(), transfer_id)
    return transfer
