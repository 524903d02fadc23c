from __future__ import annotations

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
