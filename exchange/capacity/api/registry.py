"""REST API of the registry's exchange with the state system: the CSV import, merging
duplicates, and the changes made here for return."""

from __future__ import annotations

from flask import Response, current_app, request
from flask_login import current_user, login_required

from exchange.capacity import access, duplicates, registry_import
from exchange.capacity import registry_changes as changes_export
from exchange.capacity.schemas.persons import RegistryPersonSchema
from exchange.capacity.schemas.registry import (
    ImportReportSchema,
    MergeArgs,
    RegistryChangesArgs,
    RegistryChangesSchema,
    RegistryImportsArgs,
    RegistryImportSchema,
)
from exchange.documents.storage import file_too_large
from exchange.errors import Forbidden, InvalidInput, NotFound
from exchange.imports_form import form_id, import_body, uploaded_csv
from exchange.openapi import api_blueprint, endpoint
from exchange.profiles import authz
from exchange.profiles.models import Role
from exchange.realtime import emit_import_progress
from exchange.transaction import keep_despite_error

from . import current_actor, person_answer

blp = api_blueprint("capacity_registry", __name__,
                    "The registry's exchange with the state system: import, duplicates, changes")

REGISTRY_IMPORT_MAX_BYTES = 2 * 1024 * 1024 * 1024


def _registry_import_form() -> tuple[int, bool]:
    errors: dict[str, str] = {}
    organization_id = form_id("organization_id")
    if organization_id is None:
        errors["organization_id"] = "Give the id of the organisation (an integer)."
    raw_dry = request.form.get("dry_run", "false").strip().lower()
    if raw_dry not in {"", "0", "1", "false", "true", "no", "yes"}:
        errors["dry_run"] = "Use true or false."
    if errors:
        raise InvalidInput(errors)
    return organization_id, raw_dry in {"1", "true", "yes"}


@blp.url_value_preprocessor
def _registry_import_limit(endpoint: str | None, values: dict | None) -> None:
    # Registry files are larger than documents: the request limit of the import is raised
    # only for a caseworker of an organisation holding capacity, and an oversized body is
    # refused from its Content-Length, all before anything reads the body (URL value
    # preprocessors run before every before_request hook, the CSRF check among them, which
    # reads the form). Anyone else is refused here, the body unread; the anonymous are
    # left to login_required and the application's limit for them (exchange/limits.py).
    # Werkzeug spools the upload to a temporary file: the size costs disk, not memory.
    if endpoint != f"{blp.name}.import_registry" or not current_user.is_authenticated:
        return
    if not access.may_run_capacity(current_user, {Role.CASEWORKER}):
        if authz.organizations_with_role(current_user, access.CASE_ROLES):
            # Case roles in an organisation that holds no capacity: a landlord company.
            raise Forbidden("Only caseworkers of a district, municipality or provider "
                            "import the registry.")
        raise NotFound()  # like any organisation outside one's reach
    limit = current_app.config.get("REGISTRY_IMPORT_MAX_BYTES", REGISTRY_IMPORT_MAX_BYTES)
    request.max_content_length = limit
    if (request.content_length or 0) > limit:
        raise file_too_large(limit)


@blp.post("/registry/imports")
@blp.doc(requestBody=import_body(
    "the registry CSV: UTF-8 with or without BOM, Windows-1252 or UTF-16 (detected, "
    "reported as `encoding`), `;`, `,` or tab separated, German or English headers",
    "organization_id", dry_run={"type": "boolean", "default": False}))
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
    organization_id, dry_run = _registry_import_form()
    upload = uploaded_csv()
    user = current_actor()
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

    report = registry_import.import_registry(
        user, organization_id, upload.stream, dry_run, upload.filename, progress
    )
    if not report.ok:
        keep_despite_error()  # its log says what was refused (the rows are rolled back)
    return report, 200 if report.ok else 422


@endpoint(blp, "get", "/registry/imports", 200, RegistryImportSchema(many=True),
          query=RegistryImportsArgs)
def registry_imports(args: dict):
    """The organisation's latest 20 imports, newest first (its caseworkers): who ran
    what when, and how it ended; an import that never ended (a killed process) is
    `failed`."""
    return registry_import.recent_imports(current_actor(), args["organization_id"])


@endpoint(blp, "post", "/persons/<int:person_id>/merge", 200, RegistryPersonSchema, body=MergeArgs,
          errors={409: "Both are housed now, or their stays overlap"})
def merge_persons(args: dict, person_id: int):
    """Merge another person (a duplicate) into this one: the other's occupancies and
    activities move here, the other is marked merged and hidden from search (audited)."""
    return person_answer(duplicates.merge_persons, person_id, args["other_id"])


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
    changes = changes_export.registry_changes(
        current_actor(), args["organization_id"], args["since"]
    )
    wants_csv = args.get("format") == "csv" or (
        args.get("format") is None
        and request.accept_mimetypes.best_match(["application/json", "text/csv"]) == "text/csv"
    )
    if wants_csv:
        body = "".join(changes_export.changes_csv(changes))
        response = Response(body, mimetype="text/csv")
        response.headers["Content-Disposition"] = (
            f'attachment; filename="registry-changes-{args["organization_id"]}.csv"'
        )
        return response
    return {"items": changes}
