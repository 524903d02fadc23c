"""The shop's settings, its suppliers with versioned return policies, and its products."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.storage.base import Base, BigId, utcnow

PAYERS = ("customer", "shop")
SHOP_SETTINGS_ID = 1  # the shop's settings are one row


class Unread(enum.Enum):
    """The shop's settings were not read yet (as opposed to read and absent: None)."""

    UNREAD = "unread"


UNREAD = Unread.UNREAD


class ShopSettings(Base):
    """The shop's own rules: one row (id `SHOP_SETTINGS_ID`)."""

    __tablename__ = "shop_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Paris")
    window_margin_days: Mapped[int] = mapped_column(default=5)
    shop_pays_customer_side_return: Mapped[bool] = mapped_column(default=False)
    keep_item_max_value: Mapped[Decimal]
    escalate_above_value: Mapped[Decimal]
    follow_up_after_days: Mapped[int] = mapped_column(default=3)
    fallback_return_address: Mapped[str] = mapped_column(Text)
    # L221-20: when the customer was not told of the right of withdrawal, the period grows by 12 months.
    customer_informed_of_withdrawal: Mapped[bool] = mapped_column(default=True)
    opening_hours: Mapped[str] = mapped_column(Text, default="du lundi au vendredi, de 9 h à 18 h")
    # L221-23: the wording of the shop's terms that put a customer-side return's cost on the
    # customer; None: the shop pays it.
    return_costs_terms: Mapped[str | None] = mapped_column(Text, default=None)
    # L612-1, L616-1, R616-1: the consumer mediator, named in every refusal. Required at import;
    # None only in a database imported before it was asked for.
    mediator_name: Mapped[str | None] = mapped_column(String(200), default=None)
    mediator_website: Mapped[str | None] = mapped_column(String(300), default=None)
    # L217-9, L217-14: the remedies the bot offers under the conformity guarantee (else an agent).
    allows_repair: Mapped[bool] = mapped_column(default=False)
    allows_price_reduction: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Supplier(Base):
    """A supplier, matched to order lines by Shopify's `Vendor` value. Never named to customers."""

    __tablename__ = "suppliers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    vendor: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    policies: Mapped[list[SupplierPolicyVersion]] = relationship(
        back_populates="supplier", order_by="SupplierPolicyVersion.version", lazy="raise"
    )


class SupplierPolicyVersion(Base):
    """One version of a supplier's return policy; a change writes a new version, never an update."""

    __tablename__ = "supplier_policy_versions"
    __table_args__ = (
        UniqueConstraint("supplier_id", "version"),
        CheckConstraint("window_days >= 0", name="window_days_positive"),
        CheckConstraint(
            "customer_side_return_paid_by IN ('customer', 'shop')", name="paid_by_known"
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id", ondelete="CASCADE"))
    version: Mapped[int]
    window_days: Mapped[int]
    accepts_customer_side_returns: Mapped[bool]
    customer_side_return_paid_by: Mapped[str] = mapped_column(String(16))
    provides_return_label: Mapped[bool]
    replacement_available: Mapped[bool]
    returns_practical: Mapped[bool]
    return_address: Mapped[str] = mapped_column(Text)
    # A return needs the supplier's agreement first; the request goes to `contact_email`, in `language`.
    authorisation_required: Mapped[bool] = mapped_column(default=False)
    contact_email: Mapped[str] = mapped_column(String(320), default="")
    language: Mapped[str] = mapped_column(String(2), default="fr")
    changed_by: Mapped[str] = mapped_column(String(200))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    change_note: Mapped[str] = mapped_column(Text, default="")

    supplier: Mapped[Supplier] = relationship(back_populates="policies", lazy="raise")


class Product(Base):
    """A product by SKU, with its L221-28 category."""

    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint(
            "category IN ('standard', 'hygiene', 'perishable', 'custom_made', 'digital',"
            " 'second_hand', 'sealed_media')",
            name="category_known",
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    sku: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(500), default="")
    category: Mapped[str] = mapped_column(String(32), default="standard")
    # Digital content (L221-28, 13°): the checkout obtains the customer's express consent to
    # immediate supply and acknowledgement of losing the right of withdrawal.
    digital_waiver: Mapped[bool] = mapped_column(default=False)
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("suppliers.id"), default=None)
