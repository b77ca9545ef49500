"""Commands of the capacity domain, added to `exchange` by exchange/cli.py."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select, text

from exchange.capacity import counts, forecast, registry_import, retention, transfers
from exchange.extensions import db
from exchange.profiles.models import Membership, MembershipStatus, Role, User
from exchange.spreadsheet_encoding import LABELS


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
    the_day: date = day.date() if day is not None else date.today()
    count = counts.snapshot_capacity(the_day)
    db.session.commit()
    click.echo(f"Recorded the capacity of {count} shelter(s) for {the_day.isoformat()}.")


@click.command("purge-registry")
@with_appcontext
def purge_registry() -> None:
    """Anonymise persons whose last occupancy ended more than REGISTRY_RETENTION_DAYS ago.

    Run it from cron, e.g. nightly: `exchange purge-registry`.
    """
    count = retention.purge_registry()
    db.session.commit()
    click.echo(f"Anonymised {count} person(s) past the retention period.")


@click.command("rebuild-capacity-counts")
@with_appcontext
def rebuild_capacity_counts() -> None:
    """Recompute every shelter's counters from beds and occupancies (after a bulk load)."""
    db.session.execute(text("SELECT capacity_counts_rebuild()"))
    db.session.commit()
    click.echo("Capacity counts rebuilt.")


@click.command("import-registry")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--organization", "organization_id", type=int, required=True,
              help="The organisation (district) whose registry this is.")
@click.option("--user", "user_email", default=None,
              help="Import as this caseworker (default: the organisation's only caseworker).")
@click.option("--dry-run", is_flag=True, help="Check the file and count; write nothing.")
@with_appcontext
def import_registry(file: Path, organization_id: int, user_email: str | None,
                    dry_run: bool) -> None:
    """Import the state system's registry CSV FILE (API.md) into an organisation.

    Every row is checked first; any bad row and nothing is written (exit status 1), and
    each bad row and field is listed. Re-importing the same file changes nothing.
    """
    actor = _import_user(organization_id, user_email)
    size = file.stat().st_size
    with file.open("rb") as stream, click.progressbar(
        length=size, label="Importing", file=sys.stderr, show_pos=False
    ) as bar:
        done = [0]

        def progress(_import_id: int, bytes_read: int, _rows: int) -> None:
            bar.update(bytes_read - done[0])
            done[0] = bytes_read

        report = registry_import.import_registry(
            actor, organization_id, stream, dry_run, file.name, progress
        )
    db.session.commit()
    for error in report.errors:
        click.echo(f"row {error['row']}, {error['field']}: {error['message']}", err=True)
    if report.more_errors:
        click.echo(f"… and {report.more_errors} more errors.", err=True)
    for duplicate in report.duplicates:
        click.echo(
            f"row {duplicate['row']} may be person {duplicate['person_id']} "
            f"(score {duplicate['score']})"
        )
    if not report.ok:
        click.echo(f"Rejected: {len(report.errors) + report.more_errors} error(s); "
                   "nothing was written.", err=True)
        sys.exit(1)
    verb = "Would import" if dry_run else "Imported"
    click.echo(
        f"{verb} {report.rows} row(s): {report.created} created, {report.updated} updated, "
        f"{report.unchanged} unchanged, {len(report.duplicates)} possible duplicate(s)."
        + (" Nothing was written (dry run)." if dry_run else "")
    )
    click.echo(f"Read as {LABELS[report.encoding]}" + (" with a byte order mark" if report.bom
                                                        else "") + ".")


def _import_user(organization_id: int, email: str | None) -> User:
    """The caseworker the import is done as (recorded in the audit log)."""

    stmt = (
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.organization_id == organization_id,
            Membership.role == Role.CASEWORKER,
            Membership.status == MembershipStatus.ACTIVE,
        )
        .order_by(User.id)
    )
    if email is not None:
        stmt = stmt.where(func.lower(User.email) == email.strip().lower())
    users = list(db.session.scalars(stmt.limit(2)))
    if not users:
        raise click.ClickException("No such caseworker of this organisation.")
    if len(users) > 1:
        raise click.ClickException("Several caseworkers: name one with --user EMAIL.")
    return users[0]


@click.command("release-transfers")
@with_appcontext
def release_transfers() -> None:
    """Release beds held by accepted transfer requests whose date has passed.

    Run it from cron once a day, early in the morning: `exchange release-transfers`.
    """
    count = transfers.release_due_transfers()
    db.session.commit()
    click.echo(f"Released {count} transfer request(s).")


@click.command("forecast-check")
@with_appcontext
def forecast_check() -> None:
    """Warn admins whose free-bed forecast fell below their threshold (once per crossing).

    Run it from cron once a day, after `exchange snapshot-capacity`: `exchange
    forecast-check`. Changes of allocations, move-outs and thresholds are checked at once;
    this catches check-ins, beds, shelters and the weeks moving on.
    """
    checked, warned = forecast.check_all()
    db.session.commit()
    click.echo(f"Checked the forecast of {checked} organisation(s); warned {warned} admin(s).")


COMMANDS = (
    snapshot_capacity,
    purge_registry,
    rebuild_capacity_counts,
    import_registry,
    release_transfers,
    forecast_check,
)
