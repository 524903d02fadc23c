"""`returnbot import suppliers`: shop settings, suppliers' return policies and product categories (TOML)."""

from __future__ import annotations

import re
import tomllib
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.importers.report import FileRejected, ImportReport
from bot.importers.source import decode
from bot.mail.addresses import mailbox
from bot.storage.audit import record_audit
from bot.storage.models import (
    SHOP_SETTINGS_ID,
    Product,
    ShopSettings,
    Supplier,
    SupplierPolicyVersion,
)
from bot.storage.policies import latest_policy
from bot.supplier_names import address_warnings, fallback_warnings
from flows.facts import CATEGORIES

POLICY_FIELDS = (
    "window_days",
    "accepts_customer_side_returns",
    "customer_side_return_paid_by",
    "provides_return_label",
    "replacement_available",
    "returns_practical",
    "return_address",
    "authorisation_required",
    "contact_email",
    "language",
)
LANGUAGES = ("fr", "en")
_SHOP_DEFAULTS: dict[str, Any] = {
    "currency": "EUR",
    "timezone": "Europe/Paris",
    "window_margin_days": 5,
    "shop_pays_customer_side_return": False,
    "follow_up_after_days": 3,
    "customer_informed_of_withdrawal": True,
    "allows_repair": False,
    "allows_price_reduction": False,
}


class _Invalid(ValueError):
    pass


async def import_suppliers(
    session: AsyncSession, data: bytes, *, actor: str = "import"
) -> ImportReport:
    """Writes the shop settings, each supplier (a new policy version when it changed) and products."""
    report = ImportReport("suppliers")
    text = decode(data)
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise FileRejected(f"ce fichier n'est pas un TOML valide ({error}).") from None
    except RecursionError:
        raise FileRejected("ce fichier TOML est imbriqué trop profondément pour être lu.") from None
    if "shop" not in document and "suppliers" not in document:
        raise FileRejected("ce fichier TOML n'a ni section [shop] ni [[suppliers]].")
    lines = _table_lines(text)
    if "shop" in document:
        _require_mediator(document["shop"])
        await _import_shop(session, document["shop"], lines.get("shop", [1])[0], report, actor)
    seen: dict[str, str] = {}  # code -> return address
    for index, entry in enumerate(_array(document, "suppliers", report, lines)):
        line = _nth(lines, "suppliers", index)
        try:
            supplier = _supplier_values(entry)
            if supplier["code"] in seen:
                raise _Invalid(f"code « {supplier['code']} » en double dans le fichier")
            seen[supplier["code"]] = supplier["return_address"]
        except _Invalid as error:
            report.reject(line, f"fournisseur n° {index + 1} : {error}")
            continue
        await _upsert_supplier(session, supplier, line, report, actor)
    for index, entry in enumerate(_array(document, "products", report, lines)):
        line = _nth(lines, "products", index)
        try:
            product = _product_values(entry)
        except _Invalid as error:
            report.reject(line, f"produit n° {index + 1} : {error}")
            continue
        await _upsert_product(session, product, report)
    for code, address in seen.items():  # once every supplier of the file is known by its name
        report.warnings += await address_warnings(session, code, address)
    report.warnings += await fallback_warnings(session)
    return report


