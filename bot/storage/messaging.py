"""The messages in (inbox, one row per channel update) and out (outbox, sent by the sender)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base, BigId, utcnow


class InboxUpdate(Base):
    """An incoming update, recorded before the channel is told it was received."""

    __tablename__ = "inbox_updates"
    __table_args__ = (
        UniqueConstraint("channel", "update_id"),
        # A claim looks for an earlier unhandled update of the same chat (several processes).
        Index(
            "ix_inbox_updates_pending",
            "channel",
            "chat_id",
            "id",
            sqlite_where=text("handled_at IS NULL"),
            postgresql_where=text("handled_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    update_id: Mapped[int] = mapped_column(BigInteger)
    chat_id: Mapped[str | None] = mapped_column(String(64), default=None)
    payload: Mapped[dict[str, Any]]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    handled_at: Mapped[datetime | None] = mapped_column(default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)


class OutboxMessage(Base):
    """A message to send, written in the same transaction as the state change that produced it."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        # Each sender asks for its own channel's unsent rows every second: a small index of just those.
        Index(
            "ix_outbox_messages_pending",
            "channel",
            "id",
            sqlite_where=text("sent_at IS NULL"),
            postgresql_where=text("sent_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64), index=True)
    payload: Mapped[dict[str, Any]]
    inbox_id: Mapped[int | None] = mapped_column(ForeignKey("inbox_updates.id"), default=None)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("return_cases.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=None)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)


class AuditEntry(Base):
    """Who did what, when, with the values before and after."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(64), default="")
    before: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    after: Mapped[dict[str, Any] | None] = mapped_column(default=None)


class TranscriptEntry(Base):
    """One exchange of a conversation: what the customer sent, and what the bot answered to it.

    Kept for the agents: an escalated case's topic shows the conversation so far. One row a
    customer's event (not one a message): the engine's hot path writes one row more, not three.
    """

    __tablename__ = "transcript_entries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("return_cases.id", ondelete="CASCADE"), default=None, index=True
    )
    at: Mapped[datetime]
    # text | choice | photo | unsupported | none (an agents' trigger: the bot spoke unasked)
    kind: Mapped[str] = mapped_column(String(16))
    said: Mapped[str] = mapped_column(
        Text, default=""
    )  # the text, the button's id, the photo's path
    replies: Mapped[list[Any]] = mapped_column(
        default=list
    )  # [{"text": HTML, "choices": [[id, label]]}]
