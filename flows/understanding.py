"""What a customer means, from what they type: reasons, yes/no, numbers, commands, alarm words.

French customers write on a phone: typos, no accents, capitals, emojis, whole sentences. The text is
reduced to plain lower-case words without accents, doubled letters squeezed, and compared word by
word with a small edit distance, so « KASSÉE », « casee » and « cassé » all read as `casse`.
Nothing here depends on the conversation's step: the machine decides what the words answer.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Final, TypeVar

from flows import conversation_words as vocabulary
from flows import intent_model
from flows.facts import OPTIONS, REASONS, REMEDIES, Option, Reason, Remedy
from flows.tracking import check_tracking_number, find_tracking_numbers

_Code = TypeVar("_Code")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_POSTCODE = re.compile(r"(?<!\d)(\d{2}) ?(\d{3})(?!\d)")
_ORDER_NUMBER = re.compile(
    r"(?:#|\bcommande\s+(?:n°|no|num[ée]ro)?\s*#?)\s?(\d{3,8})\b", re.IGNORECASE
)
_LONE_NUMBER = re.compile(r"^\D{0,12}(\d{1,2})\D{0,12}$")


@dataclass(frozen=True, slots=True)
class Heard:
    """What a message says, whatever the step: every field is None or empty when not said."""

    text: str = ""
    command: str | None = None
    choice: str | None = None
    reason: Reason | None = None
    tracking_numbers: tuple[str, ...] = ()
    tracking_refusal: str | None = None
    yes: bool | None = None
    number: int | None = None
    option: Option | None = None
    remedy: Remedy | None = None  # « une réparation », « un geste » (L217-9, L217-14)
    proofs: tuple[str, ...] = ()
    order_numbers: tuple[str, ...] = ()  # « #1003 », « commande 1003 »: as the shop names orders
    alarm: bool = False
    wants_agent: bool = False
    greeting_only: bool = False
    done: bool = False
    skip: bool = False
    later: bool = False
    photo: bool = False
    rating: int | None = None  # a tapped star of the follow-up (1 to 5)
    wants_status: bool = False  # « où en est mon retour ? »
    vague: bool = False  # a complaint that says nothing of what is wrong: « j'ai un souci »
    how_many: str | None = None  # « un des deux » ("one"), « les deux », « tous » ("all")
    asks: str | None = None  # a question off the path (`conversation_words.ASIDES`), e.g. "robot"
    question: bool = False  # asks when, how, how much, why or which (a request is no question)
    unsupported: bool = False
    unsupported_kind: str = ""  # what was sent instead, e.g. "too_big", "not_an_image"
    # The reader's intent as in the corpus (`tests/data/utterances/`), and how sure it is of it.
    intent: str = "other"
    confidence: float = 0.0
    # Unsure of the message: the readings it hesitates between, most likely first (e.g. the
    # reasons a clarifying question offers); empty when it is sure or the message says nothing.
    hesitates: tuple[str, ...] = ()


# Button ids, as the channels send them back; `item:<line id>`, `quantity:<n>` and `option:<code>`
# carry a value.
_CHOICE_MEANINGS: Final[dict[str, dict[str, object]]] = {
    "withdraw": {"command": "withdraw"},
    "agent": {"command": "agent"},
    "start": {"command": "start"},
    "cancel": {"command": "cancel"},
    "later": {"later": True},
    "seal:yes": {"yes": True},
    "seal:no": {"yes": False},
    "photos:done": {"done": True},
    "photos:skip": {"skip": True},
    "withdrawal:confirm": {"yes": True},
    "withdrawal:back": {"yes": False},
}
# Choices that mean the same at every step, so an old button still works.
ALWAYS_VALID_CHOICES: Final = frozenset({"withdraw", "agent", "start", "cancel"})


def from_choice(choice_id: str) -> Heard:
    """Reads a pressed button: its id says what it answers."""
    kind, _, value = choice_id.partition(":")
    if kind == "reason" and value in REASONS:
        return Heard(choice=choice_id, reason=value)
    if kind == "option" and value in OPTIONS:
        return Heard(choice=choice_id, option=value)
    if kind == "remedy" and value in REMEDIES:
        return Heard(choice=choice_id, remedy=value)
    if kind == "quantity" and value.isdigit():
        return Heard(choice=choice_id, number=int(value))
    if kind == "rating" and value in ("1", "2", "3", "4", "5"):
        return Heard(choice=choice_id, rating=int(value))
    meaning = _CHOICE_MEANINGS.get(choice_id, {})
    return Heard(choice=choice_id, **meaning)  # type: ignore[arg-type]


def plain_words(text: str) -> list[str]:
    """Lower-case words without accents, emojis or punctuation; apostrophes split words."""
    return unicodedata.normalize("NFKD", text.lower()).translate(_LETTERS).split()


_LETTERS: Final = intent_model.Characters(str.isalnum)


def understand(text: str) -> Heard:
    """Reads a typed message: a command, or everything it may answer. The rules are exact for
    commands, tracking numbers, postcodes, e-mails, numbers and alarm words; the meaning (a reason,
    a question off the path, where the case stands…) is the statistical model's when it is
    confident, else the keyword rules', with the readings it hesitated between."""
    heard = read_by_rules(text)
    if heard.command is not None or heard.alarm:
        return replace(heard, intent=rules_intent(heard), confidence=1.0)
    model = intent_model.shipped_model()
    # A person takes over on the rules' word only, never on a guess.
    guess = model.guess(text, rule_cues(heard)).ranked
    readings = [r for r in guess if r[0] != "agent"]
    intent, confidence = readings[0]
    sure = confidence >= model.threshold
    asking = heard.question or "?" in heard.text
    unlikely = dict(guess)["agent"] < _NO_REQUEST  # « cadeau pour quelqu'un qui n'en veut pas »
    if heard.wants_agent and (sure or unlikely or (heard.asks is not None and asking)):
        # « vous êtes une vraie personne ? », « un conseiller a vu mon dossier ? »: no request for one.
        heard = replace(heard, wants_agent=False)
    if heard.wants_agent:
        return replace(heard, intent="agent", confidence=1.0)
    if heard.vague:  # « j'ai un souci avec ma commande »: a reason, which one is asked
        reasons = [r for r in readings if r[0].startswith("reason:")][:3]
        likeliest, probability = reasons[0]
        return replace(
            heard,
            intent=likeliest,
            confidence=min(probability, _VAGUE_CONFIDENCE),
            hesitates=tuple(reason for reason, _p in reasons),
        )
    if sure:
        return replace(_taken(heard, intent), intent=intent, confidence=confidence)
    hesitates = tuple(i for i, p in readings[:3] if p >= _WORTH_OFFERING)
    if heard.reason is not None or heard.asks is not None:
        intent = rules_intent(heard)
    return replace(heard, intent=intent, confidence=confidence, hesitates=hesitates)


