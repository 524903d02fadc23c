"""Customers, their return cases, the conversation state and the photos they send."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base, BigId, utcnow


class Customer(Base):
    """Someone writing to the shop on a channel (`telegram` user id, or a console name)."""

    __tablename__ = "customers"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    first_name: Mapped[str] = mapped_column(String(200), default="")
    username: Mapped[str] = mapped_column(String(200), default="")
    blocked_at: Mapped[datetime | None] = mapped_column(
        default=None
    )  # blocked the bot: no more sends
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReturnCase(Base):
    """A return request about one order line, with the decision taken, its evidence and its lifecycle.

    `status` is the lifecycle machine's state (`flows.case_lifecycle`); only `bot.cases.files`
    writes it, from the machine's answer.
    """

    __tablename__ = "return_cases"
    __table_args__ = (
        # One open case per order line; closed cases stay as history.
        Index(
            "uq_return_cases_open_line",
            "order_line_id",
            unique=True,
            sqlite_where=text("closed_at IS NULL"),
            postgresql_where=text("closed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    reference: Mapped[str | None] = mapped_column(String(32), unique=True, default=None)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    order_line_id: Mapped[int | None] = mapped_column(ForeignKey("order_lines.id"), default=None)
    shipment_id: Mapped[int | None] = mapped_column(ForeignKey("shipments.id"), default=None)
    policy_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("supplier_policy_versions.id"), default=None
    )
    status: Mapped[str] = mapped_column(String(32), default="open")
    reason: Mapped[str | None] = mapped_column(String(32), default=None)
    seal_intact: Mapped[bool | None] = mapped_column(default=None)
    facts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    decision: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    rule: Mapped[str | None] = mapped_column(String(64), default=None)
    chosen_option: Mapped[str | None] = mapped_column(String(32), default=None)
    withdrawal_acknowledged_at: Mapped[datetime | None] = mapped_column(default=None)
    # The lifecycle after the offer (see flows.case_file.CaseFile).
    needs_authorisation: Mapped[bool] = mapped_column(default=False)
    new_variant: Mapped[str | None] = mapped_column(String(200), default=None)
    refund_amount: Mapped[Decimal | None] = mapped_column(default=None)
    chosen_on: Mapped[date | None] = mapped_column(default=None)
    rma: Mapped[str | None] = mapped_column(String(64), default=None)
    label_path: Mapped[str | None] = mapped_column(Text, default=None)
    authorised_on: Mapped[date | None] = mapped_column(default=None)
    return_tracking_number: Mapped[str | None] = mapped_column(
        String(64), default=None, index=True
    )  # matched by the shipments import
    return_shipped_on: Mapped[date | None] = mapped_column(default=None)
    received_on: Mapped[date | None] = mapped_column(default=None)
    refund_due: Mapped[date | None] = mapped_column(default=None)
    replacement_due: Mapped[date | None] = mapped_column(default=None)
    refunded_on: Mapped[date | None] = mapped_column(default=None)
    replacement_tracking_number: Mapped[str | None] = mapped_column(String(64), default=None)
    replacement_shipped_on: Mapped[date | None] = mapped_column(default=None)
    settled_on: Mapped[date | None] = mapped_column(default=None)
    followed_up_on: Mapped[date | None] = mapped_column(default=None)
    rating: Mapped[int | None] = mapped_column(default=None)
    rating_comment: Mapped[str | None] = mapped_column(Text, default=None)
    refusal: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)


class Conversation(Base):
    """Where a chat stands in the customer journey: the machine's state, persisted as a string."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("channel", "chat_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("return_cases.id"), default=None)
    state: Mapped[str] = mapped_column(String(64), default="start")
    misses: Mapped[int] = mapped_column(default=0)
    context: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Photo(Base):
    """An evidence photo, stored under the data folder by its SHA-256."""

    __tablename__ = "photos"
    __table_args__ = (UniqueConstraint("case_id", "sha256"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("return_cases.id", ondelete="CASCADE"))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    perceptual_hash: Mapped[str] = mapped_column(String(64), default="", index=True)
    path: Mapped[str] = mapped_column(Text)
    source_file_id: Mapped[str] = mapped_column(String(256), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OwnershipMiss(Base):
    """A postcode or e-mail given for a parcel that did not match it: counted per parcel and per
    customer over the last hours, so that guessing a parcel's postcode is locked out quickly,
    whatever the conversation (a new request does not start the count again)."""

    __tablename__ = "ownership_misses"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    tracking_number: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class WithdrawalRecord(Base):
    """One withdrawal declaration (L221-21), sent (`outcome` "sent") or declined ("went_back",
    "late", "exempt"), with what it declared and the text the customer was sent: kept as it was.

    The code only ever inserts it (the same declaration written again is ignored:
    `bot.cases.withdrawals`); the database refuses UPDATE and DELETE (migration 0007's triggers).
    """

    __tablename__ = "withdrawal_records"
    __table_args__ = (UniqueConstraint("case_id", "started_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("return_cases.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    outcome: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime]  # when the customer began the declaration: the time that counts
    sent_at: Mapped[datetime]  # when it was sent, or declined
    name: Mapped[str] = mapped_column(String(200))
    order_name: Mapped[str] = mapped_column(String(64))
    item: Mapped[str] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(String(320))  # the acknowledgement's address
    text: Mapped[str] = mapped_column(Text)  # what the customer was sent (Telegram HTML)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
