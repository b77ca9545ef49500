"""Commands of the capacity domain, added to `exchange` by exchange/cli.py."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import with_appcontext
from sqlalchemy import text

from exchange.extensions import db


@click.command("snapshot-capacity")
@click.option(
    "--day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The day to record (default: today).",
)
@with_appcontext
def snapshot_capacity(day) -> None:
    """Record every shelter's bed counts for the day (the trend chart's data).

    Run it from cron once a day, late in the evening: `exchange snapshot-capacity`.
    Running it again the same day replaces that day's figures.
    """
    from exchange.capacity import services

    the_day: date = day.date() if day is not None else date.today()
    count = services.snapshot_capacity(the_day)
    db.session.commit()
    click.echo(f"Recorded the capacity of {count} shelter(s) for {the_day.isoformat()}.")


@click.command("purge-registry")
@with_appcontext
def purge_registry() -> None:
    """Anonymise persons whose last occupancy ended more than REGISTRY_RETENTION_DAYS ago.

    Run it from cron, e.g. nightly: `exchange purge-registry`.
    """
    from exchange.capacity import services

    count = services.purge_registry()
    db.session.commit()
    click.echo(f"Anonymised {count} person(s) past the retention period.")


@click.command("rebuild-capacity-counts")
@with_appcontext
def rebuild_capacity_counts() -> None:
    """Recompute every shelter's counters from beds and occupancies (after a bulk load)."""
    db.session.execute(text("SELECT capacity_counts_rebuild()"))
    db.session.commit()
    click.echo("Capacity counts rebuilt.")


COMMANDS = (snapshot_capacity, purge_registry, rebuild_capacity_counts)
