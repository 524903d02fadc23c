"""E-mail, the channel the shop writes to suppliers on: the return-authorisation request (`requests`),
and the sending half (`message`, `delivery`): outbox rows become e-mails sent over SMTP (aiosmtplib).
"""
