"""What the agents' topic says of a case's lifecycle events: short French notes for the shop's people.

Agents may read the supplier's name here (they order from it); customers never read these.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from bot.agents.card import OPTION_WORDS, STATUS_WORDS
from flows.case_file import CaseFile
from flows.events import (
    DueDateSet,
    Event,
    LabelAwaited,
    Overdue,
    Rated,
    ReminderDue,
    ReturnShipped,
    StatusChanged,
    WithdrawalRecorded,
)
from messages import counted, day, euros, moment

DUE_WORDS = {"refund": "remboursement", "replacement": "remplacement (L217-10)"}
# What to type once the shop has done it, for each status where something is owed.
NEXT_COMMAND = {
    "awaiting_authorisation": "/accord RMA quand le fournisseur accepte (puis l'étiquette), /desaccord s'il refuse",
    "supplier_refused": "/echange, /garder, /rembourser MONTANT ou /refuser MOTIF",
    "awaiting_return": "/recu à l'arrivée du colis",
    "return_in_transit": "/recu à l'arrivée du colis",
    "received": "/rembourse une fois le remboursement fait, ou /expedie SUIVI",
    "awaiting_refund": "/rembourse une fois le remboursement fait",
    "awaiting_replacement": "/expedie SUIVI une fois le nouvel article parti",
}


@dataclass(frozen=True, slots=True)
class Address:
    """Where a replacement goes (the order's shipping address), for the reorder task."""

    name: str
    lines: tuple[str, ...]
    phone: str = ""


def note_for(event: Event, file: CaseFile) -> str | None:
    """The topic's note for one lifecycle event, or None when it says nothing to agents."""
    if isinstance(event, StatusChanged):
        line = (
            f"📌 Dossier {_e(file.reference)} : <b>{STATUS_WORDS.get(event.after, event.after)}</b>"
        )
        hint = NEXT_COMMAND.get(event.after)
        return line + (f"\n→ {_e(hint)}" if hint else "")
    if isinstance(event, DueDateSet):
        what = DUE_WORDS.get(event.kind, event.kind)
        return f"🗓 {what[:1].upper()}{what[1:]} dû au plus tard le {day(event.due)}."
    if isinstance(event, ReturnShipped):
        return f"🚚 Le client a envoyé le retour : suivi <code>{_e(event.tracking_number)}</code>."
    if isinstance(event, LabelAwaited):
        rma = f" (RMA {_e(event.rma)})" if event.rma else ""
        return (
            f"✅ Accord du fournisseur noté{rma}. Envoyez ici l'étiquette de retour (PDF ou image) : "
            "le client recevra l'adresse et l'étiquette ensemble."
        )
    if isinstance(event, ReminderDue):
        return (
            f"⏰ Rappel : {DUE_WORDS.get(event.kind, event.kind)} du dossier {_e(file.reference)}"
            f"{_amount(event.kind, file)} dû le {day(event.due)} (dans {event.days_left} jours)."
        )
    if isinstance(event, Overdue):
        return _overdue(event, file)
    if isinstance(event, Rated):
        return f"⭐ Note du client : {event.score}/5."
    return None


def withdrawal_note(
    event: WithdrawalRecorded, file: CaseFile, *, emailed_to: str | None = None
) -> str:
    """The customer withdrew through the function (L221-21): the bot served them, the agent hears it."""
    mailed = f", et par e-mail à {_e(emailed_to)}" if emailed_to else ""
    return (
        f"✍️ Le client s'est rétracté (dossier {_e(file.reference)}) : déclaration commencée le "
        f"{moment(event.started_at)}, envoyée le {moment(event.at)}. Le bot lui a envoyé "
        f"l'accusé de réception dans sa conversation{mailed}."
    )


def reorder_task(file: CaseFile, *, sku: str, supplier: str, address: Address | None) -> str:
    """The replacement to order: product, variant, quantity, the customer's address, the supplier."""
    lines = [
        f"🛒 <b>À commander</b> pour le dossier {_e(file.reference)} ({_e(OPTION_WORDS.get(file.option or '', file.option or ''))}) :",
        f"• Produit : {_e(file.item_name)}" + (f" ({_e(sku)})" if sku else ""),
        f"• Variante : {_e(file.new_variant or 'la même')}",
        f"• Quantité : {file.quantity}",
        f"• Fournisseur : {_e(supplier or 'inconnu')}",
    ]
    if address is not None:
        lines.append("• Livrer à : " + _e(", ".join([address.name, *address.lines])))
        if address.phone:
            lines.append(f"• Téléphone : {_e(address.phone)}")
    if file.replacement_due is not None:
        lines.append(f"• À livrer au plus tard le {day(file.replacement_due)} (L217-10)")
    lines.append("Une fois parti : /expedie NUMÉRO_DE_SUIVI")
    return "\n".join(lines)


def _overdue(event: Overdue, file: CaseFile) -> str:
    what = DUE_WORDS.get(event.kind, event.kind)
    text = (
        f"🚨 <b>Délai dépassé</b> : {what} du dossier {_e(file.reference)} dû le {day(event.due)}, "
        f"{_days(event.days_late)} de retard."
    )
    if event.kind == "refund":
        if event.surcharge_percent is None:
            text += " Majoration légale (L242-4) : intérêts au taux légal."
        else:
            text += f" Majoration légale (L242-4) : {_percent(event.surcharge_percent)}"
            if event.surcharge_amount is not None:
                text += f", soit {euros(event.surcharge_amount)}"
            text += "."
        if event.next_step_on is not None:
            text += f" Elle augmente le {day(event.next_step_on)}."
        text += " Remboursez au plus vite, puis /rembourse."
    else:
        text += (
            " Passé 30 jours, le client peut exiger le remboursement ou une réduction du prix "
            "(L217-14). Expédiez au plus vite, puis /expedie SUIVI."
        )
    return text


def _amount(kind: str, file: CaseFile) -> str:
    if kind == "refund" and file.amount is not None:
        return f" ({euros(file.amount)})"
    return ""


def _days(count: int) -> str:
    return counted(count, "jour", "jours")


def _percent(value: Decimal) -> str:
    return f"{value.normalize():f} %".replace(".", ",")


def _e(value: str) -> str:
    return html.escape(str(value), quote=False)


def due_day(value: date | None) -> str:
    return day(value) if value is not None else "—"
