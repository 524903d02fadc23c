"""What the shell does when the machines say something happened: the agents' topic, the scheduler,
the supplier's authorisation request. Applied in the transaction of the event that caused it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.agents.handoff import add_to_topic, queue_card, relay, topic_for, topic_of
from bot.agents.notes import Address, note_for, reorder_task, withdrawal_note
from bot.cases import withdrawals
from bot.channels.events import Event as Incoming
from bot.config import Settings
from bot.mail.requests import request_authorisation
from bot.scheduler.jobs import morning_of, schedule
from bot.storage.models import AgentTopic, Customer, Order, OrderLine, ReturnCase, Supplier
from flows import law
from flows.case_file import CaseFile
from flows.events import (
    AuthorisationRequested,
    DueDateSet,
    Event,
    FollowUpDue,
    HandedOver,
    LeftHandover,
    Overdue,
    Relayed,
    ReplacementToOrder,
    StatusChanged,
    WithdrawalRecorded,
)

log = logging.getLogger(__name__)

LEFT_WORDS = {
    "cancel": "a annulé sa demande",
    "start": "a commencé une nouvelle demande",
    "withdraw": "a demandé à se rétracter",
    "agent_done": "a reçu la décision",
}


def effects_for(settings: Settings) -> Effects:
    """The shop's side as its settings say: its agents' group, its e-mail."""
    chat = str(settings.agent_chat_id) if settings.agent_chat_id is not None else None
    return Effects(
        agent_chat=chat, mail_from=settings.smtp.sender if settings.smtp is not None else None
    )


class Effects:
    """Applies the machines' events for one shop: `agent_chat` is the agents' group (its id, or
    `CONSOLE_DESK` in the terminal; None: no agents' desk), `mail_from` the shop's sender address
    when e-mail is set up."""

    def __init__(self, *, agent_chat: str | None, mail_from: str | None = None) -> None:
        self.agent_chat = agent_chat
        self.mail_from = mail_from

    async def apply(
        self,
        session: AsyncSession,
        case: ReturnCase,
        file: CaseFile,
        events: Sequence[Event],
        *,
        now: datetime,
        inbound: Incoming | None = None,
    ) -> None:
        desk = _Desk(session, case, self.agent_chat)
        left = any(isinstance(event, LeftHandover) for event in events)
        relayed = any(isinstance(event, Relayed) for event in events)
        for event in events:
            await self._jobs(session, case, event, now)
            if isinstance(event, HandedOver):
                topic = await desk.topic(card=False)
                if topic is not None:
                    await queue_card(session, topic, case)
                    desk.carded = True
                    if inbound is not None and not relayed:  # the message that asked for a person
                        relay(session, topic, inbound)
            elif isinstance(event, Relayed) and inbound is not None:
                topic = await desk.topic()
                if topic is not None:
                    relay(session, topic, inbound)
            elif isinstance(event, LeftHandover):
                await desk.note(
                    f"ℹ️ Le client {LEFT_WORDS.get(event.trigger, 'a quitté la prise en charge')} : "
                    "le bot lui répond."
                )
            elif isinstance(event, ReplacementToOrder):
                await desk.note(await _reorder(session, case, file))
            elif isinstance(event, WithdrawalRecorded):
                kept = await withdrawals.keep(session, case, event, mail_from=self.mail_from)
                if kept is not None and event.outcome == "sent":  # an agent who held it hears of it
                    note = withdrawal_note(event, file, emailed_to=kept.emailed_to)
                    await desk.note(note, open_topic=False)
            elif isinstance(event, AuthorisationRequested):
                topic = await desk.topic()
                await request_authorisation(session, case, file, topic, mail_from=self.mail_from)
            elif isinstance(event, StatusChanged) and (
                event.after in QUIET or (left and event.after in ONLY_IF_OPEN)
            ):
                continue  # the conversation's own moves: the card or the note on leaving say them
            else:
                text = note_for(event, file)
                if text is not None:
                    await desk.note(text, open_topic=not _minor(event))

    async def _jobs(
        self, session: AsyncSession, case: ReturnCase, event: Event, now: datetime
    ) -> None:
        """Reminders, alerts and the follow-up, written for the scheduler."""
        if isinstance(event, DueDateSet):
            data = {"kind": event.kind, "due": event.due.isoformat()}
            reminder = morning_of(law.reminder_day(event.due))
            if reminder > now:
                await schedule(session, case.id, "remind", reminder, data)
            await schedule(
                session, case.id, "alert", morning_of(event.due + timedelta(days=1)), data
            )
        elif isinstance(event, Overdue) and event.next_step_on is not None:
            data = {"kind": event.kind, "due": event.due.isoformat()}
            await schedule(session, case.id, "alert", morning_of(event.next_step_on), data)
        elif isinstance(event, FollowUpDue):
            await schedule(
                session, case.id, "follow_up", now + timedelta(days=event.after_days), {}
            )


# Statuses the agents need not hear of (the conversation's own moves), and those they hear of only
# in a topic already open for the case (a request declined or cancelled before anyone looked).
QUIET = frozenset({"open", "handover"})
ONLY_IF_OPEN = frozenset({"declined", "cancelled"})


def _minor(event: Event) -> bool:
    return isinstance(event, StatusChanged) and event.after in ONLY_IF_OPEN


class _Desk:
    """The case's customer topic, opened with its card the first time something is said there."""

    def __init__(self, session: AsyncSession, case: ReturnCase, agent_chat: str | None) -> None:
        self._session = session
        self._case = case
        self._agent_chat = agent_chat
        self._topic: AgentTopic | None = None
        self.carded = False

    async def topic(self, *, card: bool = True) -> AgentTopic | None:
        if self._agent_chat is None:
            return None
        if self._topic is None:
            customer = await self._session.get_one(Customer, self._case.customer_id)
            self._topic, new = await topic_for(
                self._session, customer, self._case, self._agent_chat
            )
            if new and card and not self.carded:
                await queue_card(self._session, self._topic, self._case)
                self.carded = True
        return self._topic

    async def note(self, text: str, *, open_topic: bool = True) -> None:
        """A note in the topic; `open_topic=False`: only where the customer has one already."""
        if not open_topic and self._topic is None:
            customer_id = self._case.customer_id
            existing = await topic_of(self._session, customer_id)
            if existing is None or existing.case_id != self._case.id:
                return
        topic = await self.topic()
        if topic is not None:
            add_to_topic(self._session, topic, {"kind": "note", "text": text}, self._case.id)


async def _reorder(session: AsyncSession, case: ReturnCase, file: CaseFile) -> str:
    line = await session.get(OrderLine, case.order_line_id) if case.order_line_id else None
    supplier = await session.get(Supplier, line.supplier_id) if line and line.supplier_id else None
    order = await session.get(Order, line.order_id) if line is not None else None
    address = None
    if order is not None:
        parts = [order.shipping_address1, order.shipping_address2]
        place = " ".join(p for p in (order.shipping_zip, order.shipping_city) if p)
        lines = tuple(p for p in (*parts, place, order.shipping_country) if p)
        address = Address(order.shipping_name, lines, order.shipping_phone)
    named = f"{supplier.name} ({supplier.code})" if supplier is not None else ""
    return reorder_task(file, sku=line.sku if line else "", supplier=named, address=address)
