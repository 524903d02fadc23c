"""A small statistical reader: what a customer's message is about, with a confidence.

A multinomial logistic regression over the words of the message (lower case, no accents, doubled
letters squeezed, digits as 0), their pairs (the first and last with the message's edges), its
length, the character 3- to 5-grams inside each word and 4-grams across two, and what the rules read
in it; fitted from the labelled corpus in `tests/data/utterances/` at build time
(`flows.intent_build`, `scripts/build-understanding`) and saved as plain data next to this module
(`intent_model.json`). Nothing is downloaded or trained at run time: loading reads the file once,
and scoring a message is a sum of a few hundred weights, in plain Python. The rules of
`flows.understanding` stay in charge where they are exact (commands, tracking numbers, postcodes,
e-mails, alarm words); this model reads the free-text meaning the keyword lists miss.
"""

from __future__ import annotations

import array
import base64
import hashlib
import itertools
import json
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Final

MODEL_FILE: Final = Path(__file__).with_name("intent_model.json")
_NGRAMS: Final = (3, 4, 5)  # chosen by cross-validation on the training part, as the rest
_ACROSS: Final = (4,)  # character 4-grams across a space: « s re », « e pa » (cross-validated)
_QUANTUM: Final = 127  # weights are saved as signed bytes, scaled per intent
_NEGLIGIBLE: Final = 3  # a feature none of whose saved weights is above this is left out
_DOUBLED = re.compile(r"([a-z])\1+")
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled message of the corpus."""

    intent: str
    text: str


@dataclass(frozen=True, slots=True)
class Guess:
    """The intents a message may mean, most likely first, each with its probability."""

    ranked: tuple[tuple[str, float], ...]

    @property
    def intent(self) -> str:
        return self.ranked[0][0]

    @property
    def confidence(self) -> float:
        return self.ranked[0][1]


@dataclass(frozen=True, slots=True)
class Model:
    """Intents, the n-grams known, one weight per (n-gram, intent), one bias per intent, and the
    confidence under which the reader asks instead of guessing."""

    intents: tuple[str, ...]
    features: dict[str, int]
    weights: Sequence[float]  # row-major: feature index * len(intents) + intent index
    bias: tuple[float, ...]
    threshold: float
    corpus_digest: str
    # Each known feature's weights, one per intent: scoring a message sums its features' rows.
    rows: dict[str, tuple[float, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        width, weights = len(self.intents), self.weights
        rows = {f: tuple(weights[i * width : (i + 1) * width]) for f, i in self.features.items()}
        object.__setattr__(self, "rows", rows)

    def guess(self, text: str, cues: Iterable[str] = ()) -> Guess:
        """The intents `text` may mean, with their probabilities (they sum to 1); `cues` are what
        the rules read in it (`flows.understanding.rule_cues`), learnt as features too."""
        rows = self.rows
        known = [rows[f] for f in features(text, cues) if f in rows]
        scores = list(self.bias)
        if known:
            totals = [sum(column) for column in zip(*known, strict=True)]
            scale = 1 / math.sqrt(len(known))
            scores = [b + t * scale for b, t in zip(scores, totals, strict=True)]
        probabilities = _softmax(scores)
        ranked = sorted(zip(self.intents, probabilities, strict=True), key=lambda p: -p[1])
        return Guess(tuple(ranked))


def normalise(text: str) -> str:
    """Plain words: lower case, no accents, doubled letters squeezed, digits as 0, single spaces."""
    kept = unicodedata.normalize("NFKD", text.lower()).translate(_KEPT)
    return " ".join(_DIGIT.sub("0", _DOUBLED.sub(r"\1", kept)).split())


def _is_emoji(ch: str) -> bool:
    return unicodedata.category(ch) == "So"  # 😡 and 👍 carry meaning on a phone


class Characters(dict[int, str]):
    """A `str.translate` table that drops combining accents, keeps the characters `keep` says
    and makes a space of the others; each character worked out when first met."""

    def __init__(self, keep: Callable[[str], bool]) -> None:
        super().__init__()
        self._keep = keep

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        kept = "" if unicodedata.combining(ch) else ch if self._keep(ch) else " "
        if code < _REMEMBERED:
            self[code] = kept
        return kept


_REMEMBERED: Final = 0x3000  # the scripts customers write in; the rest is worked out each time
_KEPT: Final = Characters(lambda ch: ch.isalnum() or _is_emoji(ch))


def features(text: str, cues: Iterable[str] = ()) -> frozenset[str]:
    """The message's words, pairs of words (the first and last with the message's edges), its
    length, character n-grams within each word (« casee » and « cassé » share most of theirs) and
    across two words, and the rules' cues."""
    plain = normalise(text)
    words = plain.split()
    found = {f"b:{a} {b}" for a, b in itertools.pairwise(["^", *words, "$"])}
    found.add(f"n:{_length(len(words))}")
    for word in words:
        found.update(_word_features(word))
    padded = f" {plain} "
    found.update(
        f"x:{padded[i : i + n]}"
        for n in _ACROSS
        for i in range(len(padded) - n + 1)
        if " " in padded[i + 1 : i + n - 1]
    )
    found.update(f"r:{cue}" for cue in cues)
    return frozenset(found)


