"""A case row as the core's `CaseFile`, and back: the one place a case's status is written."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from bot.agents.offer import decision_from_json
from bot.storage.models import OrderLine, ReturnCase, Shipment
from flows.case_file import ENDED, SETTLED, CaseFile


async def load_file(session: AsyncSession, case: ReturnCase) -> CaseFile:
    """The case as the machines see it (its item read from the order line it is about)."""
    facts = case.facts or {}
    line = await session.get(OrderLine, case.order_line_id) if case.order_line_id else None
    shipment = await session.get(Shipment, case.shipment_id) if case.shipment_id else None
    price = facts.get("price")
    return CaseFile(
        reference=case.reference or "",
        status=case.status,
        reason=case.reason,
        item_name=line.name if line is not None else "",
        price=Decimal(price) if price else (line.price if line is not None else None),
        quantity=facts.get("quantity") or (line.quantity if line is not None else 1),
        order_name=facts.get("order"),
        tracking_number=shipment.tracking_number if shipment is not None else None,
        decision=decision_from_json(case.decision) if case.decision else None,
        needs_authorisation=case.needs_authorisation,
        option=case.chosen_option,
        new_variant=case.new_variant,
        amount=case.refund_amount,
        chosen_on=case.chosen_on,
        withdrawal_at=case.withdrawal_acknowledged_at,
        rma=case.rma,
        label=case.label_path,
        authorised_on=case.authorised_on,
        return_tracking_number=case.return_tracking_number,
        return_shipped_on=case.return_shipped_on,
        received_on=case.received_on,
        refund_due=case.refund_due,
        replacement_due=case.replacement_due,
        refunded_on=case.refunded_on,
        replacement_tracking_number=case.replacement_tracking_number,
        replacement_shipped_on=case.replacement_shipped_on,
        settled_on=case.settled_on,
        followed_up_on=case.followed_up_on,
        rating=case.rating,
        comment=case.rating_comment,
        refusal=case.refusal,
    )


def store_file(case: ReturnCase, file: CaseFile, now: datetime) -> None:
    """Writes what the lifecycle changed onto the row; a case ended or settled is closed."""
    case.status = file.status
    case.needs_authorisation = file.needs_authorisation
    case.chosen_option = file.option
    case.new_variant = file.new_variant
    case.refund_amount = file.amount
    case.chosen_on = file.chosen_on
    if file.withdrawal_at is not None and case.withdrawal_acknowledged_at is None:
        case.withdrawal_acknowledged_at = file.withdrawal_at
    case.rma = file.rma
    case.label_path = file.label
    case.authorised_on = file.authorised_on
    case.return_tracking_number = file.return_tracking_number
    case.return_shipped_on = file.return_shipped_on
    case.received_on = file.received_on
    case.refund_due = file.refund_due
    case.replacement_due = file.replacement_due
    case.refunded_on = file.refunded_on
    case.replacement_tracking_number = file.replacement_tracking_number
    case.replacement_shipped_on = file.replacement_shipped_on
    case.settled_on = file.settled_on
    case.followed_up_on = file.followed_up_on
    case.rating = file.rating
    case.rating_comment = file.comment
    case.refusal = file.refusal
    finished = file.status in ENDED or file.status in SETTLED
    if finished and case.closed_at is None:
        case.closed_at = now
    elif not finished:
        case.closed_at = None
