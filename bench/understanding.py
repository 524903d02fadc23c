"""Benchmark: how well the bot reads customers' messages, on the labelled corpus.

Prints accuracy per intent and the main confusions for the keyword rules alone, the statistical
model alone, and the reader the bot uses (`understand()`: exact rules first, then the model when
confident, else the keyword rules' reason or the model's likeliest reading); for the reader, how
often it was sure and how often, unsure, the right reading was among the buttons of its
clarifying question; the cost per message, the model file's size and its load time. The held-out
part (`tests/data/utterances/heldout.tsv`) is the measure; it is never used to train or tune.

    .venv/bin/python bench/understanding.py [--part heldout|train]
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

from flows.intent_build import CORPUS, cues  # noqa: E402
from flows.intent_model import MODEL_FILE, Example, from_json, read_corpus, shipped_model  # noqa: E402
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


def _report(name: str, read: Callable[[str], str], examples: list[Example]) -> None:
    start = time.perf_counter()
    said = [read(e.text) for e in examples]
    micros = (time.perf_counter() - start) / len(examples) * 1e6
    right = sum(s == e.intent for s, e in zip(said, examples, strict=True))
    print(
        f"\n== {name}: {right}/{len(examples)} = {right / len(examples):.1%}, {micros:.0f} µs/message"
    )
    confusion = Counter((e.intent, s) for s, e in zip(said, examples, strict=True))
    for intent in sorted({e.intent for e in examples}):
        total = sum(n for (truth, _), n in confusion.items() if truth == intent)
        wrong = [(s, n) for (t, s), n in confusion.most_common() if t == intent and s != intent]
        shown = ", ".join(f"{s}×{n}" for s, n in wrong[:4])
        print(f"  {intent:24} {confusion[intent, intent]:3}/{total:<3} {shown}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--part", choices=("heldout", "train"), default="heldout")
    examples = read_corpus(CORPUS / f"{parser.parse_args().part}.tsv")
    _report("rules", _rules, examples)
    _report("model", _model, examples)
    _report("reader (bot)", lambda t: understand(t).intent, examples)
    _unsure(examples)
    _model_file()


if __name__ == "__main__":
    main()