_WORTH_OFFERING: Final = 0.1  # a reading less likely than this is not worth a button
_VAGUE_CONFIDENCE: Final = 0.3  # at most, for a vague complaint: it is never read as sure
# The phrases of asking for a person give way when the model finds a request this unlikely
# (cross-validated on the training part: 5 messages read right more, none lost).
_NO_REQUEST: Final = 0.05


def _taken(heard: Heard, intent: str) -> Heard:
    """What the flow reads from the model's confident intent, where the rules read nothing of it."""
    kind, _, value = intent.partition(":")
    if kind == "reason" and value in REASONS:
        return replace(heard, reason=value)
    # « remboursement » alone is a choice, not a question.
    asking = heard.question or "?" in heard.text
    if kind == "aside" and asking and heard.asks is None and value in _ASIDE_TOPICS:
        return replace(heard, asks=value)
    # « c'est parti, suivi RA123456785FR » gives the return's number: no question where it stands.
    if intent == "status" and not heard.tracking_numbers:
        return replace(heard, wants_status=True)
    return heard


def read_by_rules(text: str) -> Heard:
    """What the keyword rules alone read in a typed message."""
    stripped = text.strip()
    if stripped.startswith("/"):
        name = plain_words(stripped[1:].split(" ", 1)[0].split("@", 1)[0])
        command = vocabulary.COMMANDS.get(name[0]) if name else None
        return Heard(text=stripped, command=command or "unknown")
    for emoji, word in vocabulary.EMOJI_WORDS.items():
        stripped = stripped.replace(emoji, word)
    words = [_squeeze(word) for word in plain_words(stripped)]
    message = _Message(words)
    numbers = find_tracking_numbers(stripped)
    return Heard(
        text=stripped,
        reason=message.first_match(_REASON_PHRASES),
        tracking_numbers=tuple(numbers),
        tracking_refusal=None if numbers else _tracking_refusal(stripped),
        yes=_yes_no(message),
        number=_number(stripped, words),
        option=message.first_match(_OPTION_PHRASES),
        remedy=message.first_match(_REMEDY_PHRASES),
        proofs=_proofs(stripped),
        order_numbers=tuple(f"#{number}" for number in _ORDER_NUMBER.findall(stripped)),
        alarm=message.has_any(_ALARM_WORDS),
        wants_agent=_Message(_without(words, _SOMEONE_ELSE)).has_any(_AGENT_PHRASES),
        greeting_only=bool(words) and all(word in _GREETINGS_SQUEEZED for word in words),
        done=message.has_any(_DONE),
        skip=message.has_any(_SKIP),
        later=message.has_any(_LATER),
        wants_status=message.has_any(_STATUS),
        vague=_vague(words),
        how_many=message.first_match(_HOW_MANY),
        asks=message.first_match(_ASIDES),
        question=any(word in _QUESTION_WORDS for word in words),
    )


