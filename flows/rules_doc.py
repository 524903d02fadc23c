"""Renders `docs/regles.md`, the French rule table, from `flows.rules` and `flows.law`.

`python -m flows.rules_doc` rewrites the file; a test fails when the committed one differs.
"""

from __future__ import annotations

import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Final

from flows import law
from flows.facts import HANDOVER_REASONS, Option
from flows.refund import refund_for
from flows.rules import RULES, Rule

DOC_PATH: Final = Path(__file__).resolve().parent.parent / "docs" / "regles.md"

_OPTION_LABELS: Final[dict[Option, str]] = {
    "exchange": "échange",
    "keep_and_replace": "garder et remplacer",
    "refund": "remboursement",
}
_HANDOVER_LABELS: Final[dict[str, str]] = {
    "not_received": "colis non reçu",
    "unknown_tracking": "numéro de suivi inconnu",
    "delivery_date_unknown": "date de réception inconnue",
    "conformity_over": (
        "garantie légale de conformité échue ; la fiche rappelle la garantie des vices cachés "
        "(Code civil, 1641 ; 2 ans à compter de la découverte du vice, 1648)"
    ),
    "asked_repair": "le client demande une réparation (L217-9)",
    "asked_price_reduction": "le client demande une réduction du prix (L217-14)",
    "above_escalation_threshold": "prix au-dessus du seuil d'escalade",
    "three_misses": "trois échecs à la même étape",
    "ownership_locked": "trop de codes postaux ou d'e-mails erronés pour ce colis ou ce client",
    "duplicate_photo": "photo déjà vue dans le dossier d'un autre client",
    "angry_words": "mots de colère ou juridiques (plainte, avocat, litige, PayPal, DGCCRF, arnaque)",
    "customer_asked": "le client demande un conseiller",
}

_HEADER: Final = """\
# Règles de décision des retours

<!-- Fichier généré par `python -m flows.rules_doc` depuis flows/rules.py : ne pas modifier à la main. -->

Chaque demande de retour passe par ces règles, dans l'ordre : la première qui s'applique décide.
La décision garde la règle appliquée, la version de la politique de retour utilisée et les dates.

Vocabulaire :

- **motif côté client** : taille ou couleur, changement d'avis (droit de rétractation) ;
- **motif côté boutique** : non conforme à la description, erreur d'article, abîmé, en panne
  (garantie légale de conformité) ;
- **article à petit prix** : prix au plus égal au seuil « garder l'article » de la boutique ;
- **retour peu pratique** : la politique de retour de l'article le dit (envoi lointain) ;
- **garder et remplacer** : le client garde l'article et en reçoit un autre ; rien ne voyage.
"""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _options(rule: Rule) -> str:
    return ", ".join(_OPTION_LABELS[option] for option in rule.options) or "aucune"


def _rule_row(position: int, rule: Rule) -> str:
    cells = (
        str(position),
        f"`{rule.id}`",
        rule.condition,
        rule.outcome,
        _options(rule),
        ", ".join(rule.articles),
    )
    return "| " + " | ".join(_cell(cell) for cell in cells) + " |"


