"""The shop owner's commands, as answered in the private chat (French, HTML-safe)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.admin.chat import answer_admin, is_admin_command
from tests.helpers import load_example_shop

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


async def ask(sessions: async_sessionmaker[AsyncSession], text: str) -> str:
    async with sessions() as session, session.begin():
        return (await answer_admin(session, text, actor="admin:9000", now=NOW)).text


def test_only_the_admin_commands_are_taken_from_the_customer_conversation() -> None:
    assert is_admin_command("/politique lumina window_days 20")
    assert is_admin_command("/stats@boutique_retours_bot 7")
    assert not is_admin_command("/start") and not is_admin_command("bonjour")


async def test_a_change_down_to_the_legal_floor_is_made_with_a_warning_and_shows_in_the_history(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await load_example_shop(sessions)

    shown = await ask(sessions, "/fournisseur lumina")
    changed = await ask(sessions, "/politique shenzhen-gadgets window_days 14")
    window = await ask(sessions, "/fenetre")
    history = await ask(sessions, "/historique shenzhen-gadgets")

    assert "<code>window_days</code>" in shown and "version 1" in shown
    assert "(version 2)" in changed and "minimum légal" in changed
    assert "<b>14 jours</b>" in window and "minimum légal" in window
    assert "version 1" in history and "version 2" in history and "admin:9000" in history


async def test_bad_values_and_unknown_suppliers_are_explained_in_french(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await load_example_shop(sessions)

    assert "inconnu" in await ask(sessions, "/fournisseur personne")
    assert "attend oui ou non" in await ask(
        sessions, "/politique lumina returns_practical peut-être"
    )
    assert "usage" in await ask(sessions, "/politique lumina")


async def test_a_return_address_naming_a_supplier_is_changed_and_the_reply_says_so(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await load_example_shop(sessions)

    changed = await ask(
        sessions,
        "/politique modaflex return_address ModaFlex Retornos\nCalle de la Industria 4\n"
        "08040 Barcelona\nEspagne",
    )
    plain = await ask(
        sessions,
        "/politique lumina return_address Retours\n14 rue des Entrepôts\n69007 Lyon\nFrance",
    )

    assert "(version 2)" in changed
    assert "L'adresse de retour de modaflex contient le nom du fournisseur" in changed
    assert "« Maison Lumière — Service retours »" in changed
    assert "(version 2)" in plain and "fournisseur" not in plain
