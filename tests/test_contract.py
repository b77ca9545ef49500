"""The published contract, tried the way a client would: schemathesis generates calls of
every operation from /api/v1/openapi.json (valid and invalid input) and sends them
in-process to the WSGI app on the real PostgreSQL, in turn as four actors — an official
with an API token, a caseworker signed in with password and TOTP through the session
cookie (with its X-CSRFToken), a landlord with an API token, and anonymously — and checks
every answer: no 5xx, a status code the document lists, the documented content type and a
body that matches the documented schema.

One test per operation, inside that test's transaction; each call runs in a savepoint
rolled back after it, so every case starts from the same world and nothing is left for
another test. The number of random examples per operation is bounded (CONTRACT_EXAMPLES)
so the file stays within a few minutes on a small machine; CONTRACT_EXAMPLES=200
CONTRACT_RANDOM=1 explores deeper. The figures of a run are printed at its end."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from exchange import create_app
from exchange.config import TestingConfig
from exchange.db import point_wkt, utcnow
from exchange.extensions import db
from exchange.listings.models import Listing
from exchange.profiles import identity_cache
from tests.conftest import own_app_context

EXAMPLES = int(os.environ.get("CONTRACT_EXAMPLES", "10"))
# The same cases on every run (a suite that passes today passes tomorrow);
# CONTRACT_RANDOM=1 draws new ones.
DERANDOMIZE = os.environ.get("CONTRACT_RANDOM") != "1"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@dataclass
class Actor:
    name: str
    headers: dict[str, str] = field(default_factory=dict)


def _document() -> dict:
    """The document as the app serves it. Read while the tests are collected (one test per
    operation), from an app built only for that: it touches no database."""
    return create_app(TestingConfig).test_client().get("/api/v1/openapi.json").get_json()


contract = schemathesis.openapi.from_dict(_document())
# Three phases: the document's own examples, the coverage phase (each parameter's
# boundaries and wrong types, deterministic) and random valid and invalid input, bounded
# by max_examples. CONTRACT_COVERAGE=0 leaves the coverage phase out (a quicker run).
contract.config.phases.coverage.enabled = os.environ.get("CONTRACT_COVERAGE") != "0"


@pytest.fixture
def actors(make_org, make_user, bearer, as_user) -> list[Actor]:
    district = make_org("district", ags="09999")
    official = make_user(role="official", org=district)
    caseworker = as_user(role="caseworker", org=district)  # password, then TOTP
    landlord = make_user(role="landlord")
    # Something for the searches to find, so their answers are checked with items in them
    # (rents are decimal strings, flat fields, the owner's contact for officials).
    now = utcnow()
    db.session.add(Listing(
        kind="flat", status="published", owner_id=landlord.id,
        organization_id=landlord.memberships[0].organization_id, title="Flat in Berlin",
        description="", street="Unter den Linden 1", postal_code="10117", city="Berlin",
        location=point_wkt(52.52, 13.405), rooms=Decimal("2.5"), area_m2=Decimal("62.00"),
        max_occupants=4, rent_cold=Decimal("650.00"), utilities=Decimal("150.00"),
        confirmed_at=now, expires_at=now + timedelta(days=14),
    ))
    db.session.flush()
    session = caseworker.get_cookie("session")
    return [
        Actor("official", bearer(official)),
        Actor("caseworker", {"Cookie": f"session={session.value}",
                             "X-CSRFToken": caseworker.csrf_token}),
        Actor("landlord", bearer(landlord)),
        Actor("anonymous"),
    ]


@pytest.fixture(scope="module")
def tally(request):
    """Counts the generated cases per operation; reported at the end of the module."""
    counts = {"cases": 0, "per_operation": {}}
    started = time.monotonic()
    yield counts
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None and counts["cases"]:
        with capture.global_and_fixture_disabled():
            reporter.write_line(
                f"\ncontract: {counts['cases']} generated cases over "
                f"{len(counts['per_operation'])} operations (fewest "
                f"{min(counts['per_operation'].values())}), "
                f"{time.monotonic() - started:.0f} s"
            )


@contract.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=DERANDOMIZE,
          suppress_health_check=list(HealthCheck))
def test_every_operation_keeps_its_contract(case, actors, app, tally):
    # Each case goes out as one actor, in turn per operation (official, caseworker,
    # landlord, anonymous, official, …): every operation is tried as all four, and the
    # four-fold calls of sending every case as each of them go to more cases instead.
    number = tally["per_operation"].get(case.operation.label, 0)
    tally["per_operation"][case.operation.label] = number + 1
    tally["cases"] += 1
    actor = actors[number % len(actors)]
    headers = {**(case.headers or {}), **actor.headers}
    # The test's connection (conftest._transaction): the call runs in a savepoint of it
    # that is rolled back, so every case starts from the same world (a logout or a revoked
    # token of one case does not sign the actor out for the next).
    connection = db._app_engines[app][None]
    savepoint = connection.begin_nested()
    try:
        with own_app_context():
            response = case.call(app=app, headers=headers)
    finally:
        savepoint.rollback()
        identity_cache.cache().clear()
    case.validate_response(response, checks=CHECKS, headers=headers,
                           transport_kwargs={"app": app})
