"""Benchmark: import a generated 50,000-line Shopify orders export into a fresh SQLite database.

Runs `returnbot import orders` as a child process (the shop owner's real path) and reports its wall time
and peak memory (max RSS), next to a baseline measured in the same run: the same file read with the
standard csv module in a child process. Target on SQLite: under 10 s and under 300 MB.

    .venv/bin/python bench/import_orders.py [--lines 50000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import resource
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "bot" / "demo" / "data"
VENDORS = ("Lumina Home", "ModaFlex", "SZ Gadgets")


def generate_export(lines: int) -> bytes:
    """A Shopify export with the real 79-column header: orders of 1 to 3 lines, `lines` rows in all."""
    header = (EXAMPLES / "orders_export.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    row_number, order_number = 0, 100000
    while row_number < lines:
        order_number += 1
        count = min(1 + order_number % 3, lines - row_number)
        for position in range(count):
            cells = dict.fromkeys(header, "")
            price = Decimal(5 + (order_number * 7 + position) % 200) + Decimal("0.90")
            cells.update(
                {
                    "Lineitem quantity": "1",
                    "Lineitem name": f"Article {order_number}-{position}",
                    "Lineitem price": str(price),
                    "Lineitem sku": f"SKU-{(order_number + position) % 5000:05d}",
                    "Lineitem requires shipping": "true",
                    "Vendor": VENDORS[(order_number + position) % 3],
                }
            )
            if position == 0:
                cells.update(
                    {
                        "Name": f"#{order_number}",
                        "Email": f"client{order_number}@example.fr",
                        "Financial Status": "paid",
                        "Paid at": "2026-10-02 10:14:03 +0200",
                        "Fulfilled at": "2026-10-03 09:00:00 +0200",
                        "Created at": "2026-10-02 10:14:03 +0200",
                        "Currency": "EUR",
                        "Subtotal": str(price),
                        "Shipping": "4.90",
                        "Taxes": "1.00",
                        "Total": str(price + Decimal("4.90")),
                        "Shipping Zip": f"{75000 + order_number % 20:05d}",
                        "Shipping City": "Paris",
                        "Shipping Country": "FR",
                    }
                )
            else:
                cells["Name"] = f"#{order_number}"
            writer.writerow(cells[column] for column in header)
            row_number += 1
    return out.getvalue().encode("utf-8")


def _child(
    argv: list[str], env: dict[str, str]
) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """Runs a child process; returns (seconds, peak RSS in MB, result)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    result = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of children is the max over all children so far: run the heavier one last.
    return seconds, max(peak_kb, before) / 1024, result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lines", type=int, default=50_000)
    parser.add_argument(
        "--keep", type=Path, default=None, help="keep the generated file and database here"
    )
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="rb-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    export = work / "orders_export.csv"
    export.write_bytes(generate_export(args.lines))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RETURNBOT_", "DATABASE_URL"))}
    env["RETURNBOT_DATA_DIR"] = str(work / "data")
    python = sys.executable
    subprocess.run(
        [python, "-m", "bot", "import", "suppliers", str(EXAMPLES / "suppliers.toml")],
        env=env,
        check=True,
        capture_output=True,
    )

    base_s, base_mb, _ = _child(
        [
            python,
            "-c",
            f"import csv; sum(1 for _ in csv.DictReader(open({str(export)!r}, encoding='utf-8')))",
        ],
        env,
    )
    run_s, run_mb, result = _child([python, "-m", "bot", "import", "orders", str(export)], env)
    if result.returncode != 0:
        sys.exit(f"import failed:\n{result.stdout}\n{result.stderr}")
    again_s, _, again = _child([python, "-m", "bot", "import", "orders", str(export)], env)
    print(f"file: {args.lines} lines, {export.stat().st_size / 1e6:.1f} MB")
    print(f"baseline (csv.DictReader only): {base_s:6.2f} s, peak {base_mb:6.1f} MB")
    print(
        f"returnbot import orders:        {run_s:6.2f} s, peak {run_mb:6.1f} MB  ({run_s / base_s:.1f}x baseline)"
    )
    print(f"re-import (nothing changes):    {again_s:6.2f} s")
    print(result.stdout.strip().splitlines()[0])
    print(again.stdout.strip().splitlines()[0])
    verdict = "OK" if run_s < 10 and run_mb < 300 else "OVER TARGET"
    print(f"target < 10 s and < 300 MB: {verdict}")


if __name__ == "__main__":
    main()
