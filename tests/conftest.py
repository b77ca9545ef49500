"""Test fixtures: one migrated PostgreSQL + PostGIS database per session, each test in a
transaction that is rolled back at its end, and factory fixtures for the data."""

from __future__ import annotations

import contextvars
import email
import email.policy
import itertools
import os
import socket
import threading
import time
from contextlib import contextmanager

import pyotp
import pytest
from aiosmtpd.controller import Controller
from flask.globals import _cv_app
from flask.testing import FlaskClient
from sqlalchemy import create_engine, make_url, select, text

from exchange import create_app, realtime
from exchange.chat.models import Member, MemberRole, Room, direct_key
from exchange.cli import cli
from exchange.config import TestingConfig, normalise_database_url
from exchange.db import utcnow
from exchange.extensions import db, socketio
from exchange.listings.models import Listing
from exchange.places.loader import load_places
from exchange.profiles import authz, identity_cache, passwords, second_factor, tokens
from exchange.profiles.models import Membership, Organization, User

PASSWORD = "correct horse battery"


def _reset_database(url: str) -> None:
    """Start from an empty schema so the migrations themselves are tested every run."""
    parsed = make_url(url)
    server = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        exists = connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": parsed.database}
        )
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    server.dispose()
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@contextmanager
def own_app_context():
    """Let the code under test push its own app context, as it does in production (its own
    `g`, its own database session), while the test keeps its context; afterwards the test's
    session forgets what it had loaded, so it reads what the request wrote."""
    token = _cv_app.set(None)
    try:
        yield
    finally:
        _cv_app.reset(token)
        if _cv_app.get(None) is not None:
            db.session.expire_all()



def hears(sock, room: str) -> bool:
    """Whether the test socket gets an event sent to the room now (drops what it had)."""
    with own_app_context():
        sock.get_received()
        realtime.emit_now("probe", {"room": room}, room=room)
        return any(event["name"] == "probe" for event in sock.get_received())


class ApiClient(FlaskClient):
    """A test client that sends the session's CSRF token like the web UI does."""

    csrf_token: str | None = None

    def open(self, *args, **kwargs):
        if self.csrf_token:
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("X-CSRFToken", self.csrf_token)
            kwargs["headers"] = headers
        with own_app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app():
    url = normalise_database_url(
        os.environ.get("TEST_DATABASE_URL", TestingConfig.SQLALCHEMY_DATABASE_URI)
    )
    _reset_database(url)
    app = create_app(TestingConfig)
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    app.test_client_class = ApiClient
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        # The gazetteer from the real package data, as `exchange load-places` does it.
        load_places()
        db.session.commit()
        db.session.remove()
    return app


@pytest.fixture(autouse=True)
def _transaction(request):
    """Every test runs in one outer transaction that is rolled back at its end; the code's
    own commits become savepoints inside it."""
    if "e2e" in request.keywords or "no_transaction" in request.fixturenames:
        yield
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        engine = db.engine
        connection = engine.connect()
        outer = connection.begin()
        engines = db._app_engines[app]
        engines[None] = connection
        db.session.remove()
        db.session.configure(join_transaction_mode="create_savepoint")
        try:
            yield
        finally:
            db.session.remove()
            outer.rollback()
            # The rollback took back commits without moving the auth generation.
            identity_cache.cache().clear()
            connection.close()
            engines[None] = engine


@pytest.fixture
def no_transaction():
    """Marks a test that commits for real (several processes must see the data)."""


@pytest.fixture
def client(app) -> ApiClient:
    return app.test_client()


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


_counter = itertools.count(1)


@pytest.fixture
def make_org(app):
    """make_org(kind="district", parent=None, name=None, ags=None) → Organization."""

    def make(kind: str = "district", parent: Organization | None = None, name: str | None = None,
             ags: str | None = None, verified: bool = True, lat: float | None = None,
             lon: float | None = None) -> Organization:
        n = next(_counter)
        org = Organization(
            name=name or f"{kind.title()} {n}", kind=kind, ags=ags, parent=parent,
            verified=verified,
            location=f"SRID=4326;POINT({lon} {lat})" if lat is not None else None,
        )
        db.session.add(org)
        db.session.flush()
        return org

    return make


@pytest.fixture
def make_user(app, make_org):
    """make_user(role=None, org=None, status="active", admin=False) → User.

    With a role and no org, an organisation that fits the role is made.
    """

    def make(role: str | None = None, org: Organization | None = None, status: str = "active",
             admin: bool = False, name: str | None = None, email: str | None = None) -> User:
        n = next(_counter)
        with app.test_request_context():
            password_hash = passwords.hash_password(PASSWORD)
        user = User(
            email=email or f"user{n}@test.example", name=name or f"User {n}",
            password_hash=password_hash, is_platform_admin=admin,
        )
        db.session.add(user)
        if role is not None:
            if org is None:
                org = make_org("landlord" if role == "landlord" else "district")
            db.session.add(Membership(user=user, organization=org, role=role, status=status))
        db.session.flush()
        db.session.refresh(user)
        return user

    return make


def fresh_totp_code(user_id: int) -> str | None:
    """A TOTP code of the user's secret that the server has not accepted yet: this time
    step's, or the next one's (within the window); None when both were used."""
    secret, last_step = db.session.execute(
        select(User.totp_secret, User.totp_last_step).where(User.id == user_id)
    ).one()
    totp = pyotp.TOTP(secret)
    current = int(time.time()) // second_factor.TOTP_PERIOD
    for step in (current, current + 1):
        if last_step is None or step > last_step:
            return totp.generate_otp(step)
    return None


