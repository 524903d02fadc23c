"""Golden conversations: each row of decisions.csv played through the engine as a customer would.

A third of them are typed as free text with typos and no accents; the others use the buttons.
Each conversation is written as a readable transcript under `transcripts/`.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation import Outcome
from bot.photos import store_photo
from tests.conversation_helpers import POSTCODES, EngineChat, jpeg

TRANSCRIPTS = Path(__file__).resolve().parent / "transcripts"

# Free-text conversations: the first message, then how the customer words each later answer.
TYPED: dict[str, dict[str, str]] = {
    "D02": {"first": "bjr, la casquete est trop petitte 😕 suivi ew 1127 2041 3fr", "photos": "non merci", "option": "je la garde", "variant": "en L svp"},
    "D04": {"first": "je veux me retracter, les pinceaux ne me plaisent pas", "seal": "non ils ont ete ouverts"},
    "D07": {"first": "la lampe est trop grande pour ma table de nuit"},
    "D08": {"first": "Bonjour, j'ai reçu la lampe CASSÉE 😡 numéro 6A15602676300", "done": "voila c'est tout", "option": "un echange svp"},
    "D10": {"first": "le chargeur est arrivé tout abimé LX123456785CN", "quantity": "un seul", "done": "termine", "option": "je le garde"},
    "D13": {"first": "jamais recu mon colis 6A15602676300 !!"},
    "D16": {"first": "la casquette me plait pas finalement EW112720413FR", "photos": "pas de photo", "option": "remboursement", "confirm": "oui"},
}  # fmt: skip


@dataclass
class Golden:
    """One scripted customer and the transcript of what was said."""

    row: dict[str, str]
    chat: EngineChat
    photos_dir: Path
    lines: list[str] = field(default_factory=list)
    restart_at: str | None = None
    restart: async_sessionmaker[AsyncSession] | None = None
    restarted: bool = False

    @property
    def typed(self) -> dict[str, str] | None:
        return TYPED.get(self.row["id"])

    async def play(self) -> Outcome:
        """Answers every question until the conversation rests (done, declined or handover)."""
        typed = self.typed
        if typed:
            await self._say(typed["first"])
        else:
            await self._say("/start")
        for _ in range(15):
            self._maybe_restart()
            if not await self._answer(self.chat.state):
                break
        assert self.chat.last is not None
        return self.chat.last

    async def _answer(self, state: str) -> bool:
        typed, row = self.typed, self.row
        if state == "ask_reason":
            await (
                self._say("c'est un probleme de taille")
                if typed
                else self._press(f"reason:{row['reason']}")
            )
        elif state == "ask_tracking":
            number = row["tracking_number"]
            await self._say(_spaced(number) if typed else number)
        elif state == "ask_ownership":
            await self._say(POSTCODES[row["tracking_number"]])
        elif state == "ask_quantity":  # two chargers received, one concerned
            await (self._say(typed["quantity"]) if typed else self._press("quantity:1"))
        elif state == "ask_seal":
            intact = row["seal_intact"] == "true"
            await (
                self._say(typed["seal"])
                if typed
                else self._press(f"seal:{'yes' if intact else 'no'}")
            )
        elif state == "ask_photos":
            await self._photos()
        elif state == "ask_option":
            first = row["options"].split("|")[0]
            await (self._say(typed["option"]) if typed else self._press(f"option:{first}"))
        elif state == "ask_new_variant":
            await self._say(typed["variant"] if typed else "L")
        elif state == "confirm_withdrawal":
            await (self._say(typed["confirm"]) if typed else self._press("withdrawal:confirm"))
        else:
            return False
        return True

    async def _photos(self) -> None:
        typed = self.typed or {}
        if self.row["photos"] == "optional":
            await (self._say(typed["photos"]) if "photos" in typed else self._press("photos:skip"))
            return
        stored = store_photo(jpeg(shade=int(self.row["id"][1:]) * 11), self.photos_dir)
        self.lines.append("Client : 📷 (photo)")
        await self._record(
            await self.chat.photo(stored.path, stored.sha256, stored.perceptual_hash)
        )
        await (self._say(typed["done"]) if "done" in typed else self._press("photos:done"))

    async def _say(self, text: str) -> None:
        self.lines.append(f"Client : {text}")
        await self._record(await self.chat.say(text))

    async def _press(self, choice_id: str) -> None:
        labels = {c[0]: c[1] for m in self.chat.received for c in m["choices"]}  # type: ignore[attr-defined]
        self.lines.append(f"Client : [{labels.get(choice_id, choice_id)}]")
        await self._record(await self.chat.press(choice_id))

    async def _record(self, outcome: Outcome) -> None:
        for message in outcome.messages:
            self.lines.extend(_shown(message))

    def _maybe_restart(self) -> None:
        """A new engine on the same database: what a crash and a restart look like."""
        if self.restart and not self.restarted and self.chat.state == self.restart_at:
            self.chat.sessions = self.restart
            self.restarted = True

    def transcript(self) -> str:
        row = self.row
        mode = "texte libre" if self.typed else "boutons"
        head = f"# {row['id']} — {row['reason']}, colis {row['tracking_number']}, le {row['today']} ({mode})"
        return "\n".join([head, "", *self.lines]) + "\n"


def _spaced(number: str) -> str:
    """A tracking number as typed on a phone: lower case, in groups of four."""
    return " ".join(number.lower()[i : i + 4] for i in range(0, len(number), 4))


def _shown(message: dict[str, object]) -> list[str]:
    text = html.unescape(re.sub(r"</?b>", "", str(message["text"])))
    lines = text.splitlines() or [""]
    shown = [
        f"Boutique : {lines[0]}",
        *(f"           {line}" if line else "" for line in lines[1:]),
    ]
    buttons = " ".join(f"[{label}]" for _, label in message["choices"])  # type: ignore[attr-defined]
    return shown + ([f"           {buttons}"] if buttons else [])


def new_golden(
    row: dict[str, str], sessions: async_sessionmaker[AsyncSession], photos_dir: Path
) -> Golden:
    chat = EngineChat(  # what a customer reads on Telegram
        sessions,
        date.fromisoformat(row["today"]),
        name=f"client-{row['id'].lower()}",
        channel="telegram",
    )
    return Golden(row, chat, photos_dir)
