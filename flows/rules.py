"""Every decision rule as data: when it applies, what it offers, and the articles of law it rests on.

The rules are tried in order; the first that applies decides. `docs/regles.md` is generated from
this table (`python -m flows.rules_doc`), so the document and the code cannot drift apart.
Conditions and outcomes are written in plain French for agents and the shop owner; the wording never
names a supplier, because a case card may be read out to a customer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final, Literal

from flows.facts import Category, Option, Reason, Side, Window

Trip = Literal["none", "customer", "shop"]
StayReason = Literal["cheap", "impractical"]


@dataclass(frozen=True, slots=True)
class Situation:
    """The facts of a case reduced to what the rules look at."""

    reason: Reason
    side: Side
    category: Category
    seal_intact: bool | None
    delivery_known: bool
    within_withdrawal: bool
    within_conformity: bool
    cheap: bool
    impractical: bool
    replacement: bool
    # Digital content: supply begun with express consent and acknowledged loss of the right (13°).
    digital_waiver: bool = False


@dataclass(frozen=True, slots=True)
class Rule:
    """One line of the rule table.

    `trip` says who pays the item's way back ("customer": the customer-side return settings apply;
    "shop": the shop pays); `item_stays_when` lists what keeps the item with the customer instead.
    `dates` names the legal calendar whose deadlines the decision reports.
    """

    id: str
    condition: str
    outcome: str
    articles: tuple[str, ...]
    applies: Callable[[Situation], bool] = field(repr=False, compare=False)
    options: tuple[Option, ...] = ()
    window: Window | None = None
    dates: Window | None = None
    trip: Trip = "none"
    item_stays_when: frozenset[StayReason] = frozenset()
    handover_reason: str | None = None

    @property
    def explanation(self) -> str:
        """The rule in one plain-French paragraph."""
        return f"Situation : {self.condition}. Décision : {self.outcome}"


def _customer_side_exempt(category: Category) -> Callable[[Situation], bool]:
    return lambda s: s.side == "customer" and s.category == category


def _keep_or_small(s: Situation) -> bool:
    return s.replacement and (s.cheap or s.impractical)


_WITHDRAWAL_RETURN: Final = ("L221-18", "L221-23", "L221-24")
_CONFORMITY: Final = ("L217-3", "L217-8", "L217-9", "L217-10", "L217-11")
# Said by every conformity rule: the remedies besides the options (L217-9, L217-14).
_REMEDIES: Final = (
    " Réparation (L217-9) et réduction du prix (L217-14) : proposées aussi quand la boutique le "
    "permet ; un client qui les demande passe à un conseiller, avec sa demande sur la fiche."
)

RULES: Final[tuple[Rule, ...]] = (
    Rule(
        id="not_received",
        condition="le client n'a pas reçu son colis",
        outcome=(
            "ce n'est pas un retour : aucune option n'est proposée et un conseiller prend le relais "
            "pour retrouver le colis ou le remplacer ; la boutique répond du colis jusqu'à sa remise."
        ),
        articles=("L216-1", "L216-4"),
        applies=lambda s: s.reason == "not_received",
        handover_reason="not_received",
    ),
    Rule(
        id="exempt_custom_made",
        condition=(
            "motif côté client (taille, couleur, changement d'avis) pour un article personnalisé "
            "ou fabriqué sur mesure"
        ),
        outcome=(
            "pas de droit de rétractation (L221-28, 3°) : aucune option, on l'explique avec "
            "gentillesse et on propose un conseiller."
        ),
        articles=("L221-28",),
        applies=_customer_side_exempt("custom_made"),
    ),
    Rule(
        id="exempt_perishable",
        condition="motif côté client pour une denrée périssable",
        outcome=(
            "pas de droit de rétractation (L221-28, 4°) : aucune option, on l'explique avec "
            "gentillesse et on propose un conseiller."
        ),
        articles=("L221-28",),
        applies=_customer_side_exempt("perishable"),
    ),
    Rule(
        id="exempt_hygiene_unsealed",
        condition=(
            "motif côté client pour un article d'hygiène dont le scellé a été ouvert après la livraison"
        ),
        outcome=(
            "pas de droit de rétractation (L221-28, 5°) : aucune option, on l'explique avec "
            "gentillesse et on propose un conseiller. Scellé intact : la rétractation s'applique."
        ),
        articles=("L221-28",),
        applies=lambda s: (
            s.side == "customer" and s.category == "hygiene" and s.seal_intact is False
        ),
    ),
    Rule(
        id="exempt_sealed_media_unsealed",
        condition=(
            "motif côté client pour un enregistrement audio ou vidéo ou un logiciel scellé dont le "
            "scellé a été ouvert après la livraison"
        ),
        outcome=(
            "pas de droit de rétractation (L221-28, 9°) : aucune option, on l'explique avec "
            "gentillesse et on propose un conseiller. Le bot pose la question du scellé ; scellé "
            "intact : la rétractation s'applique."
        ),
        articles=("L221-28",),
        applies=lambda s: (
            s.side == "customer" and s.category == "sealed_media" and s.seal_intact is False
        ),
    ),
    Rule(
        id="exempt_digital",
        condition=(
            "motif côté client pour un contenu numérique dont la fourniture a commencé, avec "
            "l'accord préalable exprès du client et sa reconnaissance de perdre son droit de "
            "rétractation (réglage « digital_waiver » du produit)"
        ),
        outcome=(
            "pas de droit de rétractation (L221-28, 13°) : aucune option, on l'explique avec "
            "gentillesse et on propose un conseiller. Sans ces conditions, la rétractation "
            "s'applique ; un contenu numérique ne voyage pas."
        ),
        articles=("L221-28",),
        applies=lambda s: s.side == "customer" and s.category == "digital" and s.digital_waiver,
    ),
    Rule(
        id="delivery_date_unknown",
        condition="la date de réception du colis n'est pas encore connue",
        outcome=(
            "le délai n'a pas commencé : il court à partir de la réception, les droits du client "
            "sont donc intacts. Aucune option n'est proposée tant qu'un conseiller n'a pas confirmé "
            "la date de réception ; si le colis n'est pas arrivé, c'est une non-réception."
        ),
        articles=("L221-18", "L217-3"),
        applies=lambda s: not s.delivery_known,
        handover_reason="delivery_date_unknown",
    ),
    Rule(
        id="withdrawal_over",
        condition=(
            "motif côté client après le dernier jour du délai, le plus tardif entre le délai légal "
            "(14 jours après la réception, reporté au jour ouvrable suivant) et celui de la boutique"
        ),
        outcome="aucune option : on décline avec gentillesse et on propose un conseiller.",
        articles=("L221-18", "L221-19"),
        applies=lambda s: s.side == "customer" and not s.within_withdrawal,
        dates="withdrawal",
    ),
    Rule(
        id="size_color_keep_and_replace",
        condition=(
            "taille ou couleur, dans le délai, article à petit prix (au plus le seuil « garder "
            "l'article ») ou retour peu pratique, remplacement possible"
        ),
        outcome=(
            "garder l'article et en recevoir un autre, ou être remboursé ; l'article ne voyage pas."
        ),
        articles=("L221-18", "L221-24"),
        applies=lambda s: s.reason == "size_color" and _keep_or_small(s),
        options=("keep_and_replace", "refund"),
        window="withdrawal",
        dates="withdrawal",
    ),
    Rule(
        id="size_color_exchange",
        condition="taille ou couleur, dans le délai, remplacement possible",
        outcome=(
            "échange ou remboursement ; le retour est à la charge du client seulement si les "
            "conditions de la boutique le prévoient, sinon la boutique le paie."
        ),
        articles=_WITHDRAWAL_RETURN,
        applies=lambda s: s.reason == "size_color" and s.replacement,
        options=("exchange", "refund"),
        window="withdrawal",
        dates="withdrawal",
        trip="customer",
    ),
    Rule(
        id="size_color_refund",
        condition="taille ou couleur, dans le délai, pas de remplacement possible",
        outcome=(
            "remboursement ; retour à la charge du client seulement si les conditions de la "
            "boutique le prévoient, sinon payé par la boutique, et aucun retour pour un article à "
            "petit prix ou dont le retour est peu pratique."
        ),
        articles=_WITHDRAWAL_RETURN,
        applies=lambda s: s.reason == "size_color",
        options=("refund",),
        window="withdrawal",
        dates="withdrawal",
        trip="customer",
        item_stays_when=frozenset({"cheap", "impractical"}),
    ),
    Rule(
        id="changed_mind_refund",
        condition="changement d'avis, dans le délai",
        outcome=(
            "remboursement : la rétractation est un droit, sans motif. Article à petit prix : le "
            "client le garde. Sinon retour à la charge du client seulement si les conditions de "
            "la boutique le prévoient (sinon payé par la boutique), vers l'adresse de retour de "
            "l'article, ou vers l'adresse de repli de la boutique quand ce retour n'y est pas "
            "possible."
        ),
        articles=_WITHDRAWAL_RETURN,
        applies=lambda s: s.reason == "changed_mind",
        options=("refund",),
        window="withdrawal",
        dates="withdrawal",
        trip="customer",
        item_stays_when=frozenset({"cheap"}),
    ),
    Rule(
        id="conformity_over",
        condition="motif côté boutique plus de 2 ans après la livraison",
        outcome=(
            "la garantie légale de conformité est échue : aucune option, un conseiller prend le "
            "relais. La fiche lui rappelle la garantie des vices cachés : un défaut caché qui rend "
            "l'article impropre à son usage reste couvert, à faire valoir dans les 2 ans de sa "
            "découverte (Code civil, 1641 et 1648)."
        ),
        articles=("L217-3", "C. civ. 1641", "C. civ. 1648"),
        applies=lambda s: s.side == "shop" and not s.within_conformity,
        dates="conformity",
        handover_reason="conformity_over",
    ),
    Rule(
        id="conformity_keep_and_replace",
        condition=(
            "motif côté boutique (non conforme à la description, erreur d'article, abîmé, en panne) "
            "dans les 2 ans, remplacement possible, article à petit prix ou retour peu pratique"
        ),
        outcome=(
            "garder l'article et en recevoir un autre sous 30 jours, ou être remboursé ; "
            "l'article ne voyage pas, rien n'est à la charge du client. Photos obligatoires."
            + _REMEDIES
        ),
        articles=_CONFORMITY,
        applies=lambda s: s.side == "shop" and _keep_or_small(s),
        options=("keep_and_replace", "refund"),
        window="conformity",
        dates="conformity",
    ),
    Rule(
        id="conformity_exchange",
        condition="motif côté boutique dans les 2 ans, remplacement possible",
        outcome=(
            "échange sous 30 jours ou remboursement ; le retour est payé par la boutique, avec une "
            "étiquette prépayée. Photos obligatoires." + _REMEDIES
        ),
        articles=_CONFORMITY,
        applies=lambda s: s.side == "shop" and s.replacement,
        options=("exchange", "refund"),
        window="conformity",
        dates="conformity",
        trip="shop",
    ),
    Rule(
        id="conformity_refund",
        condition="motif côté boutique dans les 2 ans, pas de remplacement possible",
        outcome=(
            "remboursement ; le retour est payé par la boutique, et aucun retour pour un article à "
            "petit prix ou dont le retour est peu pratique. Photos obligatoires." + _REMEDIES
        ),
        articles=("L217-3", "L217-8", "L217-9", "L217-14", "L217-16"),
        applies=lambda s: s.side == "shop",
        options=("refund",),
        window="conformity",
        dates="conformity",
        trip="shop",
        item_stays_when=frozenset({"cheap", "impractical"}),
    ),
)


def rule_for(situation: Situation) -> Rule:
    """The first rule of the table that applies."""
    for rule in RULES:
        if rule.applies(situation):
            return rule
    raise LookupError(f"no rule applies to {situation}")  # unreachable: the table is complete
