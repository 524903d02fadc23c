from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from flows.decision import decide
from flows.facts import CaseFacts, Decision, Reason, ShopPolicy, SupplierPolicy
from tests.flows.example_shop import ExampleShop, load_example_shop
from tests.flows.vectors import load_vectors

SHOP = load_example_shop()
SEAL = {"": None, "true": True, "false": False}


def _decide_row(row: dict[str, str]) -> Decision:
    facts, supplier = SHOP.facts(
        row["tracking_number"],
        row["sku"],
        reason=row["reason"],  # type: ignore[arg-type]
        today=date.fromisoformat(row["today"]),
        seal_intact=SEAL[row["seal_intact"]],
    )
    return decide(facts, supplier, SHOP.shop)


@pytest.mark.parametrize("row", load_vectors("decisions.csv"), ids=lambda row: row["id"])
def test_decision_vectors_on_the_example_shop(row: dict[str, str]) -> None:
    decision = _decide_row(row)

    assert ("|".join(decision.options) or "none") == row["options"]
    assert decision.return_paid_by == row["return_paid_by"]
    assert decision.photos_required is (row["photos"] == "required")
    assert decision.handover is (row["handover"] == "true")
    assert ("fix_description" in decision.flags) is ("description flagged" in row["rule"])


def _example(tracking: str, sku: str, reason: Reason, today: date, **changes: object) -> Decision:
    facts, supplier = SHOP.facts(tracking, sku, reason, today)
    return decide(replace(facts, **changes), supplier, SHOP.shop)  # type: ignore[arg-type]


LAMP = ("6A15602676300", "LUM-LAMP-01")  # delivered Wednesday 2026-10-07, 34,90 €, lumina
EARBUDS = ("LP00412345678901", "SZ-EARBUDS-PULSE")  # 29,90 €, no customer-side return, far away
FLOOR_LAMP = ("3318810025", "LUM-FLOOR-ARC")  # 189,00 €


def test_a_change_of_mind_for_an_impractical_supplier_goes_to_the_fallback_address() -> None:
    decision = _example(*EARBUDS, "changed_mind", date(2026, 11, 25))

    assert decision.rule_id == "changed_mind_refund"
    assert decision.options == ("refund",)
    assert decision.return_to == "shop"
    assert decision.return_address == SHOP.shop.fallback_return_address
    assert decision.return_paid_by == "customer"
    assert decision.prepaid_label is None
    assert decision.deadlines.return_ship_by == date(2026, 12, 9)


def test_a_supplier_that_takes_no_customer_side_return_but_is_practical() -> None:
    supplier = replace(SHOP.suppliers["lumina"], accepts_customer_side_returns=False)
    facts, _ = SHOP.facts(*LAMP, "size_color", date(2026, 10, 15))

    decision = decide(facts, supplier, SHOP.shop)

    assert decision.options == ("exchange", "refund")
    assert decision.return_to == "shop"
    assert decision.return_address == SHOP.shop.fallback_return_address
    assert decision.return_paid_by == "customer"


def test_the_shop_paying_customer_side_returns_issues_its_own_label() -> None:
    shop = replace(SHOP.shop, shop_pays_customer_side_return=True)
    facts, supplier = SHOP.facts(*LAMP, "changed_mind", date(2026, 10, 15))

    decision = decide(facts, supplier, shop)

    assert decision.return_paid_by == "shop"
    assert decision.return_to == "supplier"
    assert decision.prepaid_label == "supplier"  # lumina provides return labels


def test_the_supplier_paying_customer_side_returns() -> None:
    supplier = replace(SHOP.suppliers["modaflex"], customer_side_return_paid_by="shop")
    facts, _ = SHOP.facts("RR123456785ES", "MF-TSHIRT-RIV-M-SAB", "size_color", date(2026, 11, 5))

    decision = decide(facts, supplier, SHOP.shop)

    assert decision.return_paid_by == "shop"
    assert decision.prepaid_label == "shop"  # modaflex provides no label