def _table_lines(text: str) -> dict[str, list[int]]:
    """Line numbers of each `[shop]` / `[[suppliers]]` / `[[products]]` header, in order."""
    found: dict[str, list[int]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        match = re.match(r"^\s*\[\[?\s*([A-Za-z_]+)\s*\]\]?", line)
        if match:
            found.setdefault(match[1], []).append(number)
    return found


def _nth(lines: dict[str, list[int]], table: str, index: int) -> int:
    numbers = lines.get(table, [])
    return numbers[index] if index < len(numbers) else 1


def _array(
    document: dict[str, Any], key: str, report: ImportReport, lines: dict[str, list[int]]
) -> list[dict[str, Any]]:
    value = document.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        report.reject(_nth(lines, key, 0), f"« {key} » doit être une liste de tables [[{key}]]")
        return []
    return value


async def _import_shop(
    session: AsyncSession, raw: Any, line: int, report: ImportReport, actor: str
) -> None:
    try:
        values = _shop_values(raw)
    except _Invalid as error:
        report.reject(line, f"section [shop] : {error}")
        return
    shop = await session.get(ShopSettings, SHOP_SETTINGS_ID)
    if shop is None:
        session.add(ShopSettings(id=SHOP_SETTINGS_ID, **values))
        await record_audit(session, actor, "import", "shop_settings", "1", None, _plain(values))
        report.created += 1
        return
    before = {key: getattr(shop, key) for key in values}
    if before == values:
        report.unchanged += 1
        return
    for key, value in values.items():
        setattr(shop, key, value)
    await record_audit(
        session, actor, "import", "shop_settings", "1", _plain(before), _plain(values)
    )
    report.updated += 1


MEDIATOR_KEYS = ("mediator_name", "mediator_website")


def _require_mediator(raw: Any) -> None:
    """The consumer mediator is the law's (L612-1, L616-1): a [shop] without it imports nothing."""
    if not isinstance(raw, dict):
        return
    for key in MEDIATOR_KEYS:
        value = raw.get(key)
        if not isinstance(value, str) or not value.strip():
            raise FileRejected(
                f"section [shop] : {key} manquant ou vide. Le médiateur de la consommation de la "
                "boutique est obligatoire (articles L612-1 et L616-1 du Code de la consommation) : "
                'indiquez son nom et son site, par exemple mediator_name = "CM2C" et '
                'mediator_website = "https://www.cm2c.net".'
            )
    website = raw["mediator_website"].strip()
    if not re.match(r"^https?://[^\s/]+\.[^\s]+$", website):
        raise FileRejected(
            "section [shop] : mediator_website doit être l'adresse du site du médiateur, par "
            f"exemple https://www.cm2c.net (reçu « {website} »)."
        )


def _shop_values(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise _Invalid("doit être une table")
    merged = {**_SHOP_DEFAULTS, **raw}
    values = {
        "name": _text(merged, "name"),
        "currency": _text(merged, "currency").upper(),
        "timezone": _text(merged, "timezone"),
        "window_margin_days": _int(merged, "window_margin_days"),
        "shop_pays_customer_side_return": _bool(merged, "shop_pays_customer_side_return"),
        "keep_item_max_value": _money(merged, "keep_item_max_value"),
        "escalate_above_value": _money(merged, "escalate_above_value"),
        "follow_up_after_days": _int(merged, "follow_up_after_days"),
        "fallback_return_address": _text(merged, "fallback_return_address"),
        "customer_informed_of_withdrawal": _bool(merged, "customer_informed_of_withdrawal"),
        "allows_repair": _bool(merged, "allows_repair"),
        "allows_price_reduction": _bool(merged, "allows_price_reduction"),
    }
    if "opening_hours" in merged:
        values["opening_hours"] = _text(merged, "opening_hours")
    values["mediator_name"] = _text(merged, "mediator_name")
    values["mediator_website"] = _text(merged, "mediator_website")
    # L221-23: without terms saying so, the shop pays a customer-side return.
    terms = merged.get("return_costs_terms", "")
    if not isinstance(terms, str):
        raise _Invalid(f"return_costs_terms doit être un texte (reçu {terms!r})")
    values["return_costs_terms"] = terms.strip() or None
    return values


def _supplier_values(raw: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {
        "code": _text(raw, "code"),
        "vendor": _text(raw, "vendor"),
        "name": _text(raw, "name"),
        "window_days": _int(raw, "window_days"),
        "accepts_customer_side_returns": _bool(raw, "accepts_customer_side_returns"),
        "customer_side_return_paid_by": _text(raw, "customer_side_return_paid_by"),
        "provides_return_label": _bool(raw, "provides_return_label"),
        "replacement_available": _bool(raw, "replacement_available"),
        "returns_practical": _bool(raw, "returns_practical"),
        "return_address": _text(raw, "return_address"),
    }
    if values["customer_side_return_paid_by"] not in ("customer", "shop"):
        raise _Invalid("customer_side_return_paid_by doit valoir « customer » ou « shop »")
    # Optional: the supplier's agreement before a return, and where and how to ask for it.
    values["authorisation_required"] = (
        _bool(raw, "authorisation_required") if "authorisation_required" in raw else False
    )
    values["contact_email"] = _email(raw, "contact_email") if "contact_email" in raw else ""
    values["language"] = _text(raw, "language").lower() if "language" in raw else "fr"
    if values["language"] not in LANGUAGES:
        raise _Invalid("language doit valoir « fr » ou « en » (la langue des demandes d'accord)")
    return values


def _product_values(raw: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {"sku": _text(raw, "sku"), "category": _text(raw, "category")}
    if values["category"] not in CATEGORIES:
        raise _Invalid(
            f"category « {values['category']} » inconnue (attendu : {', '.join(CATEGORIES)})"
        )
    if "name" in raw:
        values["name"] = _text(raw, "name")
    # L221-28, 13°: the checkout obtains express consent and the acknowledgement of losing the right.
    values["digital_waiver"] = _bool(raw, "digital_waiver") if "digital_waiver" in raw else False
    if values["digital_waiver"] and values["category"] != "digital":
        raise _Invalid(
            "digital_waiver ne vaut que pour un contenu numérique (category = « digital »)"
        )
    return values


async def _upsert_supplier(
    session: AsyncSession, values: dict[str, Any], line: int, report: ImportReport, actor: str
) -> None:
    supplier = (
        await session.execute(select(Supplier).where(Supplier.code == values["code"]))
    ).scalar_one_or_none()
    other = (
        await session.execute(select(Supplier).where(Supplier.vendor == values["vendor"]))
    ).scalar_one_or_none()
    if other is not None and (supplier is None or other.id != supplier.id):
        report.reject(
            line, f"vendor « {values['vendor']} » déjà utilisé par le fournisseur {other.code}"
        )
        return
    policy = {key: values[key] for key in POLICY_FIELDS}
    if supplier is None:
        supplier = Supplier(code=values["code"], vendor=values["vendor"], name=values["name"])
        session.add(supplier)
        await session.flush()
        session.add(
            SupplierPolicyVersion(supplier_id=supplier.id, version=1, changed_by=actor, **policy)
        )
        await record_audit(session, actor, "import", "supplier", supplier.code, None, policy)
        report.created += 1
        return
    current = await latest_policy(session, supplier.id)
    before = {key: getattr(current, key) for key in POLICY_FIELDS} if current else None
    renamed = (supplier.vendor, supplier.name) != (values["vendor"], values["name"])
    if before == policy and not renamed:
        report.unchanged += 1
        return
    supplier.vendor, supplier.name = values["vendor"], values["name"]
    if before != policy:
        version = (current.version if current else 0) + 1
        session.add(
            SupplierPolicyVersion(
                supplier_id=supplier.id, version=version, changed_by=actor, **policy
            )
        )
        await record_audit(session, actor, "import", "supplier", supplier.code, before, policy)
    report.updated += 1


async def _upsert_product(
    session: AsyncSession, values: dict[str, Any], report: ImportReport
) -> None:
    product = (
        await session.execute(select(Product).where(Product.sku == values["sku"]))
    ).scalar_one_or_none()
    if product is None:
        session.add(Product(**values))
        report.created += 1
        return
    if all(getattr(product, key) == value for key, value in values.items()):
        report.unchanged += 1
        return
    for key, value in values.items():
        setattr(product, key, value)
    report.updated += 1


def _text(raw: dict[str, Any], key: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise _Invalid(f"{key} manquant ou vide (texte attendu)")
    return value.strip()


def _email(raw: dict[str, Any], key: str) -> str:
    value = raw.get(key)
    if isinstance(value, str) and not value.strip():
        return ""
    address = mailbox(value) if isinstance(value, str) else None
    if address is None:
        raise _Invalid(
            f"{key} doit être une adresse e-mail, par exemple retours@exemple.com (reçu {value!r})"
        )
    return address.addr_spec


def _int(raw: dict[str, Any], key: str) -> int:
    value = raw.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _Invalid(f"{key} doit être un nombre entier positif (reçu {value!r})")
    return value


def _bool(raw: dict[str, Any], key: str) -> bool:
    value = raw.get(key)
    if not isinstance(value, bool):
        raise _Invalid(f"{key} doit valoir true ou false (reçu {value!r})")
    return value


def _money(raw: dict[str, Any], key: str) -> Decimal:
    value = raw.get(key)
    try:
        amount = (
            Decimal(str(value))
            if isinstance(value, str | int) and not isinstance(value, bool)
            else None
        )
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or amount < 0:
        raise _Invalid(
            f'{key} doit être un montant entre guillemets, par exemple "15.00" (reçu {value!r})'
        )
    return amount.quantize(Decimal("0.01"))


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    return {
        key: str(value) if isinstance(value, Decimal) else value for key, value in values.items()
    }
