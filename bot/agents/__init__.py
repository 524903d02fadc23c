"""The agents' side of the shop: cases handed to a person in the agents' forum group, and their commands."""
