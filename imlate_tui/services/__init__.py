"""Use cases that tie the domain rules, the database and iSAMS together."""
