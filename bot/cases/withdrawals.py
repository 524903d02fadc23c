"""A withdrawal's declaration kept for good, and its acknowledgement e-mailed (L221-21: on a durable
medium; a bot can edit its messages, an e-mail it sent stays as it was).

`keep` writes the record in the transaction of the event that sent or declined the declaration. It
only ever inserts: a declaration already kept (the same case, begun at the same moment) is left as it
was, and nothing is e-mailed again. The acknowledgement goes as an e-mail outbox row, sent by the
e-mail worker after the commit, as the supplier's request does.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels.payloads import payload
from bot.mail.addresses import mailbox
from bot.mail.delivery import CHANNEL as EMAIL_CHANNEL
from bot.storage.models import OutboxMessage, ReturnCase, WithdrawalRecord
from flows.events import WithdrawalRecorded

# The e-mail outbox rows of this kind are acknowledgements (their failures are told as such).
ACKNOWLEDGEMENT = "withdrawal_acknowledgement"
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True, slots=True)
class Kept:
    """A declaration just kept; `emailed_to`: where its acknowledgement is e-mailed, if anywhere."""

    emailed_to: str | None


async def keep(
    session: AsyncSession, case: ReturnCase, event: WithdrawalRecorded, *, mail_from: str | None
) -> Kept | None:
    """Keeps the declaration, and e-mails the acknowledgement of one sent (when e-mail is set up and
    the address is one); None when it was kept already (nothing is written)."""
    text = payload(event.reply, case.reference)["text"] if event.reply is not None else ""
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    upsert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        upsert(WithdrawalRecord)
        .values(
            case_id=case.id,
            customer_id=case.customer_id,
            outcome=event.outcome,
            started_at=event.started_at,
            sent_at=event.at,
            name=event.name[:200],
            order_name=event.order[:64],
            item=event.item,
            email=event.email,
            text=text,
        )
        .on_conflict_do_nothing(index_elements=["case_id", "started_at"])
        .returning(WithdrawalRecord.id)
    )
    if (await session.execute(statement)).first() is None:
        return None
    address = event.email or ""
    if event.outcome != "sent" or not mail_from or mailbox(address) is None:
        return Kept(emailed_to=None)
    session.add(acknowledgement_email(case, address, text))
    return Kept(emailed_to=address)


def acknowledgement_email(case: ReturnCase, address: str, text: str) -> OutboxMessage:
    """The acknowledgement as an e-mail outbox row: the same words as on the channel, as plain text."""
    plain = html.unescape(_TAG.sub("", text)).strip()
    subject, _, _ = plain.partition("\n")
    return OutboxMessage(
        channel=EMAIL_CHANNEL,
        chat_id=address[:64],
        payload={
            "kind": ACKNOWLEDGEMENT,
            "to": address,
            "subject": subject,
            "text": plain + "\n",
            "attachments": [],
            "reply_to": None,
        },
        case_id=case.id,
    )
