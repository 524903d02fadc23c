"""What agents do in a customer's topic: write to the customer as the shop, and the French commands.

Each command is audited (who, when, the case before and after). The customer only ever reads
templates of `messages/fr/` (the agent's own words through `agent_message`), never an agent's name.
"""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.agents.card import case_card
from bot.agents.decisions import (
    decision_from_json,
    instruction_values,
    law_grants,
    parse_amount,
)
from bot.agents.handoff import add_to_topic
from bot.conversation.cases import PARIS
from bot.conversation.engine import ConversationEngine
from bot.conversation.outbox import queue_replies
from bot.storage.audit import record_audit
from bot.storage.models import (
    AgentTopic,
    Conversation,
    OrderLine,
    OutboxMessage,
    ReturnCase,
    ShopSettings,
)
from flows.conversation_world import Reply

CHANNEL = "telegram"
# The templates agents' commands send to customers (the tone test reads them all).
CUSTOMER_TEMPLATES = (
    "agent_message",
    "agent_taken",
    "agent_handed_back",
    "agent_refused",
    "agent_closed",
    "instructions_exchange",
    "instructions_keep_and_replace",
    "instructions_refund",
)
OPTION_OF = {"echange": "exchange", "garder": "keep_and_replace", "rembourser": "refund"}


@dataclass(frozen=True, slots=True)
class AgentMessage:
    """A message an agent wrote in a topic of the agents' group."""

    user_id: int
    name: str
    thread_id: int | None
    message_id: int
    text: str
    has_media: bool


@dataclass
class _Context:
    session: AsyncSession
    engine: ConversationEngine
    message: AgentMessage
    topic: AgentTopic
    conversation: Conversation
    case: ReturnCase | None
    now: datetime
    inbox_id: int | None

    @property
    def actor(self) -> str:
        return f"agent:{self.message.user_id} {self.message.name}"[:200]

    def tell_agents(self, text: str) -> None:
        add_to_topic(self.session, self.topic, {"kind": "note", "text": text}, self.topic.case_id)

    def tell_customer(self, template: str, **values: Any) -> None:
        queue_replies(
            self.session,
            CHANNEL,
            self.conversation.chat_id,
            [Reply(template, values)],
            reference=self.case.reference if self.case else None,
            case_id=self.case.id if self.case else None,
            inbox_id=self.inbox_id,
        )

    async def audit(
        self, action: str, before: dict[str, Any] | None, after: dict[str, Any] | None
    ) -> None:
        entity_id = self.case.reference if self.case and self.case.reference else str(self.topic.id)
        await record_audit(self.session, self.actor, action, "case", entity_id, before, after)


async def handle_agent_message(
    session: AsyncSession,
    engine: ConversationEngine,
    message: AgentMessage,
    *,
    agent_chat_id: int,
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
            .where(Conversation.customer_id == topic.customer_id, Conversation.channel == CHANNEL)
            .with_for_update()
        )
    ).scalar_one_or_none()
    if conversation is None:
        return False
    case = await session.get(ReturnCase, topic.case_id) if topic.case_id else None
    context = _Context(session, engine, message, topic, conversation, case, now, inbox_id)
    command, _, argument = message.text.strip().partition(" ")
    if message.text.startswith("/"):
        name = command[1:].split("@")[0].lower()
        action = COMMANDS.get(name)
        if action is None:
            context.tell_agents(f"Commande inconnue : /{_e(name)}. {HELP}")
        else:
            await action(context, argument.strip())
        return True
    _relay_to_customer(context, agent_chat_id)
    return True


