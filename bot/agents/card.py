"""The case card agents read at the top of a topic (and again with /dossier): French, for the shop."""

from __future__ import annotations

import html
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.admin.stats import REASON_LABELS
from bot.storage.models import Customer, OrderLine, ReturnCase, Shipment
from messages import day, euros

OPTION_WORDS = {
    "exchange": "échange",
    "keep_and_replace": "garder et renvoyer un neuf",
    "refund": "remboursement",
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
    "above_escalation_threshold": "article au-dessus du seuil de validation",
    "three_misses": "trois réponses non comprises",
    "duplicate_photo": "photo déjà vue dans un autre dossier",
    "angry_words": "client mécontent ou mots juridiques",
    "customer_asked": "le client a demandé un conseiller",
    "open_case": "une demande est déjà ouverte pour cet article",
}
COMMANDS = (
    "/prendre · /rendre · /echange · /garder · /rembourser MONTANT · /refuser MOTIF · "
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
    return {
        "handover": "chez un conseiller",
        "accepted": "solution choisie",
        "declined": "refusé",
        "cancelled": "annulé",
        "closed": "clos",
    }.get(status, "en cours")


def _e(value: str) -> str:
    return html.escape(str(value), quote=False)
