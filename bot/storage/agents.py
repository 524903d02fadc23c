"""The agents' side: one forum topic per customer in the agents' group, and who holds the case."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base, BigId, utcnow


class AgentTopic(Base):
    """A customer's topic in the agents' forum group; opened on the first handover, then reused.

    The row is written in the handover's transaction (unique per customer, so a burst never opens
    two); `message_thread_id` is filled in once the sender has created the topic on Telegram.
    """

    __tablename__ = "agent_topics"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), unique=True)
    chat_id: Mapped[str] = mapped_column(String(64))  # the agents' group
    name: Mapped[str] = mapped_column(String(128))
    message_thread_id: Mapped[int | None] = mapped_column(BigInteger, default=None, index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("return_cases.id"), default=None)
    holder: Mapped[str | None] = mapped_column(String(200), default=None)  # the agent who took it
    held_at: Mapped[datetime | None] = mapped_column(default=None)
    pending_refusal: Mapped[str | None] = mapped_column(Text, default=None)  # awaiting /confirmer
    # An amount above what the customer paid, awaiting /confirmer: the command and the amount.
    pending_command: Mapped[str | None] = mapped_column(String(32), default=None)
    pending_amount: Mapped[Decimal | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
