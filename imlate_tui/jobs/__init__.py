"""The scheduled jobs: their table, the runner that records each run, the scheduler and its lock."""
