"""Exchange: network and housing-offer exchange for the accommodation of refugees."""

from __future__ import annotations

import gc
import json
import os
from pathlib import Path

from flask import (
    Flask,
    Response,
    current_app,
    has_request_context,
    jsonify,
    redirect,
    request,
    send_from_directory,
    session,
)
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.middleware.proxy_fix import ProxyFix

from exchange import (
    headers,
    limits,
    notifications,
    realtime,
    replicas,
    socket_gate,
    unavailable,
)
from exchange.capacity import events as capacity_events
from exchange.capacity import notices as capacity_notices
from exchange.capacity.api import forecast as forecast_api
from exchange.capacity.api import occupancy as occupancy_api
from exchange.capacity.api import persons as persons_api
from exchange.capacity.api import registry as registry_api
from exchange.capacity.api import rights as rights_api
from exchange.capacity.api import shelters as shelters_api
from exchange.capacity.api import transfers as transfers_api
from exchange.capacity.views import bp as capacity_views
from exchange.chat import events as chat_events
from exchange.chat import notices as chat_notices
from exchange.chat import sockets as chat_sockets
from exchange.chat.api import blp as chat_api
from exchange.chat.views import bp as chat_views
from exchange.concepts import services as concepts
from exchange.concepts.api import blp as concepts_api
from exchange.concepts.views import bp as concepts_views
from exchange.config import Config, check_secret_key, config_for_environment
from exchange.db import IdConverter, ping_when_idle, with_timeouts
from exchange.documents.api import blp as documents_api
from exchange.errors import ServiceError, conflict_from_integrity_error, localise
from exchange.extensions import api, babel, db, migrate, socketio
from exchange.home.views import bp as home_views
from exchange.jsonprovider import OrjsonProvider
from exchange.listings import init_app as init_listings
from exchange.listings.api import blp as listings_api
from exchange.listings.ogc import bp as listings_ogc
from exchange.listings.views import bp as listings_views
from exchange.notifications.api import blp as notifications_api
from exchange.notifications.views import bp as notifications_views
from exchange.openapi import init_api
from exchange.placement import proposal_notices
from exchange.placement import rent_limits as placement_rent_limits
from exchange.placement.api import matching as matching_api
from exchange.placement.api import rent_limits as rent_limits_api
from exchange.placement.api.proposals import blp as proposals_api
from exchange.placement.proposal_views import bp as proposal_views
from exchange.placement.views import bp as placement_views
from exchange.places.api import blp as places_api
from exchange.profiles import auth
from exchange.profiles.api import blp as profiles_api
from exchange.profiles.organization_views import bp as organizations_views
from exchange.profiles.views import bp as profiles_views
from exchange.transaction import UnitOfWorkFlask

ROOT = Path(__file__).resolve().parent.parent

ROLE_LABELS = {
    "admin": _l("Administrator"),
    "official": _l("Official"),
    "caseworker": _l("Caseworker"),
    "landlord": _l("Landlord"),
}
KIND_LABELS = {
    "state": _l("State"),
    "district": _l("District"),
    "municipality": _l("Municipality"),
    "landlord": _l("Landlord"),
    "provider": _l("Provider"),
}
STATUS_LABELS = {"pending": _l("pending"), "active": _l("active"), "disabled": _l("disabled")}


LOCALES = ["de", "en"]


def select_locale() -> str:
    """Session choice (set at sign-in from the profile, changed by the language switch),
    then, for an API client with a token, the Accept-Language of the request (HTTP content
    negotiation, per request), then the user's profile, then the browser, then German.
    The UI's own API calls carry the session, so they answer in the language of the page.
    Outside a request (CLI, scheduler): the configured default.
    """
    if not has_request_context():
        return current_app.config.get("BABEL_DEFAULT_LOCALE", "de")
    if session.get("locale") in LOCALES:
        return session["locale"]
    asked = request.accept_languages.best_match(LOCALES)
    if asked and request.headers.get("Authorization", "").startswith("Bearer "):
        return asked
    if current_user and current_user.is_authenticated and current_user.locale in LOCALES:
        return current_user.locale
    return asked or "de"


