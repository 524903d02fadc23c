"""Test factories for the conversation: the pure core driven like a customer, and the engine on a database."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from PIL import Image as PILImage
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation import ChoiceIn, ConversationEngine, Event, Outcome, PhotoIn, Sender, TextIn
from flows.case_file import CaseFile
from flows.case_lifecycle import CaseAnswer, advance, follow, with_request
from flows.conversation import act, respond
from flows.conversation_world import Answer, Contact, Facts, Item, Parcel, Reply, Standing, World
from flows.events import CaseOpened
from flows.events import Event as DomainEvent
from flows.facts import ShopPolicy
from flows.understanding import Heard, from_choice, understand
from tests.flows.example_shop import DEMO_DATA, load_example_shop

SHOP = load_example_shop()
SHOP_NAME = "Maison Lumière"  # the example shop's [shop] name: the addressee customers read
OPENING_HOURS = "du lundi au vendredi, de 9 h à 18 h"


def _postcodes() -> dict[str, str]:
    with (DEMO_DATA / "orders_export.csv").open(encoding="utf-8", newline="") as file:
        zips = {
            row["Name"]: row["Shipping Zip"] for row in csv.DictReader(file) if row["Shipping Zip"]
        }
    with (DEMO_DATA / "shipments.csv").open(encoding="utf-8", newline="") as file:
        return {row["tracking_number"]: zips[row["order"]] for row in csv.DictReader(file)}


POSTCODES = _postcodes()


def example_parcel(tracking_number: str) -> Parcel | None:
    """A parcel of the example shop, as the shell would hand it to the core."""
    items = [(sku, item) for (number, sku), item in SHOP.items.items() if number == tracking_number]
    if not items:
        return None
    delivered = items[0][1].delivered_on
    return Parcel(
        tracking_number=tracking_number,
        order_name="#1000",
        delivered_on=delivered,
        last_parcel_delivered_on=delivered,
        items=tuple(
            Item(
                line_id=index,
                name=sku,
                sku=sku,
                price=item.price,
                quantity=1,
                category=item.category,
                policy=item.supplier,
            )
            for index, (sku, item) in enumerate(items, 1)
        ),
        order_items_value=items[0][1].order_items_value,
        order_delivery=items[0][1].order_delivery,
    )


@dataclass
class PureChat:
    """The core alone, fed as a customer would type, with the example shop as its world.

    The conversation's events drive its case's lifecycle as the engine does (`follow`); `case_event`
    plays an agent, an import or the scheduler on that case.
    """

    today: date
    parcels: dict[str, Parcel] = field(default_factory=dict)  # besides the example shop's
    channel: str = "telegram"
    shop: ShopPolicy | None = None  # the example shop's settings unless given
    standing: Standing = field(default_factory=lambda: Standing("new", Facts()))
    case: CaseFile | None = None
    said: list[Reply] = field(default_factory=list)
    last: Answer | None = None
    cases_opened: int = 0
    last_case_events: list[DomainEvent] = field(
        default_factory=list
    )  # what the case's lifecycle told
    moment: datetime | None = None  # the clock (09:30 UTC on `today` unless set)
    contact: Contact = field(
        default_factory=lambda: Contact("Camille Martin", "camille@example.fr")
    )
    sends_email: bool = False

    def say(self, text: str) -> list[Reply]:
        return self._send(understand(text), text)

    def press(self, choice_id: str) -> list[Reply]:
        return self._send(from_choice(choice_id), "")

    def photo(self, *, duplicate: bool = False, known: bool = False) -> list[Reply]:
        """A photo; `known`: the same one as a photo already sent in this case."""
        return self._send(Heard(photo=True), "", duplicate=duplicate, known=known)

    def agent(self, trigger: str) -> list[Reply]:
        """An agents' trigger on the conversation (take over, hand back, settle)."""
        return self._run(lambda world: act(self.standing, world, trigger), Heard(), "")

    def case_event(self, trigger: str, **data: object) -> CaseAnswer:
        """An agent's command, an import or the scheduler on the conversation's case."""
        assert self.case is not None
        answer = advance(
            self.case, trigger, today=self.today, mediator=(self.shop or SHOP.shop).mediator, **data
        )
        self.case = answer.file
        self.said = list(answer.replies)
        return answer

    @property
    def state(self) -> str:
        return self.standing.state

    @property
    def facts(self) -> Facts:
        return self.standing.facts

    @property
    def item(self) -> Item | None:
        return self.last.item if self.last else None

    def templates(self) -> list[str]:
        return [reply.template for reply in self.said]

    def _send(
        self, heard: Heard, text: str, *, duplicate: bool = False, known: bool = False
    ) -> list[Reply]:
        return self._run(
            lambda world: respond(self.standing, world, heard),
            heard,
            text,
            duplicate=duplicate,
            known=known,
        )

    def _run(
        self,
        fire: Callable[[World], Answer],
        heard: Heard,
        text: str,
        *,
        duplicate: bool = False,
        known: bool = False,
    ) -> list[Reply]:
        numbers = [*heard.tracking_numbers, self.facts.tracking_number or ""]
        parcels = {n: p for n in numbers if (p := self._parcel(n)) is not None}
        # As the shell does: the parcel known before, or else the first one named.
        target = self.facts.tracking_number or next(iter(parcels), None)
        given = (*heard.proofs, text.strip(), *self.facts.early_proofs)
        proves = bool(target) and POSTCODES.get(target or "") in given
        world = World(
            today=self.today,
            now=self._now(),
            shop=self.shop or SHOP.shop,
            parcels=parcels,
            proves_ownership=proves,
            duplicate_photo=duplicate,
            photo_known=known,
            first_name="Camille",
            channel=self.channel,
            opening_hours=OPENING_HOURS,
            case=self.case,
            contact=self.contact if self.facts.owner_verified or proves else None,
            sends_email=self.sends_email,
        )
        answer = fire(world)
        self.last, self.standing = answer, answer.standing
        replies = list(answer.replies)
        if any(isinstance(event, CaseOpened) for event in answer.events):
            self.cases_opened += 1
            self.case = CaseFile(reference=f"R-2026-{self.cases_opened:06d}")
        if self.case is not None:
            followed = follow(
                with_request(self.case, answer),
                answer.events,
                today=self.today,
                mediator=(self.shop or SHOP.shop).mediator,
            )
            self.case = followed.file
            replies += followed.replies
            self.last_case_events = list(followed.events)
        self.said = replies
        return self.said

    def _parcel(self, number: str) -> Parcel | None:
        return self.parcels.get(number) or example_parcel(number)

    def _now(self) -> datetime:
        return self.moment or datetime.combine(self.today, time(9, 30), tzinfo=UTC)


