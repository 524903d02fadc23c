"""Supplier policy versions: the current one is the highest version."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.shop import SupplierPolicyVersion


async def latest_policy(session: AsyncSession, supplier_id: int) -> SupplierPolicyVersion | None:
    """The supplier's current policy: its highest version."""
    result = await session.execute(
        select(SupplierPolicyVersion)
        .where(SupplierPolicyVersion.supplier_id == supplier_id)
        .order_by(SupplierPolicyVersion.version.desc())
        .limit(1)
    )
    return result.scalar_one_or_none()
