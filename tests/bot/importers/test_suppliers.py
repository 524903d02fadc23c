"""Importing suppliers.toml: shop settings, versioned supplier policies, product categories."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.importers import run_import
from bot.shop_facts import shop_policy
from bot.storage.models import AuditEntry, Product, ShopSettings, Supplier, SupplierPolicyVersion
from tests.helpers import NAMED_SUPPLIER, example

Sessions = async_sessionmaker[AsyncSession]
TOML = example("suppliers.toml").decode()


async def _versions(session: AsyncSession, code: str) -> list[SupplierPolicyVersion]:
    result = await session.execute(
        select(SupplierPolicyVersion)
        .join(Supplier)
        .where(Supplier.code == code)
        .order_by(SupplierPolicyVersion.version)
    )
    return list(result.scalars())


async def test_the_example_file_is_imported(sessions: Sessions) -> None:
    report = await run_import(sessions, "suppliers", TOML.encode())
    assert report.ok and report.created == 6  # shop, 3 suppliers, 2 products
    async with sessions() as session:
        shop = await session.get(ShopSettings, 1)
        assert shop is not None
        assert (shop.name, shop.window_margin_days) == ("Maison Lumière", 5)
        assert shop.keep_item_max_value == Decimal("15.00")
        assert shop.escalate_above_value == Decimal("150.00")
        assert shop.fallback_return_address.startswith("Maison Lumière — Service retours")
        [sz] = await _versions(session, "shenzhen-gadgets")
        assert (sz.version, sz.window_days, sz.returns_practical) == (1, 20, False)
        assert sz.accepts_customer_side_returns is False
        vendors = set((await session.execute(select(Supplier.vendor))).scalars())
        assert vendors == {"Lumina Home", "ModaFlex", "SZ Gadgets"}
        categories = dict((await session.execute(select(Product.sku, Product.category))).all())
        assert categories == {"LUM-BRUSH-SET": "hygiene", "MF-TSHIRT-PERSO": "custom_made"}


async def test_reimport_is_idempotent_and_a_policy_change_makes_a_new_version(
    sessions: Sessions,
) -> None:
    await run_import(sessions, "suppliers", TOML.encode())
    again = await run_import(sessions, "suppliers", TOML.encode())
    assert (again.created, again.updated, again.unchanged) == (0, 0, 6)
    changed = TOML.replace("window_days = 25", "window_days = 21")
    report = await run_import(sessions, "suppliers", changed.encode(), actor="cli")
    assert report.updated == 1
    async with sessions() as session:
        versions = await _versions(session, "modaflex")
        assert [(v.version, v.window_days) for v in versions] == [(1, 25), (2, 21)]
        assert versions[1].changed_by == "cli"
        audit = (
            (
                await session.execute(
                    select(AuditEntry)
                    .where(AuditEntry.entity_id == "modaflex")
                    .order_by(AuditEntry.id)
                )
            )
            .scalars()
            .all()
        )
        assert audit[-1].before is not None and audit[-1].before["window_days"] == 25
        assert audit[-1].after is not None and audit[-1].after["window_days"] == 21


async def test_bad_entries_are_reported_with_their_line(sessions: Sessions) -> None:
    broken = (
        TOML.replace(
            'customer_side_return_paid_by = "customer"   # customer | shop',
            'customer_side_return_paid_by = "client"',
            1,
        )
        .replace("window_days = 20", 'window_days = "vingt"')
        .replace('category = "custom_made"', 'category = "sur_mesure"')
    )
    report = await run_import(sessions, "suppliers", broken.encode())
    lines = TOML.splitlines()
    supplier_lines = [n for n, line in enumerate(lines, start=1) if line.strip() == "[[suppliers]]"]
    product_lines = [n for n, line in enumerate(lines, start=1) if line.strip() == "[[products]]"]
    reasons = {error.line: error.reason for error in report.rejected}
    assert set(reasons) == {supplier_lines[0], supplier_lines[2], product_lines[1]}
    assert "customer_side_return_paid_by" in reasons[supplier_lines[0]]
    assert "window_days" in reasons[supplier_lines[2]]
    assert "sur_mesure" in reasons[product_lines[1]]
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Supplier)) == 1


async def test_not_a_toml_file(sessions: Sessions) -> None:
    report = await run_import(sessions, "suppliers", example("orders_export.csv"))
    assert report.file_error is not None and "TOML" in report.file_error
    assert "returnbot import orders" in report.file_error
    empty = await run_import(sessions, "suppliers", b"   \n")
    assert empty.file_error == "le fichier est vide."
    other = await run_import(sessions, "suppliers", b'title = "x"\n')
    assert other.file_error is not None and "[shop]" in other.file_error


async def test_a_toml_nested_too_deep_is_refused_with_a_reason(sessions: Sessions) -> None:
    deep = b"[shop]\nmargin = " + b"[" * 5000 + b"]" * 5000 + b"\n"
    report = await run_import(sessions, "suppliers", deep)
    assert report.file_error == "ce fichier TOML est imbriqué trop profondément pour être lu."


async def test_shop_section_errors_name_the_field(sessions: Sessions) -> None:
    broken = TOML.replace('keep_item_max_value = "15.00"', "keep_item_max_value = true")
    report = await run_import(sessions, "suppliers", broken.encode(), strict=True)
    assert not report.committed
    assert "keep_item_max_value" in report.rejected[0].reason


async def test_sealed_media_and_the_digital_waiver_are_imported(sessions: Sessions) -> None:
    products = """
