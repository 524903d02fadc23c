"""Every model, imported in one place for Alembic and for callers."""

from bot.storage.agents import AgentTopic
from bot.storage.base import Base
from bot.storage.cases import (
    Conversation,
    Customer,
    OwnershipMiss,
    Photo,
    ReturnCase,
    WithdrawalRecord,
)
from bot.storage.jobs import ScheduledJob
from bot.storage.messaging import AuditEntry, InboxUpdate, OutboxMessage, TranscriptEntry
from bot.storage.orders import Order, OrderLine, Shipment, shipment_lines
from bot.storage.shop import (
    SHOP_SETTINGS_ID,
    UNREAD,
    Product,
    ShopSettings,
    Supplier,
    SupplierPolicyVersion,
    Unread,
)

__all__ = [
    "SHOP_SETTINGS_ID",
    "UNREAD",
    "AgentTopic",
    "AuditEntry",
    "Base",
    "Conversation",
    "Customer",
    "InboxUpdate",
    "Order",
    "OrderLine",
    "OutboxMessage",
    "OwnershipMiss",
    "Photo",
    "Product",
    "ReturnCase",
    "ScheduledJob",
    "Shipment",
    "ShopSettings",
    "Supplier",
    "SupplierPolicyVersion",
    "TranscriptEntry",
    "Unread",
    "WithdrawalRecord",
    "shipment_lines",
]
