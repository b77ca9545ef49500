"""Concepts: papers, plans and experience that staff of public organisations share.

Who: staff (officials, caseworkers, org admins) of verified public organisations and
platform admins read and write; anyone else (landlords) gets 404 for everything here. A
concept is edited by its author or an admin of the author's organisation. Bodies are
markdown, rendered on the server and sanitised with an allow-list (concepts/markdown.py).
Attachments go
through the documents domain; a registered reader lets whoever may read a concept read its
attachments. Following a topic: a new concept with it notifies the followers in-app.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, literal_column, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import selectinload

from exchange import signals
from exchange.concepts.models import (
    CONCEPT_TEXT,
    SEED_TOPICS,
    Concept,
    ConceptComment,
    ConceptDocument,
    TopicFollow,
)
from exchange.documents import services as documents
from exchange.errors import Forbidden, InvalidInput, NotFound, Text
from exchange.extensions import db
from exchange.pagination import Page, offset_cursor, page_by_id
from exchange.profiles import authz
from exchange.profiles.models import User
from exchange.text_search import search_page

MAX_TOPICS = 10

# --- who ---------------------------------------------------------------------------------


def may_read(user: User) -> bool:
    """Staff of public organisations and platform admins read (and write) concepts."""
    return user.is_platform_admin or authz.is_staff(user)


def require_reader(user: User) -> User:
    """The signed-in user if they may read concepts; 404 for anyone else (landlords)."""
    authz.require_user(user)
    if not may_read(user):
        raise NotFound()
    return user


def _author_organization_id(user: User) -> int:
    """The organisation a new concept belongs to: the author's first staff membership in a
    verified public organisation."""
    for m in authz.active_memberships(user):
        if (m.role in authz.STAFF_ROLES and m.organization.kind in authz.PUBLIC_KINDS
                and m.organization.verified):
            return m.organization_id
    raise Forbidden("Only staff of a verified public organisation may write concepts.")


def may_edit(user: User, concept: Concept) -> bool:
    """The author and the admins of the concept's organisation edit it."""
    return concept.author_id == user.id or authz.is_org_admin(user, concept.organization_id)


def _concept_readers_read_attachments(user: User, document_id: int) -> bool:
    """Whoever may read concepts may read the documents attached to one."""
    if not may_read(user):
        return False
    return db.session.scalar(
        select(ConceptDocument.concept_id).where(ConceptDocument.document_id == document_id)
        .limit(1)
    ) is not None


def register() -> None:
    """Let concept readers read the documents attached to concepts (called by create_app)."""
    documents.register_reader(_concept_readers_read_attachments)


# --- topics ------------------------------------------------------------------------------


def normalise_topics(topics: list[str]) -> list[str]:
    """Topics as stored: single-spaced, lower case, each once; at most MAX_TOPICS."""
    cleaned = list(dict.fromkeys(" ".join(t.split()).lower() for t in topics if t.strip()))
    if len(cleaned) > MAX_TOPICS:
        raise InvalidInput({"topics": Text("At most %(n)d topics.", n=MAX_TOPICS)})
    return cleaned


@dataclass
class TopicCount:
    topic: str
    concepts: int
    followers: int
    following: bool


def list_topics(user: User) -> list[TopicCount]:
    """The seed topics and every topic in use, with counts of concepts and followers."""
    require_reader(user)
    topic = func.unnest(Concept.topics).label("topic")
    used = dict(db.session.execute(
        select(literal_column("topic"), func.count()).select_from(
            select(topic).subquery()
        ).group_by(literal_column("topic"))
    ).all())
    followers = dict(db.session.execute(
        select(TopicFollow.topic, func.count()).group_by(TopicFollow.topic)
    ).all())
    mine = set(db.session.scalars(select(TopicFollow.topic).where(TopicFollow.user_id == user.id)))
    names = list(SEED_TOPICS) + sorted(set(used) - set(SEED_TOPICS))
    return [TopicCount(t, used.get(t, 0), followers.get(t, 0), t in mine) for t in names]


def followed_topics(user: User) -> set[str]:
    """The topics the user follows."""
    return set(db.session.scalars(select(TopicFollow.topic).where(TopicFollow.user_id == user.id)))


def follow_topic(user: User, topic: str) -> None:
    """Follow a topic (again: no change); new concepts with it notify the user."""
    require_reader(user)
    topic = " ".join(topic.split()).lower()
    if not topic or len(topic) > 60:
        raise InvalidInput({"topic": "A topic has 1 to 60 characters."})
    db.session.execute(
        insert(TopicFollow).values(user_id=user.id, topic=topic).on_conflict_do_nothing()
    )