@pytest.mark.parametrize(
    ("today", "options"),
    [(date(2026, 10, 22), ("refund",)), (date(2026, 10, 23), ())],
    ids=["last day", "day after"],
)
def test_the_last_day_itself_and_the_day_after(today: date, options: tuple[str, ...]) -> None:
    decision = _example(*LAMP, "changed_mind", today)

    assert decision.options == options
    assert decision.deadlines.customer_side_last_day == date(2026, 10, 22)


def test_friday_delivery_before_a_holiday_weekend_keeps_the_later_legal_day() -> None:
    # Received Friday 2026-12-11: day 14 is Christmas, then a weekend, so the legal last day is
    # Monday 28 December, later than the shop's 15 days (26 December): the legal one applies.
    decision = _example(*LAMP, "changed_mind", date(2026, 12, 28), delivered_on=date(2026, 12, 11))

    assert decision.deadlines.withdrawal_last_day == date(2026, 12, 28)
    assert decision.deadlines.shop_last_day == date(2026, 12, 26)
    assert decision.deadlines.customer_side_last_day == date(2026, 12, 28)
    assert decision.options == ("refund",)


@pytest.mark.parametrize(
    ("price", "options", "paid_by"),
    [
        (Decimal("15.00"), ("keep_and_replace", "refund"), "none"),
        (Decimal("15.01"), ("exchange", "refund"), "customer"),
    ],
)
def test_price_exactly_at_the_keep_threshold_is_cheap(
    price: Decimal, options: tuple[str, ...], paid_by: str
) -> None:
    decision = _example(*LAMP, "size_color", date(2026, 10, 15), price=price)

    assert decision.options == options
    assert decision.return_paid_by == paid_by


@pytest.mark.parametrize(
    ("price", "handover"), [(Decimal("150.00"), False), (Decimal("150.01"), True)]
)
def test_price_exactly_at_the_escalation_threshold_is_not_above_it(
    price: Decimal, handover: bool
) -> None:
    decision = _example(*FLOOR_LAMP, "damaged", date(2026, 11, 20), price=price)

    assert decision.handover is handover
    assert decision.options == ("exchange", "refund")


def test_a_missing_delivery_date_says_the_period_has_not_started() -> None:
    decision = _example(*LAMP, "changed_mind", date(2026, 10, 5), delivered_on=None)

    assert decision.rule_id == "delivery_date_unknown"
    assert decision.options == ()
    assert decision.handover
    assert decision.handover_reasons == ("delivery_date_unknown",)
    assert "n'a pas commencé" in decision.explanation
    assert decision.deadlines.withdrawal_last_day is None


def test_not_as_described_flags_the_description_and_hands_over_above_threshold() -> None:
    decision = _example(*FLOOR_LAMP, "not_as_described", date(2026, 11, 20))

    assert decision.flags == ("fix_description",)
    assert decision.handover_reasons == ("above_escalation_threshold",)
    assert decision.articles[0] == "L217-3"
    assert decision.prepaid_label == "supplier"
    assert decision.deadlines.fix_by == date(2026, 12, 20)


def test_a_shop_side_problem_is_not_refused_after_fourteen_days_but_after_two_years() -> None:
    within = _example(*LAMP, "defective", date(2028, 10, 7))
    after = _example(*LAMP, "defective", date(2028, 10, 8))

    assert within.options == ("exchange", "refund")
    assert after.options == ()
    assert after.rule_id == "conformity_over"
    assert after.handover_reasons == ("conformity_over",)


def test_second_hand_presumption_is_twelve_months() -> None:
    decision = _example(*LAMP, "defective", date(2026, 11, 5), category="second_hand")

    assert decision.deadlines.presumption_until == date(2027, 10, 7)
    assert decision.deadlines.conformity_until == date(2028, 10, 7)


