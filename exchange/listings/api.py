"""REST API of listings and saved searches: parse → service → dump (the request commits)."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Response, current_app, jsonify, request
from flask_login import current_user, login_required

from exchange.db import read_only
from exchange.listings import (
    access,
    attachments,
    clusters,
    fits,
    operations,
    saved_searches,
    search,
)
from exchange.listings.filters import ListingFilter
from exchange.listings.page_json import page_json
from exchange.listings.schemas import (
    AttachedDocumentSchema,
    ClusterArgs,
    ClusterResultSchema,
    FlagArgs,
    ListingCreateArgs,
    ListingDocumentArgs,
    ListingPageSchema,
    ListingSchema,
    ListingSearchArgs,
    ListingUpdateArgs,
    SavedSearchArgs,
    SavedSearchSchema,
    feature,
)
from exchange.openapi import api_blueprint, endpoint

blp = api_blueprint("listings", __name__, "Listings: flats and free beds")

GEOJSON = "application/geo+json"
# A search page as GeoJSON: the items' fields are each feature's properties.
GEOJSON_COLLECTION = {
    "type": "object",
    "required": ["type", "features"],
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "features": {"type": "array", "items": {"type": "object"}},
        "next_cursor": {"type": "string", "nullable": True},
    },
}


def _answer(listing, status: int = 200) -> Response:
    """One listing as the current user may see it, with its attached files."""
    viewer = current_user._get_current_object()
    schema = ListingSchema(exact=access.exact_view(viewer),
                           attachments=attachments.listing_documents(listing),
                           fits_households=fits.fits_households(listing))
    return jsonify(schema.dump(listing)), status


def _wants_geojson(fmt: str | None) -> bool:
    if fmt is not None:
        return fmt == "geojson"
    best = request.accept_mimetypes.best_match(["application/json", GEOJSON])
    return best == GEOJSON


def _geojson_links(next_cursor: str | None) -> list[dict]:
    """The `next` link of a GeoJSON search page (as in OGC API – Features): this search
    with the cursor of the next page, as GeoJSON whatever asked for it (a header does not
    travel with a link)."""
    if next_cursor is None:
        return []
    query = [(name, value) for name, value in request.args.items(multi=True)
             if name not in ("cursor", "format")]
    query += [("cursor", next_cursor), ("format", "geojson")]
    return [{"href": f"{request.base_url}?{urlencode(query)}", "rel": "next", "type": GEOJSON,
             "title": "The next page"}]


@endpoint(blp, "post", "/listings", 201, ListingSchema, body=ListingCreateArgs,
          errors={403: "Not a landlord or official (beds: officials only)"})
def create_listing(args: dict):
    """A new listing: a draft, or published at once with `"publish": true`."""
    organization_id = args.pop("organization_id")
    publish = args.pop("publish")
    listing = operations.create_listing(
        current_user, args, organization_id=organization_id, publish=publish
    )
    return _answer(listing, 201)


@blp.get("/listings")
@blp.arguments(ListingSearchArgs(), location="query")
@blp.response(200, ListingPageSchema)
@blp.alt_response(200, schema=GEOJSON_COLLECTION, content_type=GEOJSON, success=True,
                  description="A page of listings; with `Accept: application/geo+json` or "
                  "`format=geojson` a GeoJSON FeatureCollection")
@read_only
@login_required
def search_listings(args: dict):
    """Search the map. With `Accept: application/geo+json` (or `format=geojson`) the answer
    is a GeoJSON FeatureCollection; `near` adds `distance_km` to each item."""
    fmt = args.pop("format", None)
    viewer = current_user._get_current_object()
    page = search.search_listings(viewer, ListingFilter(**args))
    items = page_json([hit.listing for hit in page.items], access.exact_view(viewer),
                      [hit.distance_m for hit in page.items])
    if _wants_geojson(fmt):
        body = {
            "type": "FeatureCollection",
            "features": [feature(item) for item in items],
            "next_cursor": page.next_cursor,
            "links": _geojson_links(page.next_cursor),
        }
        return Response(current_app.json.dumps(body), mimetype=GEOJSON)
    return jsonify({"items": items, "next_cursor": page.next_cursor})


@blp.get("/listings/clusters")
@blp.arguments(ClusterArgs(), location="query")
@blp.response(200, ClusterResultSchema)
@read_only
@login_required
def listing_clusters(args: dict):
    """Published listings counted per grid cell for the map (at most ~500 clusters);
    `listing_id` is given where a cluster is a single listing."""
    bbox, zoom = args.pop("bbox"), args.pop("zoom")
    return clusters.listing_clusters(current_user, bbox, zoom, ListingFilter(**args))


@endpoint(blp, "get", "/listings/<int:listing_id>", 200, ListingSchema)
def get_listing(listing_id: int):
    """One listing, as far as you may see it."""
    return _answer(access.get_listing_for(current_user, listing_id))


@endpoint(blp, "patch", "/listings/<int:listing_id>", 200, ListingSchema, body=ListingUpdateArgs)
def update_listing(args: dict, listing_id: int):
    """Change a listing (its owner, or an official of the owning organisation)."""
    listing = operations.update_listing(current_user, listing_id, args)
    return _answer(listing)


# The status changes, each a call of its own: POST /listings/{id}/<action>.
STATUS_CHANGES = {
    "publish": "draft, withdrawn or expired → published (starts a new availability period).",
    "withdraw": "published or reserved → withdrawn.",
    "reserve": "published → reserved (officials): the owner side is notified and a "
               "conversation with them is opened (as POST /listings/{id}/request).",
    "let": "reserved → let.",
}


def _status_change(action: str, doc: str) -> None:
    """Register the call `<action>_listing` that makes the status change `action`."""

    def view(listing_id: int):
        return _answer(operations.status_action(current_user, listing_id, action))

    view.__name__ = view.__qualname__ = f"{action}_listing"
    view.__doc__ = doc
    endpoint(blp, "post", f"/listings/<int:listing_id>/{action}", 200, ListingSchema,
             errors={409: "Illegal transition"})(view)


for _action, _doc in STATUS_CHANGES.items():
    _status_change(_action, _doc)


@endpoint(blp, "post", "/listings/<int:listing_id>/confirm", 200, ListingSchema,
          errors={409: "Not published"})
def confirm_listing(listing_id: int):
    """Still available: renews `expires_at` by LISTING_TTL_DAYS and clears a flag."""
    listing = operations.confirm_listing(current_user, listing_id)
    return _answer(listing)


@endpoint(blp, "post", "/listings/<int:listing_id>/flag", 200, ListingSchema, body=FlagArgs)
def flag_listing(args: dict, listing_id: int):
    """Report a listing as no longer available (officials): the owner is asked to confirm
    or withdraw it, and it expires within LISTING_REMINDER_DAYS unless confirmed."""
    listing = operations.flag_listing(current_user, listing_id, args["reason"])
    return _answer(listing)


@endpoint(blp, "post", "/listings/<int:listing_id>/documents", 201, AttachedDocumentSchema,
          body=ListingDocumentArgs,
          errors={409: "Attached already, or the listing holds the most files"})
def attach_listing_document(args: dict, listing_id: int):
    """Attach an uploaded document (POST /documents) as a photo or a document (who may edit
    the listing); whoever sees the listing may then read it."""
    attachment = attachments.attach_document(
        current_user, listing_id, args["document_id"], args["kind"]
    )
    return attachment


@endpoint(blp, "delete", "/listings/<int:listing_id>/documents/<int:document_id>", 204)
def detach_listing_document(listing_id: int, document_id: int):
    """Take a file off a listing (the document itself stays with its uploader)."""
    attachments.detach_document(current_user, listing_id, document_id)


@endpoint(blp, "post", "/saved-searches", 201, SavedSearchSchema, body=SavedSearchArgs)
def create_saved_search(args: dict):
    """Save filters (and optionally an area) to be told of new matching listings."""
    saved = saved_searches.create_saved_search(
        current_user, args["name"], ListingFilter(**args["filters"]), args["area"]
    )
    return saved


@endpoint(blp, "get", "/saved-searches", 200, SavedSearchSchema(many=True))
def list_saved_searches():
    """My saved searches."""
    return saved_searches.list_saved_searches(current_user)


@endpoint(blp, "delete", "/saved-searches/<int:saved_search_id>", 204)
def delete_saved_search(saved_search_id: int):
    """Delete one of my saved searches."""
    saved_searches.delete_saved_search(current_user, saved_search_id)
