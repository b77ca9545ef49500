"""Request and response shapes of concepts, comments and topics (marshmallow: the one
source of each shape the API returns)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from exchange.concepts.markdown import render_markdown
from exchange.documents.schemas import DocumentSchema
from exchange.pagination import ListArgs, page_schema
from exchange.profiles.schemas import VALID_ID

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
    body_html = fields.Function(lambda c: render_markdown(c.body))
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
