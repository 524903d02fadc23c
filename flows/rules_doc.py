"""Renders `docs/regles.md`, the French rule table, from `flows.rules` and `flows.law`.

`python -m flows.rules_doc` rewrites the file; a test fails when the committed one differs.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Final

from flows import law
from flows.facts import HANDOVER_REASONS, Option
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
    "conformity_over": "garantie légale de conformité échue",
    "above_escalation_threshold": "prix au-dessus du seuil d'escalade",
    "three_misses": "trois échecs à la même étape",
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
        "- Un dernier jour tombant un samedi, un dimanche ou un jour férié français est reporté "
        "au jour ouvrable suivant (L221-19).",
        f"- Client non informé de son droit : délai prolongé de "
        f"{law.UNINFORMED_EXTENSION_MONTHS} mois (L221-20).",
        "- Délai de la boutique : délai le plus court des politiques de retour, moins la marge, "
        f"jamais moins de {law.WITHDRAWAL_DAYS} jours ; le client a le plus tardif des deux.",
        f"- Renvoi de l'article après la rétractation : {law.RETURN_SHIPPING_DAYS} jours (L221-23).",
        f"- Remboursement : au plus tard {law.REFUND_DAYS} jours après la rétractation (L221-24).",
        f"- Garantie légale de conformité : {law.CONFORMITY_MONTHS} mois après la livraison "
        "(L217-3).",
        f"- Présomption d'antériorité du défaut : {law.PRESUMPTION_MONTHS} mois, "
        f"{law.SECOND_HAND_PRESUMPTION_MONTHS} pour un article d'occasion (L217-7).",
        f"- Réparation ou remplacement : sous {law.CONFORMITY_FIX_DAYS} jours, sans frais "
        "(L217-10, L217-11).",
    ]


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
