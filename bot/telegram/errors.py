"""Reading the Bot API's errors: how long to wait, and whether trying again can help."""

from __future__ import annotations

import warnings
from datetime import timedelta

from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.warnings import PTBDeprecationWarning


def retry_after_seconds(error: RetryAfter) -> float:
    """The wait Telegram asked for, in seconds (PTB 22 moves it from int to timedelta)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    return max(seconds, 0.0)


def is_permanent(error: TelegramError) -> bool:
    """True when sending again the same request cannot succeed (bad request, no access)."""
    if isinstance(error, RetryAfter | ChatMigrated):
        return False
    return isinstance(error, BadRequest | Forbidden | InvalidToken)


def is_transient(error: Exception) -> bool:
    """True for 429, 5xx, timeouts and network failures."""
    if isinstance(error, TelegramError):
        return isinstance(error, RetryAfter | NetworkError) and not is_permanent(error)
    return isinstance(error, OSError | TimeoutError)
