from __future__ import annotations

from pathlib import Path

from flows import case_lifecycle
from flows.conversation import STATES
from flows.diagram import LIFECYCLE, mermaid, readme_block, with_diagram

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_diagram_is_the_machine() -> None:
    block = readme_block(README.read_text(encoding="utf-8"))

    assert block is not None, "no Mermaid diagram between the parcours markers of README.md"
    assert block == mermaid(), "the journey changed: run `python -m flows.diagram README.md`"


def test_every_state_is_in_the_diagram() -> None:
    diagram = mermaid()

    for state in STATES:
        assert f" {state['name']}" in diagram


def test_rewriting_the_readme_only_touches_the_block_between_the_markers() -> None:
    text = "avant\n<!-- parcours:debut -->\nvieux\n<!-- parcours:fin -->\naprès\n"

    rewritten = with_diagram(text)

    assert rewritten.startswith("avant\n<!-- parcours:debut -->\n```mermaid\nstateDiagram-v2")
    assert rewritten.endswith("```\n<!-- parcours:fin -->\naprès\n")
    assert readme_block(rewritten) == mermaid()


def test_the_readme_diagram_of_the_case_after_the_offer_is_its_machine() -> None:
    block = readme_block(README.read_text(encoding="utf-8"), LIFECYCLE)

    assert block is not None, "no Mermaid diagram between the dossier markers of README.md"
    assert block == mermaid(LIFECYCLE), (
        "the lifecycle changed: run `python -m flows.diagram README.md`"
    )
    for state in case_lifecycle.STATES:
        assert f" {state['name']}" in block
