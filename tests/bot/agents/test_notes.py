"""What the agents read in a case's topic when the lifecycle tells them something."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.agents.notes import note_for
from flows.case_file import CaseFile
from flows.events import Overdue


@pytest.mark.parametrize(("days_late", "said"), [(1, "1 jour de retard"), (3, "3 jours de retard")])
def test_an_overdue_alert_says_its_days_late_in_proper_french(days_late: int, said: str) -> None:
    file = CaseFile(reference="R-1", item_name="Lampe", price=Decimal("34.90"))
    event = Overdue(kind="replacement", due=date(2026, 12, 1), days_late=days_late)
    note = note_for(event, file)
    assert note is not None
    assert said in note
    assert "(s)" not in note
