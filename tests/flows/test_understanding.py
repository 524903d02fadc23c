from __future__ import annotations

import pytest

from flows.understanding import from_choice, read_by_rules, understand


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("bonjour j'ai reçu la lampe cassée, c'est scandaleux", "damaged"),
        ("ARRIVÉ CASSÉ 😡😡", "damaged"),
        ("arrive casee", "damaged"),
        ("l'écran est rayé", "damaged"),
        ("le tshirt est trop petit", "size_color"),
        ("mauvaise taile", "size_color"),
        ("la couleur est différente de ce que je voulais", "size_color"),
        ("ça ne me plaît pas", "changed_mind"),
        ("ca me plait pas du tout", "changed_mind"),
        ("je n'en veux plus", "changed_mind"),
        ("je veux faire une rétractation", "changed_mind"),
        ("il ne correspond pas a la description", "not_as_described"),
        ("pas comme sur les photos du site", "not_as_described"),
        ("ce n'est pas l'article commandé", "wrong_item"),
        ("j'ai reçu un autre article, pas le bon", "wrong_item"),
        ("ça ne fonctionne pas", "defective"),
        ("ne fonctionne plus du tout, en panne", "defective"),
        ("les écouteurs ne s'allument pas", "defective"),
        ("mes ecouteurs ne fonctionnent pas", "defective"),
        ("je n'ai pas reçu mon colis", "not_received"),
        ("colis perdu ?", "not_received"),
        ("toujours rien, jamais arrivé", "not_received"),
        # The customer's own mistake is theirs; the shop's is « not the right item ».
        ("je me suis trompé d'article", "changed_mind"),
        ("j'ai commandé le mauvais modèle, mon erreur", "changed_mind"),
        ("commandé par erreur", "changed_mind"),
        ("je me suis trompée de couleur", "size_color"),
        ("vous m'avez envoyé le mauvais article", "wrong_item"),
        ("vous vous êtes trompés d'article", "wrong_item"),
    ],
)
def test_reasons_as_customers_write_them(text: str, reason: str) -> None:
    assert understand(text).reason == reason


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("commande non reçue", "not_received"),
        ("je l'ai jamais reçue", "not_received"),
        ("toujours pas livrée", "not_received"),
        ("non livré", "not_received"),
        ("l'article dans le colis n'est pas le mien", "wrong_item"),
        ("la signature n'est pas la mienne", None),
    ],
)
def test_the_rules_read_not_received_in_the_feminine_and_someone_elses_article(
    text: str, reason: str | None
) -> None:
    assert read_by_rules(text).reason == reason


@pytest.mark.parametrize("text", ["bonjour", "merci", "ok", "123", "🙂"])
def test_no_reason_is_invented(text: str) -> None:
    assert understand(text).reason is None


def test_a_sentence_gives_the_reason_and_the_tracking_number() -> None:
    heard = understand("ma commande RR123456785ES est arrivée cassée")

    assert heard.reason == "damaged"
    assert heard.tracking_numbers == ("RR123456785ES",)


def test_a_tracking_number_typed_with_spaces_and_lower_case() -> None:
    assert understand("le suivi : rr 1234 5678 5 es").tracking_numbers == ("RR123456785ES",)


def test_a_mistyped_tracking_number_says_why() -> None:
    heard = understand("RR123456784ES")

    assert heard.tracking_numbers == ()
    assert heard.tracking_refusal == "bad_check_digit"


@pytest.mark.parametrize(
    ("text", "yes"),
    [("oui", True), ("Ouiii 👍", True), ("d'accord", True), ("non", False), ("nan", False),
     ("il n'a jamais été ouvert", True), ("déjà ouvert", False), ("bof", None), ("vi", True),
     ("volontiers", True), ("exactement", True), ("nn", False), ("hors de question", False)],
)  # fmt: skip
def test_yes_and_no(text: str, yes: bool | None) -> None:
    assert understand(text).yes is yes


@pytest.mark.parametrize(
    ("text", "number"), [("1", 1), ("le 2", 2), ("la deuxième", 2), ("n°3", 3), ("31000", None)]
)
def test_item_numbers(text: str, number: int | None) -> None:
    assert understand(text).number == number


@pytest.mark.parametrize(
    ("text", "option"),
    [("je préfère être remboursé", "refund"), ("un échange svp", "exchange"),
     ("je le garde", "keep_and_replace"), ("remboursement", "refund")],
)  # fmt: skip
def test_options_in_words(text: str, option: str) -> None:
    assert understand(text).option == option


