"""The one conversation engine every channel uses: an event in, state and outbox rows out, in one transaction.

A channel builds a `Sender` and an event (`TextIn`, `ChoiceIn`, `PhotoIn`, `UnsupportedIn`) and calls
`handle`. The engine loads (or creates) and locks the conversation, looks up the world, runs the
machine, and applies its answer as it is: the new standing, the case it opens or follows (through
its lifecycle, `bot.cases.lifecycle`, which also does what the events call for: the agents' topic,
reminders, the supplier's request), and the replies as `OutboxMessage` rows, all together. The
channel sends the outbox rows; the console prints the payloads of the returned `Outcome`.
Agents act on a conversation through `act_in` (take over, hand back, settle).
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Executable, Table, bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from bot.cases.effects import Effects
from bot.cases.files import unwritten_changes
from bot.cases.lifecycle import Lifecycle
from bot.channels.events import ChoiceIn, Event, PhotoIn, Sender, TextIn, UnsupportedIn
from bot.channels.payloads import INSERT_REPLIES, inserted_replies, reply_values
from bot.conversation import cases
from bot.conversation.world import look_up
from bot.storage.models import (
    SHOP_SETTINGS_ID,
    UNREAD,
    Conversation,
    Customer,
    OwnershipMiss,
    ReturnCase,
    ShopSettings,
    TranscriptEntry,
    Unread,
)
from flows import events as domain
from flows.case_file import BEFORE_OFFER
from flows.conversation import RESTING, act, respond
from flows.conversation_world import Answer, Facts, Standing, World
from flows.understanding import Heard, from_choice, understand

Clock = Callable[[], datetime]
Fire = Callable[[Standing, World], Answer]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one event did. `messages` are the outbox payloads written, in order."""

    state: str
    previous_state: str
    trigger: str
    case_id: int | None
    reference: str | None
    messages: list[dict[str, Any]] = field(default_factory=list)
    outbox_ids: list[int] = field(default_factory=list)
    events: tuple[domain.Event, ...] = ()

    @property
    def for_agent(self) -> bool:
        """The customer wrote while an agent holds the case (the agents' topic relays it)."""
        return any(isinstance(event, domain.Relayed) for event in self.events)