def unfollow_topic(user: User, topic: str) -> None:
    """Stop following a topic."""
    require_reader(user)
    topic = " ".join(topic.split()).lower()
    db.session.execute(
        delete(TopicFollow).where(TopicFollow.user_id == user.id, TopicFollow.topic == topic)
    )


# --- concepts ----------------------------------------------------------------------------


def _attach(user: User, concept: Concept, document_ids: list[int]) -> None:
    docs = documents.get_attachable(user, document_ids)
    concept.attachments = [
        ConceptDocument(document_id=d.id, position=i) for i, d in enumerate(docs)
    ]


def create_concept(user: User, args: dict) -> Concept:
    """A new concept of the author's organisation; followers of its topics are notified."""
    require_reader(user)
    concept = Concept(
        author_id=user.id,
        organization_id=_author_organization_id(user),
        title=args["title"].strip(),
        summary=args.get("summary", "").strip(),
        body=args.get("body", ""),
        topics=normalise_topics(args.get("topics", [])),
    )
    _attach(user, concept, args.get("document_ids", []))
    db.session.add(concept)
    db.session.flush()
    _notify_followers(user, concept)
    return concept


def _notify_followers(author: User, concept: Concept) -> None:
    """Tell the followers of the concept's topics who may read it (a signal: the in-app
    feed is the notifications domain's, below concepts)."""
    if not concept.topics:
        return
    followers = db.session.scalars(
        select(TopicFollow.user_id).where(
            TopicFollow.topic.in_(concept.topics), TopicFollow.user_id != author.id
        ).distinct()
    )
    readers = []
    for user_id in followers:
        follower = db.session.get(User, user_id)
        if follower is not None and not follower.disabled and may_read(follower):
            readers.append(user_id)
    if readers:
        signals.concept_published.send(concept, user_ids=readers, author=author)


def get_concept_for(user: User, concept_id: int) -> Concept:
    """The concept, for those who may read concepts; 404 for anyone else or a missing one."""
    require_reader(user)
    concept = db.session.get(Concept, concept_id)
    if concept is None:
        raise NotFound()
    return concept


def update_concept(user: User, concept_id: int, args: dict) -> Concept:
    """Change a concept: its author or an admin of the author's organisation."""
    concept = get_concept_for(user, concept_id)
    if not may_edit(user, concept):
        raise Forbidden("Only the author or an administrator of the organisation may edit.")
    for key in ("title", "summary"):
        if key in args:
            setattr(concept, key, args[key].strip())
    if "body" in args:
        concept.body = args["body"]
    if "topics" in args:
        concept.topics = normalise_topics(args["topics"])
    if "document_ids" in args:
        _attach(user, concept, args["document_ids"])
    concept.updated_at = func.now()
    db.session.flush()
    db.session.refresh(concept)
    return concept


@dataclass
class ConceptHit:
    concept: Concept
    rank: float | None


def list_concepts(user: User, topic: str | None, q: str | None, limit: int,
                  cursor: str | None) -> Page:
    """Concepts, newest first; with ``q`` a German full-text search, best first (title
    counts more than the summary, the summary more than the body), then the concepts that
    hold the words as parts of compounds ("Kaution" in "Mietkaution", text_search)."""
    require_reader(user)
    stmt = select(Concept).options(
        selectinload(Concept.author), selectinload(Concept.organization)
    )
    if topic:
        stmt = stmt.where(Concept.topics.contains([" ".join(topic.split()).lower()]))
    if q and q.strip():
        page = search_page(stmt, Concept.search, CONCEPT_TEXT, q, Concept.id.desc(), limit,
                           _offset(cursor))
        return Page([ConceptHit(c, rank) for c, rank in page.items], page.next_cursor)
    page = page_by_id(stmt, Concept.id, limit, cursor, newest_first=True)
    return Page([ConceptHit(c, None) for c in page.items], page.next_cursor)


def _offset(cursor: str | None) -> int:
    return offset_cursor(cursor) if cursor else 0


# --- comments ----------------------------------------------------------------------------


def add_comment(user: User, concept_id: int, body: str) -> ConceptComment:
    """A comment on a concept, by anyone who may read it."""
    concept = get_concept_for(user, concept_id)
    if not body.strip():
        raise InvalidInput({"body": "Write something."})
    comment = ConceptComment(concept_id=concept.id, author_id=user.id, body=body.strip())
    db.session.add(comment)
    db.session.flush()
    return comment


def list_comments(user: User, concept_id: int) -> list[ConceptComment]:
    """The comments on a concept, oldest first."""
    concept = get_concept_for(user, concept_id)
    return list(db.session.scalars(
        select(ConceptComment).where(ConceptComment.concept_id == concept.id)
        .options(selectinload(ConceptComment.author)).order_by(ConceptComment.id)
    ))
