"""Benchmark: how well the bot reads customers' messages, on the labelled corpus.

Prints accuracy per intent and the main confusions for the keyword rules alone, the statistical
model alone, and the reader the bot uses (`understand()`: exact rules first, then the model when
confident, else the keyword rules' reason or the model's likeliest reading); for the reader, how
often it was sure and how often, unsure, the right reading was among the buttons of its
clarifying question; the cost per message, the model file's size and its load time. The held-out
part (`tests/data/utterances/heldout.tsv`) is the measure; it is never used to train or tune.

    .venv/bin/python bench/understanding.py [--part heldout|train]
    .venv/bin/python bench/understanding.py --cv [--folds 5] [--c 30] [--threshold 0.6]

`--cv` reads the training part only: k-fold cross-validation (folds made per intent, every k-th
message, deterministic), a model fitted on the other folds reads each fold; it prints the model's and
the reader's accuracy per intent and their confusions, as above. This is what the features, C and
the threshold are tuned on; the held-out part stays untouched.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flows import intent_model  # noqa: E402
from flows.intent_build import CORPUS, THRESHOLD, C, cues, train  # noqa: E402
from flows.intent_model import (  # noqa: E402
    MODEL_FILE,
    Example,
    from_json,
    read_corpus,
    shipped_model,
    to_json,
)
from flows.understanding import read_by_rules, rules_intent, understand  # noqa: E402


def _rules(text: str) -> str:
    return rules_intent(read_by_rules(text))


def _model(text: str) -> str:
    return shipped_model().guess(text, cues(text)).intent


def _unsure(examples: list[Example]) -> None:
    heard = [understand(e.text) for e in examples]
    sure = [
        (h, e)
        for h, e in zip(heard, examples, strict=True)
        if h.confidence >= shipped_model().threshold
    ]
    unsure = [
        (h, e)
        for h, e in zip(heard, examples, strict=True)
        if h.confidence < shipped_model().threshold
    ]
    right_sure = sum(h.intent == e.intent for h, e in sure)
    offered = sum(e.intent in h.hesitates for h, e in unsure)
    print(
        f"   sure {len(sure)}/{len(examples)}, right when sure {right_sure}/{len(sure)};"
        f" unsure {len(unsure)}, the right reading among its hesitations {offered}/{len(unsure)}"
    )


def _model_file() -> None:
    text = MODEL_FILE.read_text(encoding="utf-8")
    start = time.perf_counter()
    from_json(text)
    millis = (time.perf_counter() - start) * 1e3
    print(f"\n{MODEL_FILE.name}: {len(text.encode()) / 1024:.0f} KiB, read in {millis:.0f} ms")


def _report(
    name: str, read: Callable[[str], str], examples: list[Example], said: list[str] | None = None
) -> None:
    """Accuracy per intent and the main confusions of `read` (or of readings already `said`)."""
    start = time.perf_counter()
    cost = ""
    if said is None:
        said = [read(e.text) for e in examples]
        cost = f", {(time.perf_counter() - start) / len(examples) * 1e6:.0f} µs/message"
    right = sum(s == e.intent for s, e in zip(said, examples, strict=True))
    print(f"\n== {name}: {right}/{len(examples)} = {right / len(examples):.1%}{cost}")
    confusion = Counter((e.intent, s) for s, e in zip(said, examples, strict=True))
    for intent in sorted({e.intent for e in examples}):
        total = sum(n for (truth, _), n in confusion.items() if truth == intent)
        wrong = [(s, n) for (t, s), n in confusion.most_common() if t == intent and s != intent]
        shown = ", ".join(f"{s}×{n}" for s, n in wrong[:4])
        print(f"  {intent:24} {confusion[intent, intent]:3}/{total:<3} {shown}")


def _folds(examples: list[Example], k: int) -> list[list[int]]:
    """Every k-th message of each intent in the same fold: each fold has every intent."""
    folds: list[list[int]] = [[] for _ in range(k)]
    seen: Counter[str] = Counter()
    for n, example in enumerate(examples):
        folds[seen[example.intent] % k].append(n)
        seen[example.intent] += 1
    return folds


def _cross_validate(examples: list[Example], k: int, c: float, threshold: float) -> None:
    """The model's and the reader's readings of each fold, by a model fitted on the others."""
    by_model: dict[int, str] = {}
    by_reader: dict[int, str] = {}
    sure = right_sure = 0
    shipped = intent_model.shipped_model
    try:
        for fold in _folds(examples, k):
            held = set(fold)
            fitted = from_json(  # as shipped: weights quantised
                to_json(
                    train([e for n, e in enumerate(examples) if n not in held], cues, threshold, c)
                )
            )
            intent_model.shipped_model = lambda fitted=fitted: fitted  # type: ignore[assignment]
            for n in fold:
                text = examples[n].text
                by_model[n] = fitted.guess(text, cues(text)).intent
                heard = understand(text)
                by_reader[n] = heard.intent
                if heard.confidence >= threshold:
                    sure += 1
                    right_sure += heard.intent == examples[n].intent
    finally:
        intent_model.shipped_model = shipped  # type: ignore[assignment]
    order = sorted(by_model)
    folded = [examples[n] for n in order]
    print(f"{k}-fold cross-validation on the training part, C = {c}, threshold {threshold}")
    _report("rules", _rules, folded)
    _report("model (cv)", _rules, folded, [by_model[n] for n in order])
    _report("reader (cv)", _rules, folded, [by_reader[n] for n in order])
    print(f"   sure {sure}/{len(folded)}, right when sure {right_sure}/{sure}")
    start = 0
    for name, size in _sections(CORPUS / "train.tsv"):
        part = range(start, start + size)
        model_right = sum(by_model[n] == examples[n].intent for n in part)
        reader_right = sum(by_reader[n] == examples[n].intent for n in part)
        print(
            f"   {name}: model {model_right}/{size} = {model_right / max(size, 1):.1%},"
            f" reader {reader_right}/{size} = {reader_right / max(size, 1):.1%}"
        )
        start += size


def _sections(path: Path) -> list[tuple[str, int]]:
    """The training file's parts, as its « Added on <date> » comments cut it, and their sizes
    (the first part is the one the held-out part was split from)."""
    sections = [("first part", 0)]
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# Added on "):
            sections.append((line[2:].split(" (", 1)[0].removesuffix(":"), 0))
        elif line.strip() and not line.startswith("#"):
            name, size = sections[-1]
            sections[-1] = (name, size + 1)
    return sections


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--part", choices=("heldout", "train"), default="heldout")
    parser.add_argument("--cv", action="store_true", help="cross-validate on the training part")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--c", type=float, default=C)
    parser.add_argument("--threshold", type=float, default=THRESHOLD)
    arguments = parser.parse_args()
    if arguments.cv:
        _cross_validate(
            read_corpus(CORPUS / "train.tsv"), arguments.folds, arguments.c, arguments.threshold
        )
        return
    examples = read_corpus(CORPUS / f"{arguments.part}.tsv")
    _report("rules", _rules, examples)
    _report("model", _model, examples)
    _report("reader (bot)", lambda t: understand(t).intent, examples)
    _unsure(examples)
    _model_file()


if __name__ == "__main__":
    main()
