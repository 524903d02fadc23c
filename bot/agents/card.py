"""The case card agents read at the top of a topic (and again with /dossier): French, for the shop."""

from __future__ import annotations

import html
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.admin.stats import REASON_LABELS
from bot.storage.models import Customer, OrderLine, ReturnCase, Shipment, WithdrawalRecord
from messages import day, euros, moment

OPTION_WORDS = {
    "exchange": "échange",
    "keep_and_replace": "garder et renvoyer un neuf",
    "refund": "remboursement",
}
STATUS_WORDS = {
    "open": "demande en cours",
    "handover": "chez un conseiller",
    "declined": "refusé par le bot (hors délai ou exclu)",
    "cancelled": "annulé par le client",
    "refused": "refusé par un conseiller",
    "awaiting_authorisation": "en attente de l'accord du fournisseur",
    "supplier_refused": "refusé par le fournisseur : à vous de décider",
    "awaiting_return": "en attente du colis retour",
    "awaiting_refund": "remboursement à faire",
    "awaiting_replacement": "remplacement à expédier",
    "return_in_transit": "colis retour en route",
    "received": "retour reçu",
    "refunded": "remboursé",
    "replacement_shipped": "remplacement expédié",
    "closed": "clos",
}
DEADLINE_WORDS = {
    "withdrawal_last_day": "fin de la rétractation (légale)",
    "customer_side_last_day": "fin du délai appliqué",
    "conformity_until": "garantie de conformité jusqu'au",
    "refund_due": "remboursement dû au plus tard",
    "return_ship_by": "renvoi au plus tard",
    "fix_by": "réparation/remplacement au plus tard",
}
HANDOVER_WORDS = {
    "not_received": "colis non reçu",
    "unknown_tracking": "numéro de suivi inconnu",
    "delivery_date_unknown": "date de livraison inconnue",
    "conformity_over": "garantie de 2 ans dépassée",
    "asked_repair": "le client demande une réparation (L217-9)",
    "asked_price_reduction": "le client demande une réduction du prix (L217-14)",
    "above_escalation_threshold": "article au-dessus du seuil de validation",
    "three_misses": "trois réponses non comprises",
    "ownership_locked": "trop d'essais de code postal ou d'e-mail (colis ou client verrouillé 24 h) : vérifiez l'identité",
    "duplicate_photo": "photo déjà vue dans un autre dossier",
    "angry_words": "client mécontent ou mots juridiques",
    "customer_asked": "le client a demandé un conseiller",
    "open_case": "une demande est déjà ouverte pour cet article",
}
# Why a declaration begun was not sent (`WithdrawalRecord.outcome`).
UNSENT_WORDS = {
    "went_back": "le client est revenu aux options",
    "cancelled": "le client a annulé",
    "late": "commencée hors délai, refusée",
    "exempt": "article exclu du droit de rétractation, refusée",
}
COMMANDS = (
    "/prendre · /rendre · /echange · /garder · /rembourser MONTANT · /refuser MOTIF · "
    "/accord RMA · /desaccord · /etiquette · /recu · /rembourse · /expedie SUIVI · "
    "/note TEXTE · /dossier · /clore"
)


async def case_card(session: AsyncSession, case: ReturnCase) -> str:
    """Who, order, item, price, reason, dates and deadlines, the proposed decision and its rule."""
    customer = await session.get_one(Customer, case.customer_id)
    line = await session.get(OrderLine, case.order_line_id) if case.order_line_id else None
    shipment = await session.get(Shipment, case.shipment_id) if case.shipment_id else None
    facts: dict[str, Any] = case.facts or {}
    lines = [
        f"<b>Dossier {_e(case.reference or '?')}</b> — {_e(_status(case.status))}",
        f"Client : {_e(customer.first_name or '?')}"
        + (f" (@{_e(customer.username)})" if customer.username else ""),
        f"Commande : {_e(facts.get('order') or 'non vérifiée')}",
    ]
    if line is not None:
        lines.append(
            f"Article : {_e(line.name)} ({_e(line.sku)}) — {euros(Decimal(line.price))}"
            + (f" × {line.quantity}" if line.quantity != 1 else "")
            + (f", remise {euros(Decimal(line.discount))}" if line.discount else "")
        )
    if case.reason:
        lines.append(f"Motif : {_e(REASON_LABELS.get(case.reason, case.reason))}")
    if shipment is not None:
        lines.append(f"Suivi : {_e(shipment.tracking_number)}")
        if shipment.delivered_at:
            lines.append(f"Livré le : {day(shipment.delivered_at)}")
    reasons = list(facts.get("handover_reasons") or [])
    decision = case.decision
    if decision:
        reasons += [r for r in decision.get("handover_reasons") or [] if r not in reasons]
    if reasons:
        words = [HANDOVER_WORDS.get(reason, reason) for reason in reasons]
        lines.append(f"Pourquoi un conseiller : {_e(', '.join(words))}")
    lines += _decision_lines(decision)
    lines += await _withdrawal_lines(session, case)
    lines += _lifecycle_lines(case)
    lines += ["", f"Commandes : {COMMANDS}"]
    return "\n".join(lines)


