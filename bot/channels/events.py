"""What a channel hands the engine: who is writing, and what they sent (the reading half of a channel)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Sender:
    """A customer in a chat: `channel` is "telegram" or "console"; ids are strings on every channel."""

    channel: str
    chat_id: str
    external_id: str
    first_name: str = ""
    username: str = ""


@dataclass(frozen=True, slots=True)
class TextIn:
    """Typed text; a command is text starting with "/" (`/start`, `/annuler`, …)."""

    text: str


@dataclass(frozen=True, slots=True)
class ChoiceIn:
    """A pressed button: the id it was offered with (see the outbox payload's `choices`)."""

    choice_id: str


@dataclass(frozen=True, slots=True)
class PhotoIn:
    """A photo or an image sent as a file, already stored by `bot.photos.store_photo`."""

    sha256: str
    path: str
    perceptual_hash: str = ""
    source_file_id: str = ""


@dataclass(frozen=True, slots=True)
class UnsupportedIn:
    """Anything else: a sticker, a voice note, a video, a location, a contact, a non-image file…"""

    kind: str = ""


Event = TextIn | ChoiceIn | PhotoIn | UnsupportedIn