@dataclass
class EngineChat:
    """One customer talking to the real engine on a database; keeps every payload received."""

    sessions: async_sessionmaker[AsyncSession]
    today: date
    name: str = "camille"
    channel: str = "console"
    received: list[dict[str, object]] = field(default_factory=list)
    last: Outcome | None = None

    def engine(self) -> ConversationEngine:
        moment = datetime.combine(self.today, time(9, 30), tzinfo=UTC)
        return ConversationEngine(self.sessions, clock=lambda: moment)

    @property
    def sender(self) -> Sender:
        return Sender(self.channel, self.name, self.name, self.name.capitalize())

    async def send(self, event: Event) -> Outcome:
        self.last = await self.engine().handle(self.sender, event)
        self.received.extend(self.last.messages)
        return self.last

    async def say(self, text: str) -> Outcome:
        return await self.send(TextIn(text))

    async def press(self, choice_id: str) -> Outcome:
        return await self.send(ChoiceIn(choice_id))

    async def photo(self, path: Path, sha256: str, perceptual_hash: str = "") -> Outcome:
        return await self.send(
            PhotoIn(sha256=sha256, path=str(path), perceptual_hash=perceptual_hash)
        )

    @property
    def state(self) -> str:
        assert self.last is not None
        return self.last.state

    def texts(self) -> list[str]:
        return [str(message["text"]) for message in (self.last.messages if self.last else [])]

    def choices(self) -> list[str]:
        assert self.last is not None
        return [str(choice[0]) for m in self.last.messages for choice in m["choices"]]  # type: ignore[attr-defined]


def two_items() -> dict[str, Parcel]:
    """The lamp's parcel with the cap added: a parcel with several items."""
    lamp, cap = example_parcel("6A15602676300"), example_parcel("EW112720413FR")
    assert lamp is not None and cap is not None
    items = (lamp.items[0], replace(cap.items[0], line_id=2))
    return {"6A15602676300": replace(lamp, items=items)}


def two_chargers() -> dict[str, Parcel]:
    """The charger's parcel as ordered: two of the same line."""
    parcel = example_parcel("LX123456785CN")
    assert parcel is not None
    return {parcel.tracking_number: replace(parcel, items=(replace(parcel.items[0], quantity=2),))}


RETURN_NUMBER = "RA123456785FR"  # a valid UPU number that is no parcel of the example shop


