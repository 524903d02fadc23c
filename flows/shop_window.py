"""The return window the shop advertises: the shortest supplier window minus a safety margin.

Never under the legal 14 days (L221-18); every supplier whose own window cannot cover the legal
14 days plus the margin is named, so the admin can renegotiate or absorb the difference.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from flows.law import WITHDRAWAL_DAYS


@dataclass(frozen=True, slots=True)
class WindowWarning:
    """A supplier whose window is shorter than the legal 14 days plus the shop's margin."""

    supplier: str
    window_days: int
    needed_days: int


@dataclass(frozen=True, slots=True)
class ShopWindow:
    """The advertised window in days from reception, and the suppliers that cannot cover it."""

    days: int
    warnings: tuple[WindowWarning, ...]


def shop_window_days(supplier_windows: Iterable[int], margin_days: int) -> int:
    """Shortest supplier window minus the margin, never under 14 days (14 with no supplier)."""
    if margin_days < 0:
        raise ValueError(f"the margin must not be negative, got {margin_days}")
    shortest = min(supplier_windows, default=None)
    if shortest is None:
        return WITHDRAWAL_DAYS
    return max(WITHDRAWAL_DAYS, shortest - margin_days)


def shop_window(supplier_windows: Mapping[str, int], margin_days: int) -> ShopWindow:
    """The shop window and a warning for each supplier under 14 days + margin, by supplier name."""
    needed = WITHDRAWAL_DAYS + margin_days
    warnings = tuple(
        WindowWarning(supplier=supplier, window_days=days, needed_days=needed)
        for supplier, days in sorted(supplier_windows.items())
        if days < needed
    )
    return ShopWindow(
        days=shop_window_days(supplier_windows.values(), margin_days), warnings=warnings
    )
