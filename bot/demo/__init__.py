"""The demo shop: the example files shipped with the project, dates shifted to make every case live.

Every date moves by the same number of days, so that the latest delivery was yesterday: then each
branch of the decision table (within the window, after it, within the 2-year guarantee) can be tried today.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date, datetime, timedelta
from importlib.resources import files

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.importers import ImportReport, run_import

_DATA = files("bot.demo") / "data"
ORDER_MOMENT_COLUMNS = ("Paid at", "Fulfilled at", "Created at", "Cancelled at")
SHIPMENT_DAY_COLUMNS = ("shipped_at", "delivered_at")
_SHOPIFY_FORMAT = "%Y-%m-%d %H:%M:%S %z"


def demo_file(name: str) -> bytes:
    """One of the shipped example files, as bytes."""
    return (_DATA / name).read_bytes()


def demo_shift(today: date) -> timedelta:
    """How far the example dates move so that the latest delivery was the day before `today`."""
    rows = list(csv.DictReader(io.StringIO(demo_file("shipments.csv").decode("utf-8-sig"))))
    latest = max(date.fromisoformat(row["delivered_at"]) for row in rows if row["delivered_at"])
    return (today - timedelta(days=1)) - latest


def shifted_orders(shift: timedelta) -> bytes:
    return _shift_csv(demo_file("orders_export.csv"), ORDER_MOMENT_COLUMNS, shift, _shift_moment)


def shifted_shipments(shift: timedelta) -> bytes:
    return _shift_csv(demo_file("shipments.csv"), SHIPMENT_DAY_COLUMNS, shift, _shift_day)


async def load_demo(sessions: async_sessionmaker[AsyncSession], today: date) -> list[ImportReport]:
    """Imports the demo shop (suppliers, orders, shipments), shifted to `today`; idempotent."""
    shift = demo_shift(today)
    return [
        await run_import(sessions, "suppliers", demo_file("suppliers.toml"), strict=True),
        await run_import(sessions, "orders", shifted_orders(shift), strict=True),
        await run_import(sessions, "shipments", shifted_shipments(shift), strict=True),
    ]


def _shift_csv(
    data: bytes,
    columns: tuple[str, ...],
    shift: timedelta,
    move: Callable[[str, timedelta], str],
) -> bytes:
    reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=list(reader.fieldnames or []), lineterminator="\n")
    writer.writeheader()
    for row in reader:
        for column in columns:
            if row.get(column):
                row[column] = move(row[column], shift)
        writer.writerow(row)
    return out.getvalue().encode("utf-8")


def _shift_moment(text: str, shift: timedelta) -> str:
    return (datetime.strptime(text, _SHOPIFY_FORMAT) + shift).strftime(_SHOPIFY_FORMAT)


def _shift_day(text: str, shift: timedelta) -> str:
    return (date.fromisoformat(text) + shift).isoformat()