class ConversationEngine:
    """Handles customers' events, one at a time per conversation, each in one transaction."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        clock: Clock = utc_now,
        lifecycle: Lifecycle | None = None,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self.lifecycle = lifecycle or Lifecycle(Effects(agent_chat=None))
        self._locks: weakref.WeakValueDictionary[tuple[str, str], asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    async def handle(self, sender: Sender, event: Event, *, inbox_id: int | None = None) -> Outcome:
        """Runs one event in its own transaction and commits it."""
        lock = self._lock(sender.channel, sender.chat_id)
        async with lock, self._sessions() as session, session.begin():
            return await self._handle(session, sender, event, inbox_id, written=False)

    async def handle_in(
        self, session: AsyncSession, sender: Sender, event: Event, *, inbox_id: int | None = None
    ) -> Outcome:
        """Runs one event inside the caller's transaction (the caller commits, e.g. with its inbox row).

        The caller's transaction has already written (the dispatcher claims the inbox row first): on
        SQLite it holds the write lock, so the chat is read (`_KNOWN`) before any insert.
        """
        return await self._handle(session, sender, event, inbox_id, written=True)

    async def _handle(
        self,
        session: AsyncSession,
        sender: Sender,
        event: Event,
        inbox_id: int | None,
        *,
        written: bool,
    ) -> Outcome:
        known = await _known(session, sender) if written else None
        settings: ShopSettings | Unread | None = UNREAD
        if known is None:  # a new chat (or not read yet: a transaction of its own)
            customer = await _customer(session, sender)
            conversation = await _conversation(session, sender, customer.id)
            case = await _case(session, conversation.case_id)
        else:  # `known` holds the case while the event runs: the session's own hold is weak
            conversation, case, settings = known.conversation, known.case, known.settings
            customer = known.customer or await _customer(session, sender)
            _refresh(customer, sender)
        heard = _heard(event)
        return await self._run(
            session,
            sender,
            conversation,
            customer,
            event,
            heard,
            inbox_id,
            lambda standing, world: respond(standing, world, heard),
            case=case,
            settings=settings,
        )

    async def act(self, channel: str, chat_id: str, trigger: str) -> Outcome:
        """An agents' trigger (`flows.conversation.AGENTS_TRIGGERS`) in its own transaction."""
        async with self._lock(channel, chat_id), self._sessions() as session, session.begin():
            return await self.act_in(session, channel, chat_id, trigger)

    async def act_in(
        self,
        session: AsyncSession,
        channel: str,
        chat_id: str,
        trigger: str,
        *,
        inbox_id: int | None = None,
    ) -> Outcome:
        """An agent takes the conversation over, hands it back or settles it (`trigger`), inside the
        caller's transaction (an agent's command in the agents' group)."""
        conversation = await _locked(session, channel, chat_id)
        if conversation is None:
            raise LookupError(f"no conversation {channel}:{chat_id}")
        customer = await session.get_one(Customer, conversation.customer_id)
        sender = Sender(channel, chat_id, customer.external_id, customer.first_name)
        return await self._run(
            session,
            sender,
            conversation,
            customer,
            None,
            Heard(),
            inbox_id,
            lambda standing, world: act(standing, world, trigger),
            case=await _case(session, conversation.case_id),
        )

    async def _run(
        self,
        session: AsyncSession,
        sender: Sender,
        conversation: Conversation,
        customer: Customer,
        event: Event | None,
        heard: Heard,
        inbox_id: int | None,
        fire: Fire,
        *,
        case: ReturnCase | None,
        settings: ShopSettings | Unread | None = UNREAD,
    ) -> Outcome:
        now = self._clock()
        await _lock_case(session, case)
        standing = Standing(
            conversation.state, Facts.from_json(conversation.context), conversation.misses
        )
        looked = await look_up(
            session,
            facts=standing.facts,
            heard=heard,
            event=event,
            case=case,
            customer_id=customer.id,
            first_name=customer.first_name,
            now=now,
            channel=sender.channel,
            settings=settings,
            asking_ownership=standing.state == "ask_ownership",
            withdrawing=_withdrawing(standing, heard),
            sends_email=self.lifecycle.effects.mail_from is not None,
        )
        answer = fire(standing, looked.world)
        if looked.ownership_missed is not None:
            session.add(
                OwnershipMiss(
                    customer_id=customer.id, tracking_number=looked.ownership_missed, at=now
                )
            )
        file = looked.world.case
        opened = any(isinstance(e, domain.CaseOpened) for e in answer.events)
        if opened:  # a new request
            case = await cases.open_case(session, customer.id, now)
            file = None
        replies = list(answer.replies)
        if case is not None:
            # A request opened after another was looked up beside that one: its item waits for the
            # next event, which checks it against the other open cases.
            with_item = not (opened and looked.world.case is not None)
            cases.record(case, answer, looked, with_item=with_item)
            if isinstance(event, PhotoIn):
                await cases.keep_photo(session, case, event)
            replies += await self.lifecycle.follow(
                session, case, answer, now=now, inbound=event, file=file, settings=looked.settings
            )
        reference = case.reference if case else None
        values = reply_values(
            sender.channel,
            sender.chat_id,
            replies,
            reference=reference,
            case_id=case.id if case else None,
            inbox_id=inbox_id,
            shop_name=looked.shop_name,
            now=now,
        )
        stands = {
            "state": answer.state,
            "misses": answer.standing.misses,
            "context": answer.standing.facts.to_json(),
            "case_id": case.id if case else None,
            "updated_at": now,
        }
        for key, value in stands.items():  # the row in the session told, as it is written
            set_committed_value(conversation, key, value)
        ids = await _write_event(
            session,
            unwritten_changes(case) if case else None,  # anything set after the lifecycle's write
            {"conversation_id": conversation.id, **stands},
            values,
            _transcript_entry(conversation, event, values, now),
        )
        rows = inserted_replies(session, values, ids)
        return Outcome(
            state=answer.state,
            previous_state=answer.previous_state,
            trigger=answer.trigger,
            case_id=case.id if case else None,
            reference=reference,
            messages=[row.payload for row in rows],
            outbox_ids=[row.id for row in rows],
            events=answer.events,
        )

    def _lock(self, channel: str, chat_id: str) -> asyncio.Lock:
        key = (channel, chat_id)
        lock = self._locks.get(key)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[key] = lock
        return lock


