"""Test data factories shared by the tests: the example shop and broken variants of its files."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.demo import demo_file
from bot.importers import ImportReport, run_import

ROOT = Path(__file__).resolve().parents[1]


def example(name: str) -> bytes:
    """An example file of the shop (identical to ../shared/examples), as bytes."""
    return demo_file(name)


async def load_example_shop(sessions: async_sessionmaker[AsyncSession]) -> list[ImportReport]:
    """The example shop with its real dates (the decision vectors are written against them)."""
    return [
        await run_import(sessions, "suppliers", example("suppliers.toml"), strict=True),
        await run_import(sessions, "orders", example("orders_export.csv"), strict=True),
        await run_import(sessions, "shipments", example("shipments.csv"), strict=True),
    ]


def returnbot(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """Runs the real `returnbot` command line in a child process."""
    full_env = {
        k: v for k, v in os.environ.items() if not k.startswith(("RETURNBOT_", "TELEGRAM_"))
    }
    full_env.pop("DATABASE_URL", None)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=full_env,
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def blank_png(width: int, height: int, *, pixels: bool = True, colour: bool = False) -> bytes:
    """A greyscale (or RGB) PNG of any size, written row by row (a 20000×20000 one is a few hundred
    KiB): what an image bomb looks like. `pixels=False`: the header alone, no image data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2 if colour else 0, 0, 0, 0)
    parts = [b"\x89PNG\r\n\x1a\n", chunk(b"IHDR", header)]
    if pixels:
        packer = zlib.compressobj(9)
        row = b"\x00" * (width * (3 if colour else 1) + 1)
        data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
        parts.append(chunk(b"IDAT", data))
    parts.append(chunk(b"IEND", b""))
    return b"".join(parts)


# A supplier whose return address starts with its own name, as suppliers write them.
NAMED_SUPPLIER = """
[[suppliers]]
code = "nordlicht"
vendor = "Nordlicht"
name = "Nordlicht Retouren GmbH"
window_days = 30
accepts_customer_side_returns = true
customer_side_return_paid_by = "customer"
provides_return_label = false
replacement_available = true
returns_practical = true
return_address = \"\"\"Nordlicht Retouren
Hafenstraße 12
20457 Hamburg
Allemagne\"\"\"
"""
