"""`returnbot decide`: the decision for a case on the loaded shop data, for the shop owner to check a policy."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import click
from babel.dates import format_date
from babel.numbers import format_currency

from bot.cli.french import CommandError, FrenchCommand
from bot.config import settings_or_exit
from bot.shop_facts import (
    MissingShopData,
    Parcel,
    ParcelItem,
    decision_for,
    find_parcel,
    shop_policy,
)
from bot.storage.database import open_database
from bot.storage.migrate import upgrade_database
from flows.facts import REASONS, Decision, Mediator, Reason
from flows.tracking import check_tracking_number

REASON_LABELS = {
    "size_color": "taille ou couleur",
    "changed_mind": "changement d'avis",
    "not_as_described": "non conforme à la description",
    "wrong_item": "erreur d'article",
    "damaged": "arrivé abîmé",
    "defective": "ne fonctionne pas",
    "not_received": "colis non reçu",
}
OPTION_LABELS = {
    "exchange": "échange",
    "keep_and_replace": "garder l'article et en recevoir un nouveau",
    "refund": "remboursement",
}
PAYER_LABELS = {
    "customer": "le client",
    "shop": "la boutique",
    "none": "personne (l'article ne voyage pas)",
}
DEADLINE_LABELS = {
    "withdrawal_last_day": "dernier jour légal de rétractation",
    "shop_last_day": "dernier jour du délai de la boutique",
    "customer_side_last_day": "dernier jour appliqué (le plus tardif)",
    "conformity_until": "garantie de conformité jusqu'au",
    "presumption_until": "présomption de défaut jusqu'au",
    "refund_due": "remboursement à faire au plus tard le",
    "return_ship_by": "renvoi de l'article au plus tard le",
    "fix_by": "remplacement à faire au plus tard le",
}
_YES = {"yes": True, "oui": True, "no": False, "non": False}


@dataclass(frozen=True)
class _Case:
    parcel: Parcel
    item: ParcelItem
    reason: Reason
    today: date
    decision: Decision
    mediator: Mediator | None


@click.command(
    cls=FrenchCommand,
    help="Montre la décision que prendrait le bot pour un cas, sur les données chargées.",
)
@click.option(
    "--tracking", "tracking", required=True, metavar="NUMÉRO", help="Numéro de suivi du colis."
)
@click.option(
    "--reason", "reason", required=True, metavar="MOTIF", help=f"Motif : {', '.join(REASONS)}."
)
@click.option(
    "--sku", default=None, metavar="SKU", help="L'article, quand le colis en contient plusieurs."
)
@click.option(
    "--seal-intact",
    "seal",
    default=None,
    metavar="yes|no",
    help="Scellé intact (articles d'hygiène).",
)
@click.option(
    "--today",
    "today_text",
    default=None,
    metavar="AAAA-MM-JJ",
    help="Date du jour (par défaut aujourd'hui).",
)
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON.")
def decide(
    tracking: str,
    reason: str,
    sku: str | None,
    seal: str | None,
    today_text: str | None,
    as_json: bool,
) -> None:
    if reason not in REASONS:
        raise CommandError(f"motif inconnu « {reason} » (motifs possibles : {', '.join(REASONS)})")
    check = check_tracking_number(tracking)
    if not check.valid or check.normalised is None:
        raise CommandError(f"numéro de suivi invalide « {tracking} » ({_refusal(check.refusal)})")
    seal_intact = _seal(seal)
    today = _today(today_text)
    settings = settings_or_exit()
    case = asyncio.run(
        _decide(settings.database_url, check.normalised, reason, sku, seal_intact, today)
    )
    click.echo(
        json.dumps(as_dict(case), ensure_ascii=False, indent=2)
        if as_json
        else "\n".join(as_text(case))
    )


def _refusal(code: str | None) -> str:
    return {
        "empty": "numéro vide",
        "unknown_shape": "format de numéro non reconnu",
        "bad_check_digit": "chiffre de contrôle incorrect",
    }.get(code or "", "numéro non reconnu")


def _seal(text: str | None) -> bool | None:
    if text is None:
        return None
    if text.lower() not in _YES:
        raise CommandError(f"--seal-intact attend yes ou no (reçu « {text} »)")
    return _YES[text.lower()]


def _today(text: str | None) -> date:
    if text is None:
        return datetime.now(ZoneInfo("Europe/Paris")).date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--today attend une date AAAA-MM-JJ (reçu « {text} »)") from None


async def _decide(
    url: str, tracking: str, reason: Reason, sku: str | None, seal: bool | None, today: date
) -> _Case:
    await upgrade_database(url)
    async with open_database(url) as sessions, sessions() as session:
        parcel = await find_parcel(session, tracking)
        if parcel is None:
            raise CommandError(
                f"numéro de suivi inconnu « {tracking} » : aucun colis importé ne le porte"
            )
        item = _item(parcel, sku)
        try:
            decision, _ = await decision_for(session, parcel, item, reason, today, seal_intact=seal)
            mediator = (await shop_policy(session)).mediator
        except MissingShopData as error:
            raise CommandError(str(error)) from None
        return _Case(parcel, item, reason, today, decision, mediator)


def _item(parcel: Parcel, sku: str | None) -> ParcelItem:
    skus = ", ".join(item.sku for item in parcel.items)
    if sku is None:
        if len(parcel.items) == 1:
            return parcel.items[0]
        raise CommandError(f"le colis contient plusieurs articles : précisez --sku parmi {skus}")
    item = parcel.item(sku)
    if item is None:
        raise CommandError(f"article inconnu « {sku} » dans ce colis (articles : {skus})")
    return item


def as_dict(case: _Case) -> dict[str, Any]:
    decision = case.decision
    deadlines = {name: _iso(getattr(decision.deadlines, name)) for name in DEADLINE_LABELS}
    return {
        "tracking_number": case.parcel.tracking_number,
        "order": case.parcel.order_name,
        "sku": case.item.sku,
        "reason": case.reason,
        "today": case.today.isoformat(),
        "options": list(decision.options),
        "return_paid_by": decision.return_paid_by,
        "item_travels_back": decision.item_travels_back,
        "return_to": decision.return_to,
        "return_address": decision.return_address,
        "prepaid_label": decision.prepaid_label,
        "photos": "required" if decision.photos_required else "optional",
        "handover": decision.handover,
        "handover_reasons": list(decision.handover_reasons),
        "rule": decision.rule_id,
        "explanation": decision.explanation,
        "articles": list(decision.articles),
        "window": decision.window,
        "deadlines": deadlines,
        "policy_version": decision.policy_version,
        "supplier": decision.supplier_code,
        "flags": list(decision.flags),
        "refund": _refund(decision),
        "return_costs_terms": decision.return_costs_terms,
        "mediator": _mediator(case.mediator),
    }


def _refund(decision: Decision) -> dict[str, str] | None:
    """The refund offered, as strings to the cent: items, their share of the delivery, total."""
    refund = decision.refund
    if refund is None:
        return None
    return {
        "items": str(refund.items),
        "delivery": str(refund.delivery),
        "total": str(refund.total),
    }


def _mediator(mediator: Mediator | None) -> dict[str, str] | None:
    return {"name": mediator.name, "website": mediator.website} if mediator else None


def as_text(case: _Case) -> list[str]:
    decision = case.decision
    price = format_currency(case.item.price, "EUR", locale="fr_FR")
    options = (
        ", ".join(OPTION_LABELS[o] for o in decision.options)
        or "aucune (on explique pourquoi avec gentillesse)"
    )
    lines = [
        f"Colis {case.parcel.tracking_number} — commande {case.parcel.order_name} — {case.item.name} ({case.item.sku}), {price}",
        f"Motif : {REASON_LABELS[case.reason]} — décision au {_day(case.today)}",
        f"Règle appliquée : {decision.rule_id} — {decision.explanation}",
        f"Articles de loi : {', '.join(decision.articles)}",
        f"Propositions, dans l'ordre : {options}",
        f"Retour payé par : {PAYER_LABELS[decision.return_paid_by]}",
    ]
    if decision.item_travels_back:
        where = (
            "l'adresse du fournisseur"
            if decision.return_to == "supplier"
            else "l'adresse de repli de la boutique"
        )
        label = {"supplier": "du fournisseur", "shop": "de la boutique"}.get(
            decision.prepaid_label or "", ""
        )
        lines.append(
            f"Adresse de retour : {where}"
            + (f", étiquette prépayée {label}" if label else ", sans étiquette")
        )
    if decision.return_costs_terms:
        lines.append(f"Conditions citées au client : « {decision.return_costs_terms} »")
    if decision.refund is not None:
        refund = decision.refund
        lines.append(
            f"Remboursement : {_euros(refund.total)} (articles {_euros(refund.items)}, "
            f"livraison {_euros(refund.delivery)}), sur le moyen de paiement de la commande"
        )
    lines.append(f"Photos : {'obligatoires' if decision.photos_required else 'facultatives'}")
    lines.append(
        "Conseiller : "
        + ("oui (" + ", ".join(decision.handover_reasons) + ")" if decision.handover else "non")
    )
    for name, label in DEADLINE_LABELS.items():
        day = getattr(decision.deadlines, name)
        if day is not None:
            lines.append(f"  {label} : {_day(day)}")
    if decision.flags:
        lines.append(f"À faire : {', '.join(decision.flags)}")
    lines.append(
        f"Politique de retour : {decision.supplier_code}, version {decision.policy_version}"
    )
    mediator = case.mediator
    lines.append(
        f"Médiateur de la consommation : {mediator.name} ({mediator.website})"
        if mediator
        else "Médiateur de la consommation : non renseigné (importez suppliers.toml)"
    )
    return lines


def _euros(value: Decimal) -> str:
    return format_currency(value, "EUR", locale="fr_FR")


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _day(day: date) -> str:
    return format_date(day, format="full", locale="fr_FR")
