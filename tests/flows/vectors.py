"""Reads the shared test vectors (CSV files whose `#` lines are comments) shipped in tests/vectors."""

from __future__ import annotations

import csv
from pathlib import Path

VECTORS = Path(__file__).resolve().parent.parent / "vectors"


def load_vectors(name: str) -> list[dict[str, str]]:
    """The rows of tests/vectors/<name>, comment lines skipped."""
    with (VECTORS / name).open(encoding="utf-8", newline="") as file:
        lines = [line for line in file if not line.startswith("#")]
    return list(csv.DictReader(lines))
