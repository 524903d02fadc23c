from __future__ import annotations

from flows import law
from flows.facts import HANDOVER_REASONS
from flows.rules import RULES
from flows.rules_doc import DOC_PATH, render_rules


def test_committed_rule_table_matches_the_code() -> None:
    assert DOC_PATH.read_text(encoding="utf-8") == render_rules(), (
        "docs/regles.md is stale: run `python -m flows.rules_doc`"
    )


def test_every_rule_and_article_is_in_the_table() -> None:
    text = render_rules()

    for rule in RULES:
        row = next(line for line in text.splitlines() if f"`{rule.id}`" in line)
        assert all(article in row for article in rule.articles)
    assert all(f"`{code}`" in text for code in HANDOVER_REASONS)


def test_the_shop_deadlines_after_the_choice_cite_their_articles_and_every_tier() -> None:
    section = render_rules().split("## Après le choix du client : les délais de la boutique")[1]
    section = section.split("\n## ")[0]

    assert all(article in section for article in ("L221-24", "L217-16", "L217-10", "L242-4"))
    assert "| 1 à 10 | taux d'intérêt légal |" in section
    assert "| 11 à 20 | 5 % |" in section
    assert "| 61 à 90 | 50 % |" in section
    assert "| 391 et plus |" in section
    assert f"prévenue {law.REMINDER_DAYS_BEFORE} jours avant" in section
    assert "pas une obligation légale" in section


def test_refund_amounts_return_costs_and_the_mediator_cite_their_articles() -> None:
    section = render_rules().split("## Montant du remboursement, frais de retour, médiateur")[1]
    section = section.split("\n## ")[0]

    for article in ("L221-24", "L217-14", "L217-16", "L221-23", "L612-1", "L616-1", "R616-1"):
        assert article in section, article
    assert "livraison comprise" in section
    assert "34,90 € seul dans sa commande, livraison 4,90 € → 39,80 €" in section
    assert "9,90 € + 1,95 € = 11,85 €" in section  # the partial return's share, pro rata
    assert "moyen de paiement utilisé pour la commande" in section
    assert "`return_costs_terms`" in section
    assert "`mediator_name`, `mediator_website`" in section


def test_the_second_pass_of_the_law_is_in_the_document_with_its_articles() -> None:
    text = render_rules()

    # Point 5: regional holidays, only ever lengthening, with the postcodes.
    assert "Jours fériés régionaux" in text and "jamais le raccourcir (L221-19)" in text
    assert "Moselle : 57…" in text and "Alsace : 67…, 68…" in text
    assert "Saint-Barthélemy : 97133" in text and "Saint-Martin : 97150" in text
    # Point 6: a parcel still in transit.
    assert "le délai n'a pas encore commencé (L221-18, dernier bien reçu)" in text
    # Point 7: the exceptions and their conditions.
    assert "## Exceptions au droit de rétractation (L221-28)" in text
    assert "(9°, catégorie `sealed_media`)" in text and "`digital_waiver = true`" in text
    assert "`exempt_sealed_media_unsealed`" in text
    # Point 8: the remedies and the hidden-defect guarantee.
    assert "réparation (L217-9)" in text and "réduction du prix (L217-14)" in text
    assert "`allows_repair`" in text and "`allows_price_reduction`" in text
    assert "Code civil, 1641 et 1648" in text
    # Point 9: the words of the offer and the 14 days to send back.
    assert "« délai de rétractation, jusqu'au … »" in text and "(L221-23)" in text
