"""The shop's own people on Telegram: agents in the forum group, admins in a private chat.

Wraps the customers' handler (`bot.telegram.updates.TelegramUpdates`): a message in a topic of the
agents' group from a member of that group (getChatMember, cached a minute) goes to
`bot.agents.commands`; an admin command or a file sent by an admin (`RETURNBOT_ADMIN_IDS`) to
`bot.admin.chat` and the importers; everything else, and everyone else, to the customer conversation.
"""

from __future__ import annotations

import hashlib
import html
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot, BotCommand, BotCommandScopeChat, Chat, Message, Update
from telegram.constants import ChatMemberStatus
from telegram.error import BadRequest, TelegramError

from bot.admin.chat import AdminAnswer, answer_admin, is_admin_command
from bot.agents.commands import AgentMessage, handle_agent_message
from bot.channels.writes import WriteGate
from bot.conversation import ConversationEngine, Event, Outcome, Sender
from bot.importers import detect_kind, run_import
from bot.storage.base import utcnow
from bot.storage.models import InboxUpdate, OutboxMessage
from bot.telegram.inbox import CHANNEL
from bot.telegram.updates import (
    MAX_DOWNLOAD,
    Engine,
    Reading,
    TelegramUpdates,
    _is_image,
    without_nul,
)

log = logging.getLogger(__name__)

MEMBERSHIP_TTL = 60.0  # seconds a getChatMember answer is trusted
LABELS = "labels"  # where the files agents send are kept, under the data folder
MEMBERS = frozenset(
    {ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.MEMBER}
)


AGENT_MENU = (
    BotCommand("prendre", "Prendre le dossier (le bot se tait)"),
    BotCommand("rendre", "Rendre le client au bot"),
    BotCommand("echange", "Décider un échange"),
    BotCommand("garder", "Décider : le client garde l'article, un neuf part"),
    BotCommand("rembourser", "Décider un remboursement de MONTANT"),
    BotCommand("refuser", "Refuser, avec le MOTIF lu par le client"),
    BotCommand("accord", "Le fournisseur accepte le retour (RMA)"),
    BotCommand("desaccord", "Le fournisseur refuse le retour"),
    BotCommand("etiquette", "L'étiquette de retour (en légende du fichier)"),
    BotCommand("recu", "Le colis retour est arrivé"),
    BotCommand("rembourse", "Le remboursement est fait"),
    BotCommand("expedie", "Le remplacement est parti : SUIVI"),
    BotCommand("note", "Note interne"),
    BotCommand("dossier", "La fiche du dossier"),
    BotCommand("clore", "Clore le dossier"),
)
ADMIN_MENU = (
    BotCommand("admin", "Les commandes d'administration"),
    BotCommand("fournisseurs", "Les fournisseurs"),
    BotCommand("fournisseur", "La politique d'un fournisseur"),
    BotCommand("politique", "Changer un champ d'une politique"),
    BotCommand("historique", "Les versions d'une politique"),
    BotCommand("fenetre", "Le délai annoncé aux clients"),
    BotCommand("stats", "Les retours des derniers jours"),
)


async def set_staff_menus(
    bot: Bot,
    customer_menu: tuple[BotCommand, ...],
    *,
    agent_chat_id: int | None,
    admin_ids: tuple[int, ...],
) -> None:
    """The agents' commands in their group, the admin commands in each admin's chat."""
    menus: list[tuple[int, tuple[BotCommand, ...]]] = []
    if agent_chat_id is not None:
        menus.append((agent_chat_id, AGENT_MENU))
    menus += [(admin, customer_menu + ADMIN_MENU) for admin in admin_ids]
    for chat_id, menu in menus:
        try:
            await bot.set_my_commands(menu, scope=BotCommandScopeChat(chat_id))
        except TelegramError as error:  # an admin who never wrote to the bot: no chat yet
            log.info("no command menu for chat %s: %s", chat_id, error)


@dataclass(frozen=True, slots=True)
class AdminRequest:
    """An admin's command, or the report of the file they sent (imported while preparing)."""

    chat_id: str
    user_id: int
    text: str = ""
    report: str | None = None


@dataclass(frozen=True, slots=True)
class Ignored:
    """Nothing to do (a non-member in the agents' group, a service message…)."""


Prepared = Reading | AgentMessage | AdminRequest | Ignored


