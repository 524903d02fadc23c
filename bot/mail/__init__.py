"""E-mail: the supplier's return-authorisation requests (`requests`), sent as an outbox channel."""
