"""The decision: from a case's facts and the policies in force to what the customer is offered.

The rule that decides comes from the table in `flows.rules`; this module computes the situation the
rules look at, the item's trip back, the deadlines and the reasons to hand the case to an agent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flows import law
from flows.facts import (
    FIX_DESCRIPTION,
    HANDOVER_REASONS,
    REMEDIES,
    CaseFacts,
    Deadlines,
    Decision,
    Party,
    Payer,
    Remedy,
    ShopPolicy,
    SupplierPolicy,
    side_of,
)
from flows.refund import Refund, refund_for
from flows.rules import Rule, Situation, rule_for

__all__ = ["decide"]


@dataclass(frozen=True, slots=True)
class _Trip:
    paid_by: Payer = "none"
    to: Party | None = None
    address: str | None = None
    label: Party | None = None
    terms: str | None = None  # the shop's terms that put its cost on the customer


@dataclass(frozen=True, slots=True)
class _Calendar:
    withdrawal_last_day: date | None
    shop_last_day: date | None
    customer_side_last_day: date | None
    conformity_until: date | None


def decide(facts: CaseFacts, supplier: SupplierPolicy, shop: ShopPolicy) -> Decision:
    """Decides what to offer for one item: the first rule of the table that applies, made concrete."""
    calendar = _calendar(facts, shop)
    situation = _situation(facts, supplier, shop, calendar)
    rule = rule_for(situation)
    trip = _trip(rule, situation, supplier, shop)
    handover_reasons = _handover_reasons(rule, facts, shop)
    return Decision(
        options=rule.options,
        return_paid_by=trip.paid_by,
        item_travels_back=trip.to is not None,
        return_to=trip.to,
        return_address=trip.address,
        prepaid_label=trip.label,
        photos_required=situation.side == "shop",
        handover=bool(handover_reasons),
        handover_reasons=handover_reasons,
        rule_id=rule.id,
        explanation=rule.explanation,
        articles=rule.articles,
        window=rule.window,
        deadlines=_deadlines(rule, facts, calendar, trip),
        policy_version=supplier.version,
        supplier_code=supplier.code,
        flags=(FIX_DESCRIPTION,) if facts.reason == "not_as_described" else (),
        refund=_refund(facts) if "refund" in rule.options else None,
        return_costs_terms=trip.terms,
        awaiting_last_parcel=rule.window == "withdrawal" and _awaiting_last_parcel(facts),
        remedies=_remedies(rule, shop),
    )


def _refund(facts: CaseFacts) -> Refund:
    """Everything paid for the items returned, their share of the delivery included (L221-24;
    L217-14 and L217-16 on the conformity side: the price paid)."""
    return refund_for(
        facts.price if facts.unit_paid is None else facts.unit_paid,
        facts.quantity,
        order_items_value=facts.order_items_value,
        order_delivery=facts.order_delivery,
    )


def _remedies(rule: Rule, shop: ShopPolicy) -> tuple[Remedy, ...]:
    """Repair (L217-9) and price reduction (L217-14), offered under the guarantee when the shop allows."""
    if rule.window != "conformity":
        return ()
    allowed = {"repair": shop.allows_repair, "price_reduction": shop.allows_price_reduction}
    return tuple(remedy for remedy in REMEDIES if allowed[remedy])


def _awaiting_last_parcel(facts: CaseFacts) -> bool:
    return facts.delivered_on is not None and facts.order_in_transit


def _calendar(facts: CaseFacts, shop: ShopPolicy) -> _Calendar:
    if facts.delivered_on is None:
        return _Calendar(None, None, None, None)
    conformity = law.conformity_until(facts.delivered_on)
    if facts.order_in_transit:
        # L221-18: the period runs from the last item's reception, and one is still on its way.
        return _Calendar(None, None, None, conformity)
    # L221-18: withdrawing from a whole order delivered in several parcels runs from the last one.
    received = max(facts.delivered_on, facts.last_parcel_delivered_on or facts.delivered_on)
    legal = law.withdrawal_last_day(
        received, informed=shop.customer_informed_of_withdrawal, region=facts.holiday_region
    )
    shop_last = received + timedelta(days=shop.window_days)
    return _Calendar(
        withdrawal_last_day=legal,
        shop_last_day=shop_last,
        customer_side_last_day=max(legal, shop_last),
        conformity_until=conformity,
    )


def _situation(
    facts: CaseFacts, supplier: SupplierPolicy, shop: ShopPolicy, calendar: _Calendar
) -> Situation:
    return Situation(
        reason=facts.reason,
        side=side_of(facts.reason),
        category=facts.category,
        seal_intact=facts.seal_intact,
        delivery_known=facts.delivered_on is not None,
        # A withdrawal's declaration begun in time stays in time when confirmed after midnight.
        within_withdrawal=_on_or_before(
            facts.withdrawal_started_on or facts.today, calendar.customer_side_last_day
        ),
        within_conformity=_on_or_before(facts.today, calendar.conformity_until),
        cheap=facts.price <= shop.keep_item_max_value,
        impractical=not supplier.returns_practical,
        replacement=supplier.replacement_available,
        # L221-28, 13°: the supply has begun (delivered), with the consent and acknowledgement.
        digital_waiver=facts.digital_waiver and facts.delivered_on is not None,
    )


def _on_or_before(day: date, last_day: date | None) -> bool:
    # An unknown delivery date means the period has not started, so it cannot be over.
    return last_day is None or day <= last_day


def _trip(rule: Rule, situation: Situation, supplier: SupplierPolicy, shop: ShopPolicy) -> _Trip:
    stays = (situation.cheap and "cheap" in rule.item_stays_when) or (
        situation.impractical and "impractical" in rule.item_stays_when
    )
    if rule.trip == "none" or stays or situation.category == "digital":
        return _Trip()  # digital content has nothing to send back
    if rule.trip == "shop":
        label: Party = "supplier" if supplier.provides_return_label else "shop"
        return _Trip(paid_by="shop", to="supplier", address=supplier.return_address, label=label)
    return _customer_side_trip(supplier, shop)


def _customer_side_trip(supplier: SupplierPolicy, shop: ShopPolicy) -> _Trip:
    """Customer-side return (L221-23): to the item's return address when it is taken, else the shop's.
    The customer pays it only when the shop's terms say so and nobody on the shop's side pays."""
    to_supplier = supplier.accepts_customer_side_returns and supplier.returns_practical
    shop_pays = (
        not shop.return_costs_terms
        or shop.shop_pays_customer_side_return
        or (to_supplier and supplier.customer_side_return_paid_by == "shop")
    )
    to: Party = "supplier" if to_supplier else "shop"
    address = supplier.return_address if to_supplier else shop.fallback_return_address
    if not shop_pays:
        return _Trip(paid_by="customer", to=to, address=address, terms=shop.return_costs_terms)
    label: Party = "supplier" if to_supplier and supplier.provides_return_label else "shop"
    return _Trip(paid_by="shop", to=to, address=address, label=label)


def _deadlines(rule: Rule, facts: CaseFacts, calendar: _Calendar, trip: _Trip) -> Deadlines:
    # The withdrawal (or the conformity claim) is taken to be made on the decision day.
    refund_due = law.refund_due(facts.today) if "refund" in rule.options else None
    if rule.dates == "withdrawal":
        return Deadlines(
            withdrawal_last_day=calendar.withdrawal_last_day,
            shop_last_day=calendar.shop_last_day,
            customer_side_last_day=calendar.customer_side_last_day,
            refund_due=refund_due,
            return_ship_by=law.return_ship_by(facts.today) if trip.to is not None else None,
        )
    if rule.dates == "conformity" and facts.delivered_on is not None:
        replaces = {"exchange", "keep_and_replace"} & set(rule.options)
        return Deadlines(
            conformity_until=calendar.conformity_until,
            presumption_until=law.presumption_until(
                facts.delivered_on, second_hand=facts.category == "second_hand"
            ),
            refund_due=refund_due,
            fix_by=law.conformity_fix_by(facts.today) if replaces else None,
        )
    return Deadlines()


def _handover_reasons(rule: Rule, facts: CaseFacts, shop: ShopPolicy) -> tuple[str, ...]:
    reasons = set(facts.handover_flags)
    if rule.handover_reason is not None:
        reasons.add(rule.handover_reason)
    if facts.remedy_requested is not None and rule.window == "conformity":
        reasons.add(f"asked_{facts.remedy_requested}")  # a person arranges it (L217-9, L217-14)
    if not facts.tracking_known:
        reasons.add("unknown_tracking")
    if facts.price > shop.escalate_above_value:
        reasons.add("above_escalation_threshold")
    return tuple(reason for reason in HANDOVER_REASONS if reason in reasons)
