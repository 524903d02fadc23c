"""The decision stored on a case, as a value again: its refund to the cent, and the law's second pass."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from bot.agents.offer import decision_from_json
from bot.conversation.cases import decision_json
from flows.decision import decide
from tests.flows.example_shop import load_example_shop

SHOP = load_example_shop()


def _lamp_withdrawal() -> dict[str, object]:
    facts, supplier = SHOP.facts("6A15602676300", "LUM-LAMP-01", "changed_mind", date(2026, 10, 15))
    return decision_json(decide(facts, supplier, SHOP.shop))


def test_the_stored_decision_keeps_its_refund_and_the_terms_quoted() -> None:
    stored = _lamp_withdrawal()

    decision = decision_from_json(stored)

    assert stored["refund"] == {"items": "34.90", "delivery": "4.90"}
    assert decision.refund is not None and decision.refund.total == Decimal("39.80")
    assert decision.return_costs_terms == SHOP.shop.return_costs_terms


def test_a_decision_stored_before_the_delivery_was_counted_has_no_refund() -> None:
    stored = {
        k: v for k, v in _lamp_withdrawal().items() if k not in ("refund", "return_costs_terms")
    }

    assert decision_from_json(stored).refund is None


def test_a_stored_decision_with_remedies_reads_back_the_same() -> None:
    facts, supplier = SHOP.facts("6A15602676300", "LUM-LAMP-01", "damaged", date(2026, 11, 5))
    shop = replace(SHOP.shop, allows_repair=True)
    decision = decide(facts, supplier, shop)

    assert decision.remedies == ("repair",)
    assert decision_from_json(decision_json(decision)) == decision


def test_a_decision_stored_before_the_remedies_still_reads() -> None:
    facts, supplier = SHOP.facts("6A15602676300", "LUM-LAMP-01", "damaged", date(2026, 11, 5))
    stored = decision_json(decide(facts, supplier, SHOP.shop))
    del stored["remedies"], stored["awaiting_last_parcel"]

    assert decision_from_json(stored).remedies == ()
