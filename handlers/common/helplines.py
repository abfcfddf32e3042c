"""☎️ Help lines: the numbers to call in Kazakhstan (emergency services, the eGov contact
centre), for migrants and kandas, as staff keep them in the directory."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery

from bot.services.directory import DirectoryService
from handlers.filters import menu_item
from handlers.views.contacts import help_lines_text
from handlers.views.ui import back_to_menu_markup, show


async def on_help_lines(callback: CallbackQuery, directory: DirectoryService):
    await show(callback, help_lines_text(await directory.current()), back_to_menu_markup())


def build_router() -> Router:
    router = Router(name="help lines")
    router.callback_query.register(on_help_lines, menu_item("helplines"))
    return router
