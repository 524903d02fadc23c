"""An agent's message in a customer's topic, and what a command can do with it: speak to the agents
or the customer, audit, fire the conversation's agents' triggers or one of the case's events."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.agents.card import STATUS_WORDS
from bot.agents.handoff import add_to_topic
from bot.agents.notes import NEXT_COMMAND
from bot.channels.payloads import queue_replies
from bot.conversation.engine import ConversationEngine
from bot.storage.audit import record_audit
from bot.storage.models import AgentTopic, Conversation, ReturnCase
from flows.case_lifecycle import CaseAnswer
from flows.conversation_world import Reply

# A settled conversation stays where it is when an agent decides; any other is settled by it.
SETTLED_STATES = ("done",)


@dataclass(frozen=True, slots=True)
class AgentMessage:
    """A message an agent wrote in a topic of the agents' group.

    `file_path` is a document or photo the agent sent, as stored (a return label, for instance).
    """

    user_id: int
    name: str
    thread_id: int | None
    message_id: int
    text: str
    has_media: bool
    file_path: str | None = None


@dataclass
class AgentContext:
    session: AsyncSession
    engine: ConversationEngine
    message: AgentMessage
    topic: AgentTopic
    conversation: Conversation
    case: ReturnCase | None
    now: datetime
    inbox_id: int | None

    @property
    def actor(self) -> str:
        return f"agent:{self.message.user_id} {self.message.name}"[:200]

    def tell_agents(self, text: str) -> None:
        add_to_topic(self.session, self.topic, {"kind": "note", "text": text}, self.topic.case_id)

    def tell_customer(self, template: str, **values: Any) -> None:
        queue_replies(
            self.session,
            self.conversation.channel,
            self.conversation.chat_id,
            [Reply(template, values)],
            reference=self.case.reference if self.case else None,
            case_id=self.case.id if self.case else None,
            inbox_id=self.inbox_id,
        )

    async def audit(
        self, action: str, before: dict[str, Any] | None, after: dict[str, Any] | None
    ) -> None:
        entity_id = self.case.reference if self.case and self.case.reference else str(self.topic.id)
        await record_audit(self.session, self.actor, action, "case", entity_id, before, after)

    async def act(self, trigger: str) -> None:
        """The conversation's agents' trigger (take over, hand back, settle)."""
        await self.engine.act_in(
            self.session,
            self.conversation.channel,
            self.conversation.chat_id,
            trigger,
            inbox_id=self.inbox_id,
        )

    async def case_event(
        self, trigger: str, *, action: str | None = None, **data: Any
    ) -> CaseAnswer | None:
        """One event of the topic's case, audited as `action` (`agent_<trigger>` by default); the
        agents are told when the case cannot take it now."""
        case = self.case
        if case is None:
            self.tell_agents("Aucun dossier pour ce client.")
            return None
        before = {"status": case.status}
        answer = await self.engine.lifecycle.advance(
            self.session, case, trigger, now=self.now, inbox_id=self.inbox_id, **data
        )
        if not answer.fired:
            status = STATUS_WORDS.get(before["status"], before["status"])
            hint = NEXT_COMMAND.get(before["status"])
            self.tell_agents(
                f"Impossible maintenant : le dossier est « {escaped(status)} »."
                + (f" Possible : {escaped(hint)}." if hint else "")
            )
            return None
        plain = {
            key: value if isinstance(value, bool | int | str) else str(value)
            for key, value in data.items()
            if key != "decision" and value is not None
        }
        await self.audit(action or f"agent_{trigger}", before, {"status": answer.status, **plain})
        return answer

    async def settle_conversation(self) -> None:
        """After an agent's decision, the bot follows the case with the customer again."""
        ours = self.case is not None and self.conversation.case_id == self.case.id
        if ours and self.conversation.state not in SETTLED_STATES:
            await self.act("agent_done")


def escaped(value: str) -> str:
    return html.escape(value, quote=False)
