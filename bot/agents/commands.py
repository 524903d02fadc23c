"""What agents do in a customer's topic: write to the customer as the shop, and the French commands.

Every command is an event of a machine: the conversation's (take over, hand back, settle) or the
case's lifecycle (decide, refuse, the supplier's agreement and label, reception, refund, shipping,
closing). Each is audited (who, when, the case before and after). The customer only ever reads
templates of `messages/fr/` (the agent's own words through `agent_message`), never an agent's name.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.agents import deciding, returns
from bot.agents.card import case_card
from bot.agents.desk import AgentContext, AgentMessage, escaped
from bot.conversation.engine import ConversationEngine
from bot.storage.models import AgentTopic, Conversation, OutboxMessage, ReturnCase, ShopSettings

__all__ = ["COMMANDS", "CUSTOMER_TEMPLATES", "AgentMessage", "handle_agent_message"]

# The templates agents' commands send to customers themselves (the tone test reads them all);
# what a decision or a refusal tells the customer comes from the case's lifecycle.
CUSTOMER_TEMPLATES = ("agent_message", "agent_taken")


async def handle_agent_message(
    session: AsyncSession,
    engine: ConversationEngine,
    message: AgentMessage,
    *,
    agent_chat_id: int | str,
    now: datetime,
    inbox_id: int | None = None,
) -> bool:
    """Runs an agent's command or relays their message; False when the topic is no customer's."""
    if message.thread_id is None:
        return False
    topic = (
        await session.execute(
            select(AgentTopic).where(
                AgentTopic.chat_id == str(agent_chat_id),
                AgentTopic.message_thread_id == message.thread_id,
            )
        )
    ).scalar_one_or_none()
    if topic is None:
        return False
    conversation = (
        await session.execute(
            select(Conversation)
            .where(Conversation.customer_id == topic.customer_id)
            .order_by(Conversation.updated_at.desc())
            .limit(1)
            .with_for_update()
        )
    ).scalar_one_or_none()
    if conversation is None:
        return False
    case = await session.get(ReturnCase, topic.case_id) if topic.case_id else None
    context = AgentContext(session, engine, message, topic, conversation, case, now, inbox_id)
    command, _, argument = message.text.strip().partition(" ")
    if message.text.startswith("/"):
        name = _plain(command[1:].split("@")[0])
        action = COMMANDS.get(name)
        if action is None:
            context.tell_agents(f"Commande inconnue : /{escaped(name)}. {HELP}")
        else:
            await action(context, argument.strip())
        return True
    if message.file_path and _awaits_label(case):
        await returns.label(context, "")
        return True
    _relay_to_customer(context, agent_chat_id)
    return True


def _relay_to_customer(context: AgentContext, agent_chat_id: int | str) -> None:
    """The agent's words reach the customer as the shop's; photos and files are copied."""
    message = context.message
    if message.has_media:
        context.session.add(
            OutboxMessage(
                channel=context.conversation.channel,
                chat_id=context.conversation.chat_id,
                payload={
                    "template": "agent_message",
                    "text": "",
                    "copy_from_chat_id": agent_chat_id,
                    "copy_message_id": message.message_id,
                    "choices": [],
                },
                case_id=context.case.id if context.case else None,
                inbox_id=context.inbox_id,
            )
        )
    elif message.text.strip():
        context.tell_customer("agent_message", text=message.text)


def _awaits_label(case: ReturnCase | None) -> bool:
    """A file an agent sends is the return label while the case awaits one: the supplier has agreed,
    or the return is prepaid and the customer has no label yet."""
    if case is None or case.label_path:
        return False
    if case.status == "awaiting_authorisation":
        return case.authorised_on is not None
    prepaid = bool(case.decision and case.decision.get("prepaid_label"))
    return prepaid and case.status in ("awaiting_return", "return_in_transit")


# -- the conversation's commands -----------------------------------------------------------------


async def _take(context: AgentContext, _argument: str) -> None:
    """/prendre: the agent holds the case; the bot stays silent for this customer."""
    before = {"holder": context.topic.holder, "state": context.conversation.state}
    if context.conversation.state == "handover":
        hours = await _opening_hours(context.session)
        context.tell_customer("agent_taken", opening_hours=hours)
    else:
        await context.act("take_over")
    context.topic.holder = context.message.name[:200]
    context.topic.held_at = context.now
    await context.audit("agent_take", before, {"holder": context.topic.holder, "state": "handover"})
    context.tell_agents(
        f"✋ {escaped(context.message.name)} prend le dossier : le bot se tait pour ce client."
    )


async def _give_back(context: AgentContext, _argument: str) -> None:
    """/rendre: the bot takes the conversation back from where it was."""
    if context.conversation.state != "handover":
        context.tell_agents("Le bot suit déjà ce client (rien à rendre).")
        return
    await context.act("hand_back")
    before = {"holder": context.topic.holder, "state": "handover"}
    context.topic.holder = None
    context.topic.pending_refusal = None
    await context.audit(
        "agent_give_back", before, {"holder": None, "state": context.conversation.state}
    )
    context.tell_agents("↩️ Dossier rendu au bot : il reprend la conversation.")


# -- the case --------------------------------------------------------------------------------------


async def _note(context: AgentContext, argument: str) -> None:
    """/note TEXTE: an internal note on the case; the customer never sees it."""
    if not argument:
        context.tell_agents("Indiquez le texte : /note TEXTE")
        return
    await context.audit("agent_note", None, {"note": argument})
    context.tell_agents("📝 Note ajoutée au dossier (le client ne la voit pas).")


async def _card(context: AgentContext, _argument: str) -> None:
    """/dossier: the case card again, as it stands now."""
    if context.case is None:
        context.tell_agents("Aucun dossier pour ce client.")
        return
    await context.audit("agent_view", None, None)  # who looked at a customer's data, and when
    context.tell_agents(await case_card(context.session, context.case))


async def _close(context: AgentContext, _argument: str) -> None:
    """/clore: the case is closed; the bot answers the customer again."""
    context.topic.holder = None
    context.topic.pending_refusal = None
    if context.case is None:
        await context.act("agent_done")
        await context.audit("agent_close", None, {"state": "done"})
    elif await context.case_event("close") is None:
        return
    if context.conversation.state != "done":
        await context.act("agent_done")
    context.tell_agents("🔒 Dossier clos.")


COMMANDS: dict[str, Callable[[AgentContext, str], Awaitable[None]]] = {
    "prendre": _take,
    "rendre": _give_back,
    "echange": deciding.exchange,
    "garder": deciding.keep,
    "rembourser": deciding.refund,
    "refuser": deciding.refuse,
    "confirmer": deciding.confirm,
    "accord": returns.authorise,
    "desaccord": returns.supplier_refuses,
    "etiquette": returns.label,
    "recu": returns.received,
    "rembourse": returns.refunded,
    "expedie": returns.shipped,
    "note": _note,
    "dossier": _card,
    "clore": _close,
}
HELP = (
    "Commandes : /prendre, /rendre, /echange, /garder, /rembourser MONTANT, /refuser MOTIF, "
    "/accord RMA, /desaccord, /etiquette (avec le fichier), /recu, /rembourse, /expedie SUIVI, "
    "/note TEXTE, /dossier, /clore."
)


async def _opening_hours(session: AsyncSession) -> str:
    settings = await session.scalar(select(ShopSettings).limit(1))
    return settings.opening_hours if settings else ""


def _plain(name: str) -> str:
    """« Remboursé » → « rembourse »: commands typed with accents or capitals still work."""
    decomposed = unicodedata.normalize("NFKD", name.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
