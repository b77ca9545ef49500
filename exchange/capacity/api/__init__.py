"""REST API of the capacity domain, one blueprint per part: shelters (and capacity
figures), persons (registry, households, activities, audit), occupancy (check-in, moves,
placement), registry (exchange with the state system), transfers, rights. Each handler
parses, calls a service and dumps with its schema; the request commits (see
exchange/db.py)."""

from __future__ import annotations

from collections.abc import Callable

from flask_login import current_user

from exchange.capacity.models import Person
from exchange.capacity.persons import PersonView, person_view
from exchange.profiles.models import User


def current_actor() -> User:
    """The signed-in user (the object itself, not the proxy) for the services."""
    return current_user._get_current_object()


def person_answer(action: Callable[..., Person], *args: object) -> PersonView:
    """The answer of a call on one person: ``action(user, *args)`` by the signed-in user,
    then the person as that user may see them."""
    user = current_actor()
    return person_view(user, action(user, *args))
