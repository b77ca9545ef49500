"""A chat message marks its author's read watermark in the same statement (issue 17 point 5).

Posting a message has always moved the author's watermark to it ("one's own message is
read, and all before it"). That was an UPDATE of chat_members per send, one more round trip
on the path every chat message takes; a trigger on chat_messages now moves it with the
INSERT, forward only, as exchange.chat.read_state.move_watermark does for explicit reads.
Messages without an author (system notices) move nothing.

Revision ID: 0034
Revises: 0026
Create Date: 2026-12-07 17:30:00
"""

from alembic import op

revision = "0034"
down_revision = "0026"

TRIGGER_FUNCTION = """
CREATE FUNCTION chat_messages_read_by_author() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE chat_members SET last_read_message_id = NEW.id
     WHERE room_id = NEW.room_id AND user_id = NEW.author_id
       AND coalesce(last_read_message_id, 0) < NEW.id;
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    op.execute(TRIGGER_FUNCTION)
    op.execute(
        "CREATE TRIGGER chat_messages_read_by_author AFTER INSERT ON chat_messages"
        " FOR EACH ROW WHEN (NEW.author_id IS NOT NULL)"
        " EXECUTE FUNCTION chat_messages_read_by_author()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER chat_messages_read_by_author ON chat_messages")
    op.execute("DROP FUNCTION chat_messages_read_by_author()")
