"""Kazakh in the script its reader chose (issue 28): the choice (onboarding for kandas from
China, Afghanistan, Iran and Mongolia; /language and /profile for everyone), every screen,
button and reminder converted on its way out (bot/scripting.py), and typing in any script.

The converter (bot/rules/scripts.py) is tested on its own; here only what the plumbing
promises is asserted: no Kazakh Cyrillic left, the script's letters there, and callback
data, links, numbers and placeholders as they were, never exact spellings."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.rules.scripts import to_script
from bot.scripting import SCRIPT_NAMES, convert
from handlers.views.callbacks import KandasCb, KandasPage, MenuCb
from storage.models import User
from tests.conftest import translated

CYRILLIC = re.compile(r"[\u0400-\u04ff]")
KAZAKH_CYRILLIC = re.compile(r"[әғқңөұүһіӘҒҚҢӨҰҮҺІ]")
ARABIC = re.compile(r"[\u0600-\u06ff]")
LATIN = re.compile(r"[A-Za-zÀ-ɏ]")
KEPT = (*SCRIPT_NAMES.values(), "Русский", "Выберите язык:")  # shown as written to everyone
ALL_SET = "✅ All set! Change anything later in /profile."
QUESTION = {  # «қалай тіркелемін» as each reader types it
    "arab": ["قالاي تىركەلەمىن"],
    "latn": ["qalai tirkelemin", "kalai tirkelemin", "qalaı tirkelemin"],
}


def kd(page: KandasPage, value: str = "") -> str:
    return KandasCb(page=page, value=value).pack()


def menu(item: str) -> str:
    return MenuCb(item=item).pack()


def seen(sent) -> str:
    """What the user sees of the requests: texts and button labels, the kept names aside."""
    parts = []
    for s in sent:
        parts.append(s.text or getattr(s.method, "text", None) or "")
        parts += [label for label, _data in s.buttons]
    text = "\n".join(parts)
    for name in KEPT:
        text = text.replace(name, " ")
    return text


def in_script(sent, script: str) -> None:
    text = seen(sent)
    assert text.strip(), "nothing shown"
    assert not CYRILLIC.search(text), CYRILLIC.findall(text)[:10]
    assert (ARABIC if script == "arab" else LATIN).search(text), text[:200]


async def kandas_from(chat, country: str, user_id: int, lang: str = "kk"):
    user = chat(user_id=user_id, lang=lang)
    await user.send("/start")
    await user.press_data(f"lang:{lang}")
    await user.press("🏡")
    sent = await user.press_data(f"ctry:origin:{country}")
    return user, sent


async def reader(chat, script: str, user_id: int):
    """A kandas from China who chose `script` at onboarding; the menu they got."""
    user, _ = await kandas_from(chat, "CN", user_id)
    return user, await user.press_data(f"script:{script}")


# --- the choice -----------------------------------------------------------------------------


@pytest.mark.parametrize(("country", "likely"), [("CN", "arab"), ("AF", "arab"), ("MN", "cyrl")])
@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
async def test_a_kandas_is_offered_the_script_of_their_country_first(
    app, chat, country, likely, lang
):
    user, sent = await kandas_from(chat, country, 700, lang)
    buttons = user.buttons()
    assert buttons[0] == (SCRIPT_NAMES[likely], f"script:{likely}")  # written in itself
    assert {data for _label, data in buttons} >= {"script:cyrl", "script:latn", "script:arab"}
    question = sent[-1].text
    if likely == "arab":  # the question also in the script they likely read
        assert ARABIC.search(question)
    if lang != "kk":  # or they keep the language they chose
        [*_, menu_screen] = await user.press_data("script:keep")
        assert menu_screen.text.startswith(translated(app, lang, ALL_SET))
        stored = await app.users.get(700)
        assert stored is not None and stored.locale == lang and stored.script is None


async def test_a_kandas_from_uzbekistan_is_not_asked(app, chat):
    _user, sent = await kandas_from(chat, "UZ", 701)
    assert sent[-1].text.startswith(
        translated(app, "kk", "✅ All set! Change anything later in /profile.")
    )


async def test_anyone_chooses_the_script_in_language_and_profile_and_the_data_screens_say_it(
    app, chat
):
    user = chat(user_id=702, lang="ru")
    await user.send("/start")
    await user.press_data("lang:ru")
    await user.press_data("role:migrant")
    await user.press_data("ctry:citizenship:UZ")
    await user.send("/language")
    asked = await user.press_data("lang:kk")  # Kazakh: then the script
    assert {data for _label, data in user.buttons()} >= {"script:cyrl", "script:latn"}
    assert CYRILLIC.search(asked[-1].text)
    sent = await user.press_data("script:latn")
    in_script(sent, "latn")
    [*_, profile] = await user.send("/profile")
    in_script([profile], "latn")
    assert SCRIPT_NAMES["latn"] in profile.text  # the privacy screen lists it
    assert "prof:script" in {data for _label, data in user.buttons()}
    await user.press_data("prof:script")
    sent = await user.press_data("script:arab")
    in_script(sent, "arab")
    await app.writer.barrier()
    async with app.sessionmaker() as session:
        row = await session.scalar(select(User).where(User.id == 702))
    assert row is not None and row.script == "arab"
    # deleting the data deletes it
    await user.send("/delete")
    await user.press_data("del:1")
    async with app.sessionmaker() as session:
        assert await session.scalar(select(User).where(User.id == 702)) is None


# --- the kandas path in each script ---------------------------------------------------------


@pytest.mark.parametrize("script", ["arab", "latn"])
async def test_a_kandas_from_china_does_everything_in_their_script(app, chat, bot, clock, script):
    user, menu_screen = await reader(chat, script, 710)
    in_script(menu_screen, script)
    assert menu("kandas_status") in {data for _label, data in user.buttons()}  # data as it was
    stored = await app.users.get(710)
    assert stored is not None and stored.locale == "kk" and stored.script == script
    # the status guide, the support calculator
    status = await user.press_data(menu("kandas_status"))
    in_script(status, script)
    assert "A1" in status[-1].text and "2026" in status[-1].text  # Latin and numbers stay
    apply = await user.press_data(kd(KandasPage.apply, "abroad"))
    assert "migration.enbek.kz" in apply[-1].text  # links stay
    in_script(await user.press_data(menu("kandas_regions")), script)
    family = await user.press_data(kd(KandasPage.family, "4"))
    in_script(family, script)
    assert "1 211 000" in family[-1].text.replace("\xa0", " ")
    # the social contract, its date typed, and its reminders
    in_script(await user.press_data(menu("kandas_contract")), script)
    in_script(await user.send("15.03.2026"), script)
    await user.press_data(kd(KandasPage.region, "abai"))
    contract = await user.press_data(kd(KandasPage.members, "2"))
    in_script(contract, script)
    in_script(await user.send("/reminders"), script)
    # a reminder the scheduler sends
    clock.set(datetime(2027, 3, 15, 5, 0, tzinfo=UTC))  # the first anniversary
    before = len(bot.session.requests)
    assert (await app.reminders.tick(bot)).sent == 1
    in_script(bot.session.requests[before:], script)


@pytest.mark.parametrize("script", ["arab", "latn"])
async def test_a_typed_question_in_the_script_gets_the_cyrillic_answer_converted(app, chat, script):
    cyrillic, _ = await kandas_from(chat, "CN", 720)
    await cyrillic.press_data("script:cyrl")
    [*_, expected] = await cyrillic.send("қалай тіркелемін")
    assert translated(app, "kk", "🔎 Here is what I found:") in expected.text
    for user_id, typed in enumerate(QUESTION[script], start=721):
        user, _ = await reader(chat, script, user_id)  # each asks once
        [*_, answer] = await user.send(typed)
        assert answer.text == convert(expected.text, script)  # the same answer, converted
        in_script([answer], script)


async def test_switching_back_to_cyrillic_in_language(app, chat):
    user, _ = await reader(chat, "arab", 730)
    await user.send("/language")
    asked = await user.press_data("lang:kk")
    in_script(asked, "arab")  # the script question, to a reader of Arabic script
    sent = await user.press_data("script:cyrl")
    assert KAZAKH_CYRILLIC.search(sent[-1].text) and not ARABIC.search(sent[-1].text)
    stored = await app.users.get(730)
    assert stored is not None and stored.locale == "kk" and stored.script is None
    [*_, screen] = await user.press_data(menu("kandas_status"))
    assert KAZAKH_CYRILLIC.search(screen.text) and not ARABIC.search(screen.text)
    # Russian: no conversion, the choice kept for when Kazakh comes back
    await user.press_data("lang:ru")
    [*_, screen] = await user.press_data(menu("kandas_status"))
    assert not ARABIC.search(screen.text)


# --- typing in any script -------------------------------------------------------------------


@pytest.mark.parametrize("script", ["cyrl", "arab", "latn"])
@pytest.mark.parametrize(
    ("today", "yes", "no"),
    [("bügin", "iä", "joq"), ("بۇگىن", "ٴيا", "جوق"), ("бүгін", "иә", "жоқ")],
    ids=["latin", "arabic", "cyrillic"],
)
async def test_dates_and_yes_and_no_typed_in_any_script(app, chat, script, today, yes, no):
    """Whatever script the reader chose to read, any script they type in is read."""
    user, _ = await kandas_from(chat, "CN", 740)
    await user.press_data(f"script:{script}")
    await user.press_data(menu("kandas_contract"))
    sent = await user.send(today)  # the contract signed today
    assert any("ctr" in data or "kd:" in data for _l, data in user.buttons()), sent[-1].text
    await user.press_data(menu("kandas_routes"))
    await user.press_data(kd(KandasPage.route, "neo_nomad"))
    pressed = await chat(user_id=741, lang="kk").press_data(kd(KandasPage.route, "neo_nomad.y"))
    sent = await user.send(yes)
    assert sent[-1].text == convert(pressed[-1].text, script)
    sent = await user.send(no)
    assert sent[-1].text.startswith("<b>")  # the verdict


@pytest.mark.parametrize("typed", ["Qytai", "قىتاي", "Қытай"])
async def test_a_country_typed_in_any_script(app, chat, typed):
    user = chat(user_id=750, lang="kk")
    await user.send("/start")
    await user.press_data("lang:kk")
    await user.press("🏡")
    await user.send(typed)  # typed on the first list
    stored = await app.users.get(750)
    assert stored is not None and stored.citizenship == "CN"


async def test_a_label_shown_in_arabic_script_typed_back_presses_it(app, chat):
    user, _ = await reader(chat, "arab", 760)
    await user.press_data(menu("kandas_routes"))
    await user.press_data(kd(KandasPage.route, "neo_nomad"))
    label = next(label for label, data in user.buttons() if data.endswith(".y"))
    pressed = await chat(user_id=761, lang="kk").press_data(kd(KandasPage.route, "neo_nomad.y"))
    sent = await user.send(label)
    assert sent[-1].text == convert(pressed[-1].text, "arab")


async def test_what_is_someones_own_words_is_kept_as_typed(app):
    """A case's messages and what staff write are not read as Cyrillic: kept as typed."""
    from handlers.abroad.attache import CaseFlow
    from handlers.staff.broadcasts import BroadcastFlow

    typed = next(
        m for m in app.dispatcher.message.outer_middleware if type(m).__name__ == "TypedScript"
    )
    for step in (CaseFlow.screen, CaseFlow.first, CaseFlow.writing, BroadcastFlow.content):
        assert step.state in typed.verbatim