async def _write_event(
    session: AsyncSession,
    case: tuple[Executable, dict[str, Any]] | None,
    standing: dict[str, Any],
    replies: list[dict[str, Any]],
    transcript: dict[str, Any],
) -> list[int]:
    """The event's last writes in one go on the session's connection (Core statements, built
    once: no unit of work), as one hop to SQLAlchemy's greenlet instead of one each: the case's
    changes, where the conversation now stands (always the same columns), the replies as outbox
    rows (their ids come back, in order), the transcript entry. On PostgreSQL the standing and the
    transcript entry are one statement, one round trip (`transcript` has the standing's case and
    time)."""
    together = _dialect(session) == "postgresql"

    def write(sync_session: Session) -> list[int]:
        connection = sync_session.connection()
        if case is not None:
            connection.execute(*case)
        if together:
            connection.execute(_STANDING_AND_TRANSCRIPT, {**standing, **transcript})
        else:
            connection.execute(_STANDING, standing)
            connection.execute(_TRANSCRIPT, transcript)
        if not replies:
            return []
        inserted = connection.execute(INSERT_REPLIES, replies if len(replies) > 1 else replies[0])
        return list(inserted.scalars())

    return await session.run_sync(write)


async def _case(session: AsyncSession, case_id: int | None) -> ReturnCase | None:
    """The conversation's case, when `_KNOWN` has not read it."""
    return await session.get(ReturnCase, case_id) if case_id is not None else None


async def _lock_case(session: AsyncSession, case: ReturnCase | None) -> None:
    """Past the offer, the scheduler or an import may move the case on at the same time: on
    PostgreSQL it is then locked for the event (agents lock the conversation first, as the engine
    does; SQLite has one writer at a time)."""
    if case is not None and _dialect(session) == "postgresql" and case.status not in BEFORE_OFFER:
        await session.refresh(case, with_for_update=True)


# Where a withdrawal may be declared: the options, the declaration, a change of mind once settled.
_DECLARING = frozenset({"ask_option", "confirm_withdrawal", "done", "handover"})


def _withdrawing(standing: Standing, heard: Heard) -> bool:
    """Whether this event may need the order's name and e-mail (a withdrawal's declaration)."""
    return standing.facts.withdrawal or heard.command == "withdraw" or standing.state in _DECLARING


def _heard(event: Event) -> Heard:
    if isinstance(event, TextIn):
        return understand(event.text)
    if isinstance(event, ChoiceIn):
        return from_choice(event.choice_id)
    if isinstance(event, PhotoIn):
        return Heard(photo=True)
    if isinstance(event, UnsupportedIn):
        return Heard(unsupported=True, unsupported_kind=event.kind)
    raise TypeError(f"unknown event {event!r}")


def _dialect(session: AsyncSession) -> str:
    return "postgresql" if session.bind and session.bind.dialect.name == "postgresql" else "sqlite"


# The statements run for every event, built once (building one costs more than running it).
_KNOWN = (
    select(Conversation, Customer)
    .join(Customer, Customer.id == Conversation.customer_id)
    .outerjoin(ReturnCase, ReturnCase.id == Conversation.case_id)
    .outerjoin(ShopSettings, ShopSettings.id == SHOP_SETTINGS_ID)
    .add_columns(ReturnCase, ShopSettings)
    .where(
        Conversation.channel == bindparam("channel"), Conversation.chat_id == bindparam("chat_id")
    )
    .with_for_update(of=Conversation)
    .execution_options(populate_existing=True)
)
_LOCKED = (
    select(Conversation)
    .where(
        Conversation.channel == bindparam("channel"), Conversation.chat_id == bindparam("chat_id")
    )
    .with_for_update()
    .execution_options(populate_existing=True)
)
_CONVERSATIONS = cast(Table, Conversation.__table__)
_STANDING = update(_CONVERSATIONS).where(_CONVERSATIONS.c.id == bindparam("conversation_id"))
# Append-only rows: the table's own INSERT, no unit of work.
_TRANSCRIPT = insert(cast(Table, TranscriptEntry.__table__))
# Both in one statement (PostgreSQL runs an UPDATE in a WITH to completion): the entry's
# conversation, case and time are the standing's.
_STANDING_AND_TRANSCRIPT = _TRANSCRIPT.values(
    {
        name: bindparam(name)
        for name in ("conversation_id", "case_id", "at", "kind", "said", "replies")
    }
).add_cte(
    _STANDING.values(
        {name: bindparam(name) for name in ("state", "misses", "context", "case_id")}
        | {"updated_at": bindparam("at")}
    ).cte("standing")
)
# A new chat's rows, each inserted unless another transaction just did (the dialect's ON CONFLICT).
_NEW_CUSTOMER = {
    name: insert_for(Customer)
    .on_conflict_do_nothing(index_elements=["channel", "external_id"])
    .returning(Customer)
    for name, insert_for in (("postgresql", postgresql_insert), ("sqlite", sqlite_insert))
}
_NEW_CONVERSATION = {
    name: insert_for(Conversation)
    .on_conflict_do_nothing(index_elements=["channel", "chat_id"])
    .returning(Conversation)
    for name, insert_for in (("postgresql", postgresql_insert), ("sqlite", sqlite_insert))
}
_CUSTOMER = (
    select(Customer)
    .where(
        Customer.channel == bindparam("channel"), Customer.external_id == bindparam("external_id")
    )
    .execution_options(populate_existing=True)
)


