"""Every actor's way into a case's lifecycle: the customer (through the conversation's answer), an
agent's command, an import, the scheduler. Each runs in the caller's transaction and writes the
case, the replies to the customer and the effects together.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.cases.effects import Effects
from bot.cases.files import load_file, store_file, write_changes
from bot.channels.events import Event as Incoming
from bot.channels.payloads import queue_replies
from bot.shop_facts import mediator_of
from bot.storage.base import utcnow
from bot.storage.models import SHOP_SETTINGS_ID, UNREAD, Customer, ReturnCase, ShopSettings, Unread
from flows import case_lifecycle
from flows.case_file import CaseFile
from flows.case_lifecycle import CaseAnswer, with_request
from flows.conversation_world import Answer, Reply

PARIS = ZoneInfo("Europe/Paris")
DEFAULT_FOLLOW_UP_DAYS = 3


class Lifecycle:
    """Runs a case's lifecycle and applies its answers (`effects`: what the shop's side does)."""

    def __init__(self, effects: Effects) -> None:
        self.effects = effects

    async def follow(
        self,
        session: AsyncSession,
        case: ReturnCase,
        answer: Answer,
        *,
        now: datetime,
        inbound: Incoming | None = None,
        file: CaseFile | None = None,
        settings: ShopSettings | Unread | None = UNREAD,
    ) -> list[Reply]:
        """The conversation's answer applied to its case (`file`: the case as the event began, when
        the caller has read it; `settings`: the shop's, when the caller has read them in this
        transaction); the case's replies, for the engine to send after its own."""
        file = with_request(file or await load_file(session, case), answer)
        if settings is UNREAD:
            settings = await session.get(ShopSettings, SHOP_SETTINGS_ID)
        followed = case_lifecycle.follow(
            file, answer.events, today=now.astimezone(PARIS).date(), **_shop_terms(settings)
        )
        store_file(case, followed.file, now)
        await write_changes(session, case)  # the request's facts and the lifecycle's, at once
        events = [*answer.events, *followed.events]
        await self.effects.apply(session, case, followed.file, events, now=now, inbound=inbound)
        return list(followed.replies)

    async def advance(
        self,
        session: AsyncSession,
        case: ReturnCase,
        trigger: str,
        *,
        now: datetime,
        inbox_id: int | None = None,
        **data: Any,
    ) -> CaseAnswer:
        """One event of the case's own (agents, imports, the scheduler); the customer is told here.

        The case is read again, locked, so that two actors never move it on from the same status."""
        await session.refresh(case, with_for_update=True)
        file = await load_file(session, case)
        settings = await session.get(ShopSettings, SHOP_SETTINGS_ID)
        answer = case_lifecycle.advance(
            file, trigger, today=now.astimezone(PARIS).date(), **_shop_terms(settings), **data
        )
        if answer.fired:
            store_file(case, answer.file, now)
            await write_changes(session, case)
            await tell_customer(session, case, answer.replies, inbox_id=inbox_id)
            await self.effects.apply(session, case, answer.file, answer.events, now=now)
        return answer

    async def return_arrived(self, session: AsyncSession, case: ReturnCase, on: date) -> bool:
        """A shipments import shows the return parcel delivered `on`: the case receives it."""
        answer = await self.advance(session, case, "receive", now=utcnow(), on=on)
        return answer.fired


async def tell_customer(
    session: AsyncSession, case: ReturnCase, replies: tuple[Reply, ...], *, inbox_id: int | None
) -> None:
    """The case's replies, to the customer's own chat (a private chat: the customer's id)."""
    if not replies:
        return
    customer = await session.get_one(Customer, case.customer_id)
    settings = await session.get(ShopSettings, SHOP_SETTINGS_ID)
    queue_replies(
        session,
        customer.channel,
        customer.external_id,
        replies,
        reference=case.reference,
        case_id=case.id,
        inbox_id=inbox_id,
        shop_name=settings.name if settings is not None else "",
    )


def _shop_terms(settings: ShopSettings | None) -> dict[str, Any]:
    """What the lifecycle takes from the shop's settings: the follow-up's delay, the mediator."""
    if settings is None:
        return {"follow_up_after_days": DEFAULT_FOLLOW_UP_DAYS, "mediator": None}
    return {
        "follow_up_after_days": settings.follow_up_after_days,
        "mediator": mediator_of(settings),
    }
