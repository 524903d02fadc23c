"""The decision stored on a case, as a value again: the new fields of the law's second pass too."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from bot.agents.offer import decision_from_json
from bot.conversation.cases import decision_json
from flows.decision import decide
from tests.flows.example_shop import load_example_shop

SHOP = load_example_shop()


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