@pytest.fixture
def login(app):
    """login(client, user) signs the client in through the API and keeps its CSRF token.

    Users who must use a second factor go through it for real: at their first login they
    set up TOTP (POST /auth/2fa/setup, then /auth/2fa/confirm with a code computed by
    pyotp), later they send a code not used before (or, when a user signs in a third time
    within one 30-second step, one of the recovery codes kept from the setup).
    """
    recovery_codes: dict[int, list[str]] = {}

    def do_login(client: ApiClient, user: User, password: str = PASSWORD) -> ApiClient:
        response = client.post("/api/v1/auth/login", json={"email": user.email,
                                                           "password": password})
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        client.csrf_token = body["csrf_token"]
        if body.get("second_factor") == "enroll":
            setup = client.post("/api/v1/auth/2fa/setup")
            assert setup.status_code == 200, setup.get_json()
            code = pyotp.TOTP(setup.get_json()["secret"]).now()
            body = client.post("/api/v1/auth/2fa/confirm", json={"code": code}).get_json()
            assert "recovery_codes" in body, body
            recovery_codes[user.id] = list(body["recovery_codes"])
        elif body.get("second_factor") == "required":
            code = fresh_totp_code(user.id) or recovery_codes[user.id].pop()
            answer = client.post("/api/v1/auth/2fa", json={"code": code})
            assert answer.status_code == 200, answer.get_json()
            body = answer.get_json()
        client.csrf_token = body["csrf_token"]
        return client

    return do_login


@pytest.fixture
def as_user(app, login, make_user):
    """as_user(role=..., org=...) → a client signed in as a new user of that role."""

    def make(role: str | None = None, org: Organization | None = None, admin: bool = False,
             user: User | None = None) -> ApiClient:
        user = user or make_user(role=role, org=org, admin=admin)
        client = app.test_client()
        client.user = user
        return login(client, user)

    return make


@pytest.fixture
def socket_client(app):
    """socket_client(flask_client=None, auth=None) → a Socket.IO test client.

    Connecting with a logged-in flask client sends its session cookie. Calls on the
    returned client that reach the server should be wrapped in `own_app_context()`.
    """
    made = []

    def make(flask_client: ApiClient | None = None, auth: dict | None = None):
        with own_app_context():
            sock = socketio.test_client(app, flask_test_client=flask_client, auth=auth)
        made.append(sock)
        return sock

    yield make
    for sock in made:
        if sock.is_connected():
            with own_app_context():
                sock.disconnect()


@pytest.fixture
def bearer(app):
    """bearer(user) → headers with a fresh API token of that user."""

    def make(user: User) -> dict[str, str]:
        if authz.requires_second_factor(user) and user.totp_enabled_at is None:
            # Tokens are made by fully signed-in sessions only: as if the user had set up
            # TOTP to sign in before making this one.
            user.totp_secret = pyotp.random_base32(32)
            user.totp_enabled_at = utcnow()
        with app.test_request_context():
            _token, raw = tokens.create_api_token(user, "test")
        db.session.flush()
        return {"Authorization": f"Bearer {raw}"}

    return make


class SmtpInbox:
    """What a real local SMTP server (aiosmtpd) received: parsed messages with their
    envelope recipients."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self._arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        with self._arrived:
            self.messages.append(message)
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 10.0) -> list[email.message.EmailMessage]:
        """The messages once at least ``count`` have arrived (or what came within timeout)."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.messages) < count and time.monotonic() < deadline:
                self._arrived.wait(deadline - time.monotonic())
            return list(self.messages)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(app, monkeypatch):
    """A real SMTP server on a free local port, and the app configured to send through it.
    Yields its SmtpInbox."""
    inbox = SmtpInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", controller.port)
    monkeypatch.setitem(app.config, "SMTP_TIMEOUT", 5.0)
    monkeypatch.setitem(app.config, "MAIL_FROM", "Exchange <noreply@exchange.test>")
    try:
        yield inbox
    finally:
        from exchange import mail

        mail.wait_for_deliveries(10)
        controller.stop()


@pytest.fixture
def make_room(app):
    """make_room(owner, *members, kind="group", visibility="private", listing=None, ...)."""

    def make(owner: User, *members: User, kind: str = "group", visibility: str = "private",
             listing: Listing | None = None, name: str | None = None,
             retention_days: int | None = None) -> Room:
        room = Room(
            kind=kind, visibility=visibility, name=name or f"Room {next(_counter)}",
            listing_id=listing.id if listing else None, retention_days=retention_days,
            created_by_id=owner.id,
            direct_key=direct_key(owner.id, members[0].id) if kind == "direct" else None,
        )
        db.session.add(room)
        db.session.flush()
        db.session.add(Member(room_id=room.id, user_id=owner.id, role=MemberRole.OWNER))
        for member in members:
            db.session.add(Member(room_id=room.id, user_id=member.id, role=MemberRole.MEMBER))
        db.session.flush()
        return room

    return make


@pytest.fixture
def run(app):
    """run(*args, input=None) → click Result of `exchange ARGS`.

    The command runs as from a shell: in a fresh context without the test's app context,
    so `with_appcontext` pushes its own (its own database session, on the test's
    connection); afterwards the test's session re-reads what the command committed.
    (`own_app_context` does not fit here: `with_appcontext` asks `current_app` first.)
    """
    runner = app.test_cli_runner()

    def invoke(*args: str, input: str | None = None):
        result = contextvars.Context().run(runner.invoke, cli, list(args), input=input)
        db.session.expire_all()
        return result

    return invoke


@pytest.fixture
def documents_dir(app, tmp_path, monkeypatch):
    """DOCUMENTS_DIR of the app set to a fresh folder for the test (restored after it).

    Used by every test that stores uploads (autouse in tests/documents and tests/chat).
    """
    root = tmp_path / "documents"
    monkeypatch.setitem(app.config, "DOCUMENTS_DIR", str(root))
    return root
