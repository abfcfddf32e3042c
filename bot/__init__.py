"""Joldas: a Telegram bot for people who move across Kazakhstan's borders."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LOCALES_DIR = PROJECT_ROOT / "locales"
LOCALES = ("kk", "ru", "en")
