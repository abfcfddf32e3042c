"""/profile, /privacy and /delete: what is stored, why, and removing it."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n, ngettext
from aiogram.utils.i18n import gettext as _

from bot.services.users import Profile, UserService
from handlers.callbacks import DeleteCb, MenuCb, ProfileCb
from handlers.onboarding import Onboarding, ask_country, ask_role, choose_language_line
from handlers.ui import (
    back_to_menu_markup,
    column,
    language_markup,
    profile_screen,
    show,
    show_menu,
)


def privacy_text() -> str:
    return _(
        "<b>Your data and privacy</b>\n"
        "I store only what the guides need:\n"
        "• your Telegram ID, to answer you;\n"
        "• your language, to speak it;\n"
        "• who you are and your citizenship or country of work, "
        "to show the rules that apply to you;\n"
        "• your time zone, to remind you at a sensible hour;\n"
        "• the step of an unfinished dialogue, so nothing is lost if the bot restarts.\n\n"
        "I never ask for passport numbers and never track your location. "
        "I do not pass your data to anyone.\n"
        "/profile shows everything stored; /delete removes it all at once."
    )


def delete_confirmation() -> tuple[str, InlineKeyboardMarkup]:
    buttons = column(
        [
            (_("🗑 Yes, delete everything"), DeleteCb(confirm=True)),
            (_("No, keep my data"), DeleteCb(confirm=False)),
        ]
    )
    text = _(
        "Delete everything I store about you? Your profile and unfinished dialogues "
        "will be removed. This cannot be undone."
    )
    return text, buttons


async def on_profile(event: Message | CallbackQuery, profile: Profile | None):
    await show(event, *profile_screen(profile))


async def on_privacy(message: Message):
    await message.answer(privacy_text(), reply_markup=back_to_menu_markup())


async def on_delete_command(message: Message):
    await show(message, *delete_confirmation())


async def on_profile_action(
    callback: CallbackQuery, callback_data: ProfileCb, state: FSMContext, profile: Profile | None
):
    action = callback_data.action
    if action == "privacy":
        await show(callback, privacy_text(), back_to_menu_markup())
    elif action == "delete":
        await show(callback, *delete_confirmation())
    elif action == "language":
        i18n = I18n.get_current()
        await show(callback, choose_language_line(i18n), language_markup(i18n.current_locale))
    elif action == "role":
        await state.set_state(Onboarding.role)
        await state.set_data({"flow": "profile"})
        await ask_role(callback, state)
    elif action in ("citizenship", "abroad"):
        await state.set_state(Onboarding.country)
        await state.set_data({"flow": "profile", "field": action})
        await ask_country(callback, state)
    else:
        await show_menu(callback, profile, _("This button is out of date."))


async def on_delete(
    callback: CallbackQuery, callback_data: DeleteCb, users: UserService, profile: Profile | None
):
    if not callback_data.confirm:
        await show_menu(callback, profile, _("Nothing was deleted."))
        return
    removed = await users.delete(callback.from_user.id)  # conversations included
    text = ngettext(
        "🗑 Done: I deleted everything I stored about you ({count} record). "
        "If you write again, I will start from scratch.",
        "🗑 Done: I deleted everything I stored about you ({count} records). "
        "If you write again, I will start from scratch.",
        removed,
    ).format(count=removed)
    await show(callback, text)


def build_router() -> Router:
    router = Router(name="profile")
    router.message.register(on_profile, Command("profile"))
    router.message.register(on_privacy, Command("privacy"))
    router.message.register(on_delete_command, Command("delete"))
    router.callback_query.register(on_profile, MenuCb.filter(F.item == "profile"))
    router.callback_query.register(on_profile_action, ProfileCb.filter())
    router.callback_query.register(on_delete, DeleteCb.filter())
    return router
