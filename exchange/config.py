"""Settings from environment variables, one class per environment.

Every variable is listed in the README ("Configuration").
"""

from __future__ import annotations

import os


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def normalise_database_url(url: str) -> str:
    """Make any PostgreSQL URL use the psycopg 3 driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


#: The key development and tests sign cookies with when SECRET_KEY is unset; production
#: refuses it (anyone can read it here and forge a session cookie with it).
DEVELOPMENT_SECRET_KEY = "dev-only-not-secret"
#: The shortest SECRET_KEY production accepts (32 characters: e.g. `openssl rand -hex 32`
#: gives 64).
MIN_SECRET_KEY_LENGTH = 32


class InsecureConfiguration(RuntimeError):
    """A setting that must not reach production (raised by create_app at start)."""


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY") or DEVELOPMENT_SECRET_KEY
    # Production checks SECRET_KEY at start (check_secret_key); development and tests
    # may use the development key.
    REQUIRE_SECRET_KEY = False
    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/exchange")
    )
    # Every connection's session in UTC (times are stored and computed in UTC, whatever the
    # server's default; psycopg also reads UTC timestamps faster than a named zone's).
    # Statements are never prepared server-side: a prepared map search may switch to a
    # generic plan, which suits no viewport (a city's and a village's differ by thousands
    # of rows), and sessions that end with ROLLBACK lost their prepared statements anyway.
    # No JIT: a map search whose estimate crosses jit_above_cost spent seconds compiling
    # what runs in milliseconds (benchmarks/README.md, "Listings").
    SQLALCHEMY_ENGINE_OPTIONS = {
        "connect_args": {"options": "-c timezone=UTC -c jit=off", "prepare_threshold": None}
    }
    # Nothing waits on the database for ever (exchange/db.py: with_timeouts): connecting,
    # one statement, one lock wait. A request that hits one answers 503 with Retry-After
    # (exchange/unavailable.py). Registry imports get their own statement timeout; `exchange`
    # commands (migrations, imports, maintenance) run without statement and lock timeouts.
    # PostgreSQL also checks every CHECK_INTERVAL whether the client of a running statement
    # has gone, so a killed process's statement does not run on.
    DATABASE_CONNECT_TIMEOUT_SECONDS = int(os.environ.get("DATABASE_CONNECT_TIMEOUT_SECONDS", "5"))
    DATABASE_STATEMENT_TIMEOUT_MS = int(os.environ.get("DATABASE_STATEMENT_TIMEOUT_MS", "30000"))
    DATABASE_LOCK_TIMEOUT_MS = int(os.environ.get("DATABASE_LOCK_TIMEOUT_MS", "10000"))
    DATABASE_IMPORT_STATEMENT_TIMEOUT_MS = int(
        os.environ.get("DATABASE_IMPORT_STATEMENT_TIMEOUT_MS", "600000"))
    DATABASE_CHECK_INTERVAL_MS = int(os.environ.get("DATABASE_CHECK_INTERVAL_MS", "2000"))
    # Connections a process keeps (and may open beyond that at a burst): under the gevent
    # worker these bound how many of its requests and sockets query at once.
    DATABASE_POOL_SIZE = int(os.environ.get("DATABASE_POOL_SIZE", "10"))
    DATABASE_MAX_OVERFLOW = int(os.environ.get("DATABASE_MAX_OVERFLOW", "20"))
    # A pooled connection idle longer than this is checked with a ping before use (a
    # restarted database); one in use moments ago is not (pool_pre_ping would cost every
    # request a round trip). exchange/db.py: ping_when_idle.
    DATABASE_PING_AFTER_IDLE_SECONDS = float(
        os.environ.get("DATABASE_PING_AFTER_IDLE_SECONDS", "10")
    )
    # Streaming replicas (comma separated URLs) for the map's searches, clusters and OGC
    # reads (exchange/replicas.py): one lagging more than REPLICA_MAX_LAG_BYTES of WAL is
    # skipped, one that fails is left alone for REPLICA_RETRY_SECONDS, and a user who
    # wrote within READ_YOUR_WRITES_SECONDS reads from one only once it has their write.
    DATABASE_REPLICA_URLS = os.environ.get("DATABASE_REPLICA_URLS", "")
    REPLICA_MAX_LAG_BYTES = int(os.environ.get("REPLICA_MAX_LAG_BYTES", str(16 * 1024 * 1024)))
    REPLICA_RETRY_SECONDS = float(os.environ.get("REPLICA_RETRY_SECONDS", "10"))
    READ_YOUR_WRITES_SECONDS = float(os.environ.get("READ_YOUR_WRITES_SECONDS", "300"))
    REDIS_URL = os.environ.get("REDIS_URL") or None
    # The cyclic garbage collector's thresholds in a serving process (gc.set_threshold;
    # the test app keeps Python's). Python's (700, 10, 10) made a chat process with 500
    # open sockets spend ~8 % of its CPU in the collector and pause up to ~0.2 s for a full
    # pass several times a minute: a send allocates a few thousand objects, almost all
    # freed by reference counting (benchmarks/README.md, "Chat").
    GC_THRESHOLDS = tuple(
        int(part) for part in os.environ.get("GC_THRESHOLDS", "20000,20,20").split(","))
    # Socket and connect timeout of the app's own Redis calls (presence): a hung or lost
    # Redis costs a call at most this long, never the request that made it.
    REDIS_TIMEOUT_SECONDS = float(os.environ.get("REDIS_TIMEOUT_SECONDS", "2"))
    # A process that has not renewed its presence heartbeat for this long counts as dead:
    # its users show offline (exchange/presence.py). It beats every third of it.
    PRESENCE_TTL_SECONDS = float(os.environ.get("PRESENCE_TTL_SECONDS", "30"))
    # Redis pub/sub channel of the Socket.IO queue; default exchange-db<N> after REDIS_URL's
    # database, so deployments sharing a Redis server on different databases stay apart.
    SOCKETIO_CHANNEL = os.environ.get("SOCKETIO_CHANNEL") or None
    # Origins (scheme://host[:port], comma separated) whose pages may open a Socket.IO
    # connection. Unset: only the site's own, the one the request names in its Host header
    # (python-engineio's check). Set it when browsers reach the app under another name than
    # the Host it receives; it replaces that default, so list every public origin.
    SOCKETIO_ALLOWED_ORIGINS = [
        origin.strip().rstrip("/")
        for origin in os.environ.get("SOCKETIO_ALLOWED_ORIGINS", "").split(",")
        if origin.strip()
    ]
    # Seconds a request's user (per API token or login session) is reused between requests
    # while nothing about users, memberships, organisations, tokens or sessions was
    # committed (exchange/profiles/identity_cache.py); 0 reads the user on every request.
    AUTH_CACHE_SECONDS = float(os.environ.get("AUTH_CACHE_SECONDS", "60"))

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE

    # CSRF is checked by exchange.profiles.auth for cookie sessions only (not API tokens).
    WTF_CSRF_CHECK_DEFAULT = False
    WTF_CSRF_TIME_LIMIT = None
    WTF_CSRF_HEADERS = ["X-CSRFToken", "X-CSRF-Token"]

    # Sign-in throttling (exchange/profiles/throttle.py): this many failed attempts (wrong
    # passwords and wrong second-factor codes) per e-mail and address, and
    # LOGIN_MAX_FAILURES_PER_ADDRESS per address (an office behind one address), go through
    # at once; each further one waits a delay that starts at LOGIN_DELAY_SECONDS and doubles
    # up to LOGIN_MAX_DELAY_SECONDS. A key is forgotten after LOGIN_FAILURE_WINDOW_SECONDS
    # without attempts.
    LOGIN_MAX_FAILURES = int(os.environ.get("LOGIN_MAX_FAILURES", "5"))
    LOGIN_MAX_FAILURES_PER_ADDRESS = int(os.environ.get("LOGIN_MAX_FAILURES_PER_ADDRESS", "20"))
    LOGIN_DELAY_SECONDS = int(os.environ.get("LOGIN_DELAY_SECONDS", "30"))
    LOGIN_MAX_DELAY_SECONDS = int(os.environ.get("LOGIN_MAX_DELAY_SECONDS", "600"))
    LOGIN_FAILURE_WINDOW_SECONDS = int(os.environ.get("LOGIN_FAILURE_WINDOW_SECONDS", "900"))
    # How long a session that passed the password waits for its second factor.
    SECOND_FACTOR_PENDING_SECONDS = int(os.environ.get("SECOND_FACTOR_PENDING_SECONDS", "600"))
    # The name authenticator apps show next to the account (TOTP, second factor).
    TOTP_ISSUER = os.environ.get("TOTP_ISSUER", "Exchange")
    # How long an invitation link stays valid.
    INVITATION_TTL_DAYS = int(os.environ.get("INVITATION_TTL_DAYS", "7"))

    # A published listing expires this many days after its owner last confirmed it;
    # owners are reminded LISTING_REMINDER_DAYS before (`exchange expire-listings`).
    LISTING_TTL_DAYS = int(os.environ.get("LISTING_TTL_DAYS", "14"))
    LISTING_REMINDER_DAYS = int(os.environ.get("LISTING_REMINDER_DAYS", "3"))

    # E-mail (exchange/mail.py): notices also go out by SMTP when SMTP_HOST is set; unset,
    # e-mail is off. Sent after commit from a background thread, each SMTP step bounded by
    # SMTP_TIMEOUT seconds.
    SMTP_HOST = os.environ.get("SMTP_HOST") or None
    SMTP_PORT = int(os.environ.get("SMTP_PORT", "25"))
    SMTP_USER = os.environ.get("SMTP_USER") or None
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD") or None
    SMTP_STARTTLS = _bool("SMTP_STARTTLS", False)
    SMTP_TIMEOUT = float(os.environ.get("SMTP_TIMEOUT", "10"))
    MAIL_FROM = os.environ.get("MAIL_FROM", "Exchange <exchange@localhost>")
    # Where users reach the site (https://exchange.example.org), for links in e-mails;
    # unset: the address of the request that caused the e-mail (http://localhost from CLI).
    PUBLIC_URL = os.environ.get("PUBLIC_URL", "")

    BABEL_DEFAULT_LOCALE = "de"
    BABEL_DEFAULT_TIMEZONE = "Europe/Berlin"
    LANGUAGES = ("de", "en")

    API_TITLE = "Exchange"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "docs"
    OPENAPI_SWAGGER_UI_URL = "/static/vendor/swagger-ui-dist/"
    API_SPEC_OPTIONS = {
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
            }
        },
        "security": [{"bearer": []}, {"session": []}],
    }

    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", str(30 * 1024 * 1024)))
    # Largest body of a request nobody signed in for (a sign-in, a registration); longer
    # API bodies are 401 before they are read (exchange/limits.py).
    ANONYMOUS_MAX_CONTENT_LENGTH = int(
        os.environ.get("ANONYMOUS_MAX_CONTENT_LENGTH", str(64 * 1024))
    )

    # Largest registry import (a CSV of the state system), for caseworkers only.
    REGISTRY_IMPORT_MAX_BYTES = int(
        os.environ.get("REGISTRY_IMPORT_MAX_BYTES", str(2 * 1024 * 1024 * 1024))
    )

    # Where uploaded files' bytes live (content-addressed either way): "folder" (DOCUMENTS_DIR,
    # unset: <instance>/documents) or "database" (PostgreSQL, in 1 MiB rows: every app
    # machine serves every file, and one backup holds everything; docs/deploy.md).
    DOCUMENTS_STORE = os.environ.get("DOCUMENTS_STORE", "folder")
    DOCUMENTS_DIR = os.environ.get("DOCUMENTS_DIR") or None
    # Largest single document; keep MAX_CONTENT_LENGTH (the whole request) above it.
    DOCUMENT_MAX_BYTES = int(os.environ.get("DOCUMENT_MAX_BYTES", str(25 * 1024 * 1024)))
    # Images: at most this many pixels, and at most this much memory to make the
    # thumbnail of one (exchange/documents/images.py); bigger ones are refused with 422
    # before any pixel is decoded, so one upload stays under about 100 MB.
    IMAGE_MAX_PIXELS = int(os.environ.get("IMAGE_MAX_PIXELS", str(40_000_000)))
    IMAGE_DECODE_MAX_BYTES = int(
        os.environ.get("IMAGE_DECODE_MAX_BYTES", str(80 * 1024 * 1024))
    )

    # Map tiles for the listings map, a Leaflet URL template such as
    # https://tiles.example.org/{z}/{x}/{y}.png; empty: no tiles, a plain background with
    # Germany's outline (nothing is ever fetched from a public tile server by default).
    MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "")
    MAP_TILE_ATTRIBUTION = os.environ.get(
        "MAP_TILE_ATTRIBUTION", "© OpenStreetMap contributors"
    )
    # A Nominatim- or Photon-compatible place search the browser may ask (it must allow
    # this site via CORS); empty: no search box, the pin is set on the map.
    GEOCODER_URL = os.environ.get("GEOCODER_URL", "")

    # Authors may edit their chat messages for this long after posting.
    CHAT_EDIT_WINDOW_SECONDS = int(os.environ.get("CHAT_EDIT_WINDOW_SECONDS", "900"))

    # `exchange purge-registry` anonymises persons whose last occupancy ended this many
    # days ago.
    REGISTRY_RETENTION_DAYS = int(os.environ.get("REGISTRY_RETENTION_DAYS", "180"))

    # Reverse proxies in front of the app (nginx: 1) whose X-Forwarded-For/-Proto are
    # trusted, so that the client address (login throttling) and https are the real ones.
    PROXY_FIX_HOPS = int(os.environ.get("PROXY_FIX_HOPS", "0"))

    # Strict-Transport-Security max-age in seconds (exchange/headers.py); 0 sends none.
    # Production sends a year unless set: browsers then use https only for this host.
    HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", "0"))


class DevelopmentConfig(Config):
    DEBUG = True


class TestingConfig(Config):
    TESTING = True
    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get(
            "TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/exchange_test"
        )
    )
    # Tests log in many times; keep argon2 cheap there only.
    ARGON2_FAST = True


class ProductionConfig(Config):
    REQUIRE_SECRET_KEY = True
    HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", str(365 * 24 * 3600)))
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def check_secret_key(config: dict) -> None:
    """Refuse to start where REQUIRE_SECRET_KEY is set (production) with a SECRET_KEY that
    is missing, the development key or shorter than MIN_SECRET_KEY_LENGTH: whoever knows
    the key can sign any session cookie."""
    if not config.get("REQUIRE_SECRET_KEY"):
        return
    key = config.get("SECRET_KEY") or ""
    if isinstance(key, bytes):
        key = key.decode("latin-1")
    if not key or key == DEVELOPMENT_SECRET_KEY:
        raise InsecureConfiguration(
            "SECRET_KEY is not set: production needs a long random value of its own "
            "(e.g. `openssl rand -hex 32`)."
        )
    if len(key) < MIN_SECRET_KEY_LENGTH:
        raise InsecureConfiguration(
            f"SECRET_KEY is too short: production needs at least {MIN_SECRET_KEY_LENGTH} "
            "random characters (e.g. `openssl rand -hex 32`)."
        )


def config_for_environment() -> type[Config]:
    """The config class named by EXCHANGE_ENV (default: development)."""
    return CONFIGS[os.environ.get("EXCHANGE_ENV", "development")]