_DOUBLED = re.compile(r"([a-z])\1+")


def _squeeze(word: str) -> str:
    """Squeezes doubled letters (« cassee » -> « case »), the commonest typo on a phone."""
    return _DOUBLED.sub(r"\1", word)


_Phrase = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Phrases:
    """A list of the vocabulary's phrases, reduced once at import as typed words are on every
    message: the one-word phrases as a set (most are), the longer ones in order."""

    words: frozenset[str]
    longer: tuple[_Phrase, ...]
    firsts: frozenset[str]  # the first words of the longer ones

    def __iter__(self) -> Iterator[_Phrase]:
        yield from ((word,) for word in self.words)
        yield from self.longer


def _phrase(text: str) -> _Phrase:
    return tuple(_squeeze(word) for word in plain_words(text))


def _phrases(texts: tuple[str, ...]) -> _Phrases:
    reduced = [_phrase(text) for text in texts]
    longer = tuple(phrase for phrase in reduced if len(phrase) > 1)
    return _Phrases(
        frozenset(phrase[0] for phrase in reduced if len(phrase) == 1),
        longer,
        frozenset(phrase[0] for phrase in longer),
    )


def _table(
    table: tuple[tuple[_Code, tuple[str, ...]], ...],
) -> tuple[tuple[_Code, _Phrases], ...]:
    return tuple((code, _phrases(texts)) for code, texts in table)


