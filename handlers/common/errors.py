"""Errors: logged without personal data; the user gets an apology in their language."""

from __future__ import annotations

import logging

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError, TelegramNetworkError
from aiogram.types import ErrorEvent
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.i18n import locale_for, speaking
from bot.metrics import ERRORS
from bot.services.users import UserService

log = logging.getLogger("joldas.errors")


async def on_error(event: ErrorEvent, bot: Bot, users: UserService, i18n: I18n) -> bool:
    update = event.update
    user = getattr(update.event, "from_user", None)
    if isinstance(event.exception, TelegramForbiddenError):
        log.info("update %s: the user blocked the bot; marked inactive", update.update_id)
        if user is not None and await users.get(user.id) is not None:
            await users.save(user.id, is_active=False)
        return True
    ERRORS.labels(update.event_type).inc()
    log.error(
        "update %s (%s) failed: %s",
        update.update_id,
        update.event_type,
        type(event.exception).__name__,
        exc_info=event.exception,
    )
    if user is None:
        return True
    locale = locale_for(await users.get(user.id), user, i18n.default_locale)
    with speaking(i18n, locale):
        text = _(
            "😔 Sorry, something went wrong on my side. Nothing you entered is lost: "
            "please try again, or open /menu."
        )
    try:
        await bot.send_message(user.id, text)
    except (TelegramAPIError, TelegramNetworkError) as error:
        log.warning("could not apologise for update %s: %s", update.update_id, error)
    return True


def build_router() -> Router:
    router = Router(name="errors")
    router.errors.register(on_error)
    return router
