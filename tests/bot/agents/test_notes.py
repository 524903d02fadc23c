"""What the agents read in a case's topic when the lifecycle tells them something."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from bot.agents.notes import note_for, withdrawal_note
from flows.case_file import CaseFile
from flows.events import Overdue, WithdrawalRecorded


@pytest.mark.parametrize(("days_late", "said"), [(1, "1 jour de retard"), (3, "3 jours de retard")])
def test_an_overdue_alert_says_its_days_late_in_proper_french(days_late: int, said: str) -> None:
    file = CaseFile(reference="R-1", item_name="Lampe", price=Decimal("34.90"))
    event = Overdue(kind="replacement", due=date(2026, 12, 1), days_late=days_late)
    note = note_for(event, file)
    assert note is not None
    assert said in note
    assert "(s)" not in note


def test_a_withdrawal_note_says_when_it_began_was_sent_and_where_it_was_acknowledged() -> None:
    file = CaseFile(reference="R-2026-000007", item_name="Lampadaire", price=Decimal("189"))
    event = WithdrawalRecorded(
        outcome="sent",
        started_at=datetime(2026, 10, 22, 21, 50, tzinfo=UTC),
        at=datetime(2026, 10, 22, 22, 10, tzinfo=UTC),
        name="Inès Moreau",
        order="#1005",
        item="Lampadaire",
        email="ines@example.fr",
    )

    note = withdrawal_note(event, file, emailed_to="ines@example.fr")

    assert "s'est rétracté (dossier R-2026-000007)" in note
    assert "commencée le jeudi 22 octobre 2026 à 23:50" in note
    assert "envoyée le vendredi 23 octobre 2026 à 00:10" in note
    assert "par e-mail à ines@example.fr" in note
