"""`returnbot run`: what it refuses before starting anything."""

from __future__ import annotations

import logging
from pathlib import Path

from bot.cli.run import CHATTY, configure_logging
from tests.helpers import returnbot


def test_several_workers_need_postgresql(tmp_path: Path) -> None:
    env = {"TELEGRAM_BOT_TOKEN": "123:abc", "RETURNBOT_DATA_DIR": str(tmp_path)}
    result = returnbot("run", "--workers", "3", env=env, cwd=tmp_path)
    assert result.returncode != 0
    assert "demandent PostgreSQL" in result.stderr and "DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_number_of_workers_is_checked(tmp_path: Path) -> None:
    result = returnbot("run", "--workers", "0", env={"TELEGRAM_BOT_TOKEN": "123:abc"}, cwd=tmp_path)
    assert result.returncode == 2 and "--workers" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_log_leaves_out_each_step_of_the_machines_and_each_request() -> None:
    """Several lines per update, at INFO, that cost more than they tell."""
    loggers = [logging.getLogger(name) for name in ("transitions.core", "httpx", "telegram.ext")]
    levels = [logger.level for logger in [*map(logging.getLogger, CHATTY), logging.getLogger()]]
    try:
        configure_logging()
        assert not any(logger.isEnabledFor(logging.INFO) for logger in loggers)
    finally:
        for name, level in zip([*CHATTY, None], levels, strict=True):
            logging.getLogger(name).setLevel(level)
