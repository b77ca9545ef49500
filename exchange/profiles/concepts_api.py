"""REST API of concepts and topics: parse → service → commit → dump."""

from __future__ import annotations

from flask_login import current_user, login_required
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from exchange.documents.schemas import DocumentSchema
from exchange.pagination import ListArgs, page_schema
from exchange.profiles import concepts
from exchange.profiles.schemas import VALID_ID

blp = Blueprint("concepts", __name__, url_prefix="/api/v1",
                description="Concepts: papers, plans and experience that officials share")

TOPIC = fields.String(validate=validate.Length(1, 60))


class ConceptArgs(Schema):
    title = fields.String(required=True, validate=validate.Length(1, 200))
    summary = fields.String(load_default="", validate=validate.Length(max=2000))
    body = fields.String(load_default="", validate=validate.Length(max=100_000))
    topics = fields.List(TOPIC, load_default=list, validate=validate.Length(max=10))
    document_ids = fields.List(fields.Integer(validate=VALID_ID), load_default=list,
                               validate=validate.Length(max=20))


class ConceptUpdateArgs(Schema):
    title = fields.String(validate=validate.Length(1, 200))
    summary = fields.String(validate=validate.Length(max=2000))
    body = fields.String(validate=validate.Length(max=100_000))
    topics = fields.List(TOPIC, validate=validate.Length(max=10))
    document_ids = fields.List(fields.Integer(validate=VALID_ID), validate=validate.Length(max=20))


class ConceptListArgs(ListArgs):
    topic = fields.String(load_default=None)
    q = fields.String(load_default=None, validate=validate.Length(max=500))


class PreviewArgs(Schema):
    body = fields.String(load_default="", validate=validate.Length(max=100_000))


class CommentArgs(Schema):
    body = fields.String(required=True, validate=validate.Length(1, 10_000))


class ConceptAuthorSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class ConceptSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    summary = fields.String()
    body = fields.String()
    body_html = fields.Function(lambda c: concepts.render_markdown(c.body))
    topics = fields.List(fields.String())
    author = fields.Nested(ConceptAuthorSchema, allow_none=True)
    organization_id = fields.Integer()
    organization_name = fields.String(attribute="organization.name")
    documents = fields.List(fields.Nested(DocumentSchema))
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class ConceptHitSchema(Schema):
    id = fields.Integer(attribute="concept.id")
    title = fields.String(attribute="concept.title")
    summary = fields.String(attribute="concept.summary")
    topics = fields.List(fields.String(), attribute="concept.topics")
    author = fields.Nested(ConceptAuthorSchema, attribute="concept.author", allow_none=True)
    organization_id = fields.Integer(attribute="concept.organization_id")
    organization_name = fields.String(attribute="concept.organization.name")
    created_at = fields.DateTime(attribute="concept.created_at")
    updated_at = fields.DateTime(attribute="concept.updated_at")
    rank = fields.Float(allow_none=True)


ConceptPageSchema = page_schema(ConceptHitSchema, "ConceptPageSchema")


class CommentSchema(Schema):
    id = fields.Integer()
    concept_id = fields.Integer()
    author = fields.Nested(ConceptAuthorSchema, allow_none=True)
    body = fields.String()
    created_at = fields.DateTime()


class CommentListSchema(Schema):
    items = fields.List(fields.Nested(CommentSchema))


class PreviewSchema(Schema):
    html = fields.String()


class TopicSchema(Schema):
    topic = fields.String()
    concepts = fields.Integer()
    followers = fields.Integer()
    following = fields.Boolean()


class TopicListSchema(Schema):
    items = fields.List(fields.Nested(TopicSchema))


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
    concepts._require_reader(_me())
    return {"html": concepts.render_markdown(args["body"])}


@blp.get("/concepts/<int:concept_id>")
@login_required
@blp.response(200, ConceptSchema)
def get_concept(concept_id: int):
    return concepts.get_concept(_me(), concept_id)


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
