"""`exchange load-places`: the gazetteer from the installed package, run by scripts/run.sh."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from exchange.extensions import db
from exchange.places.loader import load_places


@click.command("load-places")
@click.option("--force", is_flag=True, help="Load again even if this data set is loaded.")
@with_appcontext
def load_places_command(force: bool) -> None:
    """Load German postcodes and towns (GeoNames, CC BY 4.0) into the database (idempotent)."""
    result = load_places(force=force)
    db.session.commit()
    what = "Loaded" if result.loaded else "Already loaded"
    click.echo(f"{what}: {result.postcodes} postcodes, {result.towns} towns ({result.version}).")


COMMANDS = (load_places_command,)
