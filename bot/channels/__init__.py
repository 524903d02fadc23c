"""What every channel shares: updates in, payloads out, whatever carries them.

A channel is one way people and the shop reach each other. Its two halves:

- reading: an update recorded in the inbox becomes the engine's events, handled in order per chat by
  `dispatch.Dispatcher` through the channel's `dispatch.UpdateHandler` (prepare, handle, handled);
- sending: an outbox row's payload goes out through the channel's `outbox.Delivery`, one chat at a
  time, paced (`pacing`), retried and marked by `outbox.OutboxWorker`.

`lanes` keeps each chat's work in order; `writes` lets in-process writers take turns on SQLite.
Telegram (`bot.telegram`) implements both halves; e-mail (`bot.mail`) only sends.
"""