_GREETINGS_SQUEEZED: Final = frozenset(_squeeze(word) for word in vocabulary.GREETINGS)
_COMPLAINT_WORDS: Final = frozenset(_squeeze(word) for word in vocabulary.COMPLAINT_WORDS)
_VAGUE_WORDS: Final = frozenset(_squeeze(word) for word in vocabulary.VAGUE_WORDS)
_QUESTION_WORDS: Final = frozenset(_squeeze(word) for word in vocabulary.QUESTION_WORDS)
_REASON_PHRASES: Final = _table(vocabulary.REASON_PHRASES)
_OPTION_PHRASES: Final = _table(vocabulary.OPTION_PHRASES)
_REMEDY_PHRASES: Final = _table(vocabulary.REMEDY_PHRASES)
_ALARM_WORDS: Final = _phrases(vocabulary.ALARM_WORDS)
# Asking to be called back or for someone in charge is asking for a person too (issue 12).
_AGENT_PHRASES: Final = _phrases((*vocabulary.AGENT_PHRASES, *vocabulary.CALL_ME_PHRASES))
# « livré chez quelqu'un d'autre », « l'article de quelqu'un d'autre »: nobody asked for.
_SOMEONE_ELSE: Final = _phrase("quelqu un d autre")
_YES: Final = _phrases(vocabulary.YES)
_STILL_SEALED: Final = _phrases(vocabulary.STILL_SEALED)
_NO: Final = _phrases(vocabulary.NO)
_DONE: Final = _phrases(vocabulary.DONE)
_SKIP: Final = _phrases(vocabulary.SKIP)
_LATER: Final = _phrases(vocabulary.LATER)
_STATUS: Final = _phrases(vocabulary.STATUS_QUESTIONS)
_ASIDES: Final = _table(vocabulary.ASIDES)
_ASIDE_TOPICS: Final = frozenset(topic for topic, _phrases in vocabulary.ASIDES)
_HOW_MANY: Final = _table(vocabulary.HOW_MANY)


def _vague(words: list[str]) -> bool:
    """A complaint word, and around it only words that say nothing of what is wrong."""
    return any(word in _COMPLAINT_WORDS for word in words) and all(
        word in _COMPLAINT_WORDS or word in _VAGUE_WORDS or word in _GREETINGS_SQUEEZED
        for word in words
    )


def _close(typed: str, known: str) -> bool:
    """Same word, allowing one slip in words of 6 letters or more, two from 10."""
    if typed == known:
        return True
    if len(known) < 6 or abs(len(typed) - len(known)) > 2:
        return False
    return _slips(typed, known) <= (2 if len(known) >= 10 else 1)


@lru_cache(maxsize=1 << 15)
def _slips(typed: str, known: str) -> int:
    """`_distance`, remembered: customers type the same few words again and again."""
    return _distance(typed, known)


def _distance(a: str, b: str) -> int:
    """Damerau-Levenshtein distance (adjacent swaps count as one slip)."""
    rows = [list(range(len(b) + 1))]
    for i, ca in enumerate(a, 1):
        row = [i]
        for j, cb in enumerate(b, 1):
            cost = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, rows[-2][j - 2] + 1)
            row.append(cost)
        rows.append(row)
    return rows[-1][-1]


_VOCABULARY: Final = frozenset(
    word
    for phrases in (
        *(phrases for _code, phrases in _REASON_PHRASES + _OPTION_PHRASES + _REMEDY_PHRASES + _ASIDES + _HOW_MANY),
        _ALARM_WORDS, _AGENT_PHRASES, _YES, _STILL_SEALED, _NO, _DONE, _SKIP, _LATER, _STATUS,
    )
    for phrase in phrases
    for word in phrase
)  # fmt: skip


# Real words one slip away from a vocabulary word, never read as a typo of it: « ça plante » (it
# crashes) and « je me suis planté » (I got it wrong) are no « plainte » (complaint, an alarm word).
_NOT_TYPOS: Final = frozenset({"plante", "plantee", "plantes", "plantees", "planter"})


@lru_cache(maxsize=1 << 14)
def _meanings(typed: str) -> frozenset[str]:
    """The vocabulary's words `typed` may stand for (`_close`), and itself; worked out once per word."""
    if typed in _NOT_TYPOS:
        return frozenset({typed})
    return frozenset(known for known in _VOCABULARY if _close(typed, known)) | {typed}


