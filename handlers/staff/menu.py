"""/desk: the staff menu (cases, broadcasts, the directory, roles), for staff only."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.services.broadcasts import BroadcastService
from handlers.views.callbacks import BroadcastAction, BroadcastCb
from handlers.views.desk import refuse
from handlers.views.ui import column


async def on_desk(message: Message, broadcasts: BroadcastService):
    authority = await broadcasts.authority(message.chat.id)
    if authority is None:
        await refuse(message, "/desk")
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
    await message.answer("\n".join(lines), reply_markup=markup)


def build_router() -> Router:
    router = Router(name="staff menu")
    router.message.register(on_desk, Command("desk"))
    return router
