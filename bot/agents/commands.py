"""What agents do in a customer's topic: write to the customer as the shop, and the French commands.

Every command is an event of a machine: the conversation's (take over, hand back, settle) or the
case's lifecycle (decide, refuse, the supplier's agreement and label, reception, refund, shipping,
closing). Each is audited (who, when, the case before and after). The customer only ever reads
templates of `messages/fr/` (the agent's own words through `agent_message`), never an agent's name.
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.agents.card import STATUS_WORDS, case_card
from bot.agents.decisions import decision_for_agent, law_grants, parse_amount
from bot.agents.handoff import add_to_topic
from bot.agents.notes import NEXT_COMMAND
from bot.channels.payloads import queue_replies
from bot.conversation.cases import PARIS
from bot.conversation.engine import ConversationEngine
from bot.storage.audit import record_audit
from bot.storage.models import (
    AgentTopic,
    Conversation,
    OrderLine,
    OutboxMessage,
    ReturnCase,
    ShopSettings,
)
from flows.case_lifecycle import CaseAnswer
from flows.conversation_world import Reply
from flows.tracking import check_tracking_number, normalise_tracking_number
from messages import euros

CHANNEL = "telegram"
# The templates agents' commands send to customers themselves (the tone test reads them all);
# what a decision or a refusal tells the customer comes from the case's lifecycle.
CUSTOMER_TEMPLATES = ("agent_message", "agent_taken")
OPTION_OF = {"echange": "exchange", "garder": "keep_and_replace", "rembourser": "refund"}
# A settled conversation stays where it is when an agent decides; any other is settled by it.
SETTLED_STATES = ("done",)


@dataclass(frozen=True, slots=True)
class AgentMessage:
    """A message an agent wrote in a topic of the agents' group.

    `file_path` is a document or photo the agent sent, as stored (a return label, for instance).
    """

    user_id: int
    name: str
    thread_id: int | None
    message_id: int
    text: str
    has_media: bool
    file_path: str | None = None


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
            self.conversation.channel,
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

    async def act(self, trigger: str) -> None:
        """The conversation's agents' trigger (take over, hand back, settle)."""
        await self.engine.act_in(
            self.session,
            self.conversation.channel,
            self.conversation.chat_id,
            trigger,
            inbox_id=self.inbox_id,
        )

    async def case_event(
        self, trigger: str, *, action: str | None = None, **data: Any
    ) -> CaseAnswer | None:
        """One event of the topic's case, audited as `action` (`agent_<trigger>` by default); the
        agents are told when the case cannot take it now."""
        case = self.case
        if case is None:
            self.tell_agents("Aucun dossier pour ce client.")
            return None
        before = {"status": case.status}
        answer = await self.engine.lifecycle.advance(
            self.session, case, trigger, now=self.now, inbox_id=self.inbox_id, **data
        )
        if not answer.fired:
            status = STATUS_WORDS.get(before["status"], before["status"])
            hint = NEXT_COMMAND.get(before["status"])
            self.tell_agents(
                f"Impossible maintenant : le dossier est « {_e(status)} »."
                + (f" Possible : {_e(hint)}." if hint else "")
            )
            return None
        plain = {
            key: value if isinstance(value, bool | int | str) else str(value)
            for key, value in data.items()
            if key != "decision" and value is not None
        }
        await self.audit(action or f"agent_{trigger}", before, {"status": answer.status, **plain})
        return answer

    async def settle_conversation(self) -> None:
        """After an agent's decision, the bot follows the case with the customer again."""
        ours = self.case is not None and self.conversation.case_id == self.case.id
        if ours and self.conversation.state not in SETTLED_STATES:
            await self.act("agent_done")


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
    context = _Context(session, engine, message, topic, conversation, case, now, inbox_id)
    command, _, argument = message.text.strip().partition(" ")
    if message.text.startswith("/"):
        name = _plain(command[1:].split("@")[0])
        action = COMMANDS.get(name)
        if action is None:
            context.tell_agents(f"Commande inconnue : /{_e(name)}. {HELP}")
        else:
            await action(context, argument.strip())
        return True
    if message.file_path and _awaits_label(case):
        await _label(context, "")
        return True
    _relay_to_customer(context, agent_chat_id)
    return True


def _relay_to_customer(context: _Context, agent_chat_id: int | str) -> None:
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


async def _take(context: _Context, _argument: str) -> None:
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
        f"✋ {_e(context.message.name)} prend le dossier : le bot se tait pour ce client."
    )


async def _give_back(context: _Context, _argument: str) -> None:
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


# -- deciding ------------------------------------------------------------------------------------


async def _decide(context: _Context, option: str, amount: Decimal | None = None) -> None:
    case = context.case
    if case is None or not case.decision:
        context.tell_agents(
            "Pas de décision calculée pour ce dossier (commande ou article inconnus) : "
            "écrivez la solution au client directement dans ce sujet."
        )
        return
    settings = await context.session.scalar(select(ShopSettings).limit(1))
    decision = decision_for_agent(
        option,
        case.decision,
        fallback_address=settings.fallback_return_address if settings else "",
        today=context.now.astimezone(PARIS).date(),
        to_shop=case.status == "supplier_refused",
    )
    answer = await context.case_event(
        "choose", action=f"agent_{option}", option=option, amount=amount, decision=decision
    )
    if answer is None:
        return
    await context.settle_conversation()
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
    """/rembourser MONTANT: the decision is a refund of that amount."""
    amount = parse_amount(argument)
    if amount is None:
        context.tell_agents("Indiquez le montant, positif et au centime près : /rembourser 24,90")
        return
    if await _above_paid(context, "rembourser", amount):
        return
    await _decide(context, "refund", amount)