@dataclass(frozen=True, slots=True)
class _Known:
    conversation: Conversation
    customer: Customer | None  # None: the chat's conversation is another customer's
    case: ReturnCase | None
    settings: ShopSettings | None


async def _known(session: AsyncSession, sender: Sender) -> _Known | None:
    """An existing chat in one query: its conversation (locked), customer, open case and the shop;
    None for a new chat.

    The case lands in the session, where the rest of the event finds it (while it is held).
    """
    chat = {"channel": sender.channel, "chat_id": sender.chat_id}
    row = (await session.execute(_KNOWN, chat)).first()
    if row is None:
        return None
    customer = row.Customer if row.Customer.external_id == sender.external_id else None
    return _Known(row.Conversation, customer, row.ReturnCase, row.ShopSettings)


async def _customer(session: AsyncSession, sender: Sender) -> Customer:
    """The sender's customer, created if new: only the engine creates customers, with their
    conversation, so a chat without one is almost always a new customer's (inserted first)."""
    customer = await _new_customer(session, sender)
    _refresh(customer, sender)
    return customer


def _refresh(customer: Customer, sender: Sender) -> None:
    if sender.first_name and customer.first_name != sender.first_name:
        customer.first_name = sender.first_name
    if customer.blocked_at is not None:  # marked as having blocked the bot, yet writing: reachable
        customer.blocked_at = None


async def _customer_row(session: AsyncSession, sender: Sender) -> Customer | None:
    customer = {"channel": sender.channel, "external_id": sender.external_id}
    return (await session.execute(_CUSTOMER, customer)).scalar_one_or_none()


async def _new_customer(session: AsyncSession, sender: Sender) -> Customer:
    customer = {
        "channel": sender.channel,
        "external_id": sender.external_id,
        "first_name": sender.first_name,
        "username": sender.username,
        "created_at": utc_now(),
    }
    inserted = await session.scalars(_NEW_CUSTOMER[_dialect(session)], customer)
    found = inserted.one_or_none() or await _customer_row(session, sender)
    assert found is not None  # just inserted or already there
    return found


async def _conversation(session: AsyncSession, sender: Sender, customer_id: int) -> Conversation:
    """The chat's conversation, created if new, locked for this transaction.

    The insert comes first: in a transaction that has not written yet, on SQLite it takes the write
    lock; a transaction already writing has found no conversation with `_KNOWN`. On
    PostgreSQL a row another transaction inserted meanwhile is read and locked with SELECT … FOR
    UPDATE. Either way two processes never run the same conversation at once.
    """
    conversation = {
        "channel": sender.channel,
        "chat_id": sender.chat_id,
        "customer_id": customer_id,
        "state": RESTING[0],
        "misses": 0,
        "context": {},
        "updated_at": utc_now(),
    }
    inserted = await session.scalars(
        _NEW_CONVERSATION[_dialect(session)], conversation
    )  # a row inserted here is this transaction's own: locked as such
    found = inserted.one_or_none() or await _locked(session, sender.channel, sender.chat_id)
    assert found is not None  # just inserted or already there
    return found


async def _locked(session: AsyncSession, channel: str, chat_id: str) -> Conversation | None:
    chat = {"channel": channel, "chat_id": chat_id}
    return (await session.execute(_LOCKED, chat)).scalar_one_or_none()


def _transcript_entry(
    conversation: Conversation, event: Event | None, replies: list[dict[str, Any]], now: datetime
) -> dict[str, Any]:
    """The exchange, kept for the agents of an escalated case (`bot.agents.transcript`)."""
    kind, said = _said(event)
    return {
        "conversation_id": conversation.id,
        "case_id": conversation.case_id,
        "at": now,
        "kind": kind,
        "said": said,
        "replies": [
            {"text": r["payload"]["text"], "choices": r["payload"]["choices"]} for r in replies
        ],
    }


def _said(event: Event | None) -> tuple[str, str]:
    if isinstance(event, TextIn):
        return "text", event.text
    if isinstance(event, ChoiceIn):
        return "choice", event.choice_id
    if isinstance(event, PhotoIn):
        return "photo", event.path
    if isinstance(event, UnsupportedIn):
        return "unsupported", event.kind
    return "none", ""
