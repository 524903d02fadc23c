"""The supplier's return-authorisation request: written for the supplier, in its language, with the
case's photos; e-mailed when e-mail is set up and the supplier has an address, else posted in the
case's topic for an agent to forward. Agents then record the answer (/accord, /desaccord).
"""

from __future__ import annotations

import html
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.agents.handoff import ALBUM_LIMIT, add_to_topic, topic_for
from bot.cases.withdrawals import ACKNOWLEDGEMENT
from bot.channels.outbox import ABANDONED, FailureHook
from bot.channels.writes import WriteGate
from bot.mail.delivery import CHANNEL as EMAIL_CHANNEL
from bot.storage.models import (
    AgentTopic,
    Customer,
    Order,
    OrderLine,
    OutboxMessage,
    Photo,
    ReturnCase,
    Shipment,
    ShopSettings,
    Supplier,
    SupplierPolicyVersion,
)
from flows.case_file import CaseFile
from messages import counted, supplier_text

PARIS = ZoneInfo("Europe/Paris")
LANGUAGES = ("fr", "en")
# The failures of one e-mail the topic hears of: the first, a few more, and giving up.
REPORTED_ATTEMPTS = frozenset({1, 5, 20})


async def request_authorisation(
    session: AsyncSession,
    case: ReturnCase,
    file: CaseFile,
    topic: AgentTopic | None,
    *,
    mail_from: str | None,
) -> None:
    """Writes the request: an e-mail outbox row, or the text and photos in the topic."""
    supplier, version = await _supplier(session, case)
    language = version.language if version is not None and version.language in LANGUAGES else "fr"
    values = await _values(session, case, file, supplier)
    subject = supplier_text(language, "authorisation_subject", values).strip()
    body = supplier_text(language, "authorisation_request", values)
    photos = list(
        (
            await session.scalars(
                select(Photo.path).where(Photo.case_id == case.id).order_by(Photo.id)
            )
        ).all()
    )
    address = version.contact_email.strip() if version is not None else ""
    name = supplier.name if supplier is not None else "le fournisseur"
    if mail_from and address:
        session.add(
            OutboxMessage(
                channel=EMAIL_CHANNEL,
                chat_id=address,
                payload={
                    "to": address,
                    "subject": subject,
                    "text": body,
                    "attachments": photos,
                    "reply_to": None,
                },
                case_id=case.id,
            )
        )
        _note(
            session,
            topic,
            case,
            f"📧 Demande d'accord de retour envoyée par e-mail à {_e(name)} &lt;{_e(address)}&gt;"
            f" ({counted(len(photos), 'photo jointe', 'photos jointes')}). Quand il répond : /accord RMA (puis l'étiquette),"
            " ou /desaccord s'il refuse.",
        )
        return
    why = (
        "l'envoi d'e-mails n'est pas configuré (RETURNBOT_SMTP_HOST)"
        if not mail_from
        else f"pas d'adresse e-mail pour ce fournisseur (/politique {supplier.code if supplier else 'CODE'} contact_email …)"
    )
    _note(
        session,
        topic,
        case,
        f"📨 <b>Demande d'accord de retour à transmettre à {_e(name)}</b>"
        + (f" &lt;{_e(address)}&gt;" if address else "")
        + f" ({why}).\n<b>Objet</b> : {_e(subject)}\n<pre>{_e(body)}</pre>\n"
        "Quand il répond : /accord RMA (puis l'étiquette), ou /desaccord s'il refuse.",
    )
    if topic is not None:
        for start in range(0, len(photos), ALBUM_LIMIT):
            chunk = photos[start : start + ALBUM_LIMIT]
            add_to_topic(session, topic, {"kind": "album", "photos": chunk}, case.id)


async def _supplier(
    session: AsyncSession, case: ReturnCase
) -> tuple[Supplier | None, SupplierPolicyVersion | None]:
    if case.policy_version_id is None:
        return None, None
    version = await session.get(SupplierPolicyVersion, case.policy_version_id)
    supplier = await session.get(Supplier, version.supplier_id) if version is not None else None
    return supplier, version