async def _above_paid(context: _Context, command: str, amount: Decimal) -> bool:
    """An amount above what the customer paid waits for /confirmer (a typo costs the shop)."""
    paid = await _paid(context)
    if paid is None or amount <= paid:
        return False
    context.topic.pending_command, context.topic.pending_amount = command, amount
    context.tell_agents(
        f"⚠️ {euros(amount)} dépasse ce que le client a payé pour cet article ({euros(paid)}). "
        "Tapez /confirmer pour ce montant quand même, ou la commande avec un autre montant."
    )
    return True


async def _paid(context: _Context) -> Decimal | None:
    """What the customer paid for the case's line (its price times its quantity)."""
    case = context.case
    if case is None or not case.order_line_id:
        return None
    line = await context.session.get(OrderLine, case.order_line_id)
    return line.price * line.quantity if line is not None else None


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
    """/confirmer: a refusal the law forbids, or an amount above what was paid, the bot warned about."""
    topic = context.topic
    command, amount = topic.pending_command, topic.pending_amount
    topic.pending_command = topic.pending_amount = None
    if topic.pending_refusal:
        await _do_refuse(context, topic.pending_refusal, against_law=True)
    elif command == "rembourser" and amount is not None:
        await _decide(context, "refund", amount)
    elif command == "rembourse" and amount is not None:
        await context.case_event("refund", amount=amount)
    else:
        context.tell_agents("Rien à confirmer.")


async def _do_refuse(context: _Context, motive: str, *, against_law: bool) -> None:
    context.topic.pending_refusal = None
    answer = await context.case_event("refuse", motive=motive, against_law=against_law)
    if answer is None:
        return
    await context.settle_conversation()
    context.tell_agents("🚫 Refus envoyé au client.")


# -- the return, the refund and the replacement ----------------------------------------------------


async def _authorise(context: _Context, argument: str) -> None:
    """/accord [RMA]: the supplier accepts the return (with its authorisation number)."""
    answer = await context.case_event("authorise", rma=argument[:64] or None)
    if answer is not None and answer.status == "awaiting_return":
        context.tell_agents("✅ Accord noté : le client a reçu l'adresse de retour.")


async def _supplier_refuses(context: _Context, argument: str) -> None:
    """/desaccord [NOTE]: the supplier refuses the return; an agent decides what the shop does."""
    answer = await context.case_event("supplier_refuses", note=argument or None)
    if answer is not None:
        context.tell_agents(
            "Le client n'en sait rien. La loi s'applique quand même : décidez avec /echange, "
            "/garder, /rembourser MONTANT, ou /refuser MOTIF."
        )


async def _label(context: _Context, _argument: str) -> None:
    """/etiquette (with the file): the return label, sent to the customer."""
    path = context.message.file_path
    if not path:
        context.tell_agents("Envoyez l'étiquette (PDF ou image) avec /etiquette en légende.")
        return
    answer = await context.case_event("attach_label", label=path)
    if answer is not None:
        context.tell_agents("🏷 Étiquette enregistrée et envoyée au client.")


async def _received(context: _Context, _argument: str) -> None:
    """/recu: the item has come back."""
    await context.case_event("receive", on=context.now.astimezone(PARIS).date())


async def _refunded(context: _Context, argument: str) -> None:
    """/rembourse [MONTANT]: the refund is made (the amount decided, unless another is given)."""
    amount = parse_amount(argument) if argument else None
    if argument and amount is None:
        context.tell_agents(
            "Montant illisible : positif et au centime près, /rembourse 24,90 (ou /rembourse seul)."
        )
        return
    if amount is not None and await _above_paid(context, "rembourse", amount):
        return
    await context.case_event("refund", amount=amount)


async def _shipped(context: _Context, argument: str) -> None:
    """/expedie SUIVI: the replacement has left, with its tracking number."""
    number = normalise_tracking_number(argument)
    check = check_tracking_number(number) if number else None
    if check is None or not check.valid:
        context.tell_agents("Indiquez un numéro de suivi valide : /expedie 6A15602676300")
        return
    await context.case_event("ship_replacement", tracking_number=number)


# -- the case --------------------------------------------------------------------------------------


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


COMMANDS: dict[str, Callable[[_Context, str], Awaitable[None]]] = {
    "prendre": _take,
    "rendre": _give_back,
    "echange": _exchange,
    "garder": _keep,
    "rembourser": _refund,
    "refuser": _refuse,
    "confirmer": _confirm,
    "accord": _authorise,
    "desaccord": _supplier_refuses,
    "etiquette": _label,
    "recu": _received,
    "rembourse": _refunded,
    "expedie": _shipped,
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


def _e(value: str) -> str:
    return html.escape(value, quote=False)
