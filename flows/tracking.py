"""Tracking numbers as customers type them: normalisation, carrier family, check digits, extraction.

Carrier families (the names the rest of the project uses):

- `s10`: UPU S10, 2 letters + 8 digits + check digit + 2-letter country (`RR473124829FR`).
- `chronopost`: Chronopost waybills, 13 characters `X?` + 9 digits + 2 letters (`XW261547816TS`);
  the `X` service indicators are Chronopost's own, so only the shape is checked.
- `colissimo`: 13 characters, digit + letter + 11 digits (`6A15602676300`); shape only.
- `dhl`: DHL Express waybill, 10 digits, the last = the first nine mod 7.
- `ups`: `1Z` + 15 characters + a mod-10 check digit.
- `cainiao`: `LP` + 12 to 14 digits; shape only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Literal

_SEPARATORS = re.compile(r"[\s\-._/]+")

Carrier = Literal["s10", "chronopost", "colissimo", "dhl", "ups", "cainiao"]
Refusal = Literal["empty", "unknown_shape", "bad_check_digit"]

CARRIERS: Final[tuple[Carrier, ...]] = ("s10", "chronopost", "colissimo", "dhl", "ups", "cainiao")

_S10_WEIGHTS: Final = (8, 6, 4, 2, 3, 5, 9, 7)
# Longest run of typed pieces joined into one candidate ("rr 4731 2482 9 fr" is five pieces).
_MAX_PIECES: Final = 8
_LENGTHS: Final = frozenset({10, 13, 14, 15, 16, 18})  # the lengths of `_SHAPES`
_PIECE = re.compile(r"[0-9A-Za-z]+")
_A_DIGIT = re.compile(r"[0-9]")


@dataclass(frozen=True, slots=True)
class TrackingCheck:
    """Why a typed tracking number is accepted or refused.

    `carrier` is set whenever the shape is recognised, even when the check digit is wrong;
    `normalised` only when the number is valid; `refusal` only when it is not.
    """

    valid: bool
    carrier: Carrier | None
    normalised: str | None
    refusal: Refusal | None


def normalise_tracking_number(text: str) -> str:
    """Removes spaces, dashes and dots and upper-cases: `rr 4731-2482 9 fr` -> `RR473124829FR`."""
    return _SEPARATORS.sub("", text).upper()


def _s10_check_ok(number: str) -> bool:
    total = sum(int(d) * w for d, w in zip(number[2:10], _S10_WEIGHTS, strict=True))
    check = 11 - total % 11
    expected = {10: 0, 11: 5}.get(check, check)
    return int(number[10]) == expected


def _dhl_check_ok(number: str) -> bool:
    return int(number[:9]) % 7 == int(number[9])


def _ups_value(char: str) -> int:
    # UPS maps letters onto digits cyclically: A=2, B=3, ... H=9, I=0, ...
    return int(char) if char.isdigit() else (ord(char) - 63) % 10


def _ups_check_ok(number: str) -> bool:
    if not number[17].isdigit():
        return False
    values = [_ups_value(c) for c in number[2:17]]
    total = sum(v * 2 if i % 2 else v for i, v in enumerate(values))
    return (10 - total % 10) % 10 == int(number[17])


def _always(_: str) -> bool:
    return True


# Order matters: the first shape that matches names the carrier.
_SHAPES: Final[tuple[tuple[Carrier, re.Pattern[str], Callable[[str], bool]], ...]] = (
    ("chronopost", re.compile(r"X[A-Z]\d{9}[A-Z]{2}"), _always),
    ("s10", re.compile(r"[A-Z]{2}\d{9}[A-Z]{2}"), _s10_check_ok),
    ("colissimo", re.compile(r"\d[A-Z]\d{11}"), _always),
    ("dhl", re.compile(r"\d{10}"), _dhl_check_ok),
    ("ups", re.compile(r"1Z[0-9A-Z]{16}"), _ups_check_ok),
    ("cainiao", re.compile(r"LP\d{12,14}"), _always),
)


def check_tracking_number(text: str) -> TrackingCheck:
    """Normalises what the customer typed, recognises the carrier and checks the check digit."""
    number = normalise_tracking_number(text)
    if not number:
        return TrackingCheck(valid=False, carrier=None, normalised=None, refusal="empty")
    for carrier, shape, check_ok in _SHAPES:
        if shape.fullmatch(number):
            if check_ok(number):
                return TrackingCheck(valid=True, carrier=carrier, normalised=number, refusal=None)
            return TrackingCheck(
                valid=False, carrier=carrier, normalised=None, refusal="bad_check_digit"
            )
    return TrackingCheck(valid=False, carrier=None, normalised=None, refusal="unknown_shape")


def find_tracking_numbers(text: str) -> list[str]:
    """Finds the valid tracking numbers in a customer's sentence, normalised, in order, once each."""
    if not _A_DIGIT.search(text):  # every valid number has one: most sentences are words only
        return []
    pieces = _PIECE.findall(text)
    found: list[str] = []
    start = 0
    while start < len(pieces):
        end = _longest_valid_run(pieces, start)
        if end is None:
            start += 1
            continue
        number = "".join(pieces[start:end]).upper()
        if number not in found:
            found.append(number)
        start = end
    return found


def _longest_valid_run(pieces: list[str], start: int) -> int | None:
    """The end of the longest run of pieces from `start` that joins into a valid number."""
    for end in range(min(len(pieces), start + _MAX_PIECES), start, -1):
        joined = "".join(pieces[start:end])
        # Only a number of a known length, with a digit, can be valid: most runs of words are not.
        if len(joined) in _LENGTHS and not joined.isalpha() and check_tracking_number(joined).valid:
            return end
    return None
