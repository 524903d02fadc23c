"""The suppliers' names as the database knows them, and the shop owner's warning when a text a
customer reads (a return address) contains one: the import and `/politique` both say it.

French, for the shop owner (plain text: the callers escape it for Telegram).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import SHOP_SETTINGS_ID, ShopSettings, Supplier
from flows.addresses import delivery_lines, names_in
from messages import addressee


async def supplier_names(session: AsyncSession) -> tuple[str, ...]:
    """Every supplier's name, Shopify vendor and code: what must never reach a customer."""
    rows = (await session.execute(select(Supplier.name, Supplier.vendor, Supplier.code))).all()
    return tuple(dict.fromkeys(name for row in rows for name in row if name))


async def address_warnings(session: AsyncSession, code: str, address: str) -> list[str]:
    """What the shop owner is told when supplier `code`'s return address names a supplier."""
    names = await supplier_names(session)
    found = names_in(address, names)
    if not found:
        return []
    shop = await session.get(ShopSettings, SHOP_SETTINGS_ID)
    shown = addressee(shop.name if shop is not None else "")
    quoted = ", ".join(f"« {name} »" for name in found)
    # As `messages` renders it: the addressee line dropped, and the lines naming this supplier's code.
    kept = [line for line in delivery_lines(address, (code,)) if names_in(line, names)]
    if kept:
        lines = " / ".join(kept)
        return [
            f"⚠️ L'adresse de retour de {code} contient le nom du fournisseur ({quoted}) dans une "
            f"ligne que les clients liront telle quelle (« {lines} ») : corrigez-la avec "
            f"/politique {code} return_address, les clients ne doivent jamais lire le nom d'un "
            "fournisseur."
        ]
    return [
        f"⚠️ L'adresse de retour de {code} contient le nom du fournisseur ({quoted}) : "
        f"les clients liront à la place « {shown} », suivi de la rue, du code postal, de la ville "
        "et du pays de cette adresse."
    ]


async def fallback_warnings(session: AsyncSession) -> list[str]:
    """What the shop owner is told when the shop's own return address (`fallback_return_address`,
    used where a supplier has none) names a supplier in a line customers read as it is."""
    shop = await session.get(ShopSettings, SHOP_SETTINGS_ID)
    if shop is None or not shop.fallback_return_address:
        return []
    names = await supplier_names(session)
    kept = [line for line in delivery_lines(shop.fallback_return_address) if names_in(line, names)]
    if not kept:
        return []
    found = names_in(" ".join(kept), names)
    quoted = ", ".join(f"« {name} »" for name in found)
    return [
        f"⚠️ L'adresse de retour de la boutique (fallback_return_address) contient le nom d'un "
        f"fournisseur ({quoted}) dans une ligne que les clients liront telle quelle "
        f"(« {' / '.join(kept)} ») : corrigez-la dans la section [shop], les clients ne doivent "
        "jamais lire le nom d'un fournisseur."
    ]
