"""REST API of concepts and topics: parse → service → dump."""

from __future__ import annotations

from flask_login import current_user, login_required

from exchange.concepts import services as concepts
from exchange.concepts.markdown import render_markdown
from exchange.concepts.schemas import (
    CommentArgs,
    CommentListSchema,
    CommentSchema,
    ConceptArgs,
    ConceptListArgs,
    ConceptPageSchema,
    ConceptSchema,
    ConceptUpdateArgs,
    PreviewArgs,
    PreviewSchema,
    TopicListSchema,
)
from exchange.openapi import api_blueprint

blp = api_blueprint(
    "concepts", __name__, "Concepts: papers, plans and experience that officials share"
)


def _me():
    return current_user._get_current_object()


@blp.post("/concepts")
@login_required
@blp.arguments(ConceptArgs)
@blp.response(201, ConceptSchema)
def create_concept(args: dict):
    """Write a concept (staff of verified public organisations); followers of its topics
    are notified."""
    concept = concepts.create_concept(_me(), args)
    return concept


@blp.get("/concepts")
@login_required
@blp.arguments(ConceptListArgs, location="query")
@blp.response(200, ConceptPageSchema)
def list_concepts(args: dict):
    """Concepts, newest first; `q` searches in German (word forms too), best first."""
    return concepts.list_concepts(_me(), args["topic"], args["q"], args["limit"],
                                  args["cursor"])


@blp.post("/concepts/preview")
@login_required
@blp.arguments(PreviewArgs)
@blp.response(200, PreviewSchema)
def preview(args: dict):
    """The markdown body as the sanitised HTML a concept shows."""
    concepts.require_reader(_me())
    return {"html": render_markdown(args["body"])}


@blp.get("/concepts/<int:concept_id>")
@login_required
@blp.response(200, ConceptSchema)
def get_concept(concept_id: int):
    return concepts.get_concept_for(_me(), concept_id)


@blp.patch("/concepts/<int:concept_id>")
@login_required
@blp.arguments(ConceptUpdateArgs)
@blp.response(200, ConceptSchema)
def update_concept(args: dict, concept_id: int):
    """Change a concept: its author or an admin of the author's organisation."""
    concept = concepts.update_concept(_me(), concept_id, args)
    return concept


@blp.post("/concepts/<int:concept_id>/comments")
@login_required
@blp.arguments(CommentArgs)
@blp.response(201, CommentSchema)
def add_comment(args: dict, concept_id: int):
    comment = concepts.add_comment(_me(), concept_id, args["body"])
    return comment


@blp.get("/concepts/<int:concept_id>/comments")
@login_required
@blp.response(200, CommentListSchema)
def list_comments(concept_id: int):
    return {"items": concepts.list_comments(_me(), concept_id)}


@blp.get("/topics")
@login_required
@blp.response(200, TopicListSchema)
def list_topics():
    """The open list of topics with the number of concepts and followers."""
    return {"items": concepts.list_topics(_me())}


@blp.post("/topics/<path:topic>/follow")
@login_required
@blp.response(204)
def follow(topic: str):
    concepts.follow_topic(_me(), topic)


@blp.delete("/topics/<path:topic>/follow")
@login_required
@blp.response(204)
def unfollow(topic: str):
    concepts.unfollow_topic(_me(), topic)
