"""The free-bed forecast of an organisation (and those below it) for the next 12 weeks,
and the warning of its admins when it falls below their threshold.

Week by week, a figure is the free beds at the end of that week:

    today's free − announced arrivals + planned move-outs + beds of shelters opening

summed from today to the week's last day. Weeks are calendar weeks (Monday to Sunday);
the first is the current one, from today. Today's free beds are the counters' (the
dashboard's "free"), without the shelters that open later (``opens_on`` after today):
their free beds come in the week they open. Allocations and move-outs dated before today
are history and count no more (the counters show what happened).

Per shelter kind: today's free beds and the opening shelters of that kind, move-outs from
shelters of that kind, and the arrivals meant for that kind (``shelter_kind``); arrivals
not yet meant for a kind lower the total only, so the kinds add up to the total plus
those. The beds run out in the first week whose figure is 0 or less.

The threshold check (``check_thresholds``) runs in the transaction of every change of
allocations, move-outs or the threshold, and once a day for everything else (occupancy,
beds, shelters, and time passing: `exchange forecast-check` from cron). The settings row
is locked while checked; ``warned_at`` makes one warning per crossing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from exchange import notifications
from exchange.errors import Forbidden
from exchange.extensions import db
from exchange.profiles import authz
from exchange.profiles.models import Membership, MembershipStatus, Organization, Role, User

from .access import CASE_ROLES, RIGHTS_ROLES, capacity_scope, require_in_scope
from .models import (
    Allocation,
    CapacityCount,
    ForecastSetting,
    PlannedMoveOut,
    Shelter,
    ShelterKind,
)

WEEKS = 12
#: The kind of notification that warns an organisation's admins.
WARNING_KIND = "forecast_below_threshold"


@dataclass
class ForecastWeek:
    """One calendar week: what comes and goes in it, and the free beds at its end."""

    starts_on: date  # today for the first week
    ends_on: date
    week: int  # ISO week number (KW)
    arrivals: int = 0
    move_outs: int = 0
    new_beds: int = 0
    free: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)


@dataclass
class Forecast:
    organization_id: int
    today: date
    free_today: int
    by_kind_today: dict[str, int]
    weeks: list[ForecastWeek]
    #: The first day of the week the beds run out (figure 0 or less), None: not in 12 weeks.
    runs_out_on: date | None
    runs_out_by_kind: dict[str, date | None]
    threshold: int | None

    @property
    def kinds(self) -> list[str]:
        return list(self.by_kind_today)

    @property
    def lowest(self) -> int:
        return min((w.free for w in self.weeks), default=self.free_today)

    @property
    def below_threshold(self) -> bool:
        return self.threshold is not None and self.lowest < self.threshold

    @property
    def first_below_on(self) -> date | None:
        if self.threshold is None:
            return None
        return next((w.starts_on for w in self.weeks if w.free < self.threshold), None)


def week_bounds(today: date, weeks: int = WEEKS) -> list[tuple[date, date]]:
    """(first day, last day) of the calendar weeks from today's on; the first from today."""
    monday = today - timedelta(days=today.weekday())
    return [(max(monday + timedelta(weeks=n), today), monday + timedelta(weeks=n, days=6))
            for n in range(weeks)]


def _week_index(bounds: list[tuple[date, date]], day: date) -> int | None:
    for n, (first, last) in enumerate(bounds):
        if first <= day <= last:
            return n
    return None


def compute_forecast(organization_id: int, today: date | None = None) -> Forecast:
    """The forecast of the organisation and those below it (no access check: see
    forecast_for)."""
    today = today or date.today()
    bounds = week_bounds(today)
    end = bounds[-1][1]
    reach = sorted(authz.descendants_and_self([organization_id])) or [0]
    free = (CapacityCount.free_male + CapacityCount.free_female + CapacityCount.free_family
            + CapacityCount.free_mixed)

    by_kind_today: dict[str, int] = {}
    opening: list[tuple[str, date, int]] = []
    for kind, opens_on, beds in db.session.execute(
        select(Shelter.kind, Shelter.opens_on, free)
        .join(CapacityCount, CapacityCount.shelter_id == Shelter.id)
        .where(Shelter.organization_id.in_(reach))
    ):
        by_kind_today.setdefault(kind, 0)
        if opens_on is not None and opens_on > today:
            if opens_on <= end:
                opening.append((kind, opens_on, beds))
        else:
            by_kind_today[kind] += beds

    # week → kind (None: not meant for a kind) → change
    changes: dict[int, dict[str | None, int]] = defaultdict(lambda: defaultdict(int))
    weeks = [ForecastWeek(first, last, last.isocalendar().week) for first, last in bounds]

    def add(day: date, kind: str | None, delta: int, what: str) -> None:
        n = _week_index(bounds, day)
        if n is None:
            return
        if kind is not None:
            by_kind_today.setdefault(kind, 0)
        changes[n][kind] += delta
        setattr(weeks[n], what, getattr(weeks[n], what) + abs(delta))

    for kind, opens_on, beds in opening:
        add(opens_on, kind, beds, "new_beds")
    for day, persons, kind in db.session.execute(
        select(Allocation.arrives_on, Allocation.persons, Allocation.shelter_kind).where(
            Allocation.organization_id.in_(reach),
            Allocation.arrives_on.between(today, end))
    ):
        add(day, kind, -persons, "arrivals")
    for day, persons, kind in db.session.execute(
        select(PlannedMoveOut.moves_on, PlannedMoveOut.persons, Shelter.kind)
        .join(Shelter, Shelter.id == PlannedMoveOut.shelter_id)
        .where(PlannedMoveOut.organization_id.in_(reach),
               PlannedMoveOut.moves_on.between(today, end))
    ):
        add(day, kind, persons, "move_outs")

    order = [k.value for k in ShelterKind]
    by_kind_today = dict(sorted(by_kind_today.items(),
                                key=lambda kv: order.index(kv[0]) if kv[0] in order else 99))
    running = dict(by_kind_today)
    unassigned = 0
    for n, week in enumerate(weeks):
        for kind, delta in changes[n].items():
            if kind is None:
                unassigned += delta
            else:
                running[kind] += delta
        week.by_kind = dict(running)
        week.free = sum(running.values()) + unassigned

    def runs_out(figures: list[int]) -> date | None:
        return next((w.starts_on for w, f in zip(weeks, figures, strict=True) if f <= 0), None)

    setting = db.session.get(ForecastSetting, organization_id)
    return Forecast(
        organization_id=organization_id,
        today=today,
        free_today=sum(by_kind_today.values()),
        by_kind_today=by_kind_today,
        weeks=weeks,
        runs_out_on=runs_out([w.free for w in weeks]),
        runs_out_by_kind={k: runs_out([w.by_kind[k] for w in weeks]) for k in by_kind_today},
        threshold=setting.threshold if setting is not None else None,
    )


