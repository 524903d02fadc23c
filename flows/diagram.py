"""The machines as Mermaid state diagrams, drawn from the machines themselves.

Two drawings: the customer journey (`JOURNEY`) and the case's lifecycle after the offer
(`LIFECYCLE`). `python -m flows.diagram README.md` rewrites each diagram between its markers in the
README; a test fails when the README and a machine drift apart. Transitions that keep the state
(asking again, thanking for a photo, a reminder) are left out; those possible from every state of
the drawing's group start at "partout".
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from transitions import Machine

from flows import case_lifecycle, conversation

ANYWHERE: Final = "partout"


@dataclass(frozen=True, slots=True)
class Drawing:
    """One machine's diagram: its router (the choice several moves share), what "partout" stands
    for, and the README's markers around it."""

    machine: Machine
    routes: Sequence[dict[str, Any]]
    router: str
    group: Sequence[str]
    group_label: str
    begin: str
    end: str


JOURNEY: Final = Drawing(
    conversation.MACHINE,
    conversation.NEXT_STEP,
    "etape_suivante",
    conversation.WAITING,
    "À toute étape",
    "<!-- parcours:debut -->",
    "<!-- parcours:fin -->",
)
LIFECYCLE: Final = Drawing(
    case_lifecycle.MACHINE,
    case_lifecycle.ROUTE,
    "selon_le_choix",
    case_lifecycle.LIVE,
    "Dossier en cours",
    "<!-- dossier:debut -->",
    "<!-- dossier:fin -->",
)
DRAWINGS: Final = (JOURNEY, LIFECYCLE)
BEGIN: Final = JOURNEY.begin
END: Final = JOURNEY.end


def mermaid(drawing: Drawing = JOURNEY) -> str:
    """The machine's states and state-changing transitions as `stateDiagram-v2` text."""
    machine = drawing.machine
    lines = ["stateDiagram-v2", f"    [*] --> {machine.initial}"]
    lines += [
        f"    state {drawing.router} <<choice>>",
        f'    state "{drawing.group_label}" as {ANYWHERE}',
    ]
    routed: dict[str, set[str]] = defaultdict(set)
    edges: dict[tuple[str, str], set[str]] = defaultdict(set)
    for trigger, event in machine.events.items():
        for source, transitions in event.transitions.items():
            if _is_router(transitions, drawing.routes):
                routed[trigger].add(source)
                continue
            for transition in transitions:
                if transition.dest is not None:
                    label = trigger + _conditions(transition)
                    edges[(label, transition.dest)].add(source)
    every = set(machine.states)
    for trigger, sources in routed.items():
        lines += [
            f"    {source} --> {drawing.router} : {trigger}"
            for source in _drawn(sources, every, drawing.group)
        ]
    for route in drawing.routes:
        lines.append(f"    {drawing.router} --> {route['dest']}{_route_label(route)}")
    for (label, dest), sources in edges.items():
        lines += [
            f"    {source} --> {dest} : {label}" for source in _drawn(sources, every, drawing.group)
        ]
    return "\n".join(_unique(lines)) + "\n"


def _is_router(transitions: Sequence[object], routes: Sequence[dict[str, Any]]) -> bool:
    dests = [getattr(t, "dest", None) for t in transitions]
    return dests == [route["dest"] for route in routes]


def _drawn(sources: set[str], every: set[str], group: Sequence[str]) -> list[str]:
    """The sources to draw: "partout" stands for every state, or at least every one of the group."""
    if sources == every:
        return [ANYWHERE]
    if set(group) <= sources:
        return [ANYWHERE, *sorted(sources - set(group))]
    return sorted(sources)


def _conditions(transition: object) -> str:
    parts = [
        (name if condition.target else f"not {name}")
        for condition in getattr(transition, "conditions", [])
        if isinstance(name := condition.func, str)
    ]
    return f" [{', '.join(parts)}]" if parts else ""


def _route_label(route: dict[str, object]) -> str:
    if "conditions" in route:
        return f" : [{route['conditions']}]"
    if "unless" in route:
        return f" : [not {route['unless']}]"
    return " : sinon"


def _unique(lines: list[str]) -> list[str]:
    return list(dict.fromkeys(lines))


def readme_block(text: str, drawing: Drawing = JOURNEY) -> str | None:
    """The Mermaid text between the drawing's markers in the README, or None when there is none."""
    pattern = re.escape(drawing.begin) + r"\s*```mermaid\n(.*?)```\s*" + re.escape(drawing.end)
    match = re.search(pattern, text, re.S)
    return match.group(1) if match else None


def with_diagram(text: str, drawing: Drawing = JOURNEY) -> str:
    """The README text with the drawing's current diagram between its markers."""
    start, end = text.index(drawing.begin) + len(drawing.begin), text.index(drawing.end)
    return f"{text[:start]}\n```mermaid\n{mermaid(drawing)}```\n{text[end:]}"


def main(argv: list[str]) -> None:
    if not argv:
        for drawing in DRAWINGS:
            sys.stdout.write(mermaid(drawing))
        return
    path = Path(argv[0])
    text = path.read_text(encoding="utf-8")
    for drawing in DRAWINGS:
        text = with_diagram(text, drawing)
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
