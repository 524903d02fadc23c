"""The tone: no supplier, wholesaler or factory is ever mentioned to a customer, and nobody is blamed."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.agents.commands import CUSTOMER_TEMPLATES
from bot.importers import run_import
from bot.storage.models import SHOP_SETTINGS_ID, ShopSettings, Supplier
from bot.storage.policies import latest_policy
from bot.supplier_names import supplier_names
from flows.addresses import names_in
from flows.facts import Decision
from messages import button_label, day, label_keys, moment, render
from tests.conversation_helpers import SHOP_NAME, sample_replies
from tests.helpers import NAMED_SUPPLIER, example

FORBIDDEN = re.compile(
    r"fournisseu|grossiste|aliexpress|alibaba|usine|fabricant|partenaire|supplier|wholesaler|"
    r"factory|dropship|lumina home|modaflex|sz gadgets|shenzhen gadgets",
    re.IGNORECASE,
)
BLAME = re.compile(
    r"votre faute|de votre part|vous auriez d[uû]|vous avez mal|la faute (du|de la|des)|"
    r"à cause d[ue] (transporteur|livreur|la poste|colissimo)|le transporteur a|"
    r"le livreur a|erreur du (transporteur|livreur)|vous n'avez pas (lu|fait attention)",
    re.IGNORECASE,
)
REFERENCE = "R-2026-000123"
TRANSCRIPTS = Path(__file__).resolve().parents[1] / "bot" / "conversation" / "transcripts"


def _rendered_samples() -> list[str]:
    texts = [
        render(r.template, {"reference": "R-2026-000123", "shop_name": SHOP_NAME, **r.values})
        for r in sample_replies()
    ]
    labels = [button_label(key, {"name": "Lampe", "price": 1, "n": 2}) for key in label_keys()]
    return texts + labels


def _agents_samples() -> list[str]:
    """Every message an agent's command sends a customer itself (decisions, refusals and the
    lifecycle's messages are the machines' replies: they are in `sample_replies`)."""
    return [
        render("agent_message", {"reference": REFERENCE, "text": "Bonjour, nous regardons cela."}),
        render("agent_taken", {"reference": REFERENCE, "opening_hours": "du lundi au vendredi"}),
    ]


def test_the_agents_commands_samples_cover_every_template_they_send() -> None:
    assert {"agent_message", "agent_taken"} == set(CUSTOMER_TEMPLATES)


@pytest.mark.parametrize("text", _agents_samples())
def test_no_supplier_and_no_blame_in_what_agents_commands_send(text: str) -> None:
    assert not FORBIDDEN.search(text)
    assert not BLAME.search(text)
    assert not re.search(r"\b(tu|ton|ta|tes|toi)\b", text, re.IGNORECASE), text
    assert "None" not in text


def _transcripts() -> list[str]:
    return [path.read_text(encoding="utf-8") for path in sorted(TRANSCRIPTS.glob("*.txt"))]


def _bot_lines(transcript: str) -> str:
    """What the shop said in a transcript (the customer's own words are theirs)."""
    return "\n".join(line for line in transcript.splitlines() if not line.startswith("Client"))


@pytest.mark.parametrize("text", _rendered_samples())
def test_no_supplier_and_no_blame_in_any_message(text: str) -> None:
    assert not FORBIDDEN.search(text)
    assert not BLAME.search(text)


def test_no_supplier_and_no_blame_in_any_golden_conversation() -> None:
    transcripts = _transcripts()

    assert len(transcripts) >= 16
    for transcript in transcripts:
        said = _bot_lines(transcript)
        assert not FORBIDDEN.search(said), FORBIDDEN.search(said)
        assert not BLAME.search(said)


async def test_no_message_names_any_supplier_of_the_database(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    toml = example("suppliers.toml") + NAMED_SUPPLIER.encode()
    assert (await run_import(sessions, "suppliers", toml, strict=True)).ok
    async with sessions() as session:
        names = await supplier_names(session)
        shop = await session.get_one(ShopSettings, SHOP_SETTINGS_ID)
        nordlicht = await session.scalar(select(Supplier).where(Supplier.code == "nordlicht"))
        assert nordlicht is not None
        policy = await latest_policy(session, nordlicht.id)
        assert policy is not None
    assert {"Nordlicht Retouren GmbH", "Lumina Home Ltd", "modaflex"} <= set(names)

    shown = []
    for reply in sample_replies():
        values = {"reference": REFERENCE, "shop_name": shop.name, **reply.values}
        shown.append(render(reply.template, values))
        decision = values.get("decision")
        if isinstance(decision, Decision) and decision.return_address:
            at_nordlicht = replace(
                decision, return_address=policy.return_address, supplier_code="nordlicht"
            )
            shown.append(render(reply.template, {**values, "decision": at_nordlicht}))

    assert any("Hafenstraße 12" in text for text in shown)
    for text in shown:
        assert names_in(html.unescape(text), names) == (), text


def test_the_customer_is_addressed_with_vous() -> None:
    for text in _rendered_samples():
        assert not re.search(r"\b(tu|ton|ta|tes|toi)\b", text, re.IGNORECASE), text


# -- French as a French reader expects it ----------------------------------------------------------

GLUED = re.compile(r"[a-zà-ÿ0-9»)][.!?][A-ZÀ-Ý]")  # « à votre charge.Vous »
DATE = re.compile(
    r"\b(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche) \d{1,2}(?:er)? [a-zéû]+ \d{4}"
)


def _shop_messages(transcript: str) -> list[str]:
    """Each of the shop's messages in a transcript, as one text."""
    messages: list[str] = []
    for line in transcript.splitlines():
        if line.startswith("Boutique : "):
            messages.append(line.removeprefix("Boutique : "))
        elif line.startswith("           ") and messages:
            messages[-1] += "\n" + line.strip()
        elif line.startswith("Client"):
            messages.append("")
    return [message for message in messages if message]


def test_no_two_sentences_are_glued_together() -> None:
    texts = [*_rendered_samples(), *map(_bot_lines, _transcripts())]

    glued = [match.group() for text in texts for match in GLUED.finditer(text)]

    assert glued == []


def test_the_first_of_the_month_is_said_1er() -> None:
    assert day(date(2027, 1, 1)) == "vendredi 1er janvier 2027"
    assert day(date(2027, 1, 2)) == "samedi 2 janvier 2027"
    assert moment(datetime(2027, 1, 1, 9, 30, tzinfo=UTC)) == "vendredi 1er janvier 2027 à 10:30"


def test_a_name_after_de_is_elided_before_a_vowel() -> None:
    decision = sample_offer_decision()
    values = {"decision": decision, "amount": Decimal("29.90"), "reference": REFERENCE}
    values |= {"name": "Camille Martin", "order": "#1000", "email": None, "by_email": False}

    earbuds = render("confirm_withdrawal", {**values, "item": _Named("Écouteurs sans fil")})
    lamp = render("confirm_withdrawal", {**values, "item": _Named("Lampe Opaline")})

    assert "achat d'« Écouteurs sans fil »" in html.unescape(earbuds)
    assert "achat de « Lampe Opaline »" in html.unescape(lamp)
    for text in _rendered_samples():
        assert not re.search(r"\bde « [AEIOUYÉÈÊÀÂÎÔaeiouyéèêàâîô]", html.unescape(text)), text


def test_which_do_you_prefer_is_asked_only_between_two_options_or_more() -> None:
    offers = [r for r in sample_replies() if r.template == "offer"]

    for offer in offers:
        text = render(
            offer.template, {"reference": REFERENCE, "shop_name": SHOP_NAME, **offer.values}
        )
        several = len(offer.values["decision"].options) > 1
        assert ("Que préférez-vous ?" in text) is several, text
    assert {len(o.values["decision"].options) for o in offers} >= {1, 2}


def test_no_phrasing_translated_from_english() -> None:
    for text in [*_rendered_samples(), *map(_bot_lines, _transcripts())]:
        assert "Nous vous entendons" not in text


def test_no_date_is_said_twice_in_one_message() -> None:
    for transcript in _transcripts():
        for message in _shop_messages(transcript):
            dates = DATE.findall(message)
            assert len(dates) == len(set(dates)), message


@dataclass(frozen=True)
class _Named:
    name: str


def sample_offer_decision() -> Decision:
    return next(
        r.values["decision"] for r in sample_replies() if r.template == "confirm_withdrawal"
    )
