"""Every command, bad input, privacy and errors, through the real dispatcher."""

from __future__ import annotations

import pytest
from aiogram.methods import SetMyCommands
from aiogram.utils.i18n import gettext as _

from bot.commands import register_commands
from handlers.common.menu import help_text
from handlers.common.profile import delete_confirmation, privacy_text
from tests.conftest import count_rows, translated


async def onboarded(user, lang_button="English", role="🌍"):
    await user.send("/start")
    await user.press(lang_button)
    await user.press(role)
    await user.press(len(user.buttons()))  # "Skip" the country question, the last button
    return user


def labels(sent):
    return [label for label, _ in sent.buttons]


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
async def test_every_command_answers_in_the_users_language(app, chat, lang):
    user = chat(lang=lang)
    await onboarded(user, {"kk": "Қазақша", "ru": "Русский", "en": "English"}[lang], "🏡")
    expectations = {
        "/menu": lambda: _("<b>Main menu.</b> What do you need?"),
        "/help": help_text,
        "/profile": lambda: _("<b>Your profile</b> — this is everything I store about you:"),
        "/privacy": privacy_text,
        "/language": lambda: _("Choose your language:"),
        "/cancel": lambda: _("There is nothing to cancel."),
        "/delete": lambda: delete_confirmation()[0],
        "/start": lambda: _("👋 Welcome back to Joldas!"),
        "/nonsense": lambda: _("I don't know that command."),
    }
    for command, text in expectations.items():
        with app.i18n.context(), app.i18n.use_locale(lang):
            expected = text()
        with app.i18n.context(), app.i18n.use_locale("en"):
            english = text()
        assert lang == "en" or expected != english, command
        shown = "\n".join(s.text for s in await user.send(command))
        assert expected in shown, command


async def test_profile_shows_what_is_stored_and_changes_it(app, chat):
    user = await onboarded(chat(lang="en"))
    [sent] = await user.send("/profile")
    assert "Who you are: Foreign citizen in Kazakhstan" in sent.text
    assert "Citizenship: —" in sent.text
    assert "Telegram ID: 100" in sent.text
    await user.press("Change citizenship")
    sent = await user.press("Tajikistan")
    assert "Citizenship: Tajikistan" in sent[-1].text  # back to the profile, updated
    await user.press("Change who I am")
    await user.press("✈️")
    sent = await user.press("Poland")
    assert "Country of work: Poland" in sent[-1].text
    assert "Time zone: Warsaw" in sent[-1].text
    await user.press("Change language")
    await user.press("Қазақша")  # then the script Kazakh is read in
    sent = await user.press("Қазақша (кирилл)")
    assert sent[-1].text.startswith(translated(app, "kk", "✅ Language saved."))


async def test_cancel_leaves_a_dialogue_and_keeps_the_language(app, chat):
    user = chat(lang="ru")
    await user.send("/start")
    await user.press("Русский")
    [sent] = await user.send("/cancel")
    assert translated(app, "ru", "<b>Main menu.</b> What do you need?") in sent.text
    assert await app.storage.get_state(_key(user)) is None
    assert (await app.users.get(user.user_id)).locale == "ru"


def _key(user):
    from aiogram.fsm.storage.base import StorageKey

    return StorageKey(bot_id=1, chat_id=user.user_id, user_id=user.user_id)


async def test_stale_and_forged_buttons_get_the_menu(app, chat):
    user = await onboarded(chat())
    for data in (
        "nonsense",
        "m:no_such_item",
        "lang:xx",
        "role:admin",
        "ctry:abroad:ZZ",
        "prof:hack",
    ):
        sent = await user.press_data(data, user.last_with_buttons())
        shown = [s for s in sent if s.name in ("sendMessage", "editMessageText")]
        assert shown, data
        assert "out of date" in shown[-1].text, data
        assert "👤 My profile" in labels(shown[-1]), data
        assert any(s.name == "answerCallbackQuery" for s in sent), data  # no spinning button


async def test_the_kandas_guides_open_from_the_menu_and_lead_back_to_it(app, chat):
    user = await onboarded(chat(lang="kk"), "Қазақша", role="🏡")
    sent = await user.press(translated(app, "kk", "🪪 Kandas status"))
    assert translated(app, "kk", "◀️ Menu") in labels(sent[-1])
    assert "migration.enbek.kz" in sent[-1].text
    sent = await user.press(translated(app, "kk", "◀️ Menu"))
    assert translated(app, "kk", "⏰ My reminders") in labels(sent[-1])


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
async def test_unexpected_messages_get_a_short_answer_and_the_menu(app, chat, lang):
    user = chat(lang=lang)
    [sticker] = await user.send_sticker()
    assert sticker.text.startswith(translated(app, lang, "I can read only text and buttons here."))
    [long] = await user.send("я" * 5000)
    assert "5000" in long.text and len(long.text) < 1000
    [html] = await user.send("<script>alert(1)</script> <b>bold</b>")
    assert "&lt;script&gt;" in html.text and "<script>" not in html.text
    [emoji] = await user.send("🤷‍♀️🇰🇿")
    assert "🤷‍♀️🇰🇿" in emoji.text
    for sent in (sticker, long, html, emoji):
        assert translated(app, lang, "👤 My profile") in labels(sent)