def _decision_lines(decision: dict[str, Any] | None) -> list[str]:
    if not decision:
        return ["Décision proposée : aucune (il manque des informations)"]
    options = [OPTION_WORDS.get(o, o) for o in decision.get("options") or []]
    lines = [
        "",
        f"<b>Décision proposée</b> : {_e(', '.join(options) or 'aucune option')}",
        f"Règle : {_e(decision.get('rule_id') or '?')}"
        + (
            f" ({_e(', '.join(decision.get('articles') or []))})"
            if decision.get("articles")
            else ""
        ),
    ]
    if decision.get("explanation"):
        lines.append(f"Pourquoi : {_e(decision['explanation'])}")
    refund = decision.get("refund")
    if refund:
        items, delivery = Decimal(refund["items"]), Decimal(refund["delivery"])
        lines.append(
            f"Remboursement : {euros(items + delivery)} (articles {euros(items)}, "
            f"livraison {euros(delivery)}), sur le moyen de paiement de la commande"
        )
    if decision.get("window"):
        lines.append(
            f"Cadre : {'rétractation' if decision['window'] == 'withdrawal' else 'garantie légale de conformité'}"
        )
    deadlines = decision.get("deadlines") or {}
    for key, words in DEADLINE_WORDS.items():
        if deadlines.get(key):
            lines.append(f"• {words} : {day(date.fromisoformat(deadlines[key]))}")
    return lines


def _status(status: str) -> str:
    return STATUS_WORDS.get(status, "en cours")


async def _withdrawal_lines(session: AsyncSession, case: ReturnCase) -> list[str]:
    """Each withdrawal declaration of the case (L221-21), as recorded: sent, or why not."""
    query = select(WithdrawalRecord).where(WithdrawalRecord.case_id == case.id)
    records = list(await session.scalars(query.order_by(WithdrawalRecord.started_at)))
    lines = ["", "<b>Rétractation</b>"] if records else []
    for record in records:
        begun = f"commencée le {moment(record.started_at)}"
        if record.outcome == "sent":
            mailed = f" et par e-mail à {_e(record.email)}" if record.email else ""
            lines.append(
                f"• Déclarée : {begun}, envoyée le {moment(record.sent_at)} ; accusé de réception "
                f"envoyé dans la conversation{mailed}"
            )
        else:
            why = UNSENT_WORDS.get(record.outcome, record.outcome)
            lines.append(f"• Non envoyée ({_e(why)}) : {begun}")
    return lines


def _lifecycle_lines(case: ReturnCase) -> list[str]:
    """What has happened since the choice: the option, the return, what is owed and by when."""
    if case.chosen_option is None:
        return []
    option = OPTION_WORDS.get(case.chosen_option, case.chosen_option)
    lines = [
        "",
        f"<b>Solution choisie</b> : {_e(option)}"
        + (f" ({_e(case.new_variant)})" if case.new_variant else ""),
    ]
    if case.refund_amount is not None:
        lines.append(f"Montant du remboursement : {euros(case.refund_amount)}")
    if case.rma:
        lines.append(f"Accord du fournisseur : RMA {_e(case.rma)}")
    if case.return_tracking_number:
        lines.append(f"Colis retour : {_e(case.return_tracking_number)}")
    if case.received_on:
        lines.append(f"Retour reçu le : {day(case.received_on)}")
    if case.refund_due and case.refunded_on is None:
        lines.append(f"• remboursement dû au plus tard : {day(case.refund_due)}")
    if case.replacement_due and case.replacement_shipped_on is None:
        lines.append(f"• remplacement dû au plus tard : {day(case.replacement_due)}")
    if case.refunded_on:
        lines.append(f"Remboursé le : {day(case.refunded_on)}")
    if case.replacement_tracking_number:
        lines.append(f"Remplacement expédié : {_e(case.replacement_tracking_number)}")
    if case.rating is not None:
        comment = f" — « {_e(case.rating_comment)} »" if case.rating_comment else ""
        lines.append(f"Note du client : {case.rating}/5{comment}")
    return lines


def _e(value: str) -> str:
    return html.escape(str(value), quote=False)