@pytest.mark.parametrize(
    ("category", "seal_intact", "rule_id"),
    [
        ("custom_made", None, "exempt_custom_made"),
        ("perishable", None, "exempt_perishable"),
        ("digital", None, "changed_mind_refund"),  # without the 13° conditions
        ("hygiene", False, "exempt_hygiene_unsealed"),
        ("sealed_media", False, "exempt_sealed_media_unsealed"),
        ("sealed_media", True, "changed_mind_refund"),
        ("sealed_media", None, "changed_mind_refund"),
        ("hygiene", True, "changed_mind_refund"),
        ("hygiene", None, "changed_mind_refund"),
        ("second_hand", None, "changed_mind_refund"),
    ],
)
def test_exemptions_by_category(category: str, seal_intact: bool | None, rule_id: str) -> None:
    decision = _example(
        *LAMP, "changed_mind", date(2026, 10, 10), category=category, seal_intact=seal_intact
    )

    assert decision.rule_id == rule_id
    assert ("L221-28" in decision.articles) is rule_id.startswith("exempt")


def test_exempt_item_still_gets_the_conformity_guarantee() -> None:
    decision = _example(*LAMP, "damaged", date(2026, 10, 10), category="custom_made")

    assert decision.options == ("exchange", "refund")


def test_not_informed_customer_gets_twelve_more_months() -> None:
    shop = replace(SHOP.shop, customer_informed_of_withdrawal=False)
    facts, supplier = SHOP.facts(*LAMP, "changed_mind", date(2027, 10, 20))

    decision = decide(facts, supplier, shop)

    assert decision.options == ("refund",)
    assert decision.deadlines.withdrawal_last_day == date(2027, 10, 21)


def test_whole_order_withdrawal_runs_from_the_last_parcel() -> None:
    decision = _example(
        *LAMP, "changed_mind", date(2026, 10, 25), last_parcel_delivered_on=date(2026, 10, 12)
    )

    assert decision.options == ("refund",)
    assert decision.deadlines.withdrawal_last_day == date(2026, 10, 26)


def test_conversation_flags_and_unknown_tracking_hand_over_in_a_stable_order() -> None:
    decision = _example(
        *LAMP,
        "size_color",
        date(2026, 10, 10),
        tracking_known=False,
        handover_flags=frozenset({"customer_asked", "angry_words"}),
    )

    assert decision.handover_reasons == ("unknown_tracking", "angry_words", "customer_asked")
    assert decision.options == ("exchange", "refund")


def test_unknown_codes_are_refused() -> None:
    facts, _ = SHOP.facts(*LAMP, "changed_mind", date(2026, 10, 10))
    with pytest.raises(ValueError, match="handover"):
        replace(facts, handover_flags=frozenset({"grumpy"}))
    with pytest.raises(ValueError, match="reason"):
        replace(facts, reason="bored")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="category"):
        replace(facts, category="furniture")  # type: ignore[arg-type]


def test_the_decision_records_the_policy_version_and_supplier() -> None:
    supplier = replace(SHOP.suppliers["lumina"], version=7)
    facts, _ = SHOP.facts(*LAMP, "damaged", date(2026, 10, 10))

    decision = decide(facts, supplier, SHOP.shop)

    assert (decision.policy_version, decision.supplier_code) == (7, "lumina")


def test_example_shop_is_read_from_the_demo_data() -> None:
    assert isinstance(SHOP, ExampleShop)
    assert isinstance(SHOP.shop, ShopPolicy)
    assert SHOP.shop.window_days == 15
    assert all(isinstance(s, SupplierPolicy) for s in SHOP.suppliers.values())
    assert isinstance(SHOP.facts(*LAMP, "damaged", date(2026, 10, 10))[0], CaseFacts)


# Refund amounts (L221-24), return costs (L221-23)

CHARGERS = ("LX123456785CN", "SZ-CHARGER-20W")  # #1006: 2 × 9,90 €, delivery 3,90 €


