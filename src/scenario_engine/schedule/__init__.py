"""Scheduled runs: schedules (once, in, every, cron) kept in a small SQLite store, and
the foreground scheduler that fires them, survives restarts and reports what it missed."""
