"""Supplier policies for the shop owner: field validation, new versions, audit, shop window warnings."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.admin.policies import (
    PolicyError,
    case_policy_version,
    change_policy_field,
    parse_field,
    policy_history,
    suppliers_with_policies,
    window_at_legal_floor,
)
from bot.storage.models import AuditEntry, Customer, ReturnCase, SupplierPolicyVersion
from tests.helpers import load_example_shop

Sessions = async_sessionmaker[AsyncSession]


@pytest.mark.parametrize(
    ("field", "raw", "expected"),
    [
        ("window_days", "21", 21),
        ("returns_practical", "non", False),
        ("provides_return_label", "Oui", True),
        ("customer_side_return_paid_by", "boutique", "shop"),
    ],
)
def test_values_are_parsed(field: str, raw: str, expected: object) -> None:
    assert parse_field(field, raw) == expected


@pytest.mark.parametrize(
    ("field", "raw", "message"),
    [
        ("window_days", "vingt", "window_days attend un nombre de jours"),
        ("window_days", "-3", "window_days attend un nombre de jours"),
        ("returns_practical", "peut-être", "returns_practical attend oui ou non"),
        ("customer_side_return_paid_by", "fournisseur", "attend customer ou shop"),
        ("couleur", "rouge", "champ « couleur » inconnu"),
    ],
)
def test_bad_values_get_a_french_error(field: str, raw: str, message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        parse_field(field, raw)


async def test_a_change_makes_a_new_version_and_open_cases_keep_theirs(sessions: Sessions) -> None:
    await load_example_shop(sessions)
    async with sessions() as session:
        [(_, first)] = [
            (s, p) for s, p in await suppliers_with_policies(session) if s.code == "modaflex"
        ]
        customer = Customer(channel="console", external_id="yanis", first_name="Yanis")
        session.add(customer)
        await session.flush()
        case = ReturnCase(customer_id=customer.id, reason="size_color", policy_version_id=first.id)
        session.add(case)
        await session.commit()
    async with sessions() as session:
        change = await change_policy_field(
            session, "ModaFlex", "window_days", "21", "admin:42", margin_days=5
        )
        await session.commit()
    assert (change.before, change.after, change.version) == (25, 21, 2)
    assert change.window.days == 15
    async with sessions() as session:
        history = await policy_history(session, "modaflex")
        assert [(v.version, v.window_days, v.changed_by) for v in history] == [
            (1, 25, "import"),
            (2, 21, "admin:42"),
        ]
        assert await case_policy_version(session, case.id) == 1
        audit = (
            await session.execute(select(AuditEntry).where(AuditEntry.action == "policy_change"))
        ).scalar_one()
        assert audit.actor == "admin:42"
        assert audit.before == {"window_days": 25, "version": 1}
        assert audit.after == {"window_days": 21, "version": 2}


async def test_the_window_warns_at_the_legal_floor(sessions: Sessions) -> None:
    await load_example_shop(sessions)
    async with sessions() as session:
        change = await change_policy_field(
            session, "lumina", "window_days", "16", "admin:1", margin_days=5
        )
    assert change.window.days == 14
    assert window_at_legal_floor(change.window)
    assert {w.supplier for w in change.window.warnings} == {"lumina"}


async def test_unknown_supplier_and_no_op_change(sessions: Sessions) -> None:
    await load_example_shop(sessions)
    async with sessions() as session:
        with pytest.raises(PolicyError, match="fournisseur « acme » inconnu"):
            await change_policy_field(session, "acme", "window_days", "3", "admin:1", margin_days=5)
        with pytest.raises(PolicyError, match="vaut déjà"):
            await change_policy_field(
                session, "lumina", "window_days", "30", "admin:1", margin_days=5
            )
        versions = (await session.execute(select(SupplierPolicyVersion))).scalars().all()
        assert len(versions) == 3
