"""The world the core needs for one event, read from the database before the machine runs.

Parcels are looked up for the conversation's tracking number and every number in the message;
ownership is checked here against the order's postcode or e-mail, so no proof reaches the core.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import shop_facts
from bot.cases.files import load_file
from bot.channels.events import Event, PhotoIn
from bot.photos import near_copies
from bot.storage.models import (
    SHOP_SETTINGS_ID,
    UNREAD,
    Order,
    OwnershipMiss,
    Photo,
    ReturnCase,
    ShopSettings,
    Unread,
)
from flows.conversation_world import Contact, Facts, Item, Parcel, World
from flows.facts import ShopPolicy
from flows.understanding import Heard

PARIS = ZoneInfo("Europe/Paris")


# Wrong postcodes or e-mails before a parcel, or a customer, is locked out (handed to a person).
OWNERSHIP_WINDOW = timedelta(hours=24)
MISSES_PER_PARCEL = 5
MISSES_PER_CUSTOMER = 10


@dataclass
class Looked:
    """The world, plus what the engine keeps to write the case (policy version ids, shipments)
    and whether this message's proof of ownership failed (the engine records the miss)."""

    world: World
    policy_versions: dict[int, int] = field(default_factory=dict)  # order line id -> version id
    shipments: dict[str, int] = field(default_factory=dict)  # tracking number -> shipment id
    ownership_missed: str | None = None  # the tracking number a wrong proof was given for
    shop_name: str = ""  # the addressee of the return addresses the customer reads
    settings: ShopSettings | None = None  # the shop's settings as read for this event


async def look_up(
    session: AsyncSession,
    *,
    facts: Facts,
    heard: Heard,
    event: Event | None,
    case: ReturnCase | None,
    customer_id: int,
    first_name: str,
    now: datetime,
    channel: str = "",
    settings: ShopSettings | Unread | None = UNREAD,
    asking_ownership: bool = False,
    withdrawing: bool = False,
    sends_email: bool = False,
) -> Looked:
    """Reads everything the core may need for this event (`settings`: unless the caller has).

    `withdrawing`: a withdrawal may be declared; the order's name and e-mail are then looked up,
    once the customer has proven the order is theirs. `sends_email`: the shop's e-mail is set up.

    At the ownership step (`asking_ownership`), only the message's first postcode or e-mail is tried
    (a list of postcodes is one guess, not many); a wrong one is counted with the recent others for
    the parcel and the customer, which lock the check out past their limits.
    """
    if settings is UNREAD:
        settings = await session.get(ShopSettings, SHOP_SETTINGS_ID)
    shop = await _shop_policy(session) if settings else None
    numbers = list(dict.fromkeys([*heard.tracking_numbers, *filter(None, [facts.tracking_number])]))
    order = await _order_parcels(session, facts) if not numbers else ()
    numbers = numbers or list(order)
    # The parcel the request is about: the one known before, or else the first one named (or the
    # first of the order named without a tracking number: its postcode is the same).
    target = facts.tracking_number or next(iter([*heard.tracking_numbers, *order]), None)
    looked = Looked(
        World(today=now.astimezone(PARIS).date(), now=now),
        shop_name=settings.name if settings else "",
        settings=settings,
    )
    parcels: dict[str, Parcel] = {}
    proves = False
    contact = None
    for number in numbers:
        found = await shop_facts.find_parcel(session, number)
        if found is None:
            continue
        parcels[found.tracking_number] = await _parcel(session, found, case, looked)
        looked.shipments[found.tracking_number] = found.shipment_id
        if found.tracking_number == target:
            # One guess a message: its first postcode or e-mail, else one given before the parcel.
            proofs = [*heard.proofs, *facts.early_proofs[:1], heard.text]
            if facts.found_by == "email":  # the e-mail named the order: it proves nothing more
                proofs = [proof for proof in proofs if "@" not in proof]
            proves = bool(proofs) and found.owned_by(proofs[0])
            if withdrawing and (facts.owner_verified or proves):
                contact = await _contact(session, found.order_id)
    given = target or (facts.order_key[:64] if facts.order_key else None)
    # A proof given early (with the number, or before it) is a guess too, counted like the others.
    early = (
        not asking_ownership
        and not facts.owner_verified
        and bool(heard.proofs or facts.early_proofs)
    )
    tried = (
        ((asking_ownership and bool(heard.proofs)) or early) and given is not None and not proves
    )
    if tried:
        looked.ownership_missed = given
    # Only an ownership check can be locked (for a parcel, or an order named without one).
    checking = bool(numbers or facts.order_key) and not facts.owner_verified
    looked.world = World(
        today=looked.world.today,
        now=now,
        shop=shop,
        parcels=parcels,
        proves_ownership=proves,
        order_parcels=order,
        locked_numbers=frozenset(
            [
                n
                for n in numbers
                if checking and await _parcel_locked(session, n, now, tried=tried and n == given)
            ]
        ),
        customer_locked=checking and await _customer_locked(session, customer_id, now, tried=tried),
        duplicate_photo=await _duplicate(session, event, customer_id),
        photo_known=await _known_photo(session, event, case),
        first_name=first_name,
        channel=channel,
        opening_hours=settings.opening_hours if settings else "",
        case=await load_file(session, case) if case is not None else None,
        contact=contact,
        sends_email=sends_email,
    )
    return looked


