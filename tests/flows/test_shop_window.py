from __future__ import annotations

import pytest

from flows.shop_window import WindowWarning, shop_window, shop_window_days
from tests.flows.vectors import load_vectors


@pytest.mark.parametrize("row", load_vectors("shop_window.csv"))
def test_shop_window_vectors(row: dict[str, str]) -> None:
    windows = [int(days) for days in row["supplier_windows"].split("|") if days]

    assert shop_window_days(windows, int(row["margin_days"])) == int(row["shop_window_days"])


def test_warnings_name_every_supplier_short_of_fourteen_days_plus_margin() -> None:
    window = shop_window({"lumina": 30, "modaflex": 18, "shenzhen-gadgets": 16}, margin_days=5)

    assert window.days == 14
    assert window.warnings == (
        WindowWarning(supplier="modaflex", window_days=18, needed_days=19),
        WindowWarning(supplier="shenzhen-gadgets", window_days=16, needed_days=19),
    )


def test_example_shop_has_no_warning() -> None:
    window = shop_window({"lumina": 30, "modaflex": 25, "shenzhen-gadgets": 20}, margin_days=5)

    assert window.days == 15
    assert window.warnings == ()


def test_negative_margin_is_refused() -> None:
    with pytest.raises(ValueError, match="margin"):
        shop_window_days([30], -1)