async def _values(
    session: AsyncSession, case: ReturnCase, file: CaseFile, supplier: Supplier | None
) -> dict[str, Any]:
    line = await session.get(OrderLine, case.order_line_id) if case.order_line_id else None
    order = await session.get(Order, line.order_id) if line is not None else None
    shop = await session.get(ShopSettings, 1)
    customer = await session.get_one(Customer, case.customer_id)
    shipment = await session.get(Shipment, case.shipment_id) if case.shipment_id else None
    return {
        "shop": shop.name if shop is not None else "",
        "supplier": supplier.name if supplier is not None else "",
        "reference": file.reference,
        "order": order.name if order is not None else file.order_name or "",
        "ordered_on": order.created_at.date() if order is not None and order.created_at else None,
        "sku": line.sku if line is not None else "",
        "item": file.item_name,
        "quantity": file.quantity,
        "reason": file.reason or "",
        "option": file.option or "",
        "customer": (order.shipping_name if order is not None else "") or customer.first_name,
        "place": " ".join(
            p for p in ((order.shipping_zip, order.shipping_city) if order else ()) if p
        ),
        "tracking_number": file.tracking_number or "",
        "delivered_on": shipment.delivered_at if shipment is not None else None,
    }


def failure_reporter(
    sessions: async_sessionmaker[AsyncSession], gate: WriteGate, agent_chat: str | None
) -> FailureHook:
    """Tells the case's topic when a request e-mail could not go: it is tried again (a few notes,
    not one per try), or refused for good, and then its text is in the topic to forward by hand."""

    async def report(row: OutboxMessage) -> None:
        abandoned = (row.last_error or "").startswith(ABANDONED)
        if row.case_id is None or agent_chat is None:
            return
        if not abandoned and row.attempts not in REPORTED_ATTEMPTS:
            return
        error = (row.last_error or "").removeprefix(ABANDONED)
        to = str(row.payload.get("to") or row.chat_id)
        if row.payload.get("kind") == ACKNOWLEDGEMENT:
            text = _acknowledgement_failure(to, error, abandoned=abandoned)
        elif abandoned:
            text = (
                f"⚠️ L'e-mail de demande d'accord à {_e(to)} a été refusé ({_e(error)}) et ne sera "
                "pas renvoyé. Transmettez la demande vous-même :\n"
                f"<b>Objet</b> : {_e(str(row.payload.get('subject') or ''))}\n"
                f"<pre>{_e(str(row.payload.get('text') or ''))}</pre>\n"
                "puis /accord RMA ou /desaccord selon la réponse."
            )
        else:
            when = (
                row.next_attempt_at.astimezone(PARIS).strftime("%H:%M")
                if row.next_attempt_at
                else "bientôt"
            )
            text = (
                f"⚠️ L'e-mail de demande d'accord à {_e(to)} n'est pas encore parti ({_e(error)}) ; "
                f"nouvel essai automatique vers {when} (essai n° {row.attempts}). Rien n'est perdu."
            )
        async with gate.turn(), sessions.begin() as session:
            case = await session.get(ReturnCase, row.case_id)
            if case is None:
                return
            customer = await session.get_one(Customer, case.customer_id)
            topic, _new = await topic_for(session, customer, case, agent_chat)
            add_to_topic(session, topic, {"kind": "note", "text": text}, case.id)

    return report


def _acknowledgement_failure(to: str, error: str, *, abandoned: bool) -> str:
    """A withdrawal's acknowledgement e-mail that did not go: the customer has it in the chat."""
    if abandoned:
        return (
            f"⚠️ L'accusé de réception de la rétractation n'a pas pu partir par e-mail à {_e(to)} "
            f"({_e(error)}) et ne sera pas renvoyé. Le client l'a reçu dans sa conversation ; "
            "envoyez-le-lui par e-mail vous-même si besoin."
        )
    return (
        f"⚠️ L'accusé de réception de la rétractation n'est pas encore parti par e-mail à {_e(to)} "
        f"({_e(error)}) ; nouvel essai automatique. Rien n'est perdu."
    )


def _note(session: AsyncSession, topic: AgentTopic | None, case: ReturnCase, text: str) -> None:
    if topic is not None:
        add_to_topic(session, topic, {"kind": "note", "text": text}, case.id)


def _e(value: str) -> str:
    return html.escape(value, quote=False)
