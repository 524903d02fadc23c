"""The pure core: the conversation machine as data and the policy and law rules as plain functions.

Nothing here knows Telegram, the database or the clock ("today" is always an argument).
"""