@pytest.mark.parametrize(
    ("text", "command"),
    [("/start", "start"), ("/annuler", "cancel"), ("/agent", "agent"), ("/aide", "help"),
     ("/retractation", "withdraw"), ("/rétractation", "withdraw"), ("/start@maison_bot", "start"),
     ("/n'importe", "unknown")],
)  # fmt: skip
def test_commands(text: str, command: str) -> None:
    assert understand(text).command == command


@pytest.mark.parametrize(
    "text",
    ["je vais porter plainte", "mon AVOCAT va vous écrire", "j'ouvre un litige paypal",
     "je signale à la DGCCRF", "c'est une arnaque", "ARNAQUE !!!"],
)  # fmt: skip
def test_angry_and_legal_words(text: str) -> None:
    assert understand(text).alarm


@pytest.mark.parametrize(
    "text", ["je veux parler à un conseiller", "un humain svp", "parler a quelqu'un", "conseiler"]
)
def test_asking_for_a_person(text: str) -> None:
    assert understand(text).wants_agent


def test_wanting_money_back_is_not_asking_for_an_agent() -> None:
    heard = understand("je veux mon argent")

    assert not heard.wants_agent
    assert heard.option == "refund"


def test_ownership_proofs() -> None:
    assert understand("69003").proofs == ("69003",)
    assert understand("c'est camille.martin@example.fr").proofs == ("camille.martin@example.fr",)
    assert understand("69 003").proofs == ("69003",)


def test_photo_step_words() -> None:
    assert understand("c'est tout").done
    assert understand("pas de photo").skip
    assert understand("je reviendrai plus tard").later
    assert understand("Bonjour !").greeting_only


def test_buttons_mean_what_they_say() -> None:
    assert from_choice("reason:damaged").reason == "damaged"
    assert from_choice("option:refund").option == "refund"
    assert from_choice("withdraw").command == "withdraw"
    assert from_choice("seal:no").yes is False
    assert from_choice("nonsense").choice == "nonsense"


def test_a_question_about_the_bot_naming_a_person_is_the_question_not_a_request_for_one() -> None:
    for question in (
        "il y a un conseiller humain ou c'est un robot ?",
        "vous êtes une vraie personne ?",
    ):
        heard = understand(question)

        assert heard.asks == "robot", question
        assert not heard.wants_agent, question
    assert understand("je veux parler à une vraie personne").wants_agent


def test_the_model_answers_a_question_off_the_path_only_when_it_is_a_question() -> None:
    assert understand("c'est quand que je suis remboursé").asks == "refund_when"
    assert understand("remboursement").asks is None


def test_a_vague_complaint_is_no_reason_but_the_reasons_it_may_be() -> None:
    heard = understand("il a un souci")

    assert heard.reason is None
    assert heard.confidence < 0.6
    assert heard.hesitates[0].startswith("reason:")


@pytest.mark.parametrize(
    "text",
    [
        "j'ai un souci avec ma commande",
        "bonjour j ai un souci avec ma commande svp",
        "ya un pb avec ma commande",
        "il y a un problème",
        "j'ai un petit problème avec mon colis",
        "un problème avec l'article",
    ],
)
def test_a_complaint_that_says_nothing_of_what_is_wrong_asks_which_reason(text: str) -> None:
    heard = understand(text)

    assert heard.vague and heard.reason is None, text
    assert heard.confidence < 0.6, text
    assert len(heard.hesitates) == 3, text
    assert all(reading.startswith("reason:") for reading in heard.hesitates), text


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("j'ai un souci avec ma commande, elle est arrivée cassée", "reason:damaged"),
        ("problème de fonctionnement", "reason:defective"),
        ("pas de souci", "yes"),
    ],
)
def test_a_complaint_that_says_what_is_wrong_or_no_complaint_is_not_vague(
    text: str, intent: str
) -> None:
    heard = understand(text)

    assert not heard.vague, text
    assert (heard.intent, heard.confidence >= 0.6) == (intent, True), text


@pytest.mark.parametrize(
    "text",
    [
        "pas en bon état",
        "l'article n'est pas en bon état, il est arrivé comme ça",
        "reçu en mauvais état",
        "il est arrivé cassé mais il s'allume",
        "en sortant du colis le pied était déjà tordu",
    ],
)
def test_damage_on_arrival_is_read_as_damaged(text: str) -> None:
    assert understand(text).intent == "reason:damaged", text