[[products]]
sku = "MF-CAP-RIV"
category = "sealed_media"

[[products]]
sku = "EBOOK-LUMIERE"
category = "digital"
digital_waiver = true

[[products]]
sku = "LUM-LAMP-01"
category = "standard"
digital_waiver = true
"""
    report = await run_import(sessions, "suppliers", (TOML + products).encode())

    assert [error.reason for error in report.rejected] == [
        "produit n° 5 : digital_waiver ne vaut que pour un contenu numérique (category = « digital »)"
    ]
    async with sessions() as session:
        rows = (
            await session.execute(select(Product.sku, Product.category, Product.digital_waiver))
        ).all()
    assert set(rows) == {
        ("LUM-BRUSH-SET", "hygiene", False),
        ("MF-TSHIRT-PERSO", "custom_made", False),
        ("MF-CAP-RIV", "sealed_media", False),
        ("EBOOK-LUMIERE", "digital", True),
    }


async def test_a_return_address_naming_its_supplier_is_reported_with_what_customers_read(
    sessions: Sessions,
) -> None:
    report = await run_import(sessions, "suppliers", (TOML + NAMED_SUPPLIER).encode())

    assert report.ok and report.created == 7
    [warning] = [line for line in report.lines() if "nordlicht" in line.lower()]
    assert "L'adresse de retour de nordlicht contient le nom du fournisseur" in warning
    assert "« Nordlicht »" in warning
    assert "les clients liront à la place « Maison Lumière — Service retours »" in warning


async def test_a_supplier_name_left_in_a_street_line_is_reported_as_read_by_customers(
    sessions: Sessions,
) -> None:
    street = NAMED_SUPPLIER.replace("Hafenstraße 12", "Lager Lumina Home 4")

    report = await run_import(sessions, "suppliers", (TOML + street).encode())

    [warning] = [line for line in report.lines() if "nordlicht" in line.lower()]
    assert "« Lumina Home Ltd »" in warning and "« Lager Lumina Home 4 »" in warning
    assert "/politique nordlicht return_address" in warning


async def test_the_shop_s_own_return_address_naming_a_supplier_is_reported(
    sessions: Sessions,
) -> None:
    assert "Maison Lumière — Service retours\n8 rue du Commerce" in TOML
    named = TOML.replace(
        "Maison Lumière — Service retours\n8 rue du Commerce",
        "Maison Lumière — Service retours\nchez Lumina Home\n8 rue du Commerce",
    )

    report = await run_import(sessions, "suppliers", named.encode())

    [warning] = [line for line in report.lines() if "fallback_return_address" in line]
    assert "« Lumina Home Ltd »" in warning and "« chez Lumina Home »" in warning


async def test_the_example_shop_has_no_warning(sessions: Sessions) -> None:
    report = await run_import(sessions, "suppliers", TOML.encode())

    assert report.warnings == []


async def test_the_shop_s_mediator_and_terms_on_return_costs_are_imported(
    sessions: Sessions,
) -> None:
    await run_import(sessions, "suppliers", TOML.encode())
    async with sessions() as session:
        shop = await session.get_one(ShopSettings, 1)
        assert (shop.mediator_name, shop.mediator_website) == ("CM2C", "https://www.cm2c.net")
        assert shop.return_costs_terms is not None
        assert shop.return_costs_terms.startswith("Les frais de renvoi d'un article")


async def test_without_terms_on_return_costs_none_is_stored(sessions: Sessions) -> None:
    without = "\n".join(
        line for line in TOML.splitlines() if not line.startswith("return_costs_terms")
    )
    report = await run_import(sessions, "suppliers", without.encode(), strict=True)
    assert report.committed
    async with sessions() as session:
        assert (await session.get_one(ShopSettings, 1)).return_costs_terms is None


async def test_a_shop_without_its_mediator_imports_nothing_and_says_which_key(
    sessions: Sessions,
) -> None:
    for key in ("mediator_name", "mediator_website"):
        without = "\n".join(line for line in TOML.splitlines() if not line.startswith(key))

        report = await run_import(sessions, "suppliers", without.encode())

        assert not report.committed
        assert report.file_error is not None
        assert f"{key} manquant" in report.file_error
        assert "médiateur de la consommation" in report.file_error
        assert "L612-1" in report.file_error
    async with sessions() as session:
        assert await session.get(ShopSettings, 1) is None
        assert await session.scalar(select(func.count()).select_from(Supplier)) == 0


async def test_a_mediator_s_website_must_be_an_address(sessions: Sessions) -> None:
    broken = TOML.replace('mediator_website = "https://www.cm2c.net"', 'mediator_website = "CM2C"')

    report = await run_import(sessions, "suppliers", broken.encode())

    assert report.file_error is not None and "mediator_website" in report.file_error
    async with sessions() as session:
        assert await session.get(ShopSettings, 1) is None


async def test_the_shop_s_remedies_are_read_from_shop_and_default_to_an_agent(
    sessions: Sessions,
) -> None:
    await run_import(sessions, "suppliers", TOML.encode())
    async with sessions() as session:
        before = await shop_policy(session)
    allowing = TOML.replace(
        "[shop]\n", "[shop]\nallows_repair = true\nallows_price_reduction = true\n"
    )

    report = await run_import(sessions, "suppliers", allowing.encode())

    assert report.updated == 1
    async with sessions() as session:
        after = await shop_policy(session)
    assert (before.allows_repair, before.allows_price_reduction) == (False, False)
    assert (after.allows_repair, after.allows_price_reduction) == (True, True)
