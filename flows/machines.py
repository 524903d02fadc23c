"""Running a model through a shared `transitions.Machine` for one event, without binding it.

One machine serves every conversation (and another every case). Binding a model with `add_model`
sets a trigger method and a state checker per event and state on it (about 60 attributes), which
cost more than the event itself; instead the machine's event is run on the model directly. The
model's `on_enter_<state>`/`on_exit_<state>` methods are found by name: they are registered on the
machine's states once per model class, by binding a first model of that class for a moment.
"""

from __future__ import annotations

from transitions import Machine

_REGISTERED: set[tuple[int, type]] = set()


def fire(machine: Machine, model: object, trigger: str) -> bool:
    """Runs `trigger` on `model` from the state in its `state` attribute, as `model.trigger(...)`
    would once bound: raises `MachineError` when the trigger cannot fire from that state, returns
    whether a transition ran."""
    _register(machine, model)
    event = machine.events.get(trigger)
    if event is None:
        raise AttributeError(f"Do not know event named {trigger!r}.")
    return bool(event.trigger(model))


def _register(machine: Machine, model: object) -> None:
    key = (id(machine), type(model))
    if key in _REGISTERED:
        return
    state = getattr(model, "state")  # noqa: B009 (the machine's model attribute, set by the caller)
    known = set(vars(model))
    machine.add_model(model, initial=state)
    machine.remove_model(model)
    for name in set(vars(model)) - known - {"state"}:
        delattr(model, name)
    _REGISTERED.add(key)
