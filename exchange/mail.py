"""E-mail through SMTP, sent after commit (or never), off the request's path.

E-mail is on when SMTP_HOST is set. ``send_after_commit`` queues a message on the current
database transaction, like realtime.py queues socket events: a change that is rolled back
sends nothing. After commit the queued messages go to a short-lived background thread that
delivers them over one SMTP connection with SMTP_TIMEOUT per operation, so a slow or
unreachable mail server never holds up a request. Failures are logged and dropped: a
notice by e-mail is a courtesy, the in-app notification is the record.

The thread is not a daemon: a command such as ``exchange expire-listings`` finishes its
deliveries before the process ends.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for

from exchange.db import on_commit
from exchange.extensions import db

log = logging.getLogger(__name__)

_PENDING = "exchange_pending_mail"
_deliveries: set[threading.Thread] = set()
_deliveries_lock = threading.Lock()


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    user: str | None
    password: str | None
    starttls: bool
    timeout: float


def enabled() -> bool:
    """Whether this server sends e-mail at all (SMTP_HOST set)."""
    return bool(current_app.config.get("SMTP_HOST"))


def _settings() -> SmtpSettings:
    config = current_app.config
    return SmtpSettings(
        host=config["SMTP_HOST"],
        port=int(config.get("SMTP_PORT") or 25),
        user=config.get("SMTP_USER") or None,
        password=config.get("SMTP_PASSWORD") or None,
        starttls=bool(config.get("SMTP_STARTTLS")),
        timeout=float(config.get("SMTP_TIMEOUT") or 10),
    )


def make_message(to: str, subject: str, body: str) -> EmailMessage:
    """A plain-text UTF-8 message from MAIL_FROM."""
    sender = current_app.config.get("MAIL_FROM") or "exchange@localhost"
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    domain = sender.rpartition("@")[2].strip("> ") or None
    message["Message-ID"] = make_msgid(domain=domain)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies, please
    message.set_content(body)
    return message


def send_after_commit(to: str, subject: str, body: str) -> bool:
    """Queue an e-mail on the current transaction; it is sent after commit, or never.
    The messages of one transaction go out together, over one SMTP connection.

    Returns False (and queues nothing) when e-mail is off.
    """
    if not enabled():
        return False
    session = db.session()
    if not session.in_transaction():
        session.begin()
    transaction = session.get_transaction()
    queued = session.info.get(_PENDING)
    if queued is None or queued[0] is not transaction:  # the first of this transaction
        pending: list[EmailMessage] = []
        session.info[_PENDING] = (transaction, pending)
        settings = _settings()

        def deliver() -> None:
            session.info.pop(_PENDING, None)
            _start_delivery(settings, pending)

        on_commit(deliver, session)
    else:
        pending = queued[1]
    pending.append(make_message(to, subject, body))
    return True


def _start_delivery(settings: SmtpSettings, messages: list[EmailMessage]) -> None:
    thread = threading.Thread(
        target=_deliver, args=(settings, messages), name="exchange-mail", daemon=False
    )
    with _deliveries_lock:
        _deliveries.add(thread)
    thread.start()


def _deliver(settings: SmtpSettings, messages: list[EmailMessage]) -> None:
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout) as smtp:
            if settings.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.user:
                smtp.login(settings.user, settings.password or "")
            for message in messages:
                try:
                    smtp.send_message(message)
                except smtplib.SMTPException:
                    # One refused recipient does not stop the others.
                    log.exception("e-mail to %s was refused", message["To"])
    except (OSError, smtplib.SMTPException):
        log.exception(
            "could not send %d e-mail(s) through %s:%s", len(messages), settings.host, settings.port
        )
    finally:
        with _deliveries_lock:
            _deliveries.discard(threading.current_thread())


def wait_for_deliveries(timeout: float = 30.0) -> bool:
    """Wait until the deliveries started so far have ended (tests, commands); True if
    they all did within ``timeout`` seconds."""
    with _deliveries_lock:
        running = list(_deliveries)
    for thread in running:
        thread.join(timeout)
    return not any(thread.is_alive() for thread in running)


def external_url(endpoint: str, **values) -> str:
    """An absolute link for an e-mail: under PUBLIC_URL when set, else the address of the
    current request; outside a request without PUBLIC_URL, relative to http://localhost."""
    public = (current_app.config.get("PUBLIC_URL") or "").rstrip("/")
    if not public and has_request_context():
        return url_for(endpoint, _external=True, **values)
    parts = urlsplit(public or "http://localhost")
    adapter = current_app.url_map.bind(
        parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)