def test_a_withdrawal_refunds_the_item_and_the_standard_delivery() -> None:
    decision = _example(*LAMP, "changed_mind", date(2026, 10, 15))  # #1001, delivery 4,90 €

    assert decision.refund is not None
    assert (decision.refund.items, decision.refund.delivery) == (Decimal("34.90"), Decimal("4.90"))
    assert decision.refund.total == Decimal("39.80")


def test_a_conformity_refund_refunds_the_delivery_too() -> None:
    decision = _example(*LAMP, "damaged", date(2026, 11, 5))

    assert decision.window == "conformity"
    assert decision.refund is not None and decision.refund.total == Decimal("39.80")


def test_returning_one_of_two_units_refunds_half_of_the_delivery() -> None:
    one = _example(*CHARGERS, "damaged", date(2026, 11, 28), quantity=1)
    both = _example(*CHARGERS, "damaged", date(2026, 11, 28))

    assert one.refund is not None and both.refund is not None
    assert (one.refund.items, one.refund.delivery) == (Decimal("9.90"), Decimal("1.95"))
    assert (both.refund.items, both.refund.delivery) == (Decimal("19.80"), Decimal("3.90"))


def test_a_discounted_item_refunds_what_was_paid_not_its_list_price() -> None:
    # #1001 bought with a 10 % code: 31,41 € paid for the lamp, the delivery as paid.
    decision = _example(
        *LAMP,
        "changed_mind",
        date(2026, 10, 15),
        unit_paid=Decimal("31.41"),
        order_items_value=Decimal("31.41"),
    )

    assert decision.refund is not None
    assert (decision.refund.items, decision.refund.delivery) == (Decimal("31.41"), Decimal("4.90"))


def test_no_refund_amount_when_no_refund_is_offered() -> None:
    decision = _example(*LAMP, "changed_mind", date(2026, 11, 5))  # after the window

    assert decision.options == ()
    assert decision.refund is None


def test_without_terms_saying_so_the_shop_pays_a_customer_side_return() -> None:
    shop = replace(SHOP.shop, return_costs_terms="")
    facts, supplier = SHOP.facts(*LAMP, "changed_mind", date(2026, 10, 15))

    decision = decide(facts, supplier, shop)

    assert decision.return_paid_by == "shop"
    assert decision.prepaid_label == "supplier"  # lumina provides return labels
    assert decision.return_costs_terms is None


def test_the_customer_pays_a_customer_side_return_by_the_shop_s_terms() -> None:
    decision = _example(*LAMP, "changed_mind", date(2026, 10, 15))

    assert decision.return_paid_by == "customer"
    assert decision.prepaid_label is None
    assert decision.return_costs_terms == SHOP.shop.return_costs_terms
    assert "à la charge du client" in (decision.return_costs_terms or "")


def test_the_shop_s_terms_are_not_quoted_when_the_shop_pays() -> None:
    decision = _example(*LAMP, "damaged", date(2026, 11, 5))

    assert decision.return_paid_by == "shop"
    assert decision.return_costs_terms is None


def test_a_parcel_still_in_transit_means_the_period_has_not_started() -> None:
    # The lamp arrived on 7 October; another parcel of the order has no delivery date yet:
    # 18 November would be late from the lamp alone, but the period runs from the last item.
    decision = _example(*LAMP, "changed_mind", date(2026, 11, 18), order_in_transit=True)

    assert decision.rule_id == "changed_mind_refund"
    assert decision.options == ("refund",)
    assert decision.awaiting_last_parcel
    assert decision.deadlines.withdrawal_last_day is None
    assert decision.deadlines.customer_side_last_day is None


def test_a_parcel_in_transit_leaves_the_conformity_guarantee_running_from_delivery() -> None:
    decision = _example(*LAMP, "damaged", date(2026, 11, 18), order_in_transit=True)

    assert decision.window == "conformity"
    assert not decision.awaiting_last_parcel
    assert decision.deadlines.conformity_until == date(2028, 10, 7)