def _relay_to_customer(context: _Context, agent_chat_id: int) -> None:
    """The agent's words reach the customer as the shop's; photos and files are copied."""
    message = context.message
    if message.has_media:
        context.session.add(
            OutboxMessage(
                channel=CHANNEL,
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


# -- the commands -------------------------------------------------------------------------------


async def _take(context: _Context, _argument: str) -> None:
    """/prendre: the agent holds the case; the bot stays silent for this customer."""
    before = {"holder": context.topic.holder, "state": context.conversation.state}
    if context.conversation.state == "handover":
        hours = await _opening_hours(context.session)
        context.tell_customer("agent_taken", opening_hours=hours)
    else:
        await context.engine.take_over_in(context.session, CHANNEL, context.conversation.chat_id)
    context.topic.holder = context.message.name[:200]
    context.topic.held_at = context.now
    await context.audit("agent_take", before, {"holder": context.topic.holder, "state": "handover"})
    context.tell_agents(
        f"✋ {_e(context.message.name)} prend le dossier : le bot se tait pour ce client."
    )


async def _give_back(context: _Context, _argument: str) -> None:
    """/rendre: the bot takes the conversation back from where it was."""
    if context.conversation.state != "handover":
        context.tell_agents("Le bot suit déjà ce client (rien à rendre).")
        return
    context.tell_customer("agent_handed_back")
    outcome = await context.engine.hand_back_in(
        context.session, CHANNEL, context.conversation.chat_id
    )
    before = {"holder": context.topic.holder, "state": "handover"}
    context.topic.holder = None
    context.topic.pending_refusal = None
    await context.audit("agent_give_back", before, {"holder": None, "state": outcome.state})
    context.tell_agents("↩️ Dossier rendu au bot : il reprend la conversation.")


async def _decide(context: _Context, option: str, amount: Decimal | None = None) -> None:
    case = context.case
    if case is None or not case.decision:
        context.tell_agents(
            "Pas de décision calculée pour ce dossier (commande ou article inconnus) : "
            "écrivez la solution au client directement dans ce sujet."
        )
        return
    decision = decision_from_json(case.decision)
    line = await context.session.get(OrderLine, case.order_line_id) if case.order_line_id else None
    price = Decimal(case.facts.get("price") or "0") * (line.quantity if line else 1)
    settings = await context.session.scalar(select(ShopSettings).limit(1))
    values = instruction_values(
        option,
        decision,
        line.name if line else "votre article",
        amount if amount is not None else price,
        fallback_address=settings.fallback_return_address if settings else "",
        today=context.now.astimezone(PARIS).date(),
    )
    context.tell_customer(f"instructions_{option}", **values)
    before = {"status": case.status, "chosen_option": case.chosen_option}
    case.chosen_option = option
    case.status = "accepted"
    after: dict[str, Any] = {"status": case.status, "chosen_option": option}
    if amount is not None:
        after["amount"] = str(amount)
    await context.audit(f"agent_{option}", before, after)
    context.tell_agents(
        f"✅ Solution envoyée au client : {_e(option)}" + (f" ({amount} €)" if amount else "") + "."
    )


async def _exchange(context: _Context, _argument: str) -> None:
    """/echange: the item comes back and a new one leaves."""
    await _decide(context, "exchange")


async def _keep(context: _Context, _argument: str) -> None:
    """/garder: the customer keeps the item and a new one leaves."""
    await _decide(context, "keep_and_replace")


async def _refund(context: _Context, argument: str) -> None:
    """/rembourser MONTANT."""
    amount = parse_amount(argument)
    if amount is None:
        context.tell_agents("Indiquez le montant : /rembourser 24,90")
        return
    await _decide(context, "refund", amount)


async def _refuse(context: _Context, argument: str) -> None:
    """/refuser MOTIF: when the law grants the request, the agent must confirm first."""
    if not argument:
        context.tell_agents("Indiquez le motif, que le client lira : /refuser MOTIF")
        return
    granted = law_grants(
        context.case.decision if context.case else None, context.now.astimezone(PARIS).date()
    )
    if granted:
        context.topic.pending_refusal = argument
        context.tell_agents(
            f"⚠️ Attention : ce client bénéficie de {_e(granted)}. Refuser l'expose à un litige. "
            "Tapez /confirmer pour refuser quand même, ou choisissez une solution."
        )
        return
    await _do_refuse(context, argument, against_law=False)


async def _confirm(context: _Context, _argument: str) -> None:
    """/confirmer: a refusal the bot warned about."""
    motive = context.topic.pending_refusal
    if not motive:
        context.tell_agents("Rien à confirmer.")
        return
    await _do_refuse(context, motive, against_law=True)


async def _do_refuse(context: _Context, motive: str, *, against_law: bool) -> None:
    context.topic.pending_refusal = None
    context.tell_customer("agent_refused", motive=motive)
    before = {"status": context.case.status if context.case else None}
    if context.case is not None:
        context.case.status = "declined"
    await context.audit(
        "agent_refuse", before, {"status": "declined", "motive": motive, "against_law": against_law}
    )
    context.tell_agents("🚫 Refus envoyé au client.")


async def _note(context: _Context, argument: str) -> None:
    """/note TEXTE: an internal note on the case; the customer never sees it."""
    if not argument:
        context.tell_agents("Indiquez le texte : /note TEXTE")
        return
    await context.audit("agent_note", None, {"note": argument})
    context.tell_agents("📝 Note ajoutée au dossier (le client ne la voit pas).")


async def _card(context: _Context, _argument: str) -> None:
    """/dossier: the case card again, as it stands now."""
    if context.case is None:
        context.tell_agents("Aucun dossier pour ce client.")
        return
    await context.audit("agent_view", None, None)  # who looked at a customer's data, and when
    context.tell_agents(await case_card(context.session, context.case))


async def _close(context: _Context, _argument: str) -> None:
    """/clore: the case is closed; the bot answers the customer again."""
    case = context.case
    before = {"status": case.status if case else None, "state": context.conversation.state}
    if case is not None and case.closed_at is None:
        case.closed_at = context.now
        if case.status not in ("accepted", "declined"):
            case.status = "closed"
    context.conversation.state = "done"
    context.conversation.misses = 0
    context.topic.holder = None
    context.topic.pending_refusal = None
    context.tell_customer("agent_closed")
    await context.audit(
        "agent_close", before, {"status": case.status if case else None, "state": "done"}
    )
    context.tell_agents("🔒 Dossier clos.")


COMMANDS: dict[str, Callable[[_Context, str], Awaitable[None]]] = {
    "prendre": _take,
    "rendre": _give_back,
    "echange": _exchange,
    "garder": _keep,
    "rembourser": _refund,
    "refuser": _refuse,
    "confirmer": _confirm,
    "note": _note,
    "dossier": _card,
    "clore": _close,
}
HELP = (
    "Commandes : /prendre, /rendre, /echange, /garder, /rembourser MONTANT, /refuser MOTIF, "
    "/note TEXTE, /dossier, /clore."
)


async def _opening_hours(session: AsyncSession) -> str:
    settings = await session.scalar(select(ShopSettings).limit(1))
    return settings.opening_hours if settings else ""


def _e(value: str) -> str:
    return html.escape(value, quote=False)
