"""What a landlord sees of a proposed household: its size always; its composition (ages
and genders as counts), languages and arrival date unless a consent record leaves them
out; names only when the household's recorded consent includes them. Religion, health
and every other field of the registry never leave the district.

The consent record says who recorded it, when, and what is shared; the newest counts.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from exchange.capacity.access import get_household_for
from exchange.capacity.audit import audit
from exchange.capacity.models import Person
from exchange.errors import InvalidInput, Text
from exchange.extensions import db
from exchange.profiles.models import User

from .models import CONSENT_SHARES, HouseholdConsent

#: Shared without a consent record: counts and dates, no one named.
DEFAULT_SHARES = ("composition", "languages", "arrival_date")
#: Age bands of the composition (no exact age reaches the landlord).
AGE_BANDS = ((0, 5, "0-5"), (6, 17, "6-17"), (18, 64, "18-64"), (65, 200, "65+"))
#: person_audit actions of this domain.
CONSENT_AUDIT = "consent"
SHARED_READ_AUDIT = "proposal_read"


@dataclass
class HouseholdProfile:
    """What one reader sees of a proposed household (HouseholdProfileSchema)."""

    size: int
    shares: list[str]
    composition: list[dict] | None = None
    languages: list[str] | None = None
    arrival_date: date | None = None
    names: list[str] | None = field(default=None)


def _age(birth_date: date | None, today: date) -> int | None:
    if birth_date is None:
        return None
    years = today.year - birth_date.year
    return years - ((today.month, today.day) < (birth_date.month, birth_date.day))


def _band(age: int | None) -> str:
    if age is None:
        return "unknown"
    return next(label for low, high, label in AGE_BANDS if low <= age <= high)


def members(household_id: int) -> list[Person]:
    """The household's current members (merged duplicates and anonymised records left out)."""
    return list(db.session.scalars(
        select(Person)
        .where(Person.household_id == household_id, Person.merged_into_id.is_(None),
               Person.anonymised_at.is_(None))
        .order_by(Person.id)
    ))


def latest_consent(household_id: int) -> HouseholdConsent | None:
    return db.session.scalar(
        select(HouseholdConsent)
        .where(HouseholdConsent.household_id == household_id)
        .order_by(HouseholdConsent.id.desc())
        .limit(1)
    )


def shares_of(household_id: int) -> list[str]:
    consent = latest_consent(household_id)
    return list(consent.shares) if consent is not None else list(DEFAULT_SHARES)


def profile(household_id: int, reader: User | None = None) -> HouseholdProfile:
    """The household as a landlord may see it. With ``reader``, a profile that names the
    members is audited as a read of each of them (who, when; no data)."""
    persons = members(household_id)
    shares = shares_of(household_id)
    today = date.today()
    result = HouseholdProfile(size=len(persons), shares=shares)
    if "composition" in shares:
        counts = Counter((_band(_age(p.birth_date, today)), p.gender) for p in persons)
        result.composition = [
            {"age_band": band, "gender": gender, "count": n}
            for (band, gender), n in sorted(counts.items())
        ]
    if "languages" in shares:
        result.languages = sorted({code for p in persons for code in (p.languages or [])})
    if "arrival_date" in shares:
        arrivals = [p.arrival_date for p in persons if p.arrival_date is not None]
        result.arrival_date = min(arrivals) if arrivals else None
    if "names" in shares:
        result.names = [", ".join(x for x in (p.family_name, p.given_names) if x)
                        for p in persons]
        if reader is not None and persons:
            audit(reader, persons, SHARED_READ_AUDIT)
    return result


def record_consent(actor: User, household_id: int, shares: list[str], note: str = "") -> \
        HouseholdConsent:
    """A caseworker of the household's district records what it agreed to share (the
    newest record counts; sharing less withdraws consent). Audited for each member."""
    household = get_household_for(actor, household_id)
    unknown = [s for s in shares if s not in CONSENT_SHARES]
    if unknown:
        raise InvalidInput({"shares": Text("Not something a household shares: %(values)s.",
                                           values=", ".join(unknown))})
    consent = HouseholdConsent(
        household_id=household.id,
        organization_id=household.organization_id,
        shares=[s for s in CONSENT_SHARES if s in shares],
        note=note.strip(),
        recorded_by_id=actor.id,
    )
    db.session.add(consent)
    db.session.flush()
    audit(actor, members(household.id), CONSENT_AUDIT)
    return consent


def consents(actor: User, household_id: int) -> list[HouseholdConsent]:
    """The household's consent records, newest first (its district's caseworkers)."""
    get_household_for(actor, household_id)
    return list(db.session.scalars(
        select(HouseholdConsent)
        .where(HouseholdConsent.household_id == household_id)
        .order_by(HouseholdConsent.id.desc())
    ))
