"""Before the first update, the bot has read its understanding model and compiled its templates."""

from __future__ import annotations

from bot.telegram.app import warm_up
from flows.intent_model import shipped_model
from messages import environment


def test_warm_up_reads_the_model_and_compiles_every_template() -> None:
    shipped_model.cache_clear()
    env = environment()
    env.cache.clear()  # type: ignore[union-attr]

    warm_up()

    assert shipped_model.cache_info().currsize == 1
    assert len(env.cache or {}) == len(env.list_templates(["j2"]))
