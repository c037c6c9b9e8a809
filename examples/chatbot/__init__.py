"""A tiny chat bot: the example package docgen documents out of the box.

It talks to any OpenAI-compatible endpoint, keeps a bounded conversation history and prints the
answer as it streams in.
"""

from chatbot.history import History, Message

__all__ = ["History", "Message"]
