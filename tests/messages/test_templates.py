"""The templates: every one is said by the journey, renders in French HTML, fits a Telegram message."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from jinja2 import UndefinedError

from bot.agents.commands import CUSTOMER_TEMPLATES
from flows.conversation import STEPS as QUESTIONS
from messages import (
    TELEGRAM_LIMIT,
    button_label,
    day,
    euros,
    label_keys,
    moment,
    render,
    template_names,
)
from tests.conversation_helpers import SHOP_NAME, sample_replies

SAMPLES = sample_replies()


def test_dates_amounts_and_times_read_as_in_france() -> None:
    assert day(date(2026, 11, 30)) == "lundi 30 novembre 2026"
    assert euros(Decimal("24.90")) == "24,90\u00a0€"
    assert euros(Decimal("1249.5")) == "1\u202f249,50\u00a0€"
    assert moment(datetime(2026, 11, 30, 13, 5, tzinfo=UTC)) == "lundi 30 novembre 2026 à 14:05"


def test_every_template_is_said_somewhere_in_the_journey_or_by_an_agents_command() -> None:
    assert {reply.template for reply in SAMPLES} | set(CUSTOMER_TEMPLATES) == set(template_names())


def test_every_step_has_a_reask_with_an_example() -> None:
    assert {f"re{state}" for state in QUESTIONS} <= set(template_names())


@pytest.mark.parametrize("reply", SAMPLES, ids=lambda reply: reply.template)
def test_every_message_renders_and_fits_in_one_telegram_message(reply: object) -> None:
    text = render(
        reply.template, {"reference": "R-2026-000123", "shop_name": SHOP_NAME, **reply.values}
    )  # type: ignore[attr-defined]

    assert 0 < len(text) < TELEGRAM_LIMIT
    assert "None" not in text
    assert "{{" not in text and "{%" not in text


def test_customer_text_is_escaped_for_telegram_html() -> None:
    text = render("instructions_keep_and_replace", _keep_values(new_variant="<b>XL</b> & co"))

    assert "&lt;b&gt;XL&lt;/b&gt; &amp; co" in text


def test_a_missing_value_is_an_error_not_an_empty_string() -> None:
    with pytest.raises(UndefinedError):
        render("welcome", {})


def test_every_button_label_exists_and_items_show_their_price() -> None:
    used = {button.label for reply in SAMPLES for button in reply.buttons}

    assert used <= set(label_keys())
    assert (
        button_label("item", {"name": "Lampe", "price": Decimal("34.90")}) == "Lampe — 34,90\u00a0€"
    )


def _keep_values(**values: object) -> dict[str, object]:
    sample = next(r for r in SAMPLES if r.template == "instructions_keep_and_replace")
    return {"reference": "R-2026-000123", "shop_name": SHOP_NAME, **sample.values, **values}


_REFUND_ANNOUNCED = re.compile(
    r"rembours\w*[^.]*?(\d+,\d\d\u00a0€|au plus tard|dès réception)", re.I
)
_DECLINING = ("declined_exempt", "declined_late", "agent_refused")


def test_every_message_announcing_a_refund_says_the_means_of_payment() -> None:
    """L221-24: the refund goes back on the means of payment the customer used."""
    announced = 0
    for reply in SAMPLES:
        text = html.unescape(
            render(
                reply.template,
                {"reference": "R-2026-000123", "shop_name": SHOP_NAME, **reply.values},
            )
        )
        if _REFUND_ANNOUNCED.search(text):
            announced += 1
            assert "sur le moyen de paiement utilisé pour la commande" in text, reply.template
    assert announced >= 5


def test_every_refusal_and_declined_request_names_the_consumer_mediator() -> None:
    """L616-1, R616-1: the mediator's name and website in every refusal."""
    said = [reply for reply in SAMPLES if reply.template in _DECLINING]
    assert {reply.template for reply in said} == set(_DECLINING)
    for reply in said:
        text = render(
            reply.template, {"reference": "R-2026-000123", "shop_name": SHOP_NAME, **reply.values}
        )
        assert "médiateur de la consommation" in text and "https://www.cm2c.net" in text


def test_counts_take_the_french_singular_up_to_one_and_the_plural_beyond() -> None:
    from messages import counted

    assert [counted(n, "photo", "photos") for n in (0, 1, 2)] == ["0 photo", "1 photo", "2 photos"]
