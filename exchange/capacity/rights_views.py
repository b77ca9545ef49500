"""HTML pages of the data-subject rights (exchange.capacity.rights): the printable
disclosure for an access request, the reason asked before a restricted record opens, and
the forms of the district's admins that restrict, lift a restriction and erase.

Added to the capacity pages' blueprint by ``register(bp)`` (called by
exchange.capacity.views), so their endpoints stay ``capacity_views.*``. Forms post with
the CSRF token; a refusal comes back as a flashed message.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from exchange.capacity import rights
from exchange.errors import InvalidInput, ServiceError
from exchange.extensions import db


def _user():
    return current_user._get_current_object()


def ask_reason(person_id: int, target: str) -> str:
    """The page that asks why a restricted record is opened, then opens ``target``."""
    return render_template("capacity/reason.html", person_id=person_id, target=target)


@login_required
def disclosure_page(person_id: int):
    """The disclosure (Art. 15) as a page that prints well (and prints to PDF)."""
    try:
        data = rights.disclosure(_user(), person_id, request.args.get("reason"))
    except InvalidInput:
        db.session.rollback()
        return ask_reason(person_id, url_for("capacity_views.disclosure_page", person_id=person_id))
    except ServiceError as error:
        db.session.rollback()
        abort(error.status)
    return render_template("capacity/disclosure.html", data=data, person_id=person_id)


def _message(error: ServiceError) -> list[str]:
    fields = (error.errors or {}).get("json", error.errors or {})
    found = [m for ms in fields.values() for m in (ms if isinstance(ms, list) else [ms])]
    return found or [error.message]


@login_required
def rights_action(person_id: int, action: str):
    """Restrict, lift a restriction or erase (the district's admins)."""
    user, reason = _user(), request.form.get("reason", "")
    try:
        if action == "restrict":
            rights.restrict(user, person_id, reason)
            done = _("The record is restricted.")
        elif action == "unrestrict":
            rights.lift_restriction(user, person_id)
            done = _("The restriction is lifted.")
        else:
            rights.erase(user, person_id, reason)
            done = _("The record is erased: the person's data are anonymised.")
    except ServiceError as error:
        db.session.rollback()
        if error.status == 404:
            abort(404)
        for message in _message(error):
            flash(message, "error")
        return redirect(url_for("capacity_views.person_page", person_id=person_id,
                                reason=reason or None))
    flash(done, "success")
    if action == "erase":
        return redirect(url_for("capacity_views.persons_page"))
    return redirect(url_for("capacity_views.person_page", person_id=person_id, reason=reason))


def register(bp: Blueprint) -> None:
    """Add these pages to the capacity pages' blueprint."""
    bp.add_url_rule("/persons/<int:person_id>/disclosure", view_func=disclosure_page,
                    methods=["GET"])
    bp.add_url_rule("/persons/<int:person_id>/<any(restrict, unrestrict, erase):action>",
                    view_func=rights_action, methods=["POST"])