# --- what is never converted, and the staff ---------------------------------------------------


async def test_callback_data_links_and_placeholders_stay(app, chat):
    from aiogram.methods import SendMessage
    from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

    from bot.scripting import MARK, converted

    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text="Сайт", url="https://egov.kz/қ")],
            [InlineKeyboardButton(text="Мәзір", callback_data="m:қазақ")],
        ]
    )
    text = f"<b>Сәлем</b> https://egov.kz/cms 2026 {MARK}Русский{MARK} /start"
    method = converted(SendMessage(chat_id=1, text=text, reply_markup=markup), "arab")
    assert "<b>" in method.text and "https://egov.kz/cms" in method.text
    assert "2026" in method.text and "Русский" in method.text and "/start" in method.text
    assert not KAZAKH_CYRILLIC.search(method.text)
    [[site], [item]] = method.reply_markup.inline_keyboard
    assert site.url == "https://egov.kz/қ" and item.callback_data == "m:қазақ"
    assert ARABIC.search(site.text) and ARABIC.search(item.text)
    assert markup.inline_keyboard[1][0].text == "Мәзір"  # the shared keyboard is not changed
    assert MARK not in method.text  # the marks go
    # a Cyrillic reader's request goes as it is (no marks are made for them)
    plain = SendMessage(chat_id=1, text="Сәлем", reply_markup=markup)
    assert converted(plain, "cyrl") is plain


