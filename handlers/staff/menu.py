"""/desk: the staff menu (cases, broadcasts, the directory, roles), for staff only; and
the button to it at the end of a staff member's main menu."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message, TelegramObject
from aiogram.utils.i18n import gettext as _

from bot.services.broadcasts import BroadcastService
from bot.services.cases import CaseService
from handlers.views.callbacks import BroadcastAction, BroadcastCb, DeskCb
from handlers.views.desk import refuse
from handlers.views.ui import column, desk_check, show, user_id_of


class DeskEntry(BaseMiddleware):
    """Lets the main menu ask whether its reader may open the desk (asked only when a main
    menu is shown: an admin is a set lookup, an attaché one cached read of the roles)."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        cases: CaseService | None = data.get("cases")
        desk_check.set(cases.is_staff if cases is not None else None)
        return await handler(event, data)


async def on_desk(event: Message | CallbackQuery, broadcasts: BroadcastService):
    authority = await broadcasts.authority(user_id_of(event))
    if authority is None:
        await refuse(event, "/desk")
        return
    lines = [
        _("🧑‍💼 <b>Staff desk</b>"),
        _("/cases — open labour attaché cases"),
        _("/broadcast — send an announcement to users"),
        _("/broadcasts — scheduled, running and past broadcasts"),
        _("/directory — keep the contacts users call current"),
    ]
    if authority.admin:
        lines.append(_("/staff — who serves which country"))
        lines.append(_("/questions — what users asked that the bot could not answer"))
        lines.append(_("/facts — keep the figures and dated rules current"))
        lines.append(_("/notices — notices on top of the guides"))
    markup = column(
        [
            (_("📣 Broadcast"), BroadcastCb(action=BroadcastAction.new)),
            (_("📜 Broadcasts"), BroadcastCb(action=BroadcastAction.list)),
        ]
    )
    await show(event, "\n".join(lines), markup, edit=False)


def build_router() -> Router:
    router = Router(name="staff menu")
    router.message.register(on_desk, Command("desk"))
    router.callback_query.register(on_desk, DeskCb.filter())
    return router
