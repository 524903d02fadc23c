"""Builds `flows/intent_model.json` from the corpus's training part (`scripts/build-understanding`).

Build time only: scikit-learn (a dev dependency) fits a multinomial logistic regression on the
features of `flows.intent_model`; the weights are exported as plain data and read at run time by
the pure-Python scorer, so the bot itself never imports scikit-learn. The features and the
regularisation were chosen by 5-fold cross-validation on the training part only
(`bench/understanding.py --cv`, CONTRIBUTING.md); on 2026-12-04 (third batch), at the 0.6 threshold,
90 % of the messages were read with confidence there, 96.7 % of those right. The held-out part is never read here.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Final

from flows.intent_model import MODEL_FILE, Example, Model, corpus_digest, features, read_corpus
from flows.intent_model import to_json as to_json
from flows.understanding import read_by_rules, rule_cues

CORPUS: Final = Path(__file__).resolve().parents[1] / "tests" / "data" / "utterances"
MIN_DOCUMENTS: Final = 2  # a feature seen in one training message only is noise, not a cue
C: Final = 30.0  # inverse regularisation strength (cross-validated on the training part)
THRESHOLD: Final = 0.6  # under it the bot asks rather than guesses (cross-validated likewise)


def cues(text: str) -> tuple[str, ...]:
    """What the rules read in `text`, as the model sees it."""
    return rule_cues(read_by_rules(text))


def train(
    examples: Sequence[Example],
    cues: Callable[[str], Iterable[str]] = lambda _text: (),
    threshold: float = THRESHOLD,
    c: float = C,
) -> Model:
    """Fits the model to `examples` (deterministic: one thread, a convex problem solved by L-BFGS)."""
    import numpy as np
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    seen = [features(e.text, cues(e.text)) for e in examples]
    documents = Counter(f for found in seen for f in found)
    vocabulary = sorted(f for f, n in documents.items() if n >= MIN_DOCUMENTS)
    index = {f: i for i, f in enumerate(vocabulary)}
    rows, columns, values = [], [], []
    for row, found in enumerate(seen):
        known = sorted(index[f] for f in found if f in index)
        for column in known:  # the scorer's scaling: binary features, one unit of length a message
            rows.append(row)
            columns.append(column)
            values.append(1 / len(known) ** 0.5)
    matrix = csr_matrix((values, (rows, columns)), shape=(len(examples), len(vocabulary)))
    labels = np.array([e.intent for e in examples])
    with threadpool_limits(1):  # several BLAS threads on a shared machine are ten times slower
        fitted = LogisticRegression(C=c, max_iter=5000).fit(matrix, labels)
    intents = tuple(str(intent) for intent in fitted.classes_)
    weights = [float(w) for w in fitted.coef_.T.ravel()]  # feature-major, as `Model.weights`
    bias = tuple(float(b) for b in fitted.intercept_)
    return Model(intents, index, weights, bias, threshold, corpus_digest(examples))


def main() -> int:
    examples = read_corpus(CORPUS / "train.tsv")
    MODEL_FILE.write_text(to_json(train(examples, cues)) + "\n", encoding="utf-8")
    print(f"{MODEL_FILE.name} : {len(examples)} messages d'entraînement")
    return 0


if __name__ == "__main__":
    sys.exit(main())
