"""One shared machine runs every model's event without binding the model to it."""

from __future__ import annotations

import pytest
from transitions import Machine
from transitions.core import MachineError

from flows.machines import fire


class _Door:
    def __init__(self, state: str) -> None:
        self.state = state
        self.entered: list[str] = []

    def on_enter_open(self) -> None:
        self.entered.append("open")

    def is_allowed(self) -> bool:
        return True


_MACHINE = Machine(
    model=None,
    states=["closed", "open"],
    transitions=[
        {"trigger": "push", "source": "closed", "dest": "open", "conditions": "is_allowed"},
        {"trigger": "pull", "source": "open", "dest": "closed"},
    ],
    initial="closed",
    auto_transitions=False,
)


def test_an_event_moves_the_model_and_runs_its_callbacks_by_name() -> None:
    door = _Door("closed")
    assert fire(_MACHINE, door, "push") is True
    assert door.state == "open"
    assert door.entered == ["open"]


def test_the_model_keeps_only_its_own_attributes_and_the_machine_no_model() -> None:
    door = _Door("closed")
    fire(_MACHINE, door, "push")
    assert set(vars(door)) == {"state", "entered"}
    assert _MACHINE.models == []


def test_every_model_of_a_class_gets_its_callbacks() -> None:
    first, second = _Door("closed"), _Door("closed")
    fire(_MACHINE, first, "push")
    fire(_MACHINE, second, "push")
    assert second.entered == ["open"]


def test_a_trigger_that_cannot_fire_from_the_state_raises() -> None:
    with pytest.raises(MachineError):
        fire(_MACHINE, _Door("closed"), "pull")


def test_an_unknown_trigger_raises() -> None:
    with pytest.raises(AttributeError):
        fire(_MACHINE, _Door("closed"), "kick")
