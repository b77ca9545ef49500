"""Messages: posting (with attachments, a shared listing, a reply in a thread), listing,
editing and deleting.

A new message is stored and flushed, the people it concerns are notified (exchange.chat
.mentions), then `chat_message_posted` is sent; exchange.chat.events has it sent to the
room after the commit.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Select, bindparam, delete, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from exchange import signals
from exchange.chat.access import get_membership_for, may_take_part_anywhere, visible_listing
from exchange.chat.mentions import notify_mentioned, notify_thread
from exchange.chat.models import Member, Message, MessageDocument, Room
from exchange.documents import services as documents
from exchange.errors import Conflict, Forbidden, InvalidInput, NotFound, Text
from exchange.extensions import db
from exchange.pagination import Page, encode_cursor, id_cursor
from exchange.profiles.models import User


def with_documents(stmt: Select) -> Select:
    """Load each message's author and documents with it (no query per message)."""
    return stmt.options(
        selectinload(Message.author),
        selectinload(Message.attachments).selectinload(MessageDocument.document),
    )


def list_messages(
    user: User,
    room_id: int,
    after: int | None = None,
    before: int | None = None,
    thread: int | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> Page:
    """A room's messages in ascending id order.

    With `after` (or a cursor) the next `limit` messages after that id, and a cursor for
    the ones after those; otherwise the latest `limit` (before `before`, when given).
    With `thread`, only that thread: its first message and the replies to it.
    """
    room, _member_row = get_membership_for(user, room_id)
    stmt = select(Message).where(Message.room_id == room.id)
    if thread is not None:
        stmt = stmt.where(or_(Message.id == thread, Message.reply_to_id == thread))
    if cursor:
        after = id_cursor(cursor)
    if after is not None:
        stmt = stmt.where(Message.id > after)
        if before is not None:
            stmt = stmt.where(Message.id < before)
        rows = list(db.session.scalars(with_documents(stmt.order_by(Message.id).limit(limit + 1))))
        more = len(rows) > limit
        rows = rows[:limit]
        return Page(rows, encode_cursor([rows[-1].id]) if more and rows else None)
    if before is not None:
        stmt = stmt.where(Message.id < before)
    rows = list(db.session.scalars(with_documents(stmt.order_by(Message.id.desc()).limit(limit))))
    rows.reverse()
    return Page(rows, None)


def get_message_for(user: User, message_id: int) -> tuple[Message, Room, Member]:
    """A message of a room the user may read, with the room and membership; 404 else."""
    message = db.session.get(Message, message_id)
    if message is None:
        raise NotFound()
    room, member = get_membership_for(user, message.room_id)
    return message, room, member


def do_post_message(
    actor: User,
    room_id: int,
    body: str,
    document_ids: list[int] | None = None,
    listing_id: int | None = None,
    reply_to_id: int | None = None,
    client_key: str | None = None,
) -> Message:
    """Store a message (with its attachments); it is sent to the room after commit. A
    ``client_key`` the sender used before answers that first message instead (a send
    repeated after a lost acknowledgement stores nothing twice)."""
    body = (body or "").strip()
    if body and not (document_ids or listing_id is not None or reply_to_id is not None) \
            and may_take_part_anywhere(actor) and not actor.disabled:
        # Text from someone who may take part in any room: the membership is the insert's
        # own condition, one statement for the check and the write (every chat send).
        message = _insert(_INSERT_AS_MEMBER, _row(actor, room_id, body, None, None, client_key))
        if message is not None:
            return _posted(actor, room_id, message, [], None)
        # No row: not a member (404 below), or this key's first send is stored already.
    room, _member = get_membership_for(actor, room_id)
    if client_key is not None and (sent := _sent_before(actor, room.id, client_key)):
        return _announced_again(sent)
    attachments = documents.get_attachable(actor, document_ids or [])
    if not body and not attachments and listing_id is None:
        raise InvalidInput({"body": "Write something, attach a file or share a listing."})
    if listing_id is not None:
        visible_listing(actor, listing_id)
    thread_id = None
    if reply_to_id is not None:
        parent = db.session.get(Message, reply_to_id)
        if parent is None or parent.room_id != room.id:
            raise InvalidInput({"reply_to_id": "No such message in this room."})
        # Threads are one level deep: a reply to a reply joins its thread.
        thread_id = parent.reply_to_id or parent.id
    message = _insert(_INSERT_MESSAGE, _row(actor, room.id, body, listing_id, thread_id,
                                            client_key))
    if message is None:  # a twin of this send, with the same key, committed meanwhile
        return _announced_again(_sent_before(actor, room.id, client_key))
    return _posted(actor, room.id, message, attachments, thread_id)


def _row(actor: User, room_id: int, body: str, listing_id: int | None,
         thread_id: int | None, client_key: str | None) -> dict:
    return {"room_id": room_id, "author_id": actor.id, "body": body, "listing_id": listing_id,
            "reply_to_id": thread_id, "client_key": client_key}


def _posted(actor: User, room_id: int, message: Message, attachments: list,
            thread_id: int | None) -> Message:
    """A stored message's attachments, notices and `chat_message_posted`."""
    set_committed_value(message, "author", actor)
    if attachments:
        for position, document in enumerate(attachments):
            db.session.add(MessageDocument(message_id=message.id, document=document,
                                           position=position))
        db.session.flush()
        db.session.refresh(message, ["attachments"])
    else:  # known to be none: no query to learn it
        set_committed_value(message, "attachments", [])
    # One's own message is read, and all before it: the database moves the author's
    # watermark with the insert (trigger of migration 0034); what this session holds of
    # it is stale now.
    _forget_own_watermark(actor, room_id)
    if "@" in message.body or thread_id is not None:
        room = db.session.get(Room, room_id)
        mentioned = notify_mentioned(actor, room, message)
        if thread_id is not None:
            notify_thread(actor, room, message, thread_id, already_told=mentioned)
    signals.chat_message_posted.send(message)
    return message


def _forget_own_watermark(actor: User, room_id: int) -> None:
    for member in db.session.identity_map.values():
        if isinstance(member, Member) and member.room_id == room_id \
                and member.user_id == actor.id:
            db.session.expire(member, ["last_read_message_id"])


def _announced_again(sent: Message | None) -> Message:
    """Sent again after a lost acknowledgement: the first send may have been stored and
    never announced (its process died between the commit and the emit), so it is
    announced again; clients know a message by its id and show it once."""
    if sent is None:  # a conflict on the key, but no such message: cannot be
        raise Conflict("This message could not be stored; send it again.")
    signals.chat_message_posted.send(sent)
    return sent


def _insert(statement, row: dict) -> Message | None:
    """Store one message: an INSERT … RETURNING that gives the persistent object, without
    the unit of work's bookkeeping that a flush of a new object costs (every chat send);
    None when it stored nothing (a key sent before, or no membership for the checked
    insert). A key's twin is skipped by ON CONFLICT, not by an error and a savepoint."""
    return db.session.scalars(select(Message).from_statement(statement), row).first()


_COLUMNS = ("room_id", "author_id", "body", "listing_id", "reply_to_id", "client_key")
_ONE_PER_KEY = {"index_elements": ["author_id", "client_key"],
                "index_where": Message.client_key.is_not(None)}
_INSERT_MESSAGE = (
    pg_insert(Message).values({name: bindparam(name) for name in _COLUMNS})
    .on_conflict_do_nothing(**_ONE_PER_KEY).returning(*Message.__table__.columns)
)
# The same, only for a member of the room: the row comes from the sender's membership.
_INSERT_AS_MEMBER = (
    pg_insert(Message).from_select(list(_COLUMNS), select(
        Member.room_id, Member.user_id, bindparam("body"), bindparam("listing_id"),
        bindparam("reply_to_id"), bindparam("client_key"),
    ).where(Member.room_id == bindparam("room_id"), Member.user_id == bindparam("author_id")))
    .on_conflict_do_nothing(**_ONE_PER_KEY).returning(*Message.__table__.columns)
)


def _sent_before(actor: User, room_id: int, client_key: str) -> Message | None:
    sent = db.session.execute(select(Message).where(
        Message.author_id == actor.id, Message.client_key == client_key)).scalar_one_or_none()
    if sent is not None and sent.room_id != room_id:
        raise InvalidInput({"client_key": "This key was used for a message in another room."})
    return sent


def do_edit_message(actor: User, message_id: int, body: str) -> Message:
    """The author edits their message within CHAT_EDIT_WINDOW_SECONDS of posting it."""
    message, _room, _member_row = get_message_for(actor, message_id)
    if message.author_id != actor.id:
        raise Forbidden("Only the author may edit a message.")
    if message.deleted_at is not None:
        raise Conflict("This message was deleted.")
    window = current_app.config["CHAT_EDIT_WINDOW_SECONDS"]
    if db_now() - message.created_at > timedelta(seconds=window):
        raise Conflict(Text("Messages can be edited for %(minutes)s minutes after posting.",
                            minutes=window // 60))
    body = (body or "").strip()
    if not body and not message.attachments and message.listing_id is None:
        raise InvalidInput({"body": "A message cannot be empty; delete it instead."})
    message.body = body
    message.edited_at = db_now()
    db.session.flush()
    signals.chat_message_changed.send(message)
    return message


def do_delete_message(actor: User, message_id: int) -> Message:
    """The author (or a platform admin) deletes a message: the row stays, emptied, so
    that clients' ids stay continuous; its attachments are unlinked."""
    message, _room, _member_row = get_message_for(actor, message_id)
    if message.author_id != actor.id and not actor.is_platform_admin:
        raise Forbidden("Only the author may delete a message.")
    if message.deleted_at is not None:
        return message
    message.body = ""
    message.listing_id = None
    message.deleted_at = db_now()
    db.session.execute(delete(MessageDocument).where(MessageDocument.message_id == message.id))
    db.session.flush()
    db.session.expire(message, ["attachments"])
    signals.chat_message_changed.send(message)
    return message


def db_now() -> datetime:
    """The transaction's time in the database (the clock that stamps the rows)."""
    return db.session.scalar(select(func.now()))
