"""HTML pages of the listings domain: the shared map, a listing's detail, create and edit.

The pages are shells: the browser reads and writes listings through the JSON API
(/api/v1/listings…), so the map, the forms and integrations go through the same rules.
What the pages need from the server (who the user is, which organisations they may list
for, the map settings) is rendered into the page as JSON.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, url_for
from flask_login import current_user, login_required

from exchange.geo import point_to_dict
from exchange.listings import access
from exchange.places import attribution as places_attribution
from exchange.profiles import authz
from exchange.profiles.models import OrganizationKind

bp = Blueprint("listings_views", __name__, template_folder="templates")

def _listing_organizations() -> list[dict]:
    """The organisations the user may list for, with the kinds allowed there (as the
    service decides: landlord companies offer flats, public bodies flats and free beds)."""
    choices = []
    for membership in authz.active_memberships(current_user):
        organization = membership.organization
        landlord_org = organization.kind == OrganizationKind.LANDLORD
        if membership.role not in access.CREATOR_ROLES[landlord_org]:
            continue
        choices.append({
            "id": organization.id,
            "name": organization.name,
            "kinds": ["flat"] if landlord_org else ["flat", "beds"],
            # Where a new listing's map starts: the organisation's own place.
            "location": point_to_dict(organization.location),
        })
    return sorted(choices, key=lambda choice: choice["name"])


def _page_config(**extra) -> dict:
    """Settings and facts about the user that the page scripts need."""
    config = current_app.config
    managed = authz.organizations_with_role(current_user, access.MANAGER_ROLES)
    return {
        "api": "/api/v1",
        "user_id": current_user.id,
        # Whose listings the user may edit (besides their own), and whether they may
        # reserve others' listings: the page shows only the buttons that will work.
        "managed_organization_ids": sorted(managed),
        "is_official": access.is_official(current_user),
        "tile_url": config.get("MAP_TILE_URL") or "",
        "tile_attribution": config.get("MAP_TILE_ATTRIBUTION") or "",
        "places_attribution": places_attribution(),
        "geocoder_url": config.get("GEOCODER_URL") or "",
        "outline_url": url_for("static", filename="geo/germany.json"),
        "map_url": url_for("listings_views.map_page"),
        "new_url": url_for("listings_views.new_listing"),
        "detail_url": url_for("listings_views.listing_detail", listing_id=0),
        "edit_url": url_for("listings_views.edit_listing", listing_id=0),
        # Where a reservation continues: the conversation with the owner side.
        "room_url": url_for("chat_views.room_page", room_id=0),
        **extra,
    }


@bp.get("/map")
@login_required
def map_page():
    return _map(listing_id=None)


@bp.get("/listings/<int:listing_id>")
@login_required
def listing_detail(listing_id: int):
    """A listing's own address: the map, centred on it, with its detail open."""
    return _map(listing_id=listing_id)


def _map(listing_id: int | None):
    return render_template(
        "listings/map.html",
        page_config=_page_config(listing_id=listing_id),
        can_create=bool(_listing_organizations()),
        # Landlords see only their own listings (API.md); the page says so.
        own_only=authz.is_landlord_only(current_user),
    )


@bp.get("/listings/new")
@login_required
def new_listing():
    return render_template(
        "listings/form.html",
        page_config=_page_config(listing_id=None, organizations=_listing_organizations()),
        listing_id=None,
    )


@bp.get("/listings/<int:listing_id>/edit")
@login_required
def edit_listing(listing_id: int):
    # Whether the user may edit is the API's answer to the PATCH (and the GET: 404 for
    # what they cannot see); the form shows that answer.
    return render_template(
        "listings/form.html",
        page_config=_page_config(listing_id=listing_id, organizations=_listing_organizations()),
        listing_id=listing_id,
    )
