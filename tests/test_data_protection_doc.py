"""docs/data-protection.md (the records of processing, GDPR Art. 30) stays true: every
table that holds personal data is named there with its retention. A table holds personal
data when a column names a person or a user (person_id, user_id, *_by_id, owner, author,
e-mail, phone, a name of a person) or it is one of PERSONAL_TABLES."""

from __future__ import annotations

import re
from pathlib import Path

from exchange.db import Base

DOC = Path(__file__).resolve().parents[1] / "docs" / "data-protection.md"
PERSON_COLUMNS = re.compile(
    r"^(person_id|user_id|email|phone|family_name|uploader_id|owner_id|author_id"
    r"|contact_user_id|.*_by_id)$"
)
#: Personal data without such a column: a household groups persons, a throttle's key
#: is an e-mail and an address.
PERSONAL_TABLES = {"households", "login_throttles"}


def personal_tables() -> set[str]:
    return {
        table.name
        for table in Base.metadata.tables.values()
        if table.name in PERSONAL_TABLES
        or any(PERSON_COLUMNS.match(column.name) for column in table.columns)
    }


def test_every_table_with_personal_data_is_named_in_the_records_of_processing(app):
    text = DOC.read_text(encoding="utf-8")
    tables = personal_tables()
    assert {"persons", "person_changes", "person_audit", "users"} <= tables
    assert sorted(name for name in tables if f"`{name}`" not in text) == []
