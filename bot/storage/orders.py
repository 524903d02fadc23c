"""Orders as Shopify exports them, their lines, and the shipments that carried them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, ForeignKey, String, Table, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.storage.base import Base, BigId, utcnow

shipment_lines = Table(
    "shipment_lines",
    Base.metadata,
    Column("shipment_id", ForeignKey("shipments.id", ondelete="CASCADE"), primary_key=True),
    Column("order_line_id", ForeignKey("order_lines.id", ondelete="CASCADE"), primary_key=True),
)


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)  # Shopify's "#1001"
    email: Mapped[str] = mapped_column(String(320), default="")
    financial_status: Mapped[str] = mapped_column(String(32), default="")
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    subtotal: Mapped[Decimal | None]
    shipping: Mapped[Decimal | None]
    taxes: Mapped[Decimal | None]
    total: Mapped[Decimal | None]
    created_at: Mapped[datetime | None]
    paid_at: Mapped[datetime | None]
    fulfilled_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    shipping_name: Mapped[str] = mapped_column(String(200), default="")
    shipping_address1: Mapped[str] = mapped_column(String(300), default="")
    shipping_address2: Mapped[str] = mapped_column(String(300), default="")
    shipping_phone: Mapped[str] = mapped_column(String(64), default="")
    shipping_zip: Mapped[str] = mapped_column(String(32), default="")
    shipping_city: Mapped[str] = mapped_column(String(200), default="")
    shipping_country: Mapped[str] = mapped_column(String(8), default="")
    shopify_id: Mapped[str] = mapped_column(String(64), default="")
    imported_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", order_by="OrderLine.position", lazy="raise"
    )


class OrderLine(Base):
    __tablename__ = "order_lines"
    __table_args__ = (UniqueConstraint("order_id", "position"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    position: Mapped[int]  # 1-based, in the export's row order
    sku: Mapped[str] = mapped_column(String(200), default="")
    name: Mapped[str] = mapped_column(String(500))
    quantity: Mapped[int]
    price: Mapped[Decimal]  # one unit's list price
    # What the order's discounts took off the whole line (`flows.discounts`): a refund gives back the rest.
    discount: Mapped[Decimal] = mapped_column(default=Decimal(0), server_default="0")
    # A line that never ships (a gift card, a service) does not hold the withdrawal period back.
    requires_shipping: Mapped[bool] = mapped_column(default=True, server_default=true())
    vendor: Mapped[str] = mapped_column(String(200), default="")
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("suppliers.id"), default=None)

    order: Mapped[Order] = relationship(back_populates="lines", lazy="raise")


class Shipment(Base):
    """A parcel: its normalised tracking number is the customer's proof of reception."""

    __tablename__ = "shipments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    tracking_number: Mapped[str] = mapped_column(String(64), unique=True)
    carrier: Mapped[str] = mapped_column(String(64), default="")
    shipped_at: Mapped[date | None]
    delivered_at: Mapped[date | None]

    lines: Mapped[list[OrderLine]] = relationship(secondary=shipment_lines, lazy="raise")
