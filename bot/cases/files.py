"""A case row as the core's `CaseFile`, and back: the one place a case's status is written.

What an event changes on its case is set with `change` and written once with `write_changes`.
"""

from __future__ import annotations

import weakref
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, Update, bindparam, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from bot.agents.offer import decision_from_json
from bot.storage.base import utcnow
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
    """Sets what the lifecycle changed on the row (`write_changes` writes it); a case ended or
    settled is closed."""
    finished = file.status in ENDED or file.status in SETTLED
    change(
        case,
        status=file.status,
        needs_authorisation=file.needs_authorisation,
        chosen_option=file.option,
        new_variant=file.new_variant,
        refund_amount=file.amount,
        chosen_on=file.chosen_on,
        rma=file.rma,
        label_path=file.label,
        authorised_on=file.authorised_on,
        return_tracking_number=file.return_tracking_number,
        return_shipped_on=file.return_shipped_on,
        received_on=file.received_on,
        refund_due=file.refund_due,
        replacement_due=file.replacement_due,
        refunded_on=file.refunded_on,
        replacement_tracking_number=file.replacement_tracking_number,
        replacement_shipped_on=file.replacement_shipped_on,
        settled_on=file.settled_on,
        followed_up_on=file.followed_up_on,
        rating=file.rating,
        rating_comment=file.comment,
        refusal=file.refusal,
        closed_at=(case.closed_at or now) if finished else None,
    )
    if file.withdrawal_at is not None and case.withdrawal_acknowledged_at is None:
        change(case, withdrawal_acknowledged_at=file.withdrawal_at)


# What an event changed on its case, not written yet (the case object, weakly: a rolled-back
# event's case goes with its session).
_UNWRITTEN: weakref.WeakKeyDictionary[ReturnCase, dict[str, Any]] = weakref.WeakKeyDictionary()
_CASES = cast(Table, ReturnCase.__table__)
_UPDATE = update(_CASES).where(_CASES.c.id == bindparam("case_id"))


def change(case: ReturnCase, **values: Any) -> None:
    """Sets on the case what differs from `values`, for `write_changes` to write.

    Set as the row now stands in the transaction, outside the unit of work: an event changes
    its case in several steps (the request, the lifecycle) and writes it once, with one UPDATE
    of the columns that changed, and no flush.
    """
    unwritten = _UNWRITTEN.setdefault(case, {})
    for key, value in values.items():
        if getattr(case, key) != value:
            set_committed_value(case, key, value)
            unwritten[key] = value


async def write_changes(session: AsyncSession, case: ReturnCase) -> None:
    """Writes what `change` set on the case since the last time, if anything."""
    changes = unwritten_changes(case)
    if changes is not None:
        await session.execute(*changes)


def unwritten_changes(case: ReturnCase) -> tuple[Update, dict[str, Any]] | None:
    """What `write_changes` would write (the UPDATE and its parameters), taken as written; None
    when nothing changed."""
    unwritten = _UNWRITTEN.pop(case, None)
    if not unwritten:
        return None
    unwritten["updated_at"] = utcnow()
    set_committed_value(case, "updated_at", unwritten["updated_at"])
    return _UPDATE, {"case_id": case.id, **unwritten}
