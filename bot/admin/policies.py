"""Supplier policies for the shop owner: list, show, change one field (a new version), history, window."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.mail.addresses import mailbox
from bot.storage.audit import record_audit
from bot.storage.models import ReturnCase, Supplier, SupplierPolicyVersion
from bot.storage.policies import latest_policy
from flows.law import WITHDRAWAL_DAYS
from flows.shop_window import ShopWindow, shop_window

# Field -> (French description, parser). The names are those of suppliers.toml.
FIELD_LABELS = {
    "window_days": "délai de retour (jours après la livraison)",
    "accepts_customer_side_returns": "accepte les retours pour taille, couleur ou changement d'avis",
    "customer_side_return_paid_by": "qui paie ces retours (customer ou shop)",
    "provides_return_label": "fournit une étiquette de retour",
    "replacement_available": "peut expédier un remplacement",
    "returns_practical": "un retour chez lui est réaliste",
    "return_address": "adresse de retour",
    "authorisation_required": "demande son accord (et un numéro RMA) avant chaque retour",
    "contact_email": "adresse e-mail des demandes d'accord",
    "language": "langue des demandes d'accord (fr ou en)",
}
_TRUE = {"true", "oui", "yes", "vrai", "1"}
_FALSE = {"false", "non", "no", "faux", "0"}


class PolicyError(ValueError):
    """A change the shop owner asked for cannot be made; the message is French."""


@dataclass(frozen=True)
class PolicyChange:
    supplier: str
    field: str
    before: Any
    after: Any
    version: int
    window: ShopWindow
    margin_days: int


async def supplier_by_code(session: AsyncSession, code: str) -> Supplier:
    supplier = (
        await session.execute(select(Supplier).where(Supplier.code == code.strip().lower()))
    ).scalar_one_or_none()
    if supplier is None:
        codes = ", ".join(
            (await session.execute(select(Supplier.code).order_by(Supplier.code))).scalars()
        )
        raise PolicyError(f"fournisseur « {code} » inconnu (fournisseurs : {codes or 'aucun'})")
    return supplier


async def suppliers_with_policies(
    session: AsyncSession,
) -> list[tuple[Supplier, SupplierPolicyVersion]]:
    """Every supplier with its current policy, by code."""
    out = []
    for supplier in (await session.execute(select(Supplier).order_by(Supplier.code))).scalars():
        policy = await latest_policy(session, supplier.id)
        if policy is not None:
            out.append((supplier, policy))
    return out


async def policy_history(session: AsyncSession, code: str) -> list[SupplierPolicyVersion]:
    supplier = await supplier_by_code(session, code)
    result = await session.execute(
        select(SupplierPolicyVersion)
        .where(SupplierPolicyVersion.supplier_id == supplier.id)
        .order_by(SupplierPolicyVersion.version)
    )
    return list(result.scalars())


def parse_field(field: str, raw: str) -> Any:
    """The typed value of one policy field, or a French error naming the field and what it expects."""
    name = field.strip().lower()
    text = raw.strip()
    if name not in FIELD_LABELS:
        raise PolicyError(f"champ « {field} » inconnu (champs : {', '.join(FIELD_LABELS)})")
    if name == "window_days":
        if not text.isdigit() or not 0 <= int(text) <= 3650:
            raise PolicyError(
                f"window_days attend un nombre de jours entre 0 et 3650 (reçu « {raw} »)"
            )
        return int(text)
    if name == "customer_side_return_paid_by":
        value = {"client": "customer", "boutique": "shop"}.get(text.lower(), text.lower())
        if value not in ("customer", "shop"):
            raise PolicyError(
                f"customer_side_return_paid_by attend customer ou shop (reçu « {raw} »)"
            )
        return value
    if name == "contact_email":
        address = mailbox(text)
        if address is None:
            raise PolicyError(f"contact_email attend une adresse e-mail (reçu « {raw} »)")
        return address.addr_spec
    if name == "language":
        if text.lower() not in ("fr", "en"):
            raise PolicyError(f"language attend fr ou en (reçu « {raw} »)")
        return text.lower()
    if name == "return_address":
        if len(text) < 10:
            raise PolicyError("return_address attend une adresse complète, sur plusieurs lignes")
        return text
    if text.lower() in _TRUE:
        return True
    if text.lower() in _FALSE:
        return False
    raise PolicyError(f"{name} attend oui ou non (reçu « {raw} »)")


async def change_policy_field(
    session: AsyncSession, code: str, field: str, raw: str, actor: str, margin_days: int
) -> PolicyChange:
    """Writes a new policy version with one field changed, audited; open cases keep their version."""
    supplier = await supplier_by_code(session, code)
    value = parse_field(field, raw)
    name = field.strip().lower()
    current = await latest_policy(session, supplier.id)
    if current is None:
        raise PolicyError(
            f"le fournisseur {supplier.code} n'a pas encore de politique : importez suppliers.toml"
        )
    before = getattr(current, name)
    if before == value:
        raise PolicyError(f"{name} vaut déjà {value!r} : rien à changer")
    fields = {key: getattr(current, key) for key in FIELD_LABELS}
    fields[name] = value
    version = SupplierPolicyVersion(
        supplier_id=supplier.id,
        version=current.version + 1,
        changed_by=actor,
        change_note=name,
        **fields,
    )
    session.add(version)
    await record_audit(
        session,
        actor,
        "policy_change",
        "supplier",
        supplier.code,
        {name: before, "version": current.version},
        {name: value, "version": version.version},
    )
    await session.flush()
    window = await current_shop_window(session, margin_days)
    return PolicyChange(supplier.code, name, before, value, version.version, window, margin_days)


async def current_shop_window(session: AsyncSession, margin_days: int) -> ShopWindow:
    windows = {
        supplier.code: policy.window_days
        for supplier, policy in await suppliers_with_policies(session)
    }
    return shop_window(windows, margin_days)


def window_at_legal_floor(window: ShopWindow) -> bool:
    return window.days <= WITHDRAWAL_DAYS


async def case_policy_version(session: AsyncSession, case_id: int) -> int | None:
    """The policy version a case was decided with (it keeps it when the policy changes)."""
    case = await session.get_one(ReturnCase, case_id)
    if case.policy_version_id is None:
        return None
    version = await session.get_one(SupplierPolicyVersion, case.policy_version_id)
    return version.version
