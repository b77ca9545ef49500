"""exchange.mail against a real local SMTP server: sent after commit, never after a
rollback, off without SMTP_HOST, and a broken or slow server never breaks or holds up the
code that committed."""

from __future__ import annotations

import logging
import socket
import time

import pytest

from exchange import mail
from exchange.extensions import db
from tests.conftest import free_port


def test_a_message_is_sent_after_commit(smtp_server):
    assert mail.send_after_commit("anna@example.org", "Grüße aus Bramsche", "Schöne Wohnung.")
    assert smtp_server.wait_for(1, timeout=0.5) == []  # not before the commit
    db.session.commit()
    (message,) = smtp_server.wait_for(1)
    assert message["X-Envelope-To"] == "anna@example.org"
    assert message["To"] == "anna@example.org"
    assert message["From"] == "Exchange <noreply@exchange.test>"
    assert message["Subject"] == "Grüße aus Bramsche"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content().strip() == "Schöne Wohnung."


def test_nothing_is_sent_for_a_rolled_back_transaction(smtp_server):
    mail.send_after_commit("anna@example.org", "never", "rolled back")
    db.session.rollback()
    db.session.commit()  # a later commit does not send what was rolled back
    mail.send_after_commit("bert@example.org", "sent", "committed")
    db.session.commit()
    assert mail.wait_for_deliveries(10)
    messages = smtp_server.wait_for(2, timeout=1)
    assert [m["Subject"] for m in messages] == ["sent"]


def test_without_smtp_host_e_mail_is_off(app, smtp_server, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_HOST", None)
    assert not mail.enabled()
    assert mail.send_after_commit("anna@example.org", "off", "off") is False
    db.session.commit()
    assert mail.wait_for_deliveries(10)
    assert smtp_server.wait_for(1, timeout=0.5) == []


def test_an_unreachable_server_is_logged_and_the_commit_stands(app, monkeypatch, caplog):
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", free_port())  # nobody listens there
    with caplog.at_level(logging.ERROR, logger="exchange.mail"):
        mail.send_after_commit("anna@example.org", "lost", "lost")
        db.session.commit()
        assert mail.wait_for_deliveries(10)
    assert "could not send 1 e-mail(s)" in caplog.text


@pytest.fixture
def silent_server():
    """A TCP port that accepts connections and never says a word (a hanging SMTP server)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    yield listener.getsockname()[1]
    listener.close()


def test_a_hanging_server_does_not_hold_up_the_commit(app, monkeypatch, caplog, silent_server):
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", silent_server)
    monkeypatch.setitem(app.config, "SMTP_TIMEOUT", 1.5)
    with caplog.at_level(logging.ERROR, logger="exchange.mail"):
        mail.send_after_commit("anna@example.org", "slow", "slow")
        started = time.monotonic()
        db.session.commit()
        assert time.monotonic() - started < 1.0
        assert not mail.wait_for_deliveries(0)  # still waiting for the greeting
        assert mail.wait_for_deliveries(10)  # given up after SMTP_TIMEOUT
    assert "could not send" in caplog.text


def test_links_use_public_url_when_set(app, monkeypatch):
    assert mail.external_url("listings_views.listing_detail", listing_id=7) == (
        "http://localhost/listings/7"
    )
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://exchange.example.org/region/")
    assert mail.external_url("listings_views.listing_detail", listing_id=7) == (
        "https://exchange.example.org/region/listings/7"
    )
    with app.test_request_context(base_url="http://intern:5000"):
        assert mail.external_url("profiles_views.profile").startswith(
            "https://exchange.example.org/region/"
        )
