"""`exchange backup DIR` and `exchange restore DIR`: the database and the documents, together.

A backup folder holds ``database.dump`` (``pg_dump --format=custom``, one consistent
snapshot), ``documents/`` (the content-addressed files, copied after the dump: they are
never changed, so every file the dump names is there, and one uploaded meanwhile is a
harmless extra) and ``manifest.json`` (when, which migration, how many files, the dump's
sha256). Restore goes the other way into an empty database and checks that every
document row has its file. docs/operations.md has the commands around them (schedules,
point-in-time recovery with WAL archiving).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import make_url, text

from exchange.extensions import db

DUMP = "database.dump"
DOCUMENTS = "documents"
MANIFEST = "manifest.json"


def _libpq_env() -> dict[str, str]:
    """The database of SQLALCHEMY_DATABASE_URI as libpq variables (no password on a
    command line, where `ps` would show it)."""
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    env = dict(os.environ)
    for name, value in (("PGHOST", url.host), ("PGPORT", url.port), ("PGUSER", url.username),
                        ("PGPASSWORD", url.password), ("PGDATABASE", url.database)):
        if value is not None:
            env[name] = str(value)
    for name, value in url.query.items():  # e.g. sslmode
        if name in ("sslmode", "sslrootcert", "sslcert", "sslkey"):
            env["PG" + name.upper()] = str(value)
    return env


def _documents_dir() -> Path:
    configured = current_app.config.get("DOCUMENTS_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / DOCUMENTS


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _run(command: list[str]) -> None:
    done = subprocess.run(command, env=_libpq_env(), capture_output=True, text=True)
    if done.returncode != 0:
        raise click.ClickException(f"{command[0]} failed:\n{done.stderr.strip()}")


def _copy_tree(source: Path, target: Path) -> int:
    """Copy the files below source that target lacks (content-addressed: a file of the
    same name is the same file); the number copied. Temporary uploads stay behind."""
    copied = 0
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if not path.is_file() or relative.parts[0].startswith("."):
            continue
        destination = target / relative
        if not destination.exists():
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, destination)
            copied += 1
    return copied


def backup(folder: Path) -> dict:
    """Write a backup of the database and the documents into ``folder`` (new or empty)."""
    if folder.exists() and any(folder.iterdir()):
        raise click.ClickException(f"{folder} is not empty.")
    folder.mkdir(parents=True, exist_ok=True)
    dump = folder / DUMP
    _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={dump}"])
    files = _copy_tree(_documents_dir(), folder / DOCUMENTS) if _documents_dir().exists() else 0
    revision = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    manifest = {"created_at": datetime.now(UTC).isoformat(), "migration": revision,
                "documents": files, "database_sha256": _sha256(dump)}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def _database_is_empty() -> bool:
    tables = db.session.execute(text(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        " AND table_name NOT IN ('spatial_ref_sys', 'geography_columns', 'geometry_columns')"
    )).scalar()
    return tables == 0


def restore(folder: Path) -> dict:
    """Restore a backup made by :func:`backup` into the configured (empty) database and
    documents folder; answers what was restored and which documents lack their file."""
    manifest = json.loads((folder / MANIFEST).read_text())
    dump = folder / DUMP
    if _sha256(dump) != manifest["database_sha256"]:
        raise click.ClickException(f"{dump} does not match its manifest.")
    if not _database_is_empty():
        raise click.ClickException("The database is not empty: restore into a new one.")
    db.session.rollback()
    db.engine.dispose()  # pg_restore brings the extensions; nothing of ours may hold locks
    _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
          "--single-transaction", f"--dbname={_libpq_env()['PGDATABASE']}", str(dump)])
    target = _documents_dir()
    target.mkdir(parents=True, exist_ok=True)
    copied = _copy_tree(folder / DOCUMENTS, target) if (folder / DOCUMENTS).exists() else 0
    hashes = db.session.execute(text(  # bytes kept in the database are in the dump
        "SELECT h FROM (SELECT sha256 AS h FROM documents UNION SELECT thumbnail_sha256"
        " FROM documents WHERE thumbnail_sha256 IS NOT NULL) AS named"
        " WHERE NOT EXISTS (SELECT 1 FROM document_blobs b WHERE b.sha256 = named.h)"
    )).scalars()
    missing = [h for h in hashes if not (target / h[:2] / h[2:4] / h).exists()]
    return {**manifest, "copied": copied, "missing": missing}


@click.command("backup")
@click.argument("folder", type=click.Path(path_type=Path))
@with_appcontext
def backup_command(folder: Path) -> None:
    """Back up the database and the documents into FOLDER (new or empty)."""
    manifest = backup(folder)
    click.echo(f"Backup in {folder}: database at migration {manifest['migration']}, "
               f"{manifest['documents']} document file(s).")


@click.command("restore")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@with_appcontext
def restore_command(folder: Path) -> None:
    """Restore the backup in FOLDER into the configured empty database and documents."""
    result = restore(folder)
    click.echo(f"Restored the database of {result['created_at']} (migration "
               f"{result['migration']}) and {result['copied']} document file(s).")
    if result["missing"]:
        raise click.ClickException(
            f"{len(result['missing'])} document(s) have no file: {', '.join(result['missing'])}")


COMMANDS = (backup_command, restore_command)
