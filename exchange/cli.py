"""The `exchange` command: Flask's CLI (run, shell, db …) plus the project's commands."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext

from exchange import backup, create_app, demo
from exchange.capacity.cli import COMMANDS as CAPACITY_COMMANDS
from exchange.chat import records as chat_records
from exchange.errors import ServiceError
from exchange.extensions import db
from exchange.listings.cli import COMMANDS as LISTINGS_COMMANDS
from exchange.places.cli import COMMANDS as PLACES_COMMANDS
from exchange.profiles import accounts


def _command_app() -> Flask:
    """The app for a command: `exchange run` serves as deployed; the operator's commands
    (migrations, imports, maintenance) may run long, so they wait on no statement or lock
    timeout."""
    context = click.get_current_context(silent=True)
    if context is not None and context.find_root().invoked_subcommand == "run":
        return create_app()
    return create_app({"DATABASE_STATEMENT_TIMEOUT_MS": 0, "DATABASE_LOCK_TIMEOUT_MS": 0})


@click.group(cls=FlaskGroup, create_app=_command_app)
def cli() -> None:
    """Exchange management commands."""


@cli.command("create-admin")
@click.argument("email")
@click.option("--password", help="Read from stdin when not given.")
@click.option("--name", default=None)
@with_appcontext
def create_admin(email: str, password: str | None, name: str | None) -> None:
    """Make EMAIL a platform administrator (created when missing)."""
    if password is None:
        password = sys.stdin.readline().rstrip("\n") if not sys.stdin.isatty() else click.prompt(
            "Password", hide_input=True, confirmation_prompt=True
        )
    try:
        user = accounts.create_admin(email, password, name)
    except ServiceError as error:
        raise click.ClickException(str(error.errors or error.message)) from error
    db.session.commit()
    click.echo(f"Platform administrator: {user.email} (id {user.id})")


@cli.command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Load the demo data (idempotent) and print the demo logins."""
    logins = demo.seed()
    db.session.commit()
    click.echo(f"\nDemo logins (password for all: {demo.DEMO_PASSWORD})")
    for email, role, organization in logins:
        second_factor = " (TOTP)" if role in demo.SECOND_FACTOR_ROLES else ""
        click.echo(f"  {email:<36} {role + second_factor:<22} {organization}")
    click.echo(
        "\nLogins marked (TOTP) must use two-factor sign-in (caseworkers and administrators):"
        "\nat their first login they set it up with an authenticator app (the page shows a QR"
        "\ncode and the key) and get their recovery codes.\n"
    )


for _command in LISTINGS_COMMANDS + CAPACITY_COMMANDS + PLACES_COMMANDS + backup.COMMANDS:
    cli.add_command(_command)


@cli.command("purge-chat")
@with_appcontext
def purge_chat() -> None:
    """Delete chat messages older than their room's retention (rooms with retention_days)."""
    deleted = chat_records.purge_expired_messages()
    db.session.commit()
    click.echo(f"Deleted {deleted} chat message(s) past their room's retention.")
