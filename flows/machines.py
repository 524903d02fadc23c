"""Running a model through a shared `transitions.Machine` for one event, then letting it go."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from transitions import Machine


@contextmanager
def bound(machine: Machine, model: object, state: str) -> Iterator[None]:
    """Binds `model` to `machine` at `state` for the block; removes the triggers the machine added,
    so that the model can be bound again (one machine serves every conversation or case)."""
    known = set(vars(model))
    machine.add_model(model, initial=state)
    try:
        yield
    finally:
        machine.remove_model(model)
        for name in set(vars(model)) - known - {"state"}:
            delattr(model, name)
