"""Benchmark: the bot's peak memory while customers send large images at once.

Runs the real `returnbot run` (SQLite) against the loopback Bot API server of the tests; N customers
each send the same large PNG as a file at the same moment; once each has had an answer, prints the
child's peak RSS (VmHWM). `--checkout` runs another checkout's bot (to compare with main).

    .venv/bin/python bench/photo_memory.py [--images 6] [--size 9000] [--checkout ../main]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.storage.migrate import upgrade_database  # noqa: E402
from tests.bot.telegram.fake_bot_api import FakeBotApi, eventually  # noqa: E402
from tests.bot.telegram.running import BotProcess  # noqa: E402
from tests.helpers import blank_png  # noqa: E402


def _peak_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


async def _run(images: int, size: int, checkout: Path) -> None:
    png = blank_png(size, size, colour=True)
    with tempfile.TemporaryDirectory() as folder, FakeBotApi() as api:
        data_dir = Path(folder)
        url = f"sqlite+aiosqlite:///{data_dir / 'returnbot.db'}"
        await upgrade_database(url)
        bot = BotProcess(api, data_dir, url, env={"PYTHONPATH": str(checkout)})
        bot.start()
        try:
            await bot.started()
            assert bot.process is not None
            idle = _peak_mib(bot.process.pid)
            chats = range(5001, 5001 + images)
            for chat in chats:
                api.send_document(chat, png, file_name="photo.png", mime_type="image/png")
            await eventually(lambda: all(api.sent(chat) for chat in chats), within=300)
            peak = _peak_mib(bot.process.pid)
            answer = " / ".join(sent.text[:40] for sent in api.sent(chats[0]))
            print(
                f"{checkout.name}: {images} × {size}×{size} RGB PNG ({len(png) // 1024} KiB): "
                f"peak RSS {peak:.0f} MiB (idle {idle:.0f} MiB); answer: {answer[:60]!r}"
            )
            await bot.stop()
        except AssertionError:
            print(bot.log()[-3000:])
            raise
        finally:
            bot.ensure_stopped()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=6)
    parser.add_argument("--size", type=int, default=9000)
    parser.add_argument("--checkout", type=Path, default=ROOT)
    arguments = parser.parse_args()
    asyncio.run(_run(arguments.images, arguments.size, arguments.checkout.resolve()))


if __name__ == "__main__":
    main()
