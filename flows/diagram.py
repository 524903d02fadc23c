"""The customer journey as a Mermaid state diagram, drawn from the machine itself.

`python -m flows.diagram README.md` rewrites the diagram between the README's markers; a test fails
when the README and the machine drift apart. Transitions that keep the state (asking again, thanking
for a photo, explaining) are left out; those possible from every waiting step start at "partout".
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from transitions import Machine

from flows.conversation import MACHINE, NEXT_STEP, WAITING

BEGIN: Final = "<!-- parcours:debut -->"
END: Final = "<!-- parcours:fin -->"
ANYWHERE: Final = "partout"
ROUTER: Final = "etape_suivante"


def mermaid(machine: Machine = MACHINE) -> str:
    """The machine's states and state-changing transitions as `stateDiagram-v2` text."""
    lines = ["stateDiagram-v2", f"    [*] --> {machine.initial}"]
    lines += [f"    state {ROUTER} <<choice>>", f'    state "À toute étape" as {ANYWHERE}']
    routed: dict[str, set[str]] = defaultdict(set)
    edges: dict[tuple[str, str], set[str]] = defaultdict(set)
    for trigger, event in machine.events.items():
        for source, transitions in event.transitions.items():
            if _is_router(transitions):
                routed[trigger].add(source)
                continue
            for transition in transitions:
                if transition.dest is not None:
                    label = trigger + _conditions(transition)
                    edges[(label, transition.dest)].add(source)
    every = set(machine.states)
    for trigger, sources in routed.items():
        lines += [f"    {source} --> {ROUTER} : {trigger}" for source in _drawn(sources, every)]
    for route in NEXT_STEP:
        lines.append(f"    {ROUTER} --> {route['dest']}{_route_label(route)}")
    for (label, dest), sources in edges.items():
        lines += [f"    {source} --> {dest} : {label}" for source in _drawn(sources, every)]
    return "\n".join(_unique(lines)) + "\n"


def _is_router(transitions: Sequence[object]) -> bool:
    dests = [getattr(t, "dest", None) for t in transitions]
    return dests == [route["dest"] for route in NEXT_STEP]


def _drawn(sources: set[str], every: set[str]) -> list[str]:
    """The sources to draw: "partout" stands for every state, or at least every waiting step."""
    if sources == every:
        return [ANYWHERE]
    if set(WAITING) <= sources:
        return [ANYWHERE, *sorted(sources - set(WAITING))]
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


def readme_block(text: str) -> str | None:
    """The Mermaid text between the README's markers, or None when there is none."""
    match = re.search(re.escape(BEGIN) + r"\s*```mermaid\n(.*?)```\s*" + re.escape(END), text, re.S)
    return match.group(1) if match else None


def with_diagram(text: str) -> str:
    """The README text with the current diagram between its markers."""
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    return f"{text[:start]}\n```mermaid\n{mermaid()}```\n{text[end:]}"


def main(argv: list[str]) -> None:
    if not argv:
        sys.stdout.write(mermaid())
        return
    path = Path(argv[0])
    path.write_text(with_diagram(path.read_text(encoding="utf-8")), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
