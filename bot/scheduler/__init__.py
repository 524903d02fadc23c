"""The persistent scheduler: a case's reminders, alerts and follow-up, kept in the database.

`jobs.schedule` writes a job in the transaction that decided it; `runner.Scheduler` claims each due
job in the transaction that runs it, so a job fires once whatever crashes or restarts, and nothing
is held in memory (no timers to lose).
"""