async def test_the_broadcast_preview_counts_kazakh_readers_by_script(app, bot, chat):
    from handlers.views.callbacks import BroadcastAction
    from tests.test_broadcasts import ADMIN, cb, compose_to_confirm, staff_member, to

    for user_id, script in ((770, "arab"), (771, "arab"), (772, "latn"), (773, "cyrl")):
        await reader(chat, script, user_id)
    admin = await staff_member(chat, ADMIN, "en")
    await admin.send("/broadcast")
    preview = await compose_to_confirm(
        admin, {"kk": "Назар аударыңыз: жаңа ережелер 2026", "ru": "Внимание: новые правила"}
    )
    header = preview[0].text  # Kazakh readers first, with how many get another script
    note = translated(
        app,
        "en",
        "Of them, {latin} read Kazakh in the Latin script and {arabic} in the Arabic script: "
        "they get the Kazakh text converted to it.",
    )
    assert note.format(latin=1, arabic=2) in header
    assert KAZAKH_CYRILLIC.search(preview[1].text)  # the staff member reads Cyrillic
    await admin.press_data(cb(BroadcastAction.confirm), admin.last_with_buttons())
    before = len(bot.session.requests)
    await app.broadcasts.drain(bot)
    delivered = bot.session.requests[before:]
    for user_id, script in ((770, "arab"), (772, "latn")):
        [message] = to(user_id, delivered)
        in_script([message], script)
        assert "2026" in message.text
    [message] = to(773, delivered)
    assert "жаңа ережелер" in message.text


def test_every_script_name_is_written_in_itself():
    assert not CYRILLIC.search(SCRIPT_NAMES["latn"]) and LATIN.search(SCRIPT_NAMES["latn"])
    assert ARABIC.search(SCRIPT_NAMES["arab"]) and not CYRILLIC.search(SCRIPT_NAMES["arab"])
    assert to_script("Қазақша", "cyrl") == "Қазақша"
