"""Request and response shapes of concepts, comments and topics (marshmallow: the one
source of each shape the API returns)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from exchange.concepts.markdown import render_markdown
from exchange.documents.schemas import DocumentSchema
from exchange.pagination import ListArgs, list_schema, page_schema
from exchange.profiles.schemas import VALID_ID, UserRefSchema
from exchange.schemas import RecordSchema

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


class ConceptSchema(RecordSchema):
    title = fields.String()
    summary = fields.String()
    body = fields.String()
    body_html = fields.Function(lambda c: render_markdown(c.body))
    topics = fields.List(fields.String())
    author = fields.Nested(UserRefSchema, allow_none=True)
    organization_id = fields.Integer()
    organization_name = fields.String(attribute="organization.name")
    documents = fields.List(fields.Nested(DocumentSchema))
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class ConceptHitSchema(ConceptSchema):
    """A concept in a list (dumps services.ConceptHit): its fields without the body and
    files, and the search rank."""

    class Meta:
        exclude = ("body", "body_html", "documents")

    rank = fields.Float(allow_none=True)

    def get_attribute(self, obj, attr: str, default):
        return super().get_attribute(obj if attr == "rank" else obj.concept, attr, default)


ConceptPageSchema = page_schema(ConceptHitSchema, "ConceptPageSchema")


class CommentSchema(RecordSchema):
    concept_id = fields.Integer()
    author = fields.Nested(UserRefSchema, allow_none=True)
    body = fields.String()
    created_at = fields.DateTime()


CommentListSchema = list_schema(CommentSchema, "CommentListSchema")


class PreviewSchema(Schema):
    html = fields.String()


class TopicSchema(Schema):
    topic = fields.String()
    concepts = fields.Integer()
    followers = fields.Integer()
    following = fields.Boolean()


TopicListSchema = list_schema(TopicSchema, "TopicListSchema")