def may_see_forecast(actor: User, organization_id: int) -> bool:
    """Caseworkers and admins of the organisation (or above it)."""
    return organization_id in capacity_scope(actor, CASE_ROLES)


def may_set_threshold(actor: User, organization_id: int) -> bool:
    """Admins of the organisation (or above it)."""
    return organization_id in capacity_scope(actor, RIGHTS_ROLES)


def forecast_for(actor: User, organization_id: int) -> Forecast:
    """The forecast, for caseworkers and admins reaching the organisation (else 404)."""
    require_in_scope(actor, organization_id, CASE_ROLES)
    return compute_forecast(organization_id)


def set_threshold(actor: User, organization_id: int, threshold: int | None) -> Forecast:
    """Set (None: clear) the threshold below which the admins are warned; admins only
    (caseworkers 403, others 404). Checked at once: already below, they are warned now."""
    require_in_scope(actor, organization_id, CASE_ROLES)
    if not may_set_threshold(actor, organization_id):
        raise Forbidden("Only admins of the organisation set the forecast's threshold.")
    setting = db.session.get(ForecastSetting, organization_id, with_for_update=True)
    if setting is None:
        setting = ForecastSetting(organization_id=organization_id)
        db.session.add(setting)
    if setting.threshold != threshold:
        setting.warned_at = None  # a new threshold: a new crossing
    setting.threshold = threshold
    setting.updated_by_id = actor.id
    db.session.flush()
    check_threshold(organization_id)
    return compute_forecast(organization_id)


# --- the warning ---------------------------------------------------------------------------


def _chain(organization_id: int) -> list[int]:
    """The organisation and those above it (their forecasts include it)."""
    chain: list[int] = []
    current = db.session.get(Organization, organization_id)
    while current is not None and current.id not in chain:
        chain.append(current.id)
        current = current.parent
    return chain


def check_thresholds(organization_id: int) -> int:
    """After a change in this organisation: check it and every one above it that has a
    threshold; returns the number of warnings sent."""
    chain = _chain(organization_id)
    with_threshold = db.session.scalars(
        select(ForecastSetting.organization_id)
        .where(ForecastSetting.organization_id.in_(chain or [0]),
               ForecastSetting.threshold.is_not(None))
        .order_by(ForecastSetting.organization_id)
    )
    return sum(check_threshold(org_id) for org_id in list(with_threshold))


def check_threshold(organization_id: int) -> int:
    """Warn the organisation's admins once when its forecast falls below the threshold
    (``warned_at`` set), and make ready for the next crossing when it is back at or above
    it (``warned_at`` cleared). The settings row is locked, so two concurrent checks warn
    once. Returns the number of admins warned."""
    setting = db.session.get(ForecastSetting, organization_id, with_for_update=True,
                             populate_existing=True)
    if setting is None or setting.threshold is None:
        return 0
    forecast = compute_forecast(organization_id)
    if not forecast.below_threshold:
        setting.warned_at = None
        db.session.flush()
        return 0
    if setting.warned_at is not None:
        return 0
    setting.warned_at = datetime.now(UTC)
    organization = db.session.get(Organization, organization_id)
    payload = {
        "organization_id": organization_id,
        "organization_name": organization.name if organization else "",
        "threshold": forecast.threshold,
        "lowest": forecast.lowest,
        "week_of": forecast.first_below_on.isoformat() if forecast.first_below_on else None,
    }
    admins = _admin_ids(organization_id)
    for user_id in admins:
        notifications.notify(user_id, WARNING_KIND, payload)
    db.session.flush()
    return len(admins)


def _admin_ids(organization_id: int) -> list[int]:
    return list(db.session.scalars(
        select(Membership.user_id)
        .where(Membership.organization_id == organization_id,
               Membership.status == MembershipStatus.ACTIVE,
               Membership.role == Role.ADMIN)
        .distinct()
        .order_by(Membership.user_id)
    ))


def check_all() -> tuple[int, int]:
    """Check every organisation with a threshold (the daily `exchange forecast-check`);
    returns (organisations checked, admins warned)."""
    ids = list(db.session.scalars(
        select(ForecastSetting.organization_id)
        .where(ForecastSetting.threshold.is_not(None))
        .order_by(ForecastSetting.organization_id)
    ))
    return len(ids), sum(check_threshold(org_id) for org_id in ids)