async def _contact(session: AsyncSession, order_id: int) -> Contact | None:
    order = await session.get(Order, order_id)
    return Contact(order.shipping_name.strip(), order.email.strip()) if order else None


async def _order_parcels(session: AsyncSession, facts: Facts) -> tuple[str, ...]:
    """The parcels of the order the customer named without a tracking number (« #1003 », e-mail)."""
    if facts.tracking_number or not facts.order_key:
        return ()
    if facts.found_by == "email":
        return tuple(await shop_facts.order_tracking_numbers(session, email=facts.order_key))
    return tuple(await shop_facts.order_tracking_numbers(session, order_name=facts.order_key))


async def _parcel_locked(session: AsyncSession, number: str, now: datetime, *, tried: bool) -> bool:
    """Whether the parcel has had too many wrong proofs lately, whoever gave them (this one too)."""
    recent = select(func.count()).where(
        OwnershipMiss.at >= now - OWNERSHIP_WINDOW, OwnershipMiss.tracking_number == number
    )
    return (await session.scalar(recent) or 0) + tried >= MISSES_PER_PARCEL


async def _customer_locked(
    session: AsyncSession, customer_id: int, now: datetime, *, tried: bool
) -> bool:
    """Whether the customer has given too many wrong proofs lately, whatever the parcels."""
    recent = select(func.count()).where(
        OwnershipMiss.at >= now - OWNERSHIP_WINDOW, OwnershipMiss.customer_id == customer_id
    )
    return (await session.scalar(recent) or 0) + tried >= MISSES_PER_CUSTOMER


async def _shop_policy(session: AsyncSession) -> ShopPolicy | None:
    try:
        return await shop_facts.shop_policy(session)
    except shop_facts.MissingShopData:
        return None


async def _parcel(
    session: AsyncSession, found: shop_facts.Parcel, case: ReturnCase | None, looked: Looked
) -> Parcel:
    items = []
    for item in found.items:
        policy = None
        try:
            if (
                case is not None
                and case.order_line_id == item.order_line_id
                and case.policy_version_id
            ):
                # A case keeps the policy version it was first decided with.
                policy = await shop_facts.policy_version(session, case.policy_version_id)
                looked.policy_versions[item.order_line_id] = case.policy_version_id
            else:
                in_force = await shop_facts.policy_in_force(session, item)
                policy = in_force.policy
                looked.policy_versions[item.order_line_id] = in_force.version_id
        except shop_facts.MissingShopData:
            policy = None
        items.append(
            Item(
                line_id=item.order_line_id,
                name=item.name,
                sku=item.sku,
                price=item.price,
                quantity=item.quantity,
                category=item.category,
                policy=policy,
                open_case=await _open_case(session, item.order_line_id, case),
                digital_waiver=item.digital_waiver,
                unit_paid=item.unit_paid,
            )
        )
    return Parcel(
        tracking_number=found.tracking_number,
        order_name=found.order_name,
        delivered_on=found.delivered_on,
        last_parcel_delivered_on=found.last_parcel_delivered_on,
        items=tuple(items),
        order_items_value=found.order_items_value,
        order_delivery=found.order_delivery,
        order_in_transit=found.order_in_transit,
        holiday_region=found.holiday_region,
    )


async def _open_case(session: AsyncSession, line_id: int, case: ReturnCase | None) -> str | None:
    """The reference of another open case on this order line, if any."""
    query = select(ReturnCase.reference).where(
        ReturnCase.order_line_id == line_id, ReturnCase.closed_at.is_(None)
    )
    if case is not None:
        query = query.where(ReturnCase.id != case.id)
    return (await session.execute(query.limit(1))).scalar_one_or_none()


async def _known_photo(session: AsyncSession, event: Event | None, case: ReturnCase | None) -> bool:
    """Whether this very photo is already in the conversation's case (sent twice)."""
    if not isinstance(event, PhotoIn) or case is None:
        return False
    known = select(Photo.id).where(Photo.case_id == case.id, Photo.sha256 == event.sha256)
    return (await session.execute(known.limit(1))).first() is not None


async def _duplicate(session: AsyncSession, event: Event | None, customer_id: int) -> bool:
    """Whether the photo (or a near-copy) is already in another customer's case."""
    if not isinstance(event, PhotoIn):
        return False
    rows = await session.execute(
        select(Photo.sha256, Photo.perceptual_hash)
        .join(ReturnCase, ReturnCase.id == Photo.case_id)
        .where(ReturnCase.customer_id != customer_id)
    )
    return any(
        sha256 == event.sha256 or near_copies(fingerprint, event.perceptual_hash)
        for sha256, fingerprint in rows
    )