class _Message:
    """A typed message's words, and the vocabulary's words each may stand for (`_meanings`)."""

    __slots__ = ("meanings", "present")

    def __init__(self, words: list[str]) -> None:
        self.meanings = [_meanings(word) for word in words]
        # Every word the message may contain: a phrase whose first word is missing is not there.
        self.present: frozenset[str] = frozenset().union(*self.meanings)

    def has(self, phrase: _Phrase) -> bool:
        """Whether the words say `phrase`, word after word."""
        first, size = phrase[0], len(phrase)
        if first not in self.present:
            return False
        meanings = self.meanings
        return any(
            first in meanings[start]
            and all(phrase[k] in meanings[start + k] for k in range(1, size))
            for start in range(len(meanings) - size + 1)
        )

    def has_any(self, phrases: _Phrases) -> bool:
        present = self.present
        if not phrases.words.isdisjoint(present):
            return True
        if phrases.firsts.isdisjoint(present):
            return False
        return any(self.has(phrase) for phrase in phrases.longer if phrase[0] in present)

    def first_match(self, table: tuple[tuple[_Code, _Phrases], ...]) -> _Code | None:
        """The first code of `table` with a phrase the words say."""
        for code, phrases in table:
            if self.has_any(phrases):
                return code
        return None


def _without(words: list[str], phrase: _Phrase) -> list[str]:
    """`words` without the exact occurrences of `phrase`."""
    size, kept, start = len(phrase), [], 0
    while start < len(words):
        if tuple(words[start : start + size]) == phrase:
            start += size
        else:
            kept.append(words[start])
            start += 1
    return kept


def _yes_no(message: _Message) -> bool | None:
    if message.has_any(_STILL_SEALED):
        return True
    if message.has_any(_NO) or "pas" in message.present:
        return False
    return True if message.has_any(_YES) else None


def _number(text: str, words: list[str]) -> int | None:
    match = _LONE_NUMBER.match(text)
    if match:
        return int(match.group(1))
    for word in words:
        if word in vocabulary.ORDINALS and len(words) <= 4:
            return vocabulary.ORDINALS[word]
    return None


def _proofs(text: str) -> tuple[str, ...]:
    emails = _EMAIL.findall(text)
    postcodes = ["".join(match) for match in _POSTCODE.findall(_EMAIL.sub(" ", text))]
    return tuple(emails + postcodes)


def _tracking_refusal(text: str) -> str | None:
    """Why what looks like a tracking number attempt is not one (None when it does not look like one)."""
    candidate = "".join(re.findall(r"[0-9A-Za-z]+", text))
    if len(candidate) < 8 or sum(ch.isdigit() for ch in candidate) < 6 or len(text.split()) > 6:
        return None
    return check_tracking_number(candidate).refusal or None


def rules_intent(heard: Heard) -> str:
    """The one intent the rules read, in the order the machine's cues look at a message
    (intents as in the corpus, `tests/data/utterances/`); "other" when they read none."""
    by_command = {
        "cancel": "cancel",
        "agent": "agent",
        "withdraw": "withdrawal",
        "status": "status",
    }
    if heard.command is not None:
        return by_command.get(heard.command, "other")
    if heard.alarm or heard.wants_agent:
        return "agent"
    if heard.asks is not None:
        return f"aside:{heard.asks}"
    if heard.wants_status:
        return "status"
    if heard.reason is not None:
        return f"reason:{heard.reason}"
    if heard.yes is not None:
        return "yes" if heard.yes else "no"
    if heard.number is not None or heard.how_many is not None:
        return "item"
    return "other"


def rule_cues(heard: Heard) -> tuple[str, ...]:
    """What the rules read, as features the statistical reader learns to trust or not."""
    flags = {
        "alarm": heard.alarm,
        "agent": heard.wants_agent,
        "status": heard.wants_status,
        "greeting": heard.greeting_only,
        "done": heard.done,
        "skip": heard.skip,
        "later": heard.later,
        "question": heard.question,
        "number": heard.number is not None,
        "tracking": bool(heard.tracking_numbers),
        "order": bool(heard.order_numbers),
        "proof": bool(heard.proofs),
    }
    values = {
        "command": heard.command,
        "reason": heard.reason,
        "asks": heard.asks,
        "yes": None if heard.yes is None else str(heard.yes),
        "option": heard.option,
        "how_many": heard.how_many,
    }
    return (
        *(name for name, on in flags.items() if on),
        *(f"{name}={value}" for name, value in values.items() if value is not None),
    )
