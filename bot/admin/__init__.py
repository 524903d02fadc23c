"""What the shop owner does from Telegram: supplier policies, the shop window, statistics."""
