"""Rules every domain shares: races settled by constraints, and bodies must be JSON."""

from __future__ import annotations

from werkzeug.routing import Rule

from exchange.extensions import db
from exchange.profiles.models import Organization


def test_a_unique_violation_the_python_check_missed_is_a_409_naming_the_field(
    app, client, make_org
):
    make_org("district", ags="09162")
    # A route that inserts without checking first, as a second request racing the first
    # would. Added to the URL map directly: the app has served requests already.
    def race():
        db.session.add(Organization(name="Race", kind="district", ags="09162"))
        db.session.commit()
        return {}, 201

    if "race_probe" not in app.view_functions:
        app.view_functions["race_probe"] = race
        app.url_map.add(Rule("/api/v1/_test/race", endpoint="race_probe", methods=["POST"]))
    response = client.post("/api/v1/_test/race", json={})
    assert response.status_code == 409
    assert "ags" in response.get_json()["errors"]["json"]
    assert db.session.scalar(
        db.select(db.func.count()).select_from(Organization).where(Organization.ags == "09162")
    ) == 1


def test_a_form_body_to_a_json_call_is_415_and_changes_nothing(client, login, make_user):
    user = make_user()
    login(client, user)
    response = client.patch("/api/v1/me", data={"bio": "from a form"})
    assert response.status_code == 415
    assert client.get("/api/v1/me").get_json()["bio"] == ""
