"""Browser tests: the real server in its own process, on its own freshly migrated and seeded
database, driven through Debian's Chromium by Playwright.

Nothing here shares a transaction with the test process: the server commits for real, so
the database is dropped and recreated once per session instead.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from sqlalchemy import create_engine, make_url, text

from exchange.config import normalise_database_url

E2E_DIR = Path(__file__).resolve().parent
ROOT = E2E_DIR.parent.parent
CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# A loaded machine (helpers sharing two cores) may need longer: E2E_SERVER_START_TIMEOUT.
SERVER_START_TIMEOUT = float(os.environ.get("E2E_SERVER_START_TIMEOUT", "30"))
# Playwright's own default is 30 s; a page of this app that needs more than 10 s is broken.
PAGE_TIMEOUT_MS = 10_000
# The same bound for expect(...) (its own default is 5 s): what a page does within it under
# a loaded machine's slowness is not a failure.
expect.set_options(timeout=PAGE_TIMEOUT_MS)

# Where the live server writes its output, so failures can show it (see the report hook).
_server_log: dict[str, Path] = {}


@pytest.hookimpl(tryfirst=True)  # before `-m` selects by marker
def pytest_collection_modifyitems(config, items) -> None:
    """Mark everything below tests/e2e as `e2e` (the root conftest then leaves the database
    alone for these tests, and `-m "not e2e"` skips the browser)."""
    for item in items:
        if E2E_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    log = _server_log.get("path")
    if report.failed and log is not None and "e2e" in item.keywords and log.exists():
        report.sections.append(("live server log (last 200 lines)", _tail(log, 200)))


def _tail(path: Path, lines: int) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def _exchange_command() -> list[str]:
    """The `exchange` console script of the interpreter running the tests."""
    script = Path(sys.executable).parent / "exchange"
    if not script.exists():
        pytest.fail(f"the exchange command is missing next to {sys.executable}: pip install -e .")
    return [str(script)]


def _server_env(database_url: str, instance_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        EXCHANGE_ENV="development",
        FLASK_DEBUG="0",
        INSTANCE_PATH=str(instance_path),
        PYTHONUNBUFFERED="1",
    )
    return env


def _run_cli(args: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(
        _exchange_command() + args, env=env, cwd=ROOT, capture_output=True, text=True,
        timeout=max(120.0, 4 * SERVER_START_TIMEOUT),
    )
    if result.returncode != 0:
        pytest.fail(
            f"`exchange {' '.join(args)}` failed ({result.returncode}):\n"
            f"{result.stdout}\n{result.stderr}"
        )


@pytest.fixture(scope="session")
def e2e_instance_path(tmp_path_factory) -> Path:
    """Uploaded documents of the live server go here, not into the developer's instance/."""
    return tmp_path_factory.mktemp("e2e-instance")


@pytest.fixture(scope="session")
def e2e_database_url(e2e_instance_path) -> str:
    """A database made for this session: dropped, created, migrated, seeded with the demo."""
    url = normalise_database_url(
        os.environ.get(
            "E2E_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/exchange_e2e"
        )
    )
    parsed = make_url(url)
    name = parsed.database
    server = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        server.dispose()
    env = _server_env(url, e2e_instance_path)
    _run_cli(["db", "upgrade"], env)
    _run_cli(["load-places"], env)
    _run_cli(["seed-demo"], env)
    return url


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_serving(process: subprocess.Popen, base_url: str, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the live server exited with {process.returncode}:\n{_tail(log, 200)}")
        try:
            with urllib.request.urlopen(f"{base_url}/login", timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers; an error page is for the tests to report
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    pytest.fail(f"the live server did not answer within {SERVER_START_TIMEOUT:.0f} s:\n"
                f"{_tail(log, 200)}")


@pytest.fixture(scope="session")
def live_server(e2e_database_url, e2e_instance_path, tmp_path_factory) -> Iterator[str]:
    """`exchange run` in a subprocess on a free port; yields its base URL."""
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("e2e-server") / "server.log"
    env = _server_env(e2e_database_url, e2e_instance_path)
    with log.open("wb") as out:
        process = subprocess.Popen(
            _exchange_command()
            + ["run", "--host", "127.0.0.1", "--port", str(port), "--no-reload", "--no-debugger"],
            env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
        )
    _server_log["path"] = log
    try:
        _wait_until_serving(process, base_url, log)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        _server_log.pop("path", None)


def _chromium_env() -> dict[str, str]:
    """Chromium's environment: on a moved clock (scripts/test-any-day.sh) under libfaketime,
    so the pages' own dates (e.g. "overdue") move with the server's."""
    env = dict(os.environ)
    if os.environ.get("CHROMIUM_LD_PRELOAD"):
        env.update(LD_PRELOAD=os.environ["CHROMIUM_LD_PRELOAD"],
                   FAKETIME=os.environ["CHROMIUM_FAKETIME"])
    return env


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless. Missing Chromium is a failure, never a skip: a suite that
    silently skipped its browser tests would pass without testing the UI."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, env=_chromium_env()
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_page(browser: Browser, live_server: str) -> Iterator[Callable[..., Page]]:
    """new_page(**context_options) → a Page in a fresh browser context (its own cookies), so
    one test can act as several users at once. The browser asks for German, like our users'
    browsers; pass locale="en-US" to change that. Contexts are closed after the test."""
    contexts = []

    def make(**options) -> Page:
        options.setdefault("base_url", live_server)
        options.setdefault("locale", "de-DE")
        options.setdefault("timezone_id", "Europe/Berlin")
        context = browser.new_context(**options)
        context.set_default_timeout(PAGE_TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page) -> Page:
    """A page in a fresh browser context, relative URLs resolved against the live server."""
    return new_page()