def _calendar() -> list[str]:
    return [
        "## Calendrier légal",
        "",
        f"- Rétractation : {law.WITHDRAWAL_DAYS} jours après le jour de réception (non compté), "
        "depuis le dernier colis quand toute la commande est concernée (L221-18).",
        "- Commande livrée en plusieurs colis dont un est encore en route (sans date de "
        "livraison), ou dont un article à expédier n'est encore dans aucun colis : le délai "
        "n'a pas encore commencé (L221-18, dernier bien reçu). Un article qui ne s'expédie pas "
        "(colonne Lineitem requires shipping à false : carte cadeau, service) ne retient pas "
        "le délai. Le bot le "
        "dit au client et propose les options, sans jamais parler de délai dépassé ; la garantie "
        "de conformité court, elle, depuis la livraison de l'article.",
        "- Un dernier jour tombant un samedi, un dimanche ou un jour férié français est reporté "
        "au jour ouvrable suivant (L221-19).",
        "- Jours fériés régionaux, d'après le code postal de livraison, en plus des jours fériés "
        "nationaux : ils ne peuvent qu'allonger le délai, jamais le raccourcir (L221-19). Codes "
        f"postaux concernés : {_regions()}. Les autres codes postaux : jours fériés nationaux.",
        f"- Client non informé de son droit : délai prolongé de "
        f"{law.UNINFORMED_EXTENSION_MONTHS} mois (L221-20).",
        "- Délai de la boutique : délai le plus court des politiques de retour, moins la marge, "
        f"jamais moins de {law.WITHDRAWAL_DAYS} jours ; le client a le plus tardif des deux.",
        f"- Renvoi de l'article après la rétractation : {law.RETURN_SHIPPING_DAYS} jours (L221-23). "
        "Le bot dit « délai de rétractation, jusqu'au … » quand la date est celle du délai "
        "légal (sinon « notre délai de retour »), puis que le client aura ensuite "
        f"{law.RETURN_SHIPPING_DAYS} jours pour renvoyer l'article.",
        f"- Remboursement : au plus tard {law.REFUND_DAYS} jours après la rétractation (L221-24).",
        f"- Garantie légale de conformité : {law.CONFORMITY_MONTHS} mois après la livraison "
        "(L217-3).",
        f"- Présomption d'antériorité du défaut : {law.PRESUMPTION_MONTHS} mois, "
        f"{law.SECOND_HAND_PRESUMPTION_MONTHS} pour un article d'occasion (L217-7).",
        f"- Réparation ou remplacement : sous {law.CONFORMITY_FIX_DAYS} jours, sans frais "
        "(L217-10, L217-11). Le client peut demander la réparation (L217-9) ou une réduction du "
        "prix (L217-14) : le bot les propose quand la boutique le permet (`allows_repair`, "
        "`allows_price_reduction` dans `[shop]`) ; sinon, ou quand le client choisit l'une "
        "d'elles, un conseiller prend le relais, avec la demande sur la fiche du dossier.",
        "- Au-delà de 2 ans : la garantie des vices cachés reste possible, à faire valoir dans "
        "les 2 ans de la découverte du vice (Code civil, 1641 et 1648) ; la fiche le rappelle "
        "au conseiller.",
        "",
        "## Exceptions au droit de rétractation (L221-28)",
        "",
        "- Article personnalisé ou fait sur mesure (3°), denrée périssable (4°) : pas de "
        "rétractation (catégories `custom_made`, `perishable`).",
        "- Article d'hygiène scellé (5°, catégorie `hygiene`) et enregistrement audio ou vidéo ou "
        "logiciel scellé (9°, catégorie `sealed_media`) : le bot demande si le scellé est intact ; "
        "ouvert après la livraison, pas de rétractation ; intact, la rétractation s'applique.",
        "- Contenu numérique (13°, catégorie `digital`) : pas de rétractation seulement si la "
        "fourniture a commencé avec l'accord préalable exprès du client et sa reconnaissance de "
        "perdre son droit (réglage `digital_waiver = true` du produit, quand la commande les "
        "recueille) ; sinon la rétractation s'applique, et rien n'est à renvoyer.",
    ]


_REGION_NAMES: Final = {
    "57": "Moselle",
    "6AE": "Alsace",
    "971": "Guadeloupe",
    "BL": "Saint-Barthélemy",
    "MF": "Saint-Martin",
    "972": "Martinique",
    "973": "Guyane",
    "974": "La Réunion",
    "PM": "Saint-Pierre-et-Miquelon",
    "976": "Mayotte",
    "WF": "Wallis-et-Futuna",
    "PF": "Polynésie française",
    "NC": "Nouvelle-Calédonie",
}


def _regions() -> str:
    """Each region with the postcodes that bring its holidays, from `flows.law.HOLIDAY_REGIONS`."""
    by_region: dict[str, list[str]] = {}
    for prefix, region in law.HOLIDAY_REGIONS.items():
        by_region.setdefault(region, []).append(f"{prefix}…" if len(prefix) < 5 else prefix)
    return " ; ".join(
        f"{_REGION_NAMES[region]} : {', '.join(prefixes)}" for region, prefixes in by_region.items()
    )


