"""The tone: no supplier, wholesaler or factory is ever mentioned to a customer, and nobody is blamed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.agents.commands import CUSTOMER_TEMPLATES
from messages import button_label, label_keys, render
from tests.conversation_helpers import sample_replies

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
        render(r.template, {"reference": "R-2026-000123", **r.values}) for r in sample_replies()
    ]
    labels = [button_label(key, {"name": "Lampe", "price": 1}) for key in label_keys()]
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


def test_the_customer_is_addressed_with_vous() -> None:
    for text in _rendered_samples():
        assert not re.search(r"\b(tu|ton|ta|tes|toi)\b", text, re.IGNORECASE), text