async def test_delete_removes_every_row_about_the_user_only(app, chat):
    other = await onboarded(chat(user_id=200))
    user = await onboarded(chat(user_id=100))
    await user.send("/profile")
    await user.press("Change citizenship")  # an open dialogue: a conversation row too
    await user.send("/delete")
    assert await count_rows(app, 100) == (1, 1)
    sent = await user.press("Yes, delete everything")
    assert "I deleted everything I stored about you (2 records)" in sent[-1].text
    assert await count_rows(app, 100) == (0, 0)
    assert await count_rows(app, 200) != (0, 0)
    assert await app.users.get(100) is None
    [sent] = await user.send("/profile")
    assert sent.text.startswith("I store nothing about you yet.")
    assert (await app.users.get(other.user_id)).role == "migrant"


async def test_delete_can_be_declined(app, chat):
    user = await onboarded(chat())
    await user.send("/delete")
    sent = await user.press("No, keep my data")
    assert sent[-1].text.startswith("Nothing was deleted.")
    assert await count_rows(app, 100) == (1, 0)


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
async def test_a_failure_inside_a_handler_becomes_an_apology(app, chat, lang):
    user = chat(lang=lang)
    user.session.fail_next(400, "Bad Request: message is malformed", method="sendMessage")
    sent = await user.send("/help")
    assert sent[-1].text == translated(
        app,
        lang,
        "😔 Sorry, something went wrong on my side. Nothing you entered is lost: "
        "please try again, or open /menu.",
    )


async def test_commands_are_registered_per_language_and_failures_do_not_stop(app, bot):
    bot.session.fail_next(400, "Bad Request: BOT_COMMANDS_TOO_MUCH", method="setMyCommands")
    await register_commands(bot, app.i18n)
    calls = [s.method for s in bot.session.requests if isinstance(s.method, SetMyCommands)]
    assert [c.language_code for c in calls] == ["kk", "ru", "en", None]
    described = {
        c.language_code: {cmd.command: cmd.description for cmd in c.commands} for c in calls
    }
    for lang in ("ru", "en"):
        assert described[lang]["delete"] == translated(app, lang, "Delete all your data")
    assert described[None]["menu"] == translated(app, "ru", "Main menu")  # default locale
    assert {
        "menu",
        "reminders",
        "mycases",
        "help",
        "profile",
        "language",
        "privacy",
        "delete",
        "cancel",
        "start",
    } == set(described["en"])


async def test_language_choice_sets_the_chat_command_menu(app, chat):
    user = chat(lang="en")
    await user.send("/start")
    sent = await user.press("Қазақша")
    [call] = [s.method for s in sent if isinstance(s.method, SetMyCommands)]
    assert call.scope.chat_id == user.user_id
    assert call.commands[0].description == translated(app, "kk", "Main menu")


async def test_group_chats_are_ignored(app, chat):
    user = chat()
    payload = user._message(text="/start")
    payload["message"]["chat"] = {"id": -5, "type": "group", "title": "g"}
    assert await user._feed(payload) == []


async def test_staff_get_their_commands_in_their_chat_and_lose_them_with_the_role(app, bot, chat):
    from aiogram.methods import DeleteMyCommands

    from bot.runner import register_all_commands

    attache = chat(user_id=8, lang="kk")
    await attache.send("/start")
    await attache.press("Қазақша")
    admin = chat(user_id=7, lang="en")
    await admin.send("/start")
    await admin.send("/staff add 8 RU")
    calls = [s.method for s in bot.session.requests if isinstance(s.method, SetMyCommands)]
    scoped = calls[-1]  # the first: the language they chose; the last: the role
    assert scoped.scope.chat_id == 8
    described = {cmd.command: cmd.description for cmd in scoped.commands}
    assert described["broadcast"] == translated(app, "kk", "Send an announcement")
    assert "questions" not in described and "menu" in described  # an attaché, not an admin
    before = len(bot.session.requests)
    await attache.send("/language")
    await attache.press("Русский")  # a language change keeps the staff commands
    [again] = [
        s.method for s in bot.session.requests[before:] if isinstance(s.method, SetMyCommands)
    ]
    assert "broadcast" in {cmd.command for cmd in again.commands}
    await admin.send("/staff remove 8 RU")
    [gone] = [s.method for s in bot.session.requests if isinstance(s.method, DeleteMyCommands)]
    assert gone.scope.chat_id == 8

    before = len(bot.session.requests)
    await register_all_commands(bot, app)
    scopes = [
        s.method.scope.chat_id
        for s in bot.session.requests[before:]
        if isinstance(s.method, SetMyCommands)
        and s.method.scope is not None
        and getattr(s.method.scope, "chat_id", None)
    ]
    assert scopes == [7]  # the admin; the attaché's role was taken back