@lru_cache(maxsize=1 << 14)
def _word_features(word: str) -> tuple[str, ...]:
    """A word's own features (itself and its n-grams), worked out once: customers use few words."""
    padded = f" {word} "
    grams = (padded[i : i + n] for n in _NGRAMS for i in range(len(padded) - n + 1))
    return (f"w:{word}", *grams)


def _length(words: int) -> str:
    """A message's length in words, bucketed: « la lampe » names an item, a sentence tells more."""
    return str(words) if words < 4 else "4-5" if words < 6 else "6+"


def read_corpus(path: Path) -> list[Example]:
    """A corpus file: `intent<TAB>message` a line; `#` starts a comment line."""
    examples = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        intent, tab, text = line.partition("\t")
        if not tab or not intent or not text.strip():
            raise ValueError(f"{path.name}, ligne {number} : attendu « intention<TAB>message »")
        examples.append(Example(intent, text))
    return examples


def corpus_digest(examples: Iterable[Example]) -> str:
    """A fingerprint of the training messages: the saved model says which corpus it learnt."""
    digest = hashlib.sha256()
    for example in examples:
        digest.update(f"{example.intent}\t{example.text}\n".encode())
    return digest.hexdigest()[:16]


def _softmax(scores: Sequence[float]) -> list[float]:
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    total = sum(exps)
    return [e / total for e in exps]


def to_json(model: Model) -> str:
    """The model as plain data: weights as signed bytes scaled per intent, so the file stays small;
    a feature whose weights all round to next to nothing is left out (it moves no reading)."""
    width = len(model.intents)
    scales = [
        max((abs(model.weights[i * width + k]) for i in range(len(model.features))), default=0.0)
        / _QUANTUM
        or 1.0
        for k in range(width)
    ]
    by_index = sorted(model.features, key=model.features.__getitem__)
    rows = {
        feature: [round(model.weights[i * width + k] / scales[k]) for k in range(width)]
        for i, feature in enumerate(by_index)
    }
    kept = [f for f in by_index if max(map(abs, rows[f])) > _NEGLIGIBLE]
    quantised = array.array("b", (q for feature in kept for q in rows[feature]))
    return json.dumps(
        {
            "intents": model.intents,
            "features": kept,
            "scales": [float(f"{s:.6g}") for s in scales],
            "bias": [round(b, 4) for b in model.bias],
            "threshold": model.threshold,
            "corpus": model.corpus_digest,
            "weights": base64.b64encode(quantised.tobytes()).decode("ascii"),
        },
        ensure_ascii=False,
        indent=0,
    )


def from_json(text: str) -> Model:
    """Reads what `to_json` wrote."""
    data = json.loads(text)
    intents = tuple(data["intents"])
    scales = data["scales"]
    width = len(intents)
    raw = array.array("b")
    raw.frombytes(base64.b64decode(data["weights"]))
    weights = array.array("d", (value * scales[n % width] for n, value in enumerate(raw)))
    return Model(
        intents=intents,
        features={f: i for i, f in enumerate(data["features"])},
        weights=weights,
        bias=tuple(data["bias"]),
        threshold=float(data["threshold"]),
        corpus_digest=data["corpus"],
    )


@cache
def shipped_model() -> Model:
    """The model built from the corpus and shipped with the code (read once)."""
    return from_json(MODEL_FILE.read_text(encoding="utf-8"))
