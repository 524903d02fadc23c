"""The reader's faster paths read every message of the corpus exactly as the plain ones they replace.

The functions below are the reader's previous code, kept as the reference: reducing text to
words, the model's features, finding tracking numbers. Every message of the corpus (training
and held-out parts) must give the same words, features, numbers and, through `understand`,
the same reading.
"""

from __future__ import annotations

import dataclasses
import itertools
import unicodedata
from collections.abc import Iterable

import pytest

from flows import intent_model, tracking, understanding
from flows.intent_build import CORPUS
from flows.intent_model import read_corpus
from flows.understanding import Heard, understand

_TEXTS = [
    example.text for part in ("train.tsv", "heldout.tsv") for example in read_corpus(CORPUS / part)
] + [
    "",
    "   ",
    "Ünïcödé ÇA ﬁnit 😡👍 ½ ²",
    "colis 6A12345678901 et 8R00000000000",
    "tél 06 12 34 56 78",
]


def _plain_words(text: str) -> list[str]:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    letters = "".join(
        ch if ch.isalnum() else " " for ch in decomposed if not unicodedata.combining(ch)
    )
    return letters.split()


def _normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    kept = "".join(
        ch if ch.isalnum() or unicodedata.category(ch) == "So" else " "
        for ch in decomposed
        if not unicodedata.combining(ch)
    )
    return " ".join(
        intent_model._DIGIT.sub("0", intent_model._DOUBLED.sub(r"\1", word))
        for word in kept.split()
    )


def _features(text: str, cues: Iterable[str] = ()) -> frozenset[str]:
    plain = _normalise(text)
    words = plain.split()
    found = {f"w:{word}" for word in words}
    found.update(f"b:{a} {b}" for a, b in itertools.pairwise(["^", *words, "$"]))
    found.add(f"n:{intent_model._length(len(words))}")
    for word in words:
        padded = f" {word} "
        found.update(padded[i : i + n] for n in (3, 4, 5) for i in range(len(padded) - n + 1))
    padded = f" {plain} "
    found.update(
        f"x:{padded[i : i + 4]}" for i in range(len(padded) - 3) if " " in padded[i + 1 : i + 3]
    )
    found.update(f"r:{cue}" for cue in cues)
    return frozenset(found)


def _find_tracking_numbers(text: str) -> list[str]:
    pieces = tracking._PIECE.findall(text)
    found: list[str] = []
    start = 0
    while start < len(pieces):
        end = tracking._longest_valid_run(pieces, start)
        if end is None:
            start += 1
            continue
        number = "".join(pieces[start:end]).upper()
        if number not in found:
            found.append(number)
        start = end
    return found


def test_every_message_is_reduced_to_the_same_words_and_features() -> None:
    for text in _TEXTS:
        cues = understanding.rule_cues(understanding.read_by_rules(text))
        assert understanding.plain_words(text) == _plain_words(text), text
        assert intent_model.normalise(text) == _normalise(text), text
        assert intent_model.features(text, cues) == _features(text, cues), text
        assert tracking.find_tracking_numbers(text) == _find_tracking_numbers(text), text


def _rounded(heard: Heard) -> Heard:
    # The model's sums run over a set, in the order of its hashes: the last bits may differ.
    return dataclasses.replace(heard, confidence=round(heard.confidence, 9))


def test_every_message_is_understood_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [_rounded(understand(text)) for text in _TEXTS]
    monkeypatch.setattr(understanding, "plain_words", _plain_words)
    monkeypatch.setattr(understanding, "find_tracking_numbers", _find_tracking_numbers)
    monkeypatch.setattr(intent_model, "features", _features)
    before = [_rounded(understand(text)) for text in _TEXTS]
    assert now == before
