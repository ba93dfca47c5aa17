"""Pure rules, no I/O: sign-in/out, lateness, the writeback decision, the sync hash."""
