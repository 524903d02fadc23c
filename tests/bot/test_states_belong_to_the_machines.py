"""No state or status is set outside the machines: the shell only writes what a machine answered.

A conversation's state is written by the engine from the conversation machine's answer; a case's
status by `bot.cases.files.store_file` from its lifecycle machine's. Any other assignment in the
shells (`x.state = …`, `x.status = …`, `status=…` in a statement or a constructor) fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.helpers import ROOT

WRITERS = {
    "state": {Path("bot/conversation/engine.py")},
    "status": {Path("bot/cases/files.py")},
}
# An attribute set (`case.status = …`) or a keyword given (`values(status=…)`, `Case(status=…)`).
ASSIGNMENTS = {
    name: re.compile(rf"\.{name}\s*=(?!=)|(?:^|[(,])\s*{name}=(?!=)") for name in WRITERS
}
SHELLS = ROOT / "bot"


def _assignments(name: str) -> list[str]:
    found = []
    for path in sorted(SHELLS.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if "migrations" in relative.parts or relative in WRITERS[name]:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if ASSIGNMENTS[name].search(code):
                found.append(f"{relative}:{number}: {line.strip()}")
    return found


def test_a_conversation_state_is_only_written_from_the_machines_answer() -> None:
    assert _assignments("state") == []


def test_a_case_status_is_only_written_from_its_lifecycle() -> None:
    assert _assignments("status") == []


def test_the_check_sees_an_assignment() -> None:
    assert ASSIGNMENTS["status"].search("    case.status = 'closed'")
    assert ASSIGNMENTS["status"].search(".values(status='declined')")
    assert ASSIGNMENTS["state"].search("conversation.state = 'done'")
    assert not ASSIGNMENTS["status"].search("if case.status == 'closed':")
    assert not ASSIGNMENTS["status"].search("status = STATUS_WORDS.get(before)")
