"""The return, the refund and the replacement, as agents record them: the supplier's agreement (or
refusal) and its label, the parcel received, the refund made, the replacement shipped."""

from __future__ import annotations

from bot.agents.deciding import above_paid
from bot.agents.desk import AgentContext
from bot.agents.offer import parse_amount
from bot.conversation.cases import PARIS
from flows.tracking import check_tracking_number, normalise_tracking_number


async def authorise(context: AgentContext, argument: str) -> None:
    """/accord [RMA]: the supplier accepts the return (with its authorisation number)."""
    answer = await context.case_event("authorise", rma=argument[:64] or None)
    if answer is not None and answer.status == "awaiting_return":
        context.tell_agents("✅ Accord noté : le client a reçu l'adresse de retour.")


async def supplier_refuses(context: AgentContext, argument: str) -> None:
    """/desaccord [NOTE]: the supplier refuses the return; an agent decides what the shop does."""
    answer = await context.case_event("supplier_refuses", note=argument or None)
    if answer is not None:
        context.tell_agents(
            "Le client n'en sait rien. La loi s'applique quand même : décidez avec /echange, "
            "/garder, /rembourser MONTANT, ou /refuser MOTIF."
        )


async def label(context: AgentContext, _argument: str) -> None:
    """/etiquette (with the file): the return label, sent to the customer."""
    path = context.message.file_path
    if not path:
        context.tell_agents("Envoyez l'étiquette (PDF ou image) avec /etiquette en légende.")
        return
    answer = await context.case_event("attach_label", label=path)
    if answer is not None:
        context.tell_agents("🏷 Étiquette enregistrée et envoyée au client.")


async def received(context: AgentContext, _argument: str) -> None:
    """/recu: the item has come back."""
    await context.case_event("receive", on=context.now.astimezone(PARIS).date())


async def refunded(context: AgentContext, argument: str) -> None:
    """/rembourse [MONTANT]: the refund is made (the amount decided, unless another is given)."""
    amount = parse_amount(argument) if argument else None
    if argument and amount is None:
        context.tell_agents(
            "Montant illisible : positif et au centime près, /rembourse 24,90 (ou /rembourse seul)."
        )
        return
    if amount is not None and await above_paid(context, "rembourse", amount):
        return
    await context.case_event("refund", amount=amount)


async def shipped(context: AgentContext, argument: str) -> None:
    """/expedie SUIVI: the replacement has left, with its tracking number."""
    number = normalise_tracking_number(argument)
    check = check_tracking_number(number) if number else None
    if check is None or not check.valid:
        context.tell_agents("Indiquez un numéro de suivi valide : /expedie 6A15602676300")
        return
    await context.case_event("ship_replacement", tracking_number=number)
