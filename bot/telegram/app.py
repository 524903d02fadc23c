"""The Telegram bot's runner: migrations, the command menu, then updates in and replies out until a signal.

    getUpdates / webhook ──► inbox (commit) ──► dispatcher: one lane per chat
        └─ prepare (download photos) ─► one transaction: claim the row + engine + outbox rows
    scheduler: due jobs ─► one transaction each: claim the job + the case's event + outbox rows
    sender: one lane per chat ─► paced sends, retries ─► marked sent (group commit)
    topics: the agents' group ─► forum topic opened once per customer, relays merged, 20/min

SIGTERM and SIGINT stop the intake, let the updates and sends in flight finish (a few seconds),
confirm the last getUpdates offset and close the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import BotCommand

from bot.agents.handoff import AGENTS_CHANNEL
from bot.cases.effects import effects_for
from bot.cases.lifecycle import Lifecycle
from bot.channels.dispatch import Dispatcher
from bot.channels.outbox import OutboxWorker
from bot.channels.pacing import Limits, Pacer
from bot.channels.workers import Workers
from bot.channels.writes import WriteGate
from bot.config import Settings
from bot.conversation import ConversationEngine
from bot.mail.delivery import email_sender
from bot.mail.requests import failure_reporter
from bot.scheduler.runner import Scheduler
from bot.storage.database import create_engine, is_sqlite, session_factory
from bot.storage.migrate import upgrade_database
from bot.storage.models import OutboxMessage
from bot.telegram.client import POLL_TIMEOUT, ReturnBot, build_bot
from bot.telegram.errors import is_transient
from bot.telegram.inbox import CHANNEL, Poller
from bot.telegram.sender import customer_sender
from bot.telegram.staff import StaffUpdates, engine_call, set_staff_menus
from bot.telegram.topics import TopicSender
from bot.telegram.undelivered import tell_agents
from bot.telegram.updates import TelegramUpdates
from bot.telegram.webhook import WebhookServer, register
from flows.intent_model import shipped_model
from messages import compile_all

log = logging.getLogger(__name__)

# The menu Telegram shows next to the text field (the commands the engine understands).
COMMANDS = (
    BotCommand("start", "Commencer ou reprendre une demande de retour"),
    BotCommand("annuler", "Annuler la demande en cours"),
    BotCommand("agent", "Parler à un conseiller"),
    BotCommand("suivi", "Où en est mon retour ?"),
    BotCommand("aide", "Comment ça marche"),
    BotCommand("retractation", "Renoncer au contrat ici (droit de rétractation)"),
)


@dataclass(frozen=True, slots=True)
class Tuning:
    """Knobs for tests and benchmarks; the defaults are the production values
    (`limits` None: Telegram's, with the overall rate of `RETURNBOT_TELEGRAM_MESSAGES_PER_SECOND`)."""

    limits: Limits | None = None
    poll_timeout: int = POLL_TIMEOUT
    grace: float = 5.0


async def serve(
    settings: Settings, *, tuning: Tuning | None = None, stop: asyncio.Event | None = None
) -> None:
    """Runs the bot until `stop` is set or SIGTERM/SIGINT arrives."""
    tuning = tuning or Tuning()
    stop = stop or asyncio.Event()
    warm_up()
    await upgrade_database(settings.database_url)
    database = create_engine(settings.database_url, inline=True)
    try:
        with _stopping_on_signals(stop):
            rate = tuning.limits.overall_per_second if tuning.limits is not None else None
            client = build_bot(settings, poll_timeout=tuning.poll_timeout, sends_per_second=rate)
            async with client as bot:
                await bot.set_my_commands(COMMANDS)
                await set_staff_menus(
                    bot,
                    COMMANDS,
                    agent_chat_id=settings.agent_chat_id,
                    admin_ids=settings.admin_ids,
                )
                await _run(settings, bot, session_factory(database), tuning, stop)
    finally:
        await database.dispose()


def warm_up() -> None:
    """Reads the understanding model and compiles the templates before the first update (~0.2 s):
    after a restart with a backlog, the first customers' replies don't wait for them."""
    shipped_model()
    compile_all()


async def _run(
    settings: Settings,
    bot: ReturnBot,
    sessions: async_sessionmaker[AsyncSession],
    tuning: Tuning,
    stop: asyncio.Event,
) -> None:
    gate = WriteGate(settings.database_url)
    sender, topics = build_senders(bot, sessions, gate, settings, sending_limits(settings, tuning))
    lifecycle = Lifecycle(effects_for(settings))
    conversation = ConversationEngine(sessions, lifecycle=lifecycle)
    customers = TelegramUpdates(
        bot,
        engine_call(conversation),
        photos_dir=settings.photos_dir,
        agent_chat_id=settings.agent_chat_id,
    )
    updates = StaffUpdates(
        customers,
        bot,
        conversation,
        sessions,
        gate,
        agent_chat_id=settings.agent_chat_id,
        admin_ids=settings.admin_ids,
        data_dir=settings.data_dir,
    )

    mail = (
        email_sender(
            settings.smtp,
            sessions,
            gate,
            data_dir=settings.data_dir,
            on_failure=failure_reporter(sessions, gate, _agent_chat(settings)),
        )
        if settings.smtp is not None
        else None
    )

    workers = (
        None
        if is_sqlite(settings.database_url)
        else Workers(
            settings.database_url,
            on_notice=lambda what: woken(what),
            on_members=lambda: dispatcher.rescan(),
        )
    )

    def leading() -> bool:
        return workers is None or workers.leading.is_set()

    def jobs_done() -> None:
        if leading():
            sender.wake()
            topics.wake()
            if mail is not None:
                mail.wake()

    scheduler = Scheduler(sessions, gate, lifecycle, on_committed=jobs_done)

    def committed(rows: Sequence[OutboxMessage]) -> None:
        if leading():  # elsewhere, the rows' insert notifies the leader
            sender.offer(rows)
            if mail is not None:
                mail.offer(rows)
            if any(row.channel == AGENTS_CHANNEL for row in rows):
                topics.wake()
        scheduler.wake()  # a job due at once (a follow-up after 0 days) goes now, not at the next look

    dispatcher = Dispatcher(
        sessions,
        gate,
        updates,
        channel=CHANNEL,
        transient=is_transient,
        on_committed=committed,
        owns=workers.owns if workers is not None else None,
        in_order=workers is not None,
    )

    polling = not (settings.webhook_url and settings.webhook_secret)

    def woken(what: str) -> None:
        """A process committed rows: inbox rows for the dispatcher, outbox rows to send. The
        leader's own poller and commits wake it already: their notices would only cost queries."""
        if what == "inbox" and not (polling and leading()):
            dispatcher.wake()
        elif what == "outbox" and leading() and workers is not None and len(workers.members) > 1:
            jobs_done()

    tasks = [
        asyncio.create_task(dispatcher.run(), name="dispatcher"),
        asyncio.create_task(scheduler.run(), name="scheduler"),
    ]
    if workers is not None:
        tasks.append(asyncio.create_task(workers.run(), name="workers"))
    lead = _Lead(bot, settings, sessions, gate, tuning, dispatcher, [sender, topics, mail])
    server: WebhookServer | None = None
    if settings.webhook_url and settings.webhook_secret:  # every process takes Telegram's posts
        server = WebhookServer(
            sessions,
            gate,
            settings.webhook_secret,
            dispatcher.wake,
            behind_proxy=settings.webhook_behind_proxy,
        )
        server.listen(*settings.webhook_host_port, shared=workers is not None)
    tasks.append(
        asyncio.create_task(lead.run(workers.leading if workers is not None else None), name="lead")
    )
    log.info("bot started (%s)", "webhook" if server else "long polling")
    stopped = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait([*tasks, stopped], return_when=asyncio.FIRST_COMPLETED)
    log.info("stopping")
    if server is not None:
        await server.close()
    await lead.stop_intake()
    scheduler.stop()
    await dispatcher.drain(tuning.grace)
    await lead.drain()
    for task in [*tasks, stopped]:
        task.cancel()
    await asyncio.gather(*tasks, stopped, return_exceptions=True)
    await lead.confirm()
    for task in done:
        if task is not stopped and not task.cancelled() and (error := task.exception()):
            raise error


class _Lead:
    """What only the leading process does: poll Telegram (or register the webhook), and send."""

    def __init__(
        self,
        bot: ReturnBot,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        gate: WriteGate,
        tuning: Tuning,
        dispatcher: Dispatcher[Any],
        senders: Sequence[OutboxWorker | TopicSender | None],
    ) -> None:
        self._bot = bot
        self._settings = settings
        self._sessions = sessions
        self._gate = gate
        self._tuning = tuning
        self._dispatcher = dispatcher
        self._senders = [sender for sender in senders if sender is not None]
        self._tasks: list[asyncio.Task[None]] = []
        self._poller: Poller | None = None
        self._polling: asyncio.Task[None] | None = None

    async def run(self, leading: asyncio.Event | None) -> None:
        if leading is not None:
            await leading.wait()
        self._tasks = [
            asyncio.create_task(sender.run(), name=f"sender-{number}")
            for number, sender in enumerate(self._senders)
        ]
        settings = self._settings
        if settings.webhook_url and settings.webhook_secret:
            await register(self._bot, settings.webhook_url, settings.webhook_secret)
        else:
            await self._bot.delete_webhook(drop_pending_updates=False)
            self._poller = Poller(
                self._bot,
                self._sessions,
                self._gate,
                self._dispatcher.wake,
                timeout=self._tuning.poll_timeout,
            )
            self._polling = asyncio.create_task(self._poller.run(), name="poller")
            self._tasks.append(self._polling)
        await asyncio.gather(*self._tasks)

    async def stop_intake(self) -> None:
        if self._polling is not None:
            self._polling.cancel()

    async def drain(self) -> None:
        if not self._tasks:
            return
        for sender in self._senders:
            await sender.drain(self._tuning.grace)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def confirm(self) -> None:
        if self._poller is not None:
            await self._poller.confirm()


def sending_limits(settings: Settings, tuning: Tuning) -> Limits:
    """How fast the bot sends: the tuning's limits, or Telegram's at the shop's overall rate."""
    if tuning.limits is not None:
        return tuning.limits
    return Limits(overall_per_second=settings.telegram_messages_per_second)


def _agent_chat(settings: Settings) -> str | None:
    return str(settings.agent_chat_id) if settings.agent_chat_id is not None else None


def build_senders(
    bot: ReturnBot,
    sessions: async_sessionmaker[AsyncSession],
    gate: WriteGate,
    settings: Settings,
    limits: Limits,
) -> tuple[OutboxWorker, TopicSender]:
    """The customers' and the agents' senders, drawing on one overall limit (30 messages/s)."""
    pacer = Pacer(limits)
    topics = TopicSender(bot, sessions, gate, data_dir=settings.data_dir, pacer=pacer)
    customers = customer_sender(
        bot,
        sessions,
        gate,
        data_dir=settings.data_dir,
        pacer=pacer,
        on_failure=tell_agents(sessions, gate, topics.wake),
    )
    return customers, topics


@contextlib.contextmanager
def _stopping_on_signals(stop: asyncio.Event) -> Iterator[None]:
    loop = asyncio.get_running_loop()
    for number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(number, stop.set)
    try:
        yield
    finally:
        for number in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(number)
