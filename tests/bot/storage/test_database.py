"""The SQLite database file: made readable by the bot alone."""

from __future__ import annotations

import stat
from pathlib import Path

from tests.helpers import returnbot


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_sqlite_file_and_its_folder_are_readable_by_the_bot_alone(tmp_path: Path) -> None:
    data = tmp_path / "data"
    result = returnbot("db", "upgrade", env={"RETURNBOT_DATA_DIR": str(data)})
    assert result.returncode == 0, result.stderr
    assert _mode(data) == 0o700
    files = [data / "returnbot.db", *data.glob("returnbot.db-*")]
    assert all(_mode(path) == 0o600 for path in files), [oct(_mode(path)) for path in files]
