"""The return case behind a conversation: created when a request starts; the request's facts (reason,
item, parcel, decision) kept up to date while it is being made. Its status is its lifecycle's
(`bot.cases`), never set here."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cases.files import change
from bot.channels.events import PhotoIn
from bot.conversation.world import Looked
from bot.storage.models import Photo, ReturnCase
from flows.case_file import REQUESTING
from flows.conversation_world import Answer
from flows.facts import Decision

PARIS = ZoneInfo("Europe/Paris")


def reference_for(case_id: int, year: int) -> str:
    """« R-2026-000123 »."""
    return f"R-{year}-{case_id:06d}"


async def open_case(session: AsyncSession, customer_id: int, now: datetime) -> ReturnCase:
    """A new case with its reference (the reference needs the row's id: inserted, then set; the
    row comes back whole, so that only what the event changes is written again)."""
    inserted = await session.scalars(
        _NEW_CASE, {"customer_id": customer_id, "facts": {}, "created_at": now}
    )  # its lifecycle starts "open"
    case = inserted.one()
    change(case, reference=reference_for(case.id, now.astimezone(PARIS).year))
    return case


_NEW_CASE = insert(ReturnCase).returning(ReturnCase)


def record(case: ReturnCase, answer: Answer, looked: Looked, *, with_item: bool = True) -> None:
    """Sets what the request is about on the case (order line, parcel, policy version, decision),
    until the offer is settled: a case keeps what it was decided with (written with the
    lifecycle's changes, `bot.cases.files.write_changes`)."""
    if case.status not in REQUESTING:
        return
    facts, item, parcel = answer.standing.facts, answer.item, answer.parcel
    change(case, reason=facts.reason, seal_intact=facts.seal_intact)
    if parcel is not None:
        change(case, shipment_id=looked.shipments.get(parcel.tracking_number))
    if with_item and item is not None and item.open_case is None:
        change(
            case,
            order_line_id=item.line_id,
            policy_version_id=looked.policy_versions.get(item.line_id),
        )
    decision = answer.decision
    if decision is not None:
        change(case, decision=decision_json(decision), rule=decision.rule_id)
    change(
        case,
        facts={
            **{k: v for k, v in facts.to_json().items() if k != "offered"},
            "order": parcel.order_name if parcel and facts.owner_verified else None,
            "sku": item.sku if item else None,
            "price": str(item.price) if item else None,
        },
    )


async def keep_photo(session: AsyncSession, case: ReturnCase, photo: PhotoIn) -> None:
    """Adds the photo to the case's evidence, once."""
    known = await session.execute(
        select(Photo.id).where(Photo.case_id == case.id, Photo.sha256 == photo.sha256)
    )
    if known.first() is None:
        session.add(
            Photo(
                case_id=case.id,
                sha256=photo.sha256,
                perceptual_hash=photo.perceptual_hash,
                path=photo.path,
                source_file_id=photo.source_file_id,
            )
        )


def decision_json(decision: Decision) -> dict[str, Any]:
    """The decision as stored on the case: dates as ISO strings, amounts as strings."""
    return _plain(dataclasses.asdict(decision))  # type: ignore[no-any-return]


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, date | Decimal):
        return str(value) if isinstance(value, Decimal) else value.isoformat()
    return value
