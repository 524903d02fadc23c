"""The e-mail channel's sending half: outbox rows become e-mails sent over SMTP (aiosmtplib)."""
