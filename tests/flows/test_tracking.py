from __future__ import annotations

import pytest

from flows.tracking import (
    CARRIERS,
    TrackingCheck,
    check_tracking_number,
    find_tracking_numbers,
    normalise_tracking_number,
)
from tests.flows.vectors import load_vectors

TRACKING_VECTORS = load_vectors("tracking_numbers.csv")


@pytest.mark.parametrize("row", TRACKING_VECTORS, ids=lambda row: row["input"] or "<empty>")
def test_tracking_vectors(row: dict[str, str]) -> None:
    check = check_tracking_number(row["input"])

    assert check.valid is (row["valid"] == "true")
    assert (check.carrier or "") == row["carrier"]
    assert (check.normalised or "") == row["normalised"]


def test_vector_carriers_are_the_known_families() -> None:
    assert {row["carrier"] for row in TRACKING_VECTORS} - {""} <= set(CARRIERS)


def test_normalise_keeps_its_contract() -> None:
    assert normalise_tracking_number("rr 4731-2482 9 fr") == "RR473124829FR"


@pytest.mark.parametrize(
    ("text", "refusal"),
    [
        ("", "empty"),
        ("  - ", "empty"),
        ("bonjour", "unknown_shape"),
        ("LX12345678CN", "unknown_shape"),
        ("RR473124828FR", "bad_check_digit"),
        ("3318810026", "bad_check_digit"),
        ("1Z5R89390357567128", "bad_check_digit"),
        ("1Z5R8939035756712A", "bad_check_digit"),
    ],
)
def test_refusals_say_why(text: str, refusal: str) -> None:
    check = check_tracking_number(text)

    assert not check.valid
    assert check.refusal == refusal
    assert check.normalised is None


def test_a_valid_number_has_no_refusal() -> None:
    assert check_tracking_number("lp 0041 2345 6789 01") == TrackingCheck(
        valid=True, carrier="cainiao", normalised="LP00412345678901", refusal=None
    )


@pytest.mark.parametrize(
    ("text", "carrier"),
    [
        ("XW261547816TS", "chronopost"),
        ("xa 123 456 789 fr", "chronopost"),
        ("6C02345678901", "colissimo"),
        ("LP004123456789", "cainiao"),
        ("LP0041234567890", "cainiao"),
    ],
)
def test_shape_only_carriers(text: str, carrier: str) -> None:
    check = check_tracking_number(text)

    assert check.valid
    assert check.carrier == carrier


@pytest.mark.parametrize(
    "text", ["LP00412345678", "LP004123456789012", "6C0234567890", "XW26154781TS"]
)
def test_wrong_lengths_are_unknown_shapes(text: str) -> None:
    assert check_tracking_number(text).refusal == "unknown_shape"


def test_s10_check_digit_ten_becomes_zero_and_eleven_becomes_five() -> None:
    assert check_tracking_number("AA000000005FR").valid  # sum 0: 11 - 0 = 11 -> 5
    assert not check_tracking_number("AA000000000FR").valid
    assert check_tracking_number("AA000000080FR").valid  # sum 56: 11 - 1 = 10 -> 0
    assert not check_tracking_number("AA000000081FR").valid


@pytest.mark.parametrize(
    ("sentence", "numbers"),
    [
        ("ma commande RR123456785ES est arrivée cassée", ["RR123456785ES"]),
        ("voici mon suivi : 6a-156-0267-6300", ["6A15602676300"]),
        ("suivi rr 4731 2482 9 fr, merci", ["RR473124829FR"]),
        ("colis 3318810025 et 1Z5R89390357567127 (UPS)", ["3318810025", "1Z5R89390357567127"]),
        ("LP00412345678901 LP00412345678901", ["LP00412345678901"]),
        ("bonjour, mon colis RR473124828FR n'est pas le bon", []),
        ("bonjour, je n'ai pas mon numéro", []),
        ("", []),
    ],
)
def test_find_tracking_numbers_in_a_sentence(sentence: str, numbers: list[str]) -> None:
    assert find_tracking_numbers(sentence) == numbers


def test_the_lengths_looked_for_in_a_sentence_are_those_of_every_carrier_s_shape() -> None:
    from re import _parser  # type: ignore[attr-defined]

    from flows.tracking import _LENGTHS, _SHAPES

    for _carrier, shape, _check in _SHAPES:
        low, high = _parser.parse(shape.pattern).getwidth()
        assert set(range(low, high + 1)) <= _LENGTHS, shape.pattern
