"""The case's lifecycle in the shell: read a case into its `CaseFile`, run the machine for any actor,
and apply what it answers (the case row, the replies to the customer, the agents' topic, the
scheduler, the supplier's e-mail). Every actor goes through `lifecycle.Lifecycle`.
"""
