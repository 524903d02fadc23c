"""The case after the offer, on the pure core: every path of the lifecycle, its dates and its words."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from flows.case_file import STATUSES, CaseFile
from flows.case_lifecycle import MACHINE, STATES, TRANSITIONS, advance
from flows.events import (
    AuthorisationRequested,
    DueDateSet,
    FollowUpDue,
    LabelAwaited,
    NotPossible,
    Overdue,
    ReminderDue,
    ReplacementToOrder,
    StatusChanged,
)
from tests.conversation_helpers import RETURN_NUMBER, PureChat, needing_authorisation

NOV_5 = date(2026, 11, 5)


def _chose(option: str, *steps: str, parcels: dict | None = None) -> PureChat:  # type: ignore[type-arg]
    """The lamp arrived broken; the customer chose `option` (with an authorisation when asked)."""
    chat = PureChat(NOV_5, parcels=parcels or {})
    for step in ("cassé 6A15602676300", "69003", *steps):
        chat.say(step)
    chat.photo()
    chat.press("photos:done")
    chat.press(f"option:{option}")
    return chat


def test_the_machine_is_data_with_plain_string_states() -> None:
    assert {state["name"] for state in STATES} == set(MACHINE.states) == set(STATUSES)
    assert all({"trigger", "source"} <= set(t) for t in TRANSITIONS)


def test_authorised_then_label_then_in_transit_received_refunded_and_rated() -> None:
    chat = _chose("refund", parcels=needing_authorisation("6A15602676300"))
    assert chat.case is not None and chat.case.status == "awaiting_authorisation"
    assert chat.templates() == ["return_being_prepared"]

    agreed = chat.case_event("authorise", rma="RMA-77")
    assert agreed.status == "awaiting_authorisation"  # the label is awaited first
    assert LabelAwaited("RMA-77") in agreed.events and not agreed.replies

    labelled = chat.case_event("attach_label", label="labels/etiquette.pdf")
    assert labelled.status == "awaiting_return"
    (ready,) = labelled.replies
    assert ready.template == "return_ready" and ready.document == "labels/etiquette.pdf"

    chat.press("return:shipped")
    chat.say(RETURN_NUMBER)
    assert chat.case.status == "return_in_transit"
    assert chat.case.return_tracking_number == RETURN_NUMBER

    received = chat.case_event("receive")
    assert received.status == "received" and received.replies[0].template == "return_received"

    refunded = chat.case_event("refund")
    assert refunded.status == "refunded"
    assert refunded.file.amount == Decimal("39.80")  # 34,90 € and the delivery, 4,90 €
    assert FollowUpDue(3) in refunded.events
    assert refunded.replies[0].template == "refund_made"

    followed = chat.case_event("follow_up")
    assert followed.status == "closed" and followed.replies[0].template == "follow_up"
    chat.press("rating:4")
    chat.say("parfait, merci")
    assert (chat.case.rating, chat.case.comment) == (4, "parfait, merci")
    assert chat.templates() == ["thanks_for_rating"]


def test_keep_and_replace_skips_the_return_and_orders_the_replacement() -> None:
    chat = PureChat(NOV_5)
    chat.say("le chargeur est arrivé abîmé LX123456785CN")
    chat.say("35000")
    chat.photo()
    chat.press("photos:done")
    chat.press("option:keep_and_replace")
    assert chat.case is not None and chat.case.status == "awaiting_replacement"
    assert chat.case.replacement_due == NOV_5 + timedelta(days=30)  # L217-10

    shipped = chat.case_event("ship_replacement", tracking_number="6C02345678901")

    assert shipped.status == "replacement_shipped"
    assert shipped.file.replacement_tracking_number == "6C02345678901"
    assert shipped.replies[0].template == "replacement_on_its_way"
    assert advance(shipped.file, "receive", today=NOV_5).fired is False  # nothing travels back


def test_keep_and_replace_orders_the_replacement_at_once() -> None:
    chat = PureChat(NOV_5)
    chat.say("le chargeur est arrivé abîmé LX123456785CN")
    chat.say("35000")
    chat.photo()
    chat.press("photos:done")
    assert chat.case is not None
    answer = advance(chat.case, "choose", today=NOV_5, option="keep_and_replace")

    assert ReplacementToOrder(None, 1) in answer.events


def test_an_exchange_orders_the_replacement_when_the_item_is_back() -> None:
    chat = _chose("exchange")
    assert chat.case is not None and chat.case.status == "awaiting_return"

    answer = chat.case_event("receive")

    assert ReplacementToOrder(None, 1) in answer.events


def test_refused_by_the_supplier_then_an_agent_decides_without_asking_it_again() -> None:
    chat = _chose("exchange", parcels=needing_authorisation("6A15602676300"))
    refused = chat.case_event("supplier_refuses")
    assert refused.status == "supplier_refused" and not refused.replies  # never why, never who

    decided = chat.case_event("choose", option="refund")

    assert decided.status == "awaiting_return"
    assert not decided.file.needs_authorisation
    assert AuthorisationRequested() not in decided.events


def test_the_customer_cancels_before_the_return_leaves_not_after() -> None:
    chat = _chose("exchange")
    chat.say("/annuler")
    assert chat.case is not None and chat.case.status == "cancelled"
    assert chat.templates() == ["cancelled"]

    later = _chose("exchange")
    later.press("return:shipped")
    later.say(RETURN_NUMBER)
    later.say("/annuler")
    assert later.case is not None and later.case.status == "return_in_transit"
    assert later.templates() == ["cancel_too_late"] and later.state == "done"


def test_what_a_status_cannot_take_is_not_possible_and_changes_nothing() -> None:
    chat = _chose("exchange")
    assert chat.case is not None

    answer = advance(chat.case, "refund", today=NOV_5)

    assert not answer.fired and answer.file == chat.case
    assert answer.events == (NotPossible("refund", "awaiting_return"),)


def test_a_withdrawal_refund_waits_for_the_return_then_is_due_14_days_after_the_withdrawal() -> (
    None
):
    chat = PureChat(NOV_5)
    for step in ("je n'en veux plus RR123456785ES", "31000", "passer"):
        chat.say(step)
    chat.press("option:refund")
    chat.say("oui")
    assert chat.case is not None and chat.case.status == "awaiting_return"
    assert chat.case.refund_due is None  # deferred until the item or a proof of shipment (L221-24)

    chat.say(f"c'est parti, suivi {RETURN_NUMBER}")

    assert chat.case.status == "return_in_transit"
    assert chat.case.refund_due == NOV_5 + timedelta(days=14)
    assert chat.case.withdrawal_at is not None


def test_reminders_and_alerts_only_while_the_due_date_stands() -> None:
    chat = PureChat(NOV_5)
    chat.say("le chargeur est arrivé abîmé LX123456785CN")
    chat.say("35000")
    chat.photo()
    chat.press("photos:done")
    chat.press("option:refund")
    case = chat.case
    assert case is not None and case.refund_due is not None
    due = case.refund_due
    assert DueDateSet("refund", due) in chat.last.events or case.status == "awaiting_refund"  # type: ignore[union-attr]

    reminded = advance(case, "remind", today=due - timedelta(days=3), kind="refund", due=due)
    assert reminded.events == (ReminderDue("refund", due, 3),)
    late = advance(case, "alert", today=due + timedelta(days=12), kind="refund", due=due)
    (overdue,) = late.events
    assert isinstance(overdue, Overdue) and overdue.days_late == 12
    assert overdue.surcharge_percent == Decimal(5) and overdue.surcharge_amount is not None
    assert overdue.next_step_on == due + timedelta(days=21)  # L242-4: 10 % from the 21st day
    stale = advance(case, "remind", today=due, kind="refund", due=due - timedelta(days=1))
    assert not stale.fired

    refunded = advance(case, "refund", today=due)
    assert not advance(refunded.file, "alert", today=due, kind="refund", due=due).fired


def test_every_status_change_is_told() -> None:
    chat = _chose("exchange")
    assert chat.case is not None

    answer = advance(chat.case, "receive", today=NOV_5)

    assert StatusChanged("awaiting_return", "received", "receive") in answer.events


@pytest.mark.parametrize("status", STATUSES)
def test_every_actor_is_welcome_at_every_status(status: str) -> None:
    case = CaseFile(reference="R-2026-000001", status=status, option="refund", amount=Decimal(1))

    for trigger in ("close", "receive", "refund", "follow_up", "cancel", "rate", "remind"):
        answer = advance(case, trigger, today=NOV_5, score=5, kind="refund", due=NOV_5)
        assert answer.status in STATUSES


def test_a_case_decided_before_the_delivery_was_counted_refunds_its_items() -> None:
    file = CaseFile(price=Decimal("12.90"), quantity=2)

    assert file.refund is not None and file.refund.total == Decimal("25.80")
