"""Every decision vector as a whole conversation: the expected decision, the right instructions."""

from __future__ import annotations

import html
import os
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.database import open_database
from bot.storage.models import ReturnCase
from tests.bot.conversation.golden import TRANSCRIPTS, TYPED, new_golden
from tests.flows.vectors import load_vectors
from tests.helpers import load_example_shop

ROWS = load_vectors("decisions.csv")


def test_at_least_a_third_of_the_conversations_are_typed() -> None:
    assert len(TYPED) * 3 >= len(ROWS)
    assert set(TYPED) <= {row["id"] for row in ROWS}


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row["id"])
async def test_golden_conversation(
    row: dict[str, str], sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    await load_example_shop(sessions)
    golden = new_golden(row, sessions, tmp_path / "photos")

    outcome = await golden.play()

    async with sessions() as session:
        case = (await session.execute(select(ReturnCase))).scalar_one()
    decision = case.decision or {}
    assert ("|".join(decision["options"]) or "none") == row["options"]
    assert decision["return_paid_by"] == row["return_paid_by"]
    assert decision["photos_required"] is (row["photos"] == "required")
    assert decision["handover"] is (row["handover"] == "true")
    assert case.rule == decision["rule_id"]
    assert case.policy_version_id is not None
    _assert_the_right_ending(row, case, [m["text"] for m in outcome.messages])
    _compare_transcript(row["id"], golden.transcript())


def _assert_the_right_ending(row: dict[str, str], case: ReturnCase, texts: list[object]) -> None:
    said = html.unescape("\n".join(str(text) for text in texts))
    decision = case.decision or {}
    if row["handover"] == "true":
        assert case.status == "handover"
        assert "conseiller" in said.lower()
    elif row["options"] == "none":
        assert case.status == "declined"
        assert "conseiller" in said
    else:
        first = row["options"].split("|")[0]
        if decision["item_travels_back"]:
            awaiting = "awaiting_return"
        else:
            awaiting = "awaiting_refund" if first == "refund" else "awaiting_replacement"
        assert (case.status, case.chosen_option) == (awaiting, first)
        assert case.reference is not None and case.reference in said
        if decision["item_travels_back"]:
            # The shop is the addressee; the stored address's street and town follow.
            street, town = decision["return_address"].splitlines()[1:3]
            assert f"Maison Lumière — Service retours\n{street}\n{town}" in said
        else:
            assert "adresse de retour" not in said
        if first == "refund" and decision["window"] == "withdrawal":
            assert case.withdrawal_acknowledged_at is not None
            assert "Accusé de réception de votre rétractation" in said


def _compare_transcript(row_id: str, transcript: str) -> None:
    path = TRANSCRIPTS / f"{row_id}.txt"
    if os.environ.get("UPDATE_TRANSCRIPTS") or not path.exists():
        path.parent.mkdir(exist_ok=True)
        path.write_text(transcript, encoding="utf-8")
    assert transcript == path.read_text(encoding="utf-8"), (
        f"run with UPDATE_TRANSCRIPTS=1 to accept {path.name}"
    )


# One conversation per step, restarted with a new engine and database connection at that step.
RESTART_AT = {
    "ask_reason": "D01",
    "ask_tracking": "D12",
    "ask_ownership": "D08",
    "ask_quantity": "D10",
    "ask_seal": "D05",
    "ask_photos": "D09",
    "ask_option": "D14",
    "ask_new_variant": "D01",
    "confirm_withdrawal": "D03",
}


@pytest.mark.parametrize(("step", "row_id"), RESTART_AT.items())
async def test_a_restart_in_the_middle_of_a_step_continues_where_it_was(
    step: str, row_id: str, database_url: str, tmp_path: Path
) -> None:
    row = next(row for row in ROWS if row["id"] == row_id)
    async with open_database(database_url) as before, open_database(database_url) as after:
        await load_example_shop(before)
        golden = new_golden(row, before, tmp_path / "photos")
        golden.restart_at, golden.restart = step, after

        outcome = await golden.play()

    assert golden.restarted
    assert golden.transcript() == (TRANSCRIPTS / f"{row_id}.txt").read_text(encoding="utf-8")
    assert outcome.state in ("done", "handover", "declined")