def _after_the_choice() -> list[str]:
    return [
        "## Après le choix du client : les délais de la boutique",
        "",
        f"- Remboursement après une rétractation : au plus tard {law.REFUND_DAYS} jours après "
        "la rétractation ; quand l'article revient, la boutique peut attendre de l'avoir "
        "récupéré ou d'avoir reçu la preuve de son expédition, au premier des deux, et "
        "rembourse alors ce jour-là au plus tard (L221-24).",
        f"- Remboursement au titre de la garantie légale de conformité : "
        f"{law.CONFORMITY_REFUND_DAYS} jours après le retour de l'article ou la preuve de son "
        f"expédition, au premier des deux ; {law.CONFORMITY_REFUND_DAYS} jours après la décision "
        "quand rien ne voyage. L'article oblige à rembourser le prix et à reprendre l'article "
        "aux frais de la boutique sans fixer de délai : ces jours sont un engagement de la "
        "boutique (L217-16).",
        f"- Réparation ou remplacement : au plus tard {law.CONFORMITY_FIX_DAYS} jours après la "
        "demande du client (L217-10).",
        "- Remboursement d'une rétractation en retard : les sommes dues sont majorées de plein "
        "droit, selon les jours de retard après la date due ; une majoration en pourcentage ne "
        "dépasse jamais le prix du produit (L242-4). Au-delà de "
        f"{law.LATE_REFUND_TIERS[-1][0]} jours, un mois de retard compte pour "
        f"{law.LATE_REFUND_MONTH_DAYS} jours, et un mois commencé compte.",
        "",
        "| Jours de retard | Majoration |",
        "|---|---|",
        *(f"| {days} | {increase} |" for days, increase in _late_refund_rows()),
        "",
        f"Rappel : la boutique est prévenue {law.REMINDER_DAYS_BEFORE} jours avant chacune de "
        "ces échéances. C'est une pratique de la boutique, pas une obligation légale.",
    ]


def _money() -> list[str]:
    whole = refund_for(
        Decimal("34.90"), 1, order_items_value=Decimal("34.90"), order_delivery=Decimal("4.90")
    )
    part = refund_for(
        Decimal("9.90"), 1, order_items_value=Decimal("19.80"), order_delivery=Decimal("3.90")
    )
    return [
        "## Montant du remboursement, frais de retour, médiateur",
        "",
        "- Montant : tout ce qui a été payé pour les articles retournés, livraison comprise "
        "(L221-24). Une rétractation rembourse le prix et les frais de livraison ; un "
        "remboursement au titre de la garantie légale de conformité aussi, car il rend le prix "
        "payé, livraison comprise (L217-14, L217-16). La livraison est celle que la commande a "
        "payée (colonne Shipping de l'export Shopify) : la boutique ne distingue pas une "
        "livraison plus chère que la livraison standard et la rembourse entièrement.",
        "- Remises : le prix payé est le prix de l'article moins sa remise. Une remise propre à "
        "un article (colonne Lineitem discount) lui revient ; un code sur toute la commande "
        "(ce qui sépare la somme des articles du Subtotal de l'export) est réparti entre les "
        "articles au prorata de leur prix, au centime, et la somme des articles payés est le "
        "Subtotal. Exemple : une commande à 77,50 € avec 10 % de remise, une lampe à 34,90 € "
        "est remboursée 31,41 €.",
        "- Retour partiel (certains articles, ou une partie de la quantité d'un article) : la "
        "part de la livraison remboursée est la livraison payée × valeur des articles retournés "
        "÷ valeur de tous les articles de la commande, arrondie au centime (au demi-centime "
        "supérieur). Toute la commande retournée : toute la livraison. Exemples : un article à "
        f"{_euros(whole.items)} seul dans sa commande, livraison {_euros(whole.delivery)} → "
        f"{_euros(whole.total)} ; un chargeur à {_euros(part.items)} sur deux, livraison "
        f"{_euros(Decimal('3.90'))} → {_euros(part.items)} + {_euros(part.delivery)} = "
        f"{_euros(part.total)}. Chaque dossier compte sa part : les parts de retours séparés d'une même "
        "commande peuvent, additionnées, différer d'un centime de la livraison payée.",
        "- Échange, ou garder l'article et en recevoir un autre : aucun montant remboursé.",
        "- Moyen de paiement : chaque message qui annonce un remboursement dit qu'il est fait "
        "sur le moyen de paiement utilisé pour la commande (L221-24).",
        "- Frais de retour d'une rétractation : à la charge du client seulement quand les "
        "conditions de la boutique le prévoient (réglage `return_costs_terms`, dont le texte est "
        "cité au client dans les instructions de retour) et que ni la boutique "
        "(`shop_pays_customer_side_return`) ni la politique de retour de l'article ne les "
        "prennent en charge ; sinon la boutique les paie, étiquette prépayée (L221-23). Motif "
        "côté boutique : toujours payés par la boutique (L217-11).",
        "- Médiateur de la consommation : la boutique adhère à un médiateur (L612-1) ; son nom "
        "et son site (réglages `mediator_name`, `mediator_website`, obligatoires à l'import) "
        "figurent dans chaque refus et chaque demande déclinée (L616-1, R616-1).",
    ]


