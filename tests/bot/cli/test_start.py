"""`scripts/start`, the README's first command: it hands its options to the console, or runs the bot with a token.

The script is run for real from a copy of the project's layout whose `scripts/install` does nothing
(installing is `scripts/install`'s own business) and whose `.venv/bin/returnbot` is this Python's.
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
from pathlib import Path

import pexpect

ROOT = Path(__file__).resolve().parents[3]


def _layout(tmp_path: Path, *, returnbot: str) -> Path:
    project = tmp_path / "project"
    (project / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "start", project / "scripts" / "start")
    _executable(project / "scripts" / "install", "#!/usr/bin/env bash\nexit 0\n")
    (project / ".venv" / "bin").mkdir(parents=True)
    _executable(project / ".venv" / "bin" / "returnbot", returnbot)
    return project


def _executable(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RETURNBOT_", "TELEGRAM_"))}
    env.pop("DATABASE_URL", None)
    env.update(RETURNBOT_DATA_DIR=str(tmp_path / "data"), COLUMNS="200", PYTHONPATH=str(ROOT))
    return env


def test_start_without_a_token_opens_the_console_as_the_client_given(tmp_path: Path) -> None:
    real = f'#!/usr/bin/env bash\nexec "{sys.executable}" -m bot "$@"\n'
    project = _layout(tmp_path, returnbot=real)
    child = pexpect.spawn(
        str(project / "scripts" / "start"),
        ["--client", "tom"],
        cwd=str(tmp_path),
        env=_env(tmp_path),
        encoding="utf-8",
        timeout=60,
        dimensions=(50, 200),
    )
    child.expect("Charger la boutique de démonstration")
    child.sendline("o")
    child.expect("Vous êtes « tom »")
    child.expect("Vous › ")
    child.sendline("/quitter")
    child.expect("À bientôt")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_start_with_a_token_in_env_file_runs_the_telegram_bot(tmp_path: Path) -> None:
    calls = tmp_path / "calls.txt"
    recorder = f'#!/usr/bin/env bash\necho "$@" >> "{calls}"\n'
    project = _layout(tmp_path, returnbot=recorder)
    (project / ".env").write_text("TELEGRAM_BOT_TOKEN=123:abc\n", encoding="utf-8")
    child = pexpect.spawn(
        str(project / "scripts" / "start"), cwd=str(tmp_path), env=_env(tmp_path), timeout=30
    )
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert calls.read_text(encoding="utf-8").splitlines() == ["db upgrade", "run"]