def test_without_a_parcel_in_transit_the_same_day_is_late() -> None:
    decision = _example(*LAMP, "changed_mind", date(2026, 11, 18))

    assert decision.rule_id == "withdrawal_over"
    assert not decision.awaiting_last_parcel


def test_the_delivery_region_s_holidays_lengthen_the_legal_period() -> None:
    # Received Friday 20 March 2026: day 14 is Good Friday, a day off in Moselle (57).
    facts, supplier = SHOP.facts(*LAMP, "changed_mind", date(2026, 4, 7))
    facts = replace(facts, delivered_on=date(2026, 3, 20))

    mainland = decide(facts, supplier, SHOP.shop)
    moselle = decide(replace(facts, holiday_region="57"), supplier, SHOP.shop)

    assert mainland.deadlines.withdrawal_last_day == date(2026, 4, 3)
    assert moselle.deadlines.withdrawal_last_day == date(2026, 4, 7)
    assert mainland.rule_id == "withdrawal_over"
    assert moselle.rule_id == "changed_mind_refund"


def test_digital_content_is_exempt_only_with_consent_acknowledgement_and_supply_begun() -> None:
    waived = _example(
        *LAMP, "changed_mind", date(2026, 10, 10), category="digital", digital_waiver=True
    )
    not_waived = _example(*LAMP, "changed_mind", date(2026, 10, 10), category="digital")
    not_supplied = _example(
        *LAMP,
        "changed_mind",
        date(2026, 10, 10),
        category="digital",
        digital_waiver=True,
        delivered_on=None,
        last_parcel_delivered_on=None,
    )

    assert waived.rule_id == "exempt_digital"
    assert waived.options == ()
    assert not_waived.rule_id == "changed_mind_refund"
    assert not_waived.options == ("refund",)
    assert not not_waived.item_travels_back  # nothing to send back
    assert not_supplied.rule_id != "exempt_digital"


def test_remedies_are_offered_under_the_guarantee_only_where_the_shop_allows() -> None:
    shop = replace(SHOP.shop, allows_repair=True, allows_price_reduction=True)
    facts, supplier = SHOP.facts(*LAMP, "damaged", date(2026, 11, 5))

    allowed = decide(facts, supplier, shop)
    repair_only = decide(facts, supplier, replace(shop, allows_price_reduction=False))
    not_allowed = decide(facts, supplier, SHOP.shop)
    withdrawal = decide(
        replace(facts, reason="changed_mind", today=date(2026, 10, 10)), supplier, shop
    )

    assert allowed.remedies == ("repair", "price_reduction")
    assert allowed.options == ("exchange", "refund")  # the vectors' options stay as they are
    assert repair_only.remedies == ("repair",)
    assert not_allowed.remedies == ()
    assert withdrawal.remedies == ()


def test_a_remedy_asked_for_under_the_guarantee_goes_to_an_agent() -> None:
    repair = _example(*LAMP, "damaged", date(2026, 11, 5), remedy_requested="repair")
    reduction = _example(*LAMP, "damaged", date(2026, 11, 5), remedy_requested="price_reduction")
    withdrawal = _example(*LAMP, "changed_mind", date(2026, 10, 10), remedy_requested="repair")

    assert repair.handover and repair.handover_reasons == ("asked_repair",)
    assert repair.options == ("exchange", "refund")  # still proposed to the agent
    assert reduction.handover_reasons == ("asked_price_reduction",)
    assert not withdrawal.handover


def test_past_two_years_the_hidden_defect_guarantee_is_recalled() -> None:
    decision = _example(*LAMP, "defective", date(2028, 10, 8))

    assert decision.rule_id == "conformity_over"
    assert decision.articles == ("L217-3", "C. civ. 1641", "C. civ. 1648")
    assert "vices cachés" in decision.explanation