def test_a_plain_message_is_read_with_confidence() -> None:
    heard = understand("mon colis n'est jamais arrivé")

    assert (heard.reason, heard.intent) == ("not_received", "reason:not_received")
    assert heard.confidence >= 0.6 and heard.hesitates == ()


@pytest.mark.parametrize(
    ("text", "remedy"),
    [
        ("je préférerais une réparation", "repair"),
        ("vous pouvez le réparer ?", "repair"),
        ("je voudrais plutôt une réduction", "price_reduction"),
        ("un petit geste commercial ?", "price_reduction"),
        ("une remise sur le prix", "price_reduction"),
        ("le livreur l'a remis au voisin", None),
        ("je veux un remboursement", None),
    ],
)
def test_a_remedy_asked_for(text: str, remedy: str | None) -> None:
    assert understand(text).remedy == remedy


def test_a_remedy_button() -> None:
    assert from_choice("remedy:repair").remedy == "repair"
    assert from_choice("remedy:price_reduction").remedy == "price_reduction"


# Issue 12, point 2: phrasings of the weak intents, as customers type them on a phone.
@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("elle ne chauffe plus au bout de 2 jours", "reason:defective"),
        ("ça bug tout le temps", "reason:defective"),
        ("marche 1 jour sur 2", "reason:defective"),
        ("s'allume plus", "reason:defective"),
        ("pas cassé mais il marche pas", "reason:defective"),
        ("la camera filme pas et ça plante", "reason:defective"),
        ("le suivi dit livré mais j'ai rien", "reason:not_received"),
        ("colis jamais arrivé", "reason:not_received"),
        ("le lien de suivi marche pas et j'ai toujours rien reçu", "reason:not_received"),
        ("finalement j'en veux plus", "reason:changed_mind"),
        ("je me suis trompé je n'en ai plus besoin", "reason:changed_mind"),
        ("la taille est parfaite mais j'en veux plus", "reason:changed_mind"),
        ("il ne m'est plus utile", "reason:changed_mind"),
        ("trop petit et en plus il est cassé", "reason:damaged"),
        ("pas abimé du tout juste trop grand", "reason:size_color"),
        ("je voulais le vert", "reason:size_color"),
        ("vous avez bien reçu mon colis retour ?", "status"),
        ("le nouvel article est parti ?", "status"),
        ("je le reçois quand ?", "aside:delivery_delay"),
        ("le pull gris", "item"),
        ("le point relais a rien pour moi", "reason:not_received"),
        ("livré chez un voisin ? moi rien", "reason:not_received"),
        ("la commande est jamais arrivee", "reason:not_received"),
        ("brisé en deux à la réception", "reason:damaged"),
        ("le verre est fendu a l arrivee", "reason:damaged"),
        ("ne marche plus au bout de 3 jours", "reason:defective"),
        ("colis bien reçu mais l'article dedans est pas le mien", "reason:wrong_item"),
        ("ou en est mon dossier svp", "status"),
        ("c la lampe de chevet", "item"),
        ("celle a 15 euros", "item"),
    ],
)
def test_the_weak_intents_as_customers_type_them(text: str, intent: str) -> None:
    heard = understand(text)

    assert heard.intent == intent
    if intent.startswith("reason:"):
        assert heard.reason == intent.removeprefix("reason:")
    assert not heard.wants_agent


@pytest.mark.parametrize(
    "text", ["rappelez moi svp", "un responsable svp", "je veux parler au sav", "appelez moi"]
)
def test_asking_to_be_called_back_or_for_someone_in_charge_brings_a_person(text: str) -> None:
    heard = understand(text)

    assert heard.wants_agent and heard.intent == "agent"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("le facteur l'a déposé chez quelqu'un d'autre", "not_received"),
        ("cadeau pour quelqu'un qui n'en veut pas", "changed_mind"),
        ("je me suis planté dans ma commande, c'est pas celui que je voulais", "changed_mind"),
    ],
)
def test_someone_else_or_a_slip_is_no_call_for_a_person(text: str, reason: str) -> None:
    heard = understand(text)

    assert not heard.wants_agent and not heard.alarm
    assert heard.reason == reason


def test_it_crashes_is_no_complaint_but_a_complaint_with_a_typo_still_is() -> None:
    assert not understand("ça plante tout le temps").alarm
    assert understand("je vais porter plainte").alarm
    assert understand("je vais porter plinte").alarm


def test_a_return_tracking_number_given_is_no_question_where_the_case_stands() -> None:
    heard = understand("c'est parti, suivi RA123456785FR")

    assert heard.tracking_numbers == ("RA123456785FR",)
    assert not heard.wants_status