def socket_origins(configured: list[str] | None) -> list[str] | None:
    """The origins python-engineio lets open a socket: the configured list, else None,
    which engineio reads as "the request's own scheme and Host" (an empty list would switch
    its Origin check off, and a page of any other origin could use the visitor's cookie).
    """
    if not configured:
        return None
    if "*" in configured:
        raise RuntimeError("SOCKETIO_ALLOWED_ORIGINS must name origins; '*' would let any "
                           "site open sockets with a visitor's session cookie.")
    return list(configured)


def create_app(config: type[Config] | dict | None = None) -> Flask:
    """Build the application: config, extensions, blueprints, socket handlers, CLI."""
    instance_path = os.environ.get("INSTANCE_PATH", str(ROOT / "instance"))
    app = UnitOfWorkFlask(__name__, instance_path=instance_path)
    app.url_map.converters["int"] = IdConverter  # ids beyond PostgreSQL's integer: 404
    app.json = OrjsonProvider(app)
    app.config.from_object(config_for_environment())
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    check_secret_key(app.config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if app.config.get("PROXY_FIX_HOPS"):
        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = with_timeouts(app.config)
    db.init_app(app)
    replicas.init_app(app)
    with app.app_context():
        ping_when_idle(db.engine, app.config["DATABASE_PING_AFTER_IDLE_SECONDS"])
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    babel.init_app(app, locale_selector=select_locale)
    init_api(app, api)

    auth.init_app(app)
    limits.init_app(app)
    headers.init_app(app)
    socketio.init_app(
        app,
        client_manager=realtime.client_manager(
            app.config["REDIS_URL"], app.config["SOCKETIO_CHANNEL"],
            app.config["REDIS_TIMEOUT_SECONDS"]),
        async_mode=realtime.serving_mode(),
        cors_allowed_origins=socket_origins(app.config.get("SOCKETIO_ALLOWED_ORIGINS")),
        manage_session=False,
    )

    socket_gate.init_app(app)
    _register_blueprints(app)
    _register_domains(app)
    _register_error_handlers(app)
    _register_templates(app)

    concepts.register()
    realtime.register_handlers(app)
    capacity_events.register()
    chat_events.register()
    chat_sockets.register_handlers()
    if not app.testing:
        # What the app is built of (modules, mappers, routes, templates) lives as long as
        # the process: keep it out of the cyclic collector's full passes, which otherwise
        # walk all of it again each time requests and chat sends have allocated enough.
        gc.freeze()
        gc.set_threshold(*app.config["GC_THRESHOLDS"])
    return app


def _register_blueprints(app: Flask) -> None:
    api.register_blueprint(profiles_api)
    api.register_blueprint(concepts_api)
    api.register_blueprint(documents_api)
    api.register_blueprint(notifications_api)
    api.register_blueprint(listings_api)
    api.register_blueprint(chat_api)
    api.register_blueprint(places_api)
    api.register_blueprint(proposals_api)
    for capacity_api in (shelters_api, persons_api, occupancy_api, registry_api,
                         transfers_api, rights_api, forecast_api):
        api.register_blueprint(capacity_api.blp)
    for placement_api in (rent_limits_api, matching_api):
        api.register_blueprint(placement_api.blp)
    app.register_blueprint(home_views)
    app.register_blueprint(profiles_views)
    app.register_blueprint(organizations_views)
    app.register_blueprint(concepts_views)
    app.register_blueprint(listings_ogc)
    app.register_blueprint(listings_views)
    app.register_blueprint(notifications_views)
    app.register_blueprint(chat_views)
    app.register_blueprint(capacity_views)
    app.register_blueprint(proposal_views)
    app.register_blueprint(placement_views)

    node_modules = Path(os.environ.get("NODE_MODULES_DIR", ROOT / "node_modules"))

    @app.get("/static/vendor/<path:filename>")
    def vendor(filename: str):
        """Front-end packages installed by npm (never copied into the repo)."""
        return send_from_directory(node_modules, filename, max_age=3600)

    @app.get("/api/docs")
    def api_docs():
        return redirect("/api/v1/docs")


def _register_domains(app: Flask) -> None:
    """What each domain connects to the layers below it (signal receivers, socket rooms,
    the inbox's kinds): explicitly here, never as a side effect of an import. The inbox
    lists its kinds in this order."""

    init_listings(app)
    chat_notices.register()
    notifications.init_app(app)
    capacity_notices.register()
    proposal_notices.register()
    placement_rent_limits.register()


def _plain_json_error(code: int, name: str) -> Response:
    """An error answer without translation or the app's JSON provider (nothing to fail)."""
    body = json.dumps({"code": code, "status": name, "message": name})
    return Response(body, status=code, mimetype="application/json")


def _register_error_handlers(app: Flask) -> None:
    unavailable.init_app(app)

    @app.errorhandler(ServiceError)
    def _service_error(error: ServiceError):
        body = {"code": error.status, "message": error.message}
        if error.errors:
            body["errors"] = error.errors
        headers = {}
        if getattr(error, "retry_after", None):
            headers["Retry-After"] = str(error.retry_after)
        return jsonify(body), error.status, headers

    @app.errorhandler(IntegrityError)
    def _integrity_error(error: IntegrityError):
        db.session.rollback()
        conflict = conflict_from_integrity_error(error)
        if conflict is None:
            raise error
        return _service_error(conflict)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        if not request.path.startswith("/api/"):
            return error
        try:
            body = {"code": error.code, "status": error.name,
                    "message": localise(error.description)}
            data = getattr(error, "data", None) or {}
            if data.get("messages"):
                body["errors"] = localise(data["messages"])
            return jsonify(body), error.code
        except Exception:  # the answer about an error must not fail into an HTML 500
            app.logger.exception("Error while answering %s", error.code)
            return _plain_json_error(error.code or 500, error.name)

    @app.errorhandler(InternalServerError)
    def _internal_error(error: InternalServerError):
        # Unhandled exceptions (outside testing, where they propagate): JSON for the API,
        # built from constants so that it cannot fail itself.
        if not request.path.startswith("/api/"):
            return error
        return _plain_json_error(500, "Internal Server Error")

    @app.before_request
    def _json_or_multipart_only():
        # API bodies are JSON (uploads multipart); anything else would be silently ignored.
        if (
            request.path.startswith("/api/")
            and request.method in ("POST", "PUT", "PATCH")
            and (request.content_length or request.headers.get("Transfer-Encoding"))
            and request.mimetype not in ("application/json", "multipart/form-data")
        ):
            return jsonify(code=415, status="Unsupported Media Type",
                           message=gettext("Send the body as application/json.")), 415
        return None

    @app.teardown_request
    def _rollback_unfinished(exc: BaseException | None) -> None:
        # A request that failed leaves nothing half-written.
        if exc is not None:
            db.session.rollback()


def _register_templates(app: Flask) -> None:
    from flask_babel import format_currency, format_decimal, format_number, get_locale

    # Next to Flask-Babel's dateformat / datetimeformat: numbers and money in the reader's
    # locale (de "1.234" and "450,00 €", en "1,234" and "€450.00").
    app.jinja_env.filters.update(
        number=lambda value: "" if value is None else format_number(value),
        decimal=lambda value, digits=1: "" if value is None else format_decimal(
            round(value, digits), format="#,##0." + "#" * digits if digits else "#,##0"),
        money=lambda value: "" if value is None else format_currency(value, "EUR"),
    )
    app.jinja_env.globals.update(
        get_locale=get_locale,
        role_label=lambda role: ROLE_LABELS.get(role, role),
        kind_label=lambda kind: KIND_LABELS.get(kind, kind),
        status_label=lambda status: STATUS_LABELS.get(status, status),
    )
