"""Commands of the listings domain, added to `exchange` by exchange/cli.py."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from exchange.extensions import db
from exchange.listings import clusters, expiry


@click.command("expire-listings")
@with_appcontext
def expire_listings() -> None:
    """Expire overdue published listings and remind owners of those about to expire.

    Run it from cron (or any scheduler), e.g. hourly: `exchange expire-listings`.
    """
    result = expiry.expire_listings()
    db.session.commit()
    click.echo(
        f"Expired {len(result.expired)} listing(s); reminded the owners of "
        f"{len(result.reminded)} listing(s) about to expire."
    )


@click.command("rebuild-listing-cells")
@with_appcontext
def rebuild_listing_cells() -> None:
    """Recompute the map's cluster counts from the listings (after a bulk load)."""
    clusters.rebuild_listing_cells()
    db.session.commit()
    click.echo("Cluster counts rebuilt.")


COMMANDS = (expire_listings, rebuild_listing_cells)
