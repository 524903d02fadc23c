"""The scheduler's jobs: what is to happen to a case, and when; each one fires once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base, BigId, utcnow


class ScheduledJob(Base):
    """A case's event due at `due_at` (a reminder, an alert, the follow-up).

    Claimed in the transaction that runs it (`done_at` set where it was still empty), like the
    inbox: a crash runs it again or not at all, never twice. Unique per case, kind and moment, so
    that the same due date announced twice schedules it once.
    """

    __tablename__ = "scheduled_jobs"
    __table_args__ = (
        UniqueConstraint("case_id", "kind", "due_at"),
        Index(
            "ix_scheduled_jobs_due",
            "due_at",
            sqlite_where=text("done_at IS NULL"),
            postgresql_where=text("done_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("return_cases.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))  # the case's trigger: remind, alert, follow_up
    due_at: Mapped[datetime]
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(default=None)
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text, default=None)
