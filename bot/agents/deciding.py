"""The agents' decisions: exchange, keep-and-replace, a refund of an amount, or a refusal (held for
/confirmer when the law grants the request); an amount above what was paid is held the same way."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from bot.agents.desk import AgentContext, escaped
from bot.agents.offer import decision_for_agent, law_grants, parse_amount
from bot.conversation.cases import PARIS
from bot.shop_facts import line_refund
from bot.storage.models import ShopSettings
from messages import euros


async def decide(context: AgentContext, option: str, amount: Decimal | None = None) -> None:
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
        f"✅ Solution envoyée au client : {escaped(option)}"
        + (f" ({amount} €)" if amount else "")
        + "."
    )


async def exchange(context: AgentContext, _argument: str) -> None:
    """/echange: the item comes back and a new one leaves."""
    await decide(context, "exchange")


async def keep(context: AgentContext, _argument: str) -> None:
    """/garder: the customer keeps the item and a new one leaves."""
    await decide(context, "keep_and_replace")


async def refund(context: AgentContext, argument: str) -> None:
    """/rembourser MONTANT: the decision is a refund of that amount."""
    amount = parse_amount(argument)
    if amount is None:
        context.tell_agents("Indiquez le montant, positif et au centime près : /rembourser 24,90")
        return
    if await above_paid(context, "rembourser", amount):
        return
    await decide(context, "refund", amount)


async def above_paid(context: AgentContext, command: str, amount: Decimal) -> bool:
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


async def _paid(context: AgentContext) -> Decimal | None:
    """What the customer paid for the case's items: their price and their share of the delivery."""
    case = context.case
    if case is None or not case.order_line_id:
        return None
    quantity = (case.facts or {}).get("quantity")
    return (await line_refund(context.session, case.order_line_id, quantity)).total


async def refuse(context: AgentContext, argument: str) -> None:
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
            f"⚠️ Attention : ce client bénéficie de {escaped(granted)}. Refuser l'expose à un litige. "
            "Tapez /confirmer pour refuser quand même, ou choisissez une solution."
        )
        return
    await _do_refuse(context, argument, against_law=False)


async def confirm(context: AgentContext, _argument: str) -> None:
    """/confirmer: a refusal the law forbids, or an amount above what was paid, the bot warned about."""
    topic = context.topic
    command, amount = topic.pending_command, topic.pending_amount
    topic.pending_command = topic.pending_amount = None
    if topic.pending_refusal:
        await _do_refuse(context, topic.pending_refusal, against_law=True)
    elif command == "rembourser" and amount is not None:
        await decide(context, "refund", amount)
    elif command == "rembourse" and amount is not None:
        await context.case_event("refund", amount=amount)
    else:
        context.tell_agents("Rien à confirmer.")


async def _do_refuse(context: AgentContext, motive: str, *, against_law: bool) -> None:
    context.topic.pending_refusal = None
    answer = await context.case_event("refuse", motive=motive, against_law=against_law)
    if answer is None:
        return
    await context.settle_conversation()
    context.tell_agents("🚫 Refus envoyé au client.")
