"""Use cases that touch storage or Telegram."""