def needing_authorisation(tracking_number: str) -> dict[str, Parcel]:
    """An example parcel whose item's return policy asks for the supplier's agreement first."""
    parcel = example_parcel(tracking_number)
    assert parcel is not None and parcel.items[0].policy is not None
    item = parcel.items[0]
    policy = replace(item.policy, authorisation_required=True)  # type: ignore[arg-type]
    return {tracking_number: replace(parcel, items=(replace(item, policy=policy),))}


# What the reader hesitates between for a vague message (« il a un souci »), most likely first.
UNSURE = ("reason:damaged", "reason:defective", "other")


def sample_replies() -> list[Reply]:
    """Replies of the core in many scenarios: every template is said at least once."""

    def chat(
        today: date,
        *steps: str,
        parcels: dict[str, Parcel] | None = None,
        shop: ShopPolicy | None = None,
    ) -> None:
        talk = PureChat(today, parcels=parcels or {}, shop=shop)
        for step in steps:
            if step.startswith("%"):  # an agents' trigger on the conversation
                talk.agent(step[1:])
            elif step.startswith("@"):  # an agent, an import or the scheduler: @trigger key=value
                trigger, *pairs = step[1:].split()
                data = dict(pair.split("=", 1) for pair in pairs)
                talk.case_event(trigger, **_case_data(data))
            elif step == "<photo>":
                talk.photo()
            elif step == "<same photo>":
                talk.photo(known=True)
            elif step == "<email set up>":  # the shop sends e-mails from now on
                talk.sends_email = True
                continue
            elif step == "<unsupported>":
                talk._send(Heard(unsupported=True), "")
            elif step in ("<too_big>", "<not_an_image>", "<lost>"):
                talk._send(Heard(unsupported=True, unsupported_kind=step.strip("<>")), "")
            elif step == "<unsure>":  # a reason the reader hesitates over
                talk._send(Heard(text="il a un souci", hesitates=UNSURE), "")
            elif step.startswith("!"):
                talk.press(step[1:])
            else:
                talk.say(step)
            talk_log.extend(talk.said)

    talk_log: list[Reply] = []
    nov5, nov20 = date(2026, 11, 5), date(2026, 11, 20)
    chat(
        nov5, "/start", "hein ?", "cassé", "pas de numéro", "6A15602676300", "euh", "75000", "69003"
    )
    chat(
        nov5,
        "<photo>",
        "!reason:damaged",
        "6A15602676300",
        "69003",
        "un échange",
        "texte",
        "<photo>",
    )
    chat(nov5, "ma lampe 6A15602676300 est cassée", "j'annule", "!continue", "j'annule", "!cancel")
    chat(
        nov5,
        "ma lampe 6A15602676300 est cassée",
        "69003",
        "<photo>",
        "<same photo>",
        "euh",
        "!photos:done",
        "bof",
    )
    chat(nov5, "cassé 6A15602676300", "69003", "<photo>", "c'est tout", "!option:refund", "merci")
    chat(nov5, "trop petit RR123456785ES", "31000", "!photos:skip", "!option:exchange", "", "XL")
    chat(nov5, "trop petit EW112720413FR", "31000", "passer", "je le garde", "bleu")
    chat(nov5, "je n'en veux plus EW112720413FR", "31000", "non", "!withdrawal:back")
    chat(date(2026, 10, 22), "/retractation", "6A15602676300", "69003", "euh", "oui")
    # The withdrawal function while an agent holds the request, acknowledged by e-mail too.
    chat(
        date(2026, 10, 20),
        "<email set up>",
        "/agent",
        "/retractation",
        "6A15602676300",
        "69003",
        "à moi.perso@exemple.org plutôt",
        "!withdrawal:confirm",
    )
    chat(
        nov20,
        "je n'en veux plus 1Z5R89390357567127",
        "44000",
        "peut-être",
        "non",
        "il a un trou, c un défaut",
    )
    chat(nov5, "taille 6A15602676300", "69003", "!photos:skip", "bonjour")
    chat(nov5, "pas reçu 6A15602676300", "69003", "/start", "allo")
    chat(nov5, "/aide", "/start", "!option:refund", "plus tard", "/annuler", "/agent")
    chat(nov5, "cassé", "<unsupported>", "<photo>", "je porte plainte")
    chat(nov5, "/start", "<unsure>", "!reason:other", "<unsure>", "!reason:defective")
    chat(nov5, "cassé 6A15602676300", "69003", "<too_big>", "<not_an_image>", "<lost>")
    chat(nov5, "cassé 6A15602676300", "69003", "le 9", "2", parcels=two_items())
    chat(
        nov20 + timedelta(days=6),
        "chargeur cassé LX123456785CN",
        "35000",
        "euh",
        "1",
        parcels=two_chargers(),
    )
    chat(date(2026, 11, 20), "pas conforme 3318810025", "33000", "<photo>", "!photos:done")
    lamp_exchanged = ("cassé 6A15602676300", "69003", "<photo>", "!photos:done", "!option:exchange")
    # /retractation after an exchange chosen under the guarantee: its refund instead.
    chat(nov5, *lamp_exchanged, "/retractation")
    # After the choice: the supplier's agreement and label, the return, the replacement, the follow-up.
    chat(
        nov5,
        *lamp_exchanged,
        "j'annule tout",
        "!continue",
        "où en est mon retour ?",
        "@authorise rma=RMA-77",
        "@attach_label label=labels/l.pdf",
        "/suivi",
        "!return:shipped",
        "pas encore",
        "6A15602676300",
        RETURN_NUMBER,
        "@receive",
        "/annuler",
        "@ship_replacement tracking_number=6C02345678901",
        "@follow_up",
        "!rating:4",
        "   ",
        "super rapide, merci",
        parcels=needing_authorisation("6A15602676300"),
    )
    chat(
        nov5,
        "le chargeur est arrivé abîmé LX123456785CN",
        "35000",
        "<photo>",
        "!photos:done",
        "!option:keep_and_replace",
        "@ship_replacement tracking_number=6C02345678901",
        "@follow_up",
        "!rating:5",
        "!comment:skip",
    )
    chat(
        nov5,
        "je n'en veux plus EW112720413FR",
        "31000",
        "passer",
        "!option:refund",
        "oui",
        f"voilà le suivi du retour {RETURN_NUMBER}",
        "@receive",
        "@refund",
        "/suivi",
        "merci",
    )
    chat(
        nov5,
        "cassé 6A15602676300",
        "69003",
        "<photo>",
        "!photos:done",
        "!option:exchange",
        "@attach_label label=labels/l.pdf",
        "@refuse motive=article_utilisé",
    )
    chat(nov5, "cassé 6A15602676300", "69003", "/agent", "%hand_back", "%take_over", "@close")
    chat(
        nov5, "cassé 6A15602676300", "69003", "<photo>", "!photos:done", "!option:refund", "!start"
    )
    chat(nov5, "cassé", "pas de numéro", "#1009", "75001", "75002")
    chat(nov5, "cassé", "6A15602676399", "69003", "6A15602676399")
    console = PureChat(nov5, channel="console")  # the terminal: the shop answers elsewhere
    console.say("cassé")
    talk_log.extend(console.say("/agent"))
    # Questions off the path, second thoughts.
    chat(
        nov5,
        "cassé 6A15602676300",
        "vous êtes un robot ?",
        "quels sont vos horaires ?",
        "c'est quoi le délai de livraison ?",
        "quand serai-je remboursé ?",
        "69003",
        "<photo>",
        "!photos:done",
        "comment ça se passe ?",
        "quand serai-je remboursé ?",
        "c'est quoi le délai de livraison ?",
        "!option:exchange",
        "c'est quoi le délai de livraison ?",
        "finalement je préfère le remboursement",
        RETURN_NUMBER,
        "non, un échange en fait",
    )
    # The law, second pass (issue 11): a parcel still on its way, sealed media, the remedies.
    lamp = example_parcel("6A15602676300")
    assert lamp is not None
    in_transit = replace(lamp, order_in_transit=True)
    chat(
        nov20,
        "je n'en veux plus 6A15602676300",
        "69003",
        "passer",
        parcels={lamp.tracking_number: in_transit},
    )
    media = replace(lamp, items=(replace(lamp.items[0], category="sealed_media"),))
    chat(
        date(2026, 10, 15),
        "je n'en veux plus 6A15602676300",
        "69003",
        "non",
        parcels={lamp.tracking_number: media},
    )
    remedies = replace(SHOP.shop, allows_repair=True, allows_price_reduction=True)
    chat(
        nov5,
        "cassé 6A15602676300",
        "69003",
        "<photo>",
        "!photos:done",
        "!remedy:repair",
        shop=remedies,
    )
    chat(nov5, "cassé 6A15602676300", "69003", "<photo>", "!photos:done", "un geste commercial ?")
    return talk_log


def _case_data(data: dict[str, str]) -> dict[str, object]:
    return {
        key: value.replace("_", " ") if key == "motive" else value for key, value in data.items()
    }


def jpeg(shade: int = 90, size: tuple[int, int] = (64, 48)) -> bytes:
    """A small JPEG picture: a gradient, so that its perceptual hash is not trivial."""
    image = PILImage.new("RGB", size)
    image.putdata(
        [
            ((x * 4 + shade) % 256, (y * 5) % 256, shade)
            for y in range(size[1])
            for x in range(size[0])
        ]
    )
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()