def engine_call(conversation: ConversationEngine) -> Engine:
    """The conversation engine in the update's transaction (it tells the agents' topic itself)."""

    async def call(session: AsyncSession, customer: Sender, event: Event, inbox_id: int) -> Outcome:
        return await conversation.handle_in(session, customer, event, inbox_id=inbox_id)

    return call


class Members:
    """Who belongs to the agents' group, asked of Telegram and remembered for a minute."""

    def __init__(self, bot: Bot, chat_id: int) -> None:
        self._bot = bot
        self._chat_id = chat_id
        self._known: dict[int, tuple[bool, float]] = {}

    async def includes(self, user_id: int) -> bool:
        known = self._known.get(user_id)
        now = time.monotonic()
        if known is not None and now - known[1] < MEMBERSHIP_TTL:
            return known[0]
        try:
            member = await self._bot.get_chat_member(self._chat_id, user_id)
        except BadRequest as error:  # "user not found", "participant_id_invalid"
            log.info("getChatMember %s: %s", user_id, error.message)
            member_now = False
        else:
            status = member.status
            member_now = status in MEMBERS or (
                status == ChatMemberStatus.RESTRICTED and bool(getattr(member, "is_member", False))
            )
        self._known[user_id] = (member_now, now)
        return member_now


class StaffUpdates:
    """The dispatcher's handler: agents and admins first, customers otherwise."""

    def __init__(
        self,
        customers: TelegramUpdates,
        bot: Bot,
        engine: ConversationEngine,
        sessions: async_sessionmaker[AsyncSession],
        gate: WriteGate,
        *,
        agent_chat_id: int | None,
        admin_ids: tuple[int, ...],
        data_dir: Path,
    ) -> None:
        self._customers = customers
        self._bot = bot
        self._engine = engine
        self._sessions = sessions
        self._gate = gate
        self._agent_chat_id = agent_chat_id
        self._admin_ids = frozenset(admin_ids)
        self._data_dir = data_dir
        self._members = Members(bot, agent_chat_id) if agent_chat_id is not None else None

    async def prepare(self, row: InboxUpdate) -> Prepared:
        if not self._staff_may_have_sent(row.payload):
            return await self._customers.read_payload(row.payload)
        update = Update.de_json(row.payload, self._bot)
        message = update.message
        chat = update.effective_chat
        if message is not None and chat is not None and message.from_user is not None:
            if chat.id == self._agent_chat_id:
                return await self._agent(message)
            if chat.type == Chat.PRIVATE and message.from_user.id in self._admin_ids:
                request = await self._admin(message)
                if request is not None:
                    return request
        return await self._customers.read(update)

    def _staff_may_have_sent(self, payload: dict[str, Any]) -> bool:
        """Whether the update may be a message from the agents' group or from an admin (read
        through PTB's objects, below); when not, it is a customer's (read as the customers' are)."""
        message = payload.get("message")
        if not isinstance(message, dict):
            return False
        chat, user = message.get("chat"), message.get("from")
        if not isinstance(chat, dict) or not isinstance(user, dict):
            return False
        if self._agent_chat_id is not None and chat.get("id") == self._agent_chat_id:
            return True
        return chat.get("type") == Chat.PRIVATE and user.get("id") in self._admin_ids

    async def gave_up(self, row: InboxUpdate, error: Exception) -> Prepared:
        """A download that kept failing: an admin is asked to send the file again, a customer
        the photo (only these two download anything)."""
        message = Update.de_json(row.payload, self._bot).message
        user = message.from_user if message is not None else None
        document = message.document if message is not None else None
        if (
            message is not None
            and user is not None
            and document is not None
            and user.id in self._admin_ids
            and message.chat.type == Chat.PRIVATE
            and not _is_image(document.mime_type, document.file_name)
        ):
            report = "Je n'ai pas pu télécharger ce fichier : renvoyez-le, s'il vous plaît."
            return AdminRequest(str(message.chat_id), user.id, report=report)
        return await self._customers.gave_up(row, error)

    async def handle(self, session: AsyncSession, row: InboxUpdate, prepared: Prepared) -> None:
        if isinstance(prepared, Reading):
            await self._customers.handle(session, row, prepared)
        elif isinstance(prepared, AgentMessage) and self._agent_chat_id is not None:
            await handle_agent_message(
                session,
                self._engine,
                prepared,
                agent_chat_id=self._agent_chat_id,
                now=utcnow(),
                inbox_id=row.id,
            )
        elif isinstance(prepared, AdminRequest):
            if prepared.report is not None:
                answer = AdminAnswer(prepared.report)
            else:
                actor = f"admin:{prepared.user_id}"
                answer = await answer_admin(session, prepared.text, actor=actor, now=utcnow())
            self._answer_admin(session, prepared.chat_id, answer, row.id)

    async def handled(self, row: InboxUpdate, prepared: Prepared) -> None:
        if isinstance(prepared, Reading):
            await self._customers.handled(row, prepared)

    # -- agents ------------------------------------------------------------------------------------

    async def _agent(self, message: Message) -> AgentMessage | Ignored:
        user = message.from_user
        assert user is not None and self._members is not None
        if user.is_bot or not (message.text or message.caption or message.effective_attachment):
            return Ignored()
        if not await self._members.includes(user.id):
            log.info("user %s is not a member of the agents' group: ignored", user.id)
            return Ignored()
        thread = message.message_thread_id if message.is_topic_message else None
        return AgentMessage(
            user_id=user.id,
            name=without_nul(user.full_name),
            thread_id=thread,
            message_id=message.message_id,
            text=without_nul(message.text or message.caption or ""),
            has_media=message.text is None,
            file_path=await self._agent_file(message) if thread is not None else None,
        )

    async def _agent_file(self, message: Message) -> str | None:
        """A PDF or an image an agent sends in a topic, kept under the data folder (it may be the
        case's return label, sent on to the customer)."""
        document, photos = message.document, message.photo
        if document is not None:
            kind = (document.mime_type or "").lower()
            name = (document.file_name or "").lower()
            if not (kind == "application/pdf" or name.endswith(".pdf") or _is_image(kind, name)):
                return None
            file_id, size = document.file_id, document.file_size
            suffix = Path(name).suffix or (".pdf" if kind == "application/pdf" else ".jpg")
        elif photos:
            file_id, size, suffix = photos[-1].file_id, photos[-1].file_size, ".jpg"
        else:
            return None
        if size is not None and size > MAX_DOWNLOAD:
            return None
        try:
            file = await self._bot.get_file(file_id)
            data = bytes(await file.download_as_bytearray())
        except TelegramError as error:  # still copied to the customer as it is
            log.warning("could not download an agent's file: %s", error)
            return None
        folder = self._data_dir / LABELS
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{hashlib.sha256(data).hexdigest()}{suffix[:8]}"
        path.write_bytes(data)
        return str(path)

    # -- admins ------------------------------------------------------------------------------------

    async def _admin(self, message: Message) -> AdminRequest | None:
        user = message.from_user
        assert user is not None
        chat_id = str(message.chat_id)
        if message.text and is_admin_command(message.text):
            return AdminRequest(chat_id, user.id, text=without_nul(message.text))
        document = message.document
        if document is None or _is_image(document.mime_type, document.file_name):
            return None
        if document.file_size is not None and document.file_size > MAX_DOWNLOAD:
            return AdminRequest(chat_id, user.id, report="Fichier trop lourd (20 Mo au plus).")
        file = await self._bot.get_file(document.file_id)
        data = bytes(await file.download_as_bytearray())
        kind = detect_kind(data)
        if kind is None:
            report = (
                "Je ne reconnais pas ce fichier : envoyez l'export des commandes de Shopify (CSV), "
                "le fichier des expéditions (CSV) ou suppliers.toml."
            )
            return AdminRequest(chat_id, user.id, report=report)
        async with self._gate.turn():  # the import is its own transaction (safe to run again)
            result = await run_import(
                self._sessions,
                kind,
                data,
                actor=f"admin:{user.id}",
                on_return=self._engine.lifecycle.return_arrived,
            )
        return AdminRequest(chat_id, user.id, report=html.escape("\n".join(result.lines())))

    def _answer_admin(
        self, session: AsyncSession, chat_id: str, answer: AdminAnswer, inbox_id: int
    ) -> None:
        photo = None
        if answer.chart is not None:
            charts = self._data_dir / "charts"
            charts.mkdir(parents=True, exist_ok=True)
            photo = charts / f"{hashlib.sha256(answer.chart).hexdigest()}.png"
            photo.write_bytes(answer.chart)
        payloads = [(answer.text, None)] + ([("", str(photo))] if photo is not None else [])
        for text, image in payloads:
            session.add(
                OutboxMessage(
                    channel=CHANNEL,
                    chat_id=chat_id,
                    payload={
                        "template": "admin",
                        "text": text,
                        "parse_mode": "HTML",
                        "choices": [],
                        "photo": image,
                        "document": None,
                    },
                    inbox_id=inbox_id,
                )
            )
