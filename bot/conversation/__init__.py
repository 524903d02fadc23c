"""The conversation engine: the one way every channel (console, Telegram) runs the customer journey."""

from bot.channels.events import ChoiceIn, Event, PhotoIn, Sender, TextIn, UnsupportedIn
from bot.conversation.engine import ConversationEngine, Outcome, utc_now

__all__ = [
    "ChoiceIn",
    "ConversationEngine",
    "Event",
    "Outcome",
    "PhotoIn",
    "Sender",
    "TextIn",
    "UnsupportedIn",
    "utc_now",
]
