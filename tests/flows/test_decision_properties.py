from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from flows import law
from flows.decision import decide
from flows.facts import (
    CATEGORIES,
    CONVERSATION_HANDOVER_FLAGS,
    REASONS,
    SHOP_SIDE,
    CaseFacts,
    ShopPolicy,
    SupplierPolicy,
)
from flows.rules import RULES

prices = st.decimals(min_value=Decimal("0.50"), max_value=Decimal("500"), places=2)

suppliers = st.builds(
    SupplierPolicy,
    code=st.just("supplier"),
    name=st.just("Supplier"),
    version=st.integers(min_value=1, max_value=50),
    window_days=st.integers(min_value=0, max_value=60),
    accepts_customer_side_returns=st.booleans(),
    customer_side_return_paid_by=st.sampled_from(["customer", "shop"]),
    provides_return_label=st.booleans(),
    replacement_available=st.booleans(),
    returns_practical=st.booleans(),
    return_address=st.just("Adresse de retour"),
)

shops = st.builds(
    ShopPolicy,
    window_margin_days=st.integers(min_value=0, max_value=15),
    shop_pays_customer_side_return=st.booleans(),
    keep_item_max_value=prices,
    escalate_above_value=prices,
    fallback_return_address=st.just("Adresse de repli"),
    supplier_windows=st.lists(st.integers(min_value=0, max_value=60), max_size=4).map(tuple),
    customer_informed_of_withdrawal=st.booleans(),
)


@st.composite
def case_facts(draw: st.DrawFn) -> CaseFacts:
    delivered = draw(st.none() | st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)))
    start = delivered or date(2026, 1, 1)
    return CaseFacts(
        reason=draw(st.sampled_from(REASONS)),
        price=draw(prices),
        category=draw(st.sampled_from(CATEGORIES)),
        today=start + timedelta(days=draw(st.integers(min_value=0, max_value=1000))),
        delivered_on=delivered,
        seal_intact=draw(st.none() | st.booleans()),
        last_parcel_delivered_on=draw(
            st.none() | st.builds(lambda d: start + timedelta(days=d), st.integers(0, 20))
        ),
        tracking_known=draw(st.booleans()),
        handover_flags=draw(st.frozensets(st.sampled_from(sorted(CONVERSATION_HANDOVER_FLAGS)))),
    )


@given(case_facts(), suppliers, shops)
def test_a_shop_side_reason_within_two_years_always_gets_an_option(
    facts: CaseFacts, supplier: SupplierPolicy, shop: ShopPolicy
) -> None:
    delivered = facts.delivered_on
    if facts.reason in SHOP_SIDE and delivered and facts.today <= law.conformity_until(delivered):
        assert decide(facts, supplier, shop).options


@given(case_facts(), suppliers, shops)
def test_a_customer_side_deadline_is_never_earlier_than_the_legal_one(
    facts: CaseFacts, supplier: SupplierPolicy, shop: ShopPolicy
) -> None:
    deadlines = decide(facts, supplier, shop).deadlines
    if deadlines.withdrawal_last_day is not None:
        assert deadlines.customer_side_last_day is not None
        assert deadlines.customer_side_last_day >= deadlines.withdrawal_last_day
        received = max(d for d in (facts.delivered_on, facts.last_parcel_delivered_on) if d)
        informed = shop.customer_informed_of_withdrawal
        assert deadlines.withdrawal_last_day >= law.withdrawal_last_day(received, informed=informed)


@given(case_facts(), suppliers, shops, st.integers(min_value=1, max_value=900))
def test_moving_today_later_never_adds_an_option(
    facts: CaseFacts, supplier: SupplierPolicy, shop: ShopPolicy, days: int
) -> None:
    earlier = decide(facts, supplier, shop)
    later = decide(replace(facts, today=facts.today + timedelta(days=days)), supplier, shop)

    assert set(later.options) <= set(earlier.options)


@given(case_facts(), suppliers, shops)
def test_keep_and_replace_never_makes_the_item_travel(
    facts: CaseFacts, supplier: SupplierPolicy, shop: ShopPolicy
) -> None:
    decision = decide(facts, supplier, shop)
    if "keep_and_replace" in decision.options:
        assert decision.return_paid_by == "none"
        assert not decision.item_travels_back
        assert decision.return_address is None


@given(case_facts(), suppliers, shops)
def test_a_shop_side_return_is_never_paid_by_the_customer(
    facts: CaseFacts, supplier: SupplierPolicy, shop: ShopPolicy
) -> None:
    decision = decide(facts, supplier, shop)
    if facts.reason in SHOP_SIDE:
        assert decision.return_paid_by != "customer"
        assert decision.photos_required


@given(case_facts(), suppliers, shops)
def test_every_decision_names_its_rule_and_is_deterministic(
    facts: CaseFacts, supplier: SupplierPolicy, shop: ShopPolicy
) -> None:
    decision = decide(facts, supplier, shop)

    assert decision.rule_id in {rule.id for rule in RULES}
    assert decision.articles
    assert decision.explanation
    assert decide(facts, supplier, shop) == decision
    assert (decision.return_paid_by == "none") is (not decision.item_travels_back)
    assert decision.handover is bool(decision.handover_reasons)


def test_every_rule_rests_on_at_least_one_article() -> None:
    assert all(rule.articles for rule in RULES)
    assert len({rule.id for rule in RULES}) == len(RULES)
