"""The Telegram channel: updates in through a durable inbox, replies out through a durable outbox."""
