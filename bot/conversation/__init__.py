"""The conversation engine: the one way every channel (console, Telegram) runs the customer journey."""

from bot.conversation.engine import ConversationEngine, Outcome, utc_now
from bot.conversation.events import ChoiceIn, Event, PhotoIn, Sender, TextIn, UnsupportedIn

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
