"""The statistical reader: its corpus, the shipped model built from it, and what it now reads."""

from __future__ import annotations

from flows.intent_build import CORPUS
from flows.intent_model import (
    Model,
    corpus_digest,
    features,
    from_json,
    read_corpus,
    shipped_model,
    to_json,
)
from flows.understanding import understand


def test_the_corpus_has_600_messages_and_a_held_out_part_of_150() -> None:
    train, heldout = read_corpus(CORPUS / "train.tsv"), read_corpus(CORPUS / "heldout.tsv")
    assert len(train) + len(heldout) >= 600
    assert len(heldout) >= 150
    assert not {e.text for e in train} & {e.text for e in heldout}


def test_the_shipped_model_was_built_from_the_training_part() -> None:
    assert shipped_model().corpus_digest == corpus_digest(read_corpus(CORPUS / "train.tsv"))


def test_the_phrasings_the_keyword_lists_missed_are_read() -> None:
    assert understand("ça ne ressemble pas du tout à la photo du site").reason == "not_as_described"
    assert understand("erreur de produit dans le colis").reason == "wrong_item"
    assert understand("elle ne chauffe plus au bout de 2 jours").reason == "defective"
    assert understand("je me suis trompé je n'en ai pas besoin").reason == "changed_mind"


def test_the_model_is_sure_enough_of_a_plain_message_and_unsure_of_a_greeting() -> None:
    model = shipped_model()
    assert model.guess("bonjour").intent == "other"


def test_a_message_is_read_by_its_words_length_edges_and_letters_across_words() -> None:
    found = features("pas reçu")

    assert {"w:pas", "w:recu", "b:pas recu", "b:^ pas", "b:recu $", "n:2"} <= found
    assert {" rec", "recu "} <= found  # inside a word
    assert {"x:s re", "x:as r"} <= found  # across two words


def test_a_feature_whose_weights_round_to_next_to_nothing_is_not_saved() -> None:
    model = Model(
        intents=("status", "other"),
        features={"w:ou": 0, "w:le": 1},
        weights=[4.0, -4.0, 0.01, -0.02],
        bias=(0.0, 0.0),
        threshold=0.6,
        corpus_digest="test",
    )

    saved = from_json(to_json(model))

    assert list(saved.features) == ["w:ou"]
    assert saved.guess("ou le").intent == "status"