def _withdrawal_function() -> list[str]:
    return [
        "## La fonction de rétractation (L221-21, D221-5)",
        "",
        "Depuis le 19 juin 2026, un contrat conclu en ligne se rétracte aussi en ligne, par une "
        "fonction « renoncer au contrat ici » (L221-21 modifié par l'ordonnance n° 2026-2, "
        "D221-5 modifié par le décret n° 2026-3). Ici : la commande `/retractation` ou le bouton "
        "« Renoncer au contrat ici », et le remboursement choisi aux options dans le délai de "
        "rétractation.",
        "",
        "- C'est un droit : jamais de passage à un conseiller pour le prix de l'article ni pour "
        "l'état de la conversation ; pendant qu'un conseiller suit le dossier, `/retractation` "
        "reste servie par le bot et le conseiller en est prévenu.",
        "- Le moment qui compte est celui où le client commence sa déclaration : commencée le "
        "dernier jour du délai et confirmée après minuit, elle est dans le délai.",
        "- La déclaration indique le nom du client, la commande, l'article et l'adresse e-mail "
        "où part l'accusé de réception (celle de la commande, ou une autre que le client écrit) ; "
        "elle est confirmée par un bouton à part, « Confirmer la rétractation ».",
        "- L'accusé de réception reprend la déclaration (nom, commande, article, la rétractation) "
        "avec la date et l'heure de son envoi ; il est envoyé dans la conversation et, quand les "
        "e-mails sont configurés (SMTP), par e-mail : un support durable, car un bot peut modifier "
        "ses messages.",
        "- Chaque déclaration est gardée telle quelle (table `withdrawal_records`, que la base "
        "refuse de modifier ou d'effacer) : envoyée, ou non envoyée (retour aux options, "
        "`/annuler`) ou déclinée (hors délai, article exclu).",
    ]


def _euros(value: Decimal) -> str:
    return f"{value:.2f}".replace(".", ",") + " €"


def _late_refund_rows() -> list[tuple[str, str]]:
    """The L242-4 tiers, read from `flows.law` by walking from one tier to the next."""
    due = date(2026, 1, 1)
    rows = []
    late = law.late_refund_surcharge(due, due + timedelta(days=1), Decimal(100))
    while late is not None:
        first = late.days_late
        if late.next_step_on is None:
            days = f"{first} et plus"
        else:
            days = f"{first} à {(late.next_step_on - due).days - 1}"
        rows.append((days, _increase(late)))
        step = late.next_step_on
        late = None if step is None else law.late_refund_surcharge(due, step, Decimal(100))
    return rows


def _increase(late: law.LateRefund) -> str:
    if late.percent is None:
        return "taux d'intérêt légal"
    if late.legal_interest:
        return f"{late.percent} % (le prix du produit), plus le taux d'intérêt légal"
    return f"{late.percent} %"


def render_rules() -> str:
    """The whole of docs/regles.md, in French."""
    lines = [
        _HEADER,
        "## Règles, dans l'ordre",
        "",
        "| # | Règle | Situation | Décision | Options proposées | Articles |",
        "|---|---|---|---|---|---|",
        *(_rule_row(position, rule) for position, rule in enumerate(RULES, start=1)),
        "",
        "Photos : obligatoires pour un motif côté boutique, facultatives sinon.",
        "Le motif « non conforme à la description » signale aussi la fiche produit à corriger.",
        "",
        *_calendar(),
        "",
        *_after_the_choice(),
        "",
        *_money(),
        "",
        *_withdrawal_function(),
        "",
        "## Passage à un conseiller",
        "",
        "Les options restent calculées et sont proposées au conseiller. Raisons, dans l'ordre de "
        "la fiche du dossier :",
        "",
        *(f"- `{code}` : {_HANDOVER_LABELS[code]} ;" for code in HANDOVER_REASONS),
    ]
    lines[-1] = lines[-1].removesuffix(" ;") + "."
    return "\n".join(lines) + "\n"


def main() -> None:
    """Writes docs/regles.md from the code."""
    DOC_PATH.write_text(render_rules(), encoding="utf-8")
    sys.stdout.write(f"{DOC_PATH} écrit.\n")


if __name__ == "__main__":
    main()
