"""HTML pages of concepts: list with search and topic chips, write/edit with a live preview
and attachments, a concept with its attachments, comments and topic follow buttons."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from markupsafe import Markup

from exchange.concepts import services as concepts
from exchange.concepts.markdown import render_markdown
from exchange.concepts.models import Concept
from exchange.errors import NotFound, ServiceError, flash_errors
from exchange.extensions import db
from exchange.profiles.models import User

bp = Blueprint("concepts_views", __name__, template_folder="templates")

TOPIC_LABELS = {
    "integration": _l("Integration"),
    "housing": _l("Housing"),
    "schools": _l("Schools"),
    "health": _l("Health"),
    "climate": _l("Climate"),
    "urban development": _l("Urban development"),
}


def topic_label(topic: str) -> str:
    return str(TOPIC_LABELS.get(topic, topic))


@bp.app_context_processor
def _concepts_helpers() -> dict:
    def shows_concepts_link() -> bool:
        return current_user.is_authenticated and concepts.may_read(current_user)

    return {"shows_concepts_link": shows_concepts_link, "topic_label": topic_label}


def _me():
    user = current_user._get_current_object()
    if not concepts.may_read(user):
        abort(404)
    return user


def _concept_or_404(me: User, concept_id: int) -> Concept:
    """The concept if `me` may read it, else the HTML 404 page (not the API's JSON error)."""
    try:
        return concepts.get_concept_for(me, concept_id)
    except NotFound:
        abort(404)


@bp.get("/concepts")
@login_required
def concepts_page():
    me = _me()
    q = request.args.get("q", "").strip()
    topic = request.args.get("topic", "").strip()
    cursor = request.args.get("cursor") or None
    try:
        page = concepts.list_concepts(me, topic or None, q or None, 20, cursor)
    except ServiceError:
        page = concepts.list_concepts(me, topic or None, q or None, 20, None)
    return render_template("concepts/list.html", page=page, q=q, topic=topic,
                           topics=concepts.list_topics(me))


def _form_args() -> dict:
    ids = [int(i) for i in request.form.get("document_ids", "").split(",") if i.strip().isdigit()]
    topics = [t for t in request.form.get("topics", "").split(",") if t.strip()]
    return {"title": request.form.get("title", ""), "summary": request.form.get("summary", ""),
            "body": request.form.get("body", ""), "topics": topics, "document_ids": ids}


def _validate(args: dict) -> str | None:
    if not args["title"].strip() or len(args["title"]) > 200:
        return str(_l("A title of 1 to 200 characters is needed."))
    if any(len(t.strip()) > 60 for t in args["topics"]):
        return str(_l("A topic has at most 60 characters."))
    return None


def _submitted(save: Callable[[dict], Concept], saved_message: str) -> tuple[dict, Response | None]:
    """Check and save the posted form: its values, and the redirect to the saved concept
    (None when the form is shown again with the problems flashed)."""
    args = _form_args()
    problem = _validate(args)
    if problem:
        flash(problem, "error")
        return args, None
    try:
        concept = save(args)
    except ServiceError as error:
        db.session.rollback()
        flash_errors(error)
        return args, None
    flash(saved_message, "success")
    return args, redirect(url_for("concepts_views.concept_page", concept_id=concept.id))


@bp.route("/concepts/new", methods=["GET", "POST"])
@login_required
def new_concept():
    me = _me()
    args = {"title": "", "summary": "", "body": "", "topics": [], "document_ids": []}
    documents = []
    if request.method == "POST":
        args, saved = _submitted(lambda form: concepts.create_concept(me, form),
                                 _l("Concept published."))
        if saved is not None:
            return saved
    return render_template("concepts/edit.html", concept=None, args=args, documents=documents,
                           topics=concepts.list_topics(me))


@bp.route("/concepts/<int:concept_id>/edit", methods=["GET", "POST"])
@login_required
def edit_concept(concept_id: int):
    me = _me()
    concept = _concept_or_404(me, concept_id)
    if not concepts.may_edit(me, concept):
        abort(403)
    args = {"title": concept.title, "summary": concept.summary, "body": concept.body,
            "topics": concept.topics, "document_ids": [d.id for d in concept.documents]}
    if request.method == "POST":
        args, saved = _submitted(lambda form: concepts.update_concept(me, concept_id, form),
                                 _l("Concept saved."))
        if saved is not None:
            return saved
    return render_template("concepts/edit.html", concept=concept, args=args,
                           documents=concept.documents, topics=concepts.list_topics(me))


@bp.get("/concepts/<int:concept_id>")
@login_required
def concept_page(concept_id: int):
    me = _me()
    concept = _concept_or_404(me, concept_id)
    return render_template(
        "concepts/detail.html", concept=concept,
        body_html=Markup(render_markdown(concept.body)),  # sanitised by nh3
        comments=concepts.list_comments(me, concept_id), may_edit=concepts.may_edit(me, concept),
        followed=concepts.followed_topics(me),
    )


@bp.post("/concepts/<int:concept_id>/comments")
@login_required
def comment(concept_id: int):
    me = _me()
    try:
        concepts.add_comment(me, concept_id, request.form.get("body", "")[:10_000])
    except NotFound:
        abort(404)
    except ServiceError as error:
        db.session.rollback()
        flash_errors(error)
    return redirect(url_for("concepts_views.concept_page", concept_id=concept_id) + "#comments")


@bp.post("/topics/follow")
@login_required
def follow():
    me = _me()
    topic = request.form.get("topic", "")
    try:
        if request.form.get("action") == "unfollow":
            concepts.unfollow_topic(me, topic)
        else:
            concepts.follow_topic(me, topic)
    except ServiceError as error:
        db.session.rollback()
        flash_errors(error)
    target = request.form.get("next", "")
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("concepts_views.concepts_page")
    return redirect(target)
