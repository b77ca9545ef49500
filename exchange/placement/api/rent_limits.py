"""REST API of rent and size limits: parse → service → dump (the request commits)."""

from __future__ import annotations

from flask_login import current_user, login_required

from exchange.errors import InvalidInput
from exchange.imports_form import form_id, import_body, uploaded_csv
from exchange.openapi import api_blueprint, endpoint
from exchange.placement import rent_limits, rent_limits_csv
from exchange.placement.schemas.rent_limits import (
    LimitImportReportSchema,
    RentLimitCreateArgs,
    RentLimitListArgs,
    RentLimitListSchema,
    RentLimitSchema,
    RentLimitUpdateArgs,
)

blp = api_blueprint("placement_rent_limits", __name__,
                    "Rent and size limits (Angemessenheitsgrenzen) per municipality and "
                    "household size")

ON_404 = {404: "Not a district whose limits you keep (its admins)"}


def _actor():
    return current_user._get_current_object()


@endpoint(blp, "get", "/rent-limits", 200, RentLimitListSchema, query=RentLimitListArgs,
          errors=ON_404)
def list_rent_limits(args: dict):
    """A district's limits (its admins), by municipality, newest table first; with
    `in_force_on` only the tables in force that day."""
    return {"items": rent_limits.list_limits(_actor(), args["district_id"],
                                             args.get("municipality_id"),
                                             args.get("in_force_on"))}


@endpoint(blp, "post", "/rent-limits", 201, RentLimitSchema, body=RentLimitCreateArgs,
          errors={**ON_404, 409: "This municipality has a limit for this size and day"})
def create_rent_limit(args: dict):
    """A new limit of a district (its admins): the highest gross cold rent (rent +
    utilities) and area for a household size in one of its municipalities, from a day."""
    district_id = args.pop("district_id")
    return rent_limits.create_limit(_actor(), district_id, args)


@endpoint(blp, "patch", "/rent-limits/<int:limit_id>", 200, RentLimitSchema,
          body=RentLimitUpdateArgs, errors={409: "Another limit has this size and day"})
def update_rent_limit(args: dict, limit_id: int):
    """Change a limit (its district's admins)."""
    return rent_limits.update_limit(_actor(), limit_id, args)


@endpoint(blp, "delete", "/rent-limits/<int:limit_id>", 204)
def delete_rent_limit(limit_id: int):
    """Remove a limit (its district's admins)."""
    rent_limits.delete_limit(_actor(), limit_id)


def _district_id_from_form() -> int:
    district_id = form_id("district_id")
    if district_id is None:
        raise InvalidInput({"district_id": "Give the id of the district (an integer)."})
    return district_id


@blp.post("/rent-limits/imports")
@blp.doc(requestBody=import_body(
    "CSV: columns municipality (AGS or name), household_size (1–15 or \"jede weitere "
    "Person\"), valid_from, max_gross_rent, max_area_m2; German or English headers "
    "(Gemeinde, Haushaltsgröße, Gültig ab, Bruttokaltmiete, Wohnfläche); UTF-8, "
    "Windows-1252 or UTF-16; `;`, `,` or tab separated", "district_id"))
@blp.response(200, LimitImportReportSchema,
              description="Written: each table (municipality and day) of the file replaces "
              "the district's table of that municipality and day")
@blp.alt_response(422, schema={"anyOf": [{"$ref": "#/components/schemas/LimitImportReport"},
                                         {"$ref": "#/components/schemas/Error"}]},
                  description="Bad rows (the report names each line and field; nothing was "
                  "written), or a bad form field")
@blp.alt_response(404, description="Not a district whose limits you keep")
@login_required
def import_rent_limits():
    """Import a district's limits from CSV (multipart `file`, `district_id`; its admins)."""
    district_id = _district_id_from_form()
    report = rent_limits_csv.import_limits(_actor(), district_id, uploaded_csv().stream)
    return report, 200 if report.ok else 422
