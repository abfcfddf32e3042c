"""Every question that offers buttons takes the same answer typed: a label in any of the three
languages, a number, yes or no, a region's or a country's name (handlers/common/typed.py,
bot/rules/typed.py); what names no button gets the question again with a reason. /cancel says
what it cancelled."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiogram.fsm.state import StatesGroup
from aiogram.fsm.storage.base import StorageKey
from aiogram.methods import AnswerCallbackQuery

import handlers
from bot.content.countries import named, search
from bot.rules.typed import choose
from bot.simulator import Conversation, Sent
from handlers.common.menu import DIALOGUES
from handlers.views.callbacks import (
    BroadcastAction,
    BroadcastCb,
    DayCb,
    DirAction,
    DirCb,
    KandasCb,
    KandasPage,
    MenuCb,
    NoticeAction,
    NoticeCb,
)
from storage.records import ContractRecord
from tests.conftest import make_settings, translated

LANGS = ("kk", "ru", "en")
LANG_BUTTON = {"kk": "Қазақша", "ru": "Русский", "en": "English"}
STAFF = range(20_000, 24_000)  # admins in this module's settings, one pair per typed answer
MEMBERS = "How many people of your family moved, you included? (It sets the support to repay.)"
FRESH = iter(STAFF[:-10])
WALKERS = {lang: STAFF[-1 - i] for i, lang in enumerate(LANGS)}  # admins walking staff dialogues
REASON = (
    "“{text}” is not one of the answers here. Press a button below, or type its words or number."
)


@pytest.fixture
async def settings(tmp_path: Path, migrated_database: Path):
    shutil.copyfile(migrated_database, tmp_path / "joldas.db")
    return make_settings(tmp_path, admin_ids=",".join(map(str, [7, *STAFF])))


def t(app, lang: str, msgid: str) -> str:
    return translated(app, lang, msgid)


def menu(item: str) -> str:
    return MenuCb(item=item).pack()


def kd(page: KandasPage, value: str = "") -> str:
    return KandasCb(page=page, value=value).pack()


def labels(sent: Sent) -> list[str]:
    return [label for label, _data in sent.buttons]


async def person(chat, user_id: int, lang: str, role: str | None = None, country: str = "UZ"):
    user = chat(user_id=user_id, lang=lang)
    await user.send("/start")
    await user.press(LANG_BUTTON[lang])
    if role is not None:
        await user.press_data(f"role:{role}")
        field = {"migrant": "citizenship", "kandas": "origin"}.get(role, "abroad")
        await user.press_data(f"ctry:{field}:{country}")
    return user


# --- the rule: which button a text names ------------------------------------------------------


def test_a_typed_answer_names_one_button_or_none():
    sizes = [(str(n), f"size:{n}") for n in range(1, 16)] + [("👪 4, as before", "size:4")]
    assert choose("4", sizes) == "size:4"
    assert choose("нас 4 человека", sizes) == "size:4"
    assert choose("4 5", sizes) is None
    yes_no = [("Yes, up front", "y"), ("No", "n"), ("They'll deduct it from wages", "d")]
    for typed in ("yes", "Да", "иә", "ия", "ok"):
        assert choose(typed, yes_no) == "y", typed
    for typed in ("no", "нет", "жоқ", "жок"):
        assert choose(typed, yes_no) == "n", typed
    regions = [
        ("Павлодарская область", "pavlodar"),
        ("Восточно-Казахстанская область", "east"),
        ("Северо-Казахстанская область", "north"),
        ("Шығыс Қазақстан облысы", "east"),
    ]
    assert choose("павлодар", regions) == "pavlodar"
    assert choose("Шыгыс Казахстан", regions) == "east"  # Kazakh letters typed as Russian ones
    assert choose("Северный Казахстан", regions) == "north"
    assert choose("Казахстан", regions) is None  # several fit
    assert choose("🍉", regions) is None
    assert choose("ПАВЛОДАРСКАЯ ОБЛАСТЬ!", regions) == "pavlodar"


def test_country_search_forgives_kazakh_letters_typed_on_a_russian_keyboard():
    for query in ("тажикстан", "тажiкстан", "Тажикстан", "тәжікстан"):  # the i in one is Latin
        for locale in LANGS:
            assert search(query, locale)[0] == "TJ", (query, locale)
            assert named(query, locale, exclude="KZ") == "TJ"
    assert named("узбекстан", "ru") == "UZ"
    assert named("кыргызстан", "kk") == "KG"
    assert named("korea", "en") == "KR"  # an alias, exactly
    assert named("стан", "ru") is None  # many countries
    assert named("Atlantis", "en") is None


# --- every button question, each label typed in each language -------------------------------


# who answers each question, and the dialogue's data there (staff dialogues are walked to it)
USERS: dict[str, tuple[str | None, dict[str, Any]]] = {
    "Onboarding:language": (None, {"flow": "onboarding"}),
    "Onboarding:role": (None, {"flow": "onboarding"}),
    "Onboarding:country": ("migrant", {"flow": "onboarding", "field": "citizenship"}),
    "Onboarding:script": ("kandas", {"flow": "onboarding", "origin": "CN"}),
    "RegistrationFlow:entry": ("migrant", {}),
    "RegistrationFlow:moved": ("migrant", {}),
    "StayFlow:entered": ("migrant", {}),
    "StayFlow:left": ("migrant", {"entered": "2026-11-01"}),
    "PermitFlow:start": ("migrant", {}),
    "PermitFlow:months": ("migrant", {"start": "2026-11-21"}),
    "OwnDeadline:day": ("migrant", {"title": "Pay the rent"}),
    "PolicyFlow:start": ("migrant", {"insurer": "Kompetenz"}),
    "PolicyFlow:end": ("migrant", {"insurer": "Kompetenz", "start": "2026-11-01"}),
    "PolicyFlow:repatriation": (
        "migrant",
        {"insurer": "Kompetenz", "start": "2026-11-01", "end": "2027-10-31"},
    ),
    "PolicyFlow:stay_until": (
        "migrant",
        {"insurer": "Kompetenz", "start": "2026-11-01", "end": "2027-10-31", "repatriation": True},
    ),
    "PolicyFlow:stay_abroad_until": (
        "emigrant",
        {"insurer": "Kompetenz", "start": "2026-11-01", "end": "2027-10-31", "repatriation": True},
    ),
    "DepartureFlow:day": ("emigrant", {}),
    "OfferFlow:answering": ("emigrant", {"step": 1, "answers": {}}),
    "CaseFlow:topic": ("emigrant", {}),
    "ContractFlow:moved": ("kandas", {}),
    "ContractFlow:region": ("kandas", {"signed": "2026-06-01", "family": 4}),
    "ContractFlow:members": ("kandas", {"signed": "2026-06-01", "region": "abai", "family": 4}),
    "SupportFlow:family": ("kandas", {}),
    "RouteFlow:question": ("kandas", {"route": "neo_nomad.y"}),
}
STAFF_WALKS: dict[str, list[tuple[str, str]]] = {
    "BroadcastFlow:audience": [("send", "/broadcast")],
    "BroadcastFlow:compose": [
        ("send", "/broadcast"),
        ("press", BroadcastCb(action=BroadcastAction.content).pack()),
        ("press", BroadcastCb(action=BroadcastAction.content, value="ru").pack()),
        ("send", "Консульство закрыто в понедельник"),
    ],
    "BroadcastFlow:when": [("press", BroadcastCb(action=BroadcastAction.preview).pack())],
    "BroadcastFlow:day": [("press", BroadcastCb(action=BroadcastAction.later).pack())],
    "BroadcastFlow:time": [("send", "22.11.2026")],
    "BroadcastFlow:confirm": [("send", "9:00")],
    "NoticeFlow:until": [
        ("send", "/notices"),
        ("press", NoticeCb(action=NoticeAction.new).pack()),
        ("press", NoticeCb(action=NoticeAction.guide, guide="permit").pack()),
        ("send", "Ескерту"),
        ("send", "Внимание"),
        ("send", "Notice"),
    ],
    "NoticeFlow:preview": [("press", DayCb(value="extra").pack())],
    "DirectoryFlow:editing": [
        ("send", "/directory"),
        ("press", DirCb(action=DirAction.entry, entry="m.KR").pack()),
    ],
}


# a list every staff member shares follows the saved item: only its first paragraph is compared
SHARED_LISTS = {"NoticeFlow:preview"}


def seen(
    sent: list[Sent], user_id: int, shared: bool = False
) -> list[tuple[str, list[tuple[str, str]]]]:
    """What the user sees: texts and buttons in order (a notice on a press as a text), with
    the user's id, case or broadcast numbers and the ids in buttons left out."""
    shown = []
    for item in sent:
        text = item.method.text if isinstance(item.method, AnswerCallbackQuery) else item.text
        if isinstance(item.method, AnswerCallbackQuery) and not text:
            continue
        text = re.sub(r"(#|№)\d+", "#N", (text or "").replace(str(user_id), "ID"))
        buttons = [(label, re.sub(r"\d+", "N", data)) for label, data in item.buttons]
        shown.append((text.split("\n\n")[0], []) if shared else (text, buttons))
    return shown


class Answerer:
    def __init__(self, app, chat, lang: str, state: str, data: dict[str, Any], profile: dict):
        self.app, self.chat, self.lang, self.state, self.data = app, chat, lang, state, data
        self.profile = profile

    async def user(self) -> Conversation:
        """A user at the question, as the template was."""
        user_id = next(FRESH)
        user = self.chat(user_id=user_id, lang=self.lang)
        await self.app.users.save(user_id, **self.profile)
        key = StorageKey(bot_id=user.bot.id, chat_id=user_id, user_id=user_id)
        await self.app.storage.set_state(key, self.state)
        await self.app.storage.set_data(key, self.data)
        return user

    async def after(self, user: Conversation) -> tuple[str | None, dict[str, Any], tuple]:
        key = StorageKey(bot_id=user.bot.id, chat_id=user.user_id, user_id=user.user_id)
        saved = await self.app.users.get(user.user_id)
        fields = ("locale", "role", "citizenship", "country_abroad", "timezone")
        return (
            await self.app.storage.get_state(key),
            await self.app.storage.get_data(key),
            tuple(getattr(saved, name, None) for name in fields),
        )


async def template(app, chat, lang: str, state: str, walked: dict[str, Conversation]):
    """A user at the question `state` in `lang`, and the buttons it shows."""
    key_of = lambda u: StorageKey(bot_id=u.bot.id, chat_id=u.user_id, user_id=u.user_id)  # noqa: E731
    if state in STAFF_WALKS:
        admin = walked.get(lang)
        if admin is None:
            admin = walked[lang] = chat(user_id=WALKERS[lang], lang=lang)
            await admin.send("/start")
            await admin.press(LANG_BUTTON[lang])
        for kind, value in STAFF_WALKS[state]:
            if kind == "send":
                await admin.send(value)
            else:
                await admin.press_data(value, admin.last_with_buttons())
        user = admin
    else:
        role, data = USERS[state]
        user = await person(chat, 10_000 + len(walked), lang, role)
        walked[f"{state}{lang}"] = user
        await app.storage.set_state(key_of(user), state)
        await app.storage.set_data(key_of(user), data)
    assert await app.storage.get_state(key_of(user)) == state, state
    data_before = await app.storage.get_data(key_of(user))
    sent = await user.send_sticker()  # the question again, with its buttons
    if not any(s.buttons for s in sent):  # taken as a message (the attaché's topic)
        await app.storage.set_data(key_of(user), data_before)
        await user.send("/language")
        sent = await user.press(LANG_BUTTON[lang])  # the same language: the question again
        if lang == "kk":  # after the script Kazakh is read in
            sent = await user.press_data("script:cyrl", user.last_with_buttons())
    buttons = [b for s in sent for b in s.buttons if b[1]]
    saved = await app.users.get(user.user_id)
    fields = ("locale", "role", "citizenship", "country_abroad", "timezone")
    profile = {name: getattr(saved, name) for name in fields}
    return await app.storage.get_data(key_of(user)), profile, buttons


async def test_every_button_of_every_question_typed_in_each_language_is_pressed(app, chat):
    wiring = app.dispatcher["wiring"]
    assert set(wiring.questions) == set(USERS) | set(STAFF_WALKS)  # a new question: add it here
    walked: dict[str, Conversation] = {}
    typed_count = 0
    for state in [*USERS, *STAFF_WALKS]:
        for lang in LANGS:
            data, profile, buttons = await template(app, chat, lang, state, walked)
            assert buttons, (state, lang)
            answerer = Answerer(app, chat, lang, state, data, profile)
            labels_here = {label for label, _ in buttons}
            for label, pressed in buttons:
                if [lb for lb, _ in buttons].count(label) > 1 or not label.strip(" ·"):
                    continue  # the same label twice (a calendar's blanks) names no one button
                typing, pressing = await answerer.user(), await answerer.user()
                typed = await typing.send(label)
                done = await pressing.press_data(pressed)
                where = (state, lang, label)
                shared = state in SHARED_LISTS
                assert seen(typed, typing.user_id, shared) == seen(
                    done, pressing.user_id, shared
                ), where
                assert await answerer.after(typing) == await answerer.after(pressing), where
                typed_count += 1
            assert labels_here
    print("typed answers checked:", typed_count)
    assert typed_count > 200


# --- the answers the review typed ----------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
async def test_a_family_size_typed_gives_the_support_for_it(app, chat, lang):
    user = await person(chat, 300, lang, "kandas")
    await user.press_data(menu("kandas_regions"))
    sent = await user.press_data(kd(KandasPage.family))
    assert sent[-1].text == t(app, lang, "👪 How many people are in your family, you included?")
    sent = await user.send("4")
    heading = t(app, lang, "🤝 <b>Support in the quota for a family of {members}</b>")
    assert sent[-1].text.startswith(heading.format(members=4))
    typed = sent[-1].text
    user2 = await person(chat, 301, lang, "kandas")
    await user2.press_data(menu("kandas_regions"))
    await user2.press_data(kd(KandasPage.family))
    assert (await user2.press_data(kd(KandasPage.family, "4")))[-1].text == typed
    # the size is offered again in the social contract
    await user.press_data(menu("kandas_contract"))
    await user.send("01.06.2026")
    sent = await user.send("Павлодар облысы")  # a region typed in Kazakh, whatever the language
    question = t(
        app,
        lang,
        "How many people of your family moved, you included? (It sets the support to repay.)",
    )
    assert sent[-1].text == question
    again = t(app, lang, "👪 {members}, as before").format(members=4)
    assert labels(sent[-1])[0] == again
    await user.send(again)
    record = await app.reminders.record(300, "social_contract", ContractRecord)
    assert record is not None and (record.region, record.members) == ("pavlodar", 4)


@pytest.mark.parametrize(
    ("lang", "typed", "code"),
    [
        ("kk", "тажикстан", "TJ"),
        ("kk", "тажiкстан", "TJ"),
        ("ru", "узбекстан", "UZ"),
        ("en", "Uzbekistan", "UZ"),
        ("ru", "Германия", "DE"),  # not on the first list: found all the same
    ],
)
async def test_a_country_typed_on_the_first_list_is_chosen(app, chat, lang, typed, code):
    user = chat(user_id=400, lang=lang)
    await user.send("/start")
    await user.press(LANG_BUTTON[lang])
    await user.press("🌍")
    sent = await user.send(typed)
    assert sent[-1].text.startswith(t(app, lang, "✅ All set! Change anything later in /profile."))
    assert (await app.users.get(400)).citizenship == code


async def test_a_country_typed_that_names_several_or_none_is_shown_or_asked_again(app, chat):
    user = chat(user_id=401, lang="en")
    await user.send("/start")
    await user.press("English")
    await user.press("🌍")
    sent = await user.send("Guinea")  # Guinea exactly: chosen
    assert (await app.users.get(401)).citizenship == "GN"
    await user.send("/profile")
    await user.press("🏳️")
    sent = await user.send("Atlantis")
    assert sent[0].text.startswith("I found no country called “Atlantis”")
    assert sent[-1].text.startswith("Which country are you a citizen of?")
    sent = await user.send("Sudan")  # Sudan and South Sudan: exact wins
    assert (await app.users.get(401)).citizenship == "SD"


@pytest.mark.parametrize("lang", LANGS)
async def test_a_region_typed_in_any_language_answers_the_contract_question(app, chat, lang):
    user = await person(chat, 500, lang, "kandas")
    await user.press_data(menu("kandas_contract"))
    sent = await user.send("01.06.2026")
    region_names = {"kk": "Ақмола облысы", "ru": "Акмолинская область", "en": "Akmola Region"}
    assert region_names[lang] in labels(sent[-1])
    shown = labels(sent[-1])
    assert t(app, lang, "🏙 Another region") in shown and t(app, lang, "◀️ Back") in shown
    assert t(app, lang, "These are the regions of the {year} quota.").format(year=2026) in (
        sent[-1].text
    )
    sent = await user.send({"kk": "акмола", "ru": "Akmola", "en": "Акмолинская"}[lang])
    assert sent[-1].text == t(app, lang, MEMBERS)
    await user.send("5")
    record = await app.reminders.record(500, "social_contract", ContractRecord)
    assert record is not None and (record.region, record.members) == ("akmola", 5)


async def test_another_region_is_recorded_as_such_and_back_goes_to_the_date(app, chat):
    user = await person(chat, 501, "ru", "kandas")
    await user.press_data(menu("kandas_contract"))
    await user.send("01.06.2026")
    sent = await user.send("назад")  # the Back button's label, typed
    assert sent[-1].text.startswith("🤝 <b>Социальный контракт</b>\nКакого числа подписан")
    await user.send("01.06.2026")
    await user.send("Другой регион")
    sent = await user.send("3")
    assert "другой регион" in sent[-1].text


@pytest.mark.parametrize(
    ("lang", "yes", "no"), [("kk", "иә", "жоқ"), ("ru", "да", "нет"), ("en", "yes", "no")]
)
async def test_yes_and_no_typed_answer_yes_no_questions(app, chat, lang, yes, no):
    user = await person(chat, 600, lang, "kandas")
    await user.press_data(menu("kandas_routes"))
    first = await user.press_data(kd(KandasPage.route, "neo_nomad"))
    pressed_yes = await chat(user_id=601, lang=lang).press_data(kd(KandasPage.route, "neo_nomad.y"))
    sent = await user.send(yes)
    assert sent[-1].text == pressed_yes[-1].text
    assert first
    sent = await user.send(no)
    assert sent[-1].text.startswith("<b>")  # the verdict
    # the insurance question too, in each language
    migrant = await person(chat, 602, lang, "migrant")
    await migrant.press_data(menu("insurance"))
    await migrant.press("📝")
    await migrant.send("Kompetenz")
    await migrant.send("01.11.2026")
    await migrant.send("31.10.2027")
    sent = await migrant.send(yes)
    assert sent[-1].text.startswith(t(app, lang, "Until when do you plan to stay in Kazakhstan?"))


@pytest.mark.parametrize("lang", LANGS)
async def test_an_answer_that_names_no_button_gets_the_question_again_with_a_reason(
    app, chat, lang
):
    user = await person(chat, 700, lang, "kandas")
    await user.press_data(menu("kandas_regions"))
    await user.press_data(kd(KandasPage.family))
    sent = await user.send("42")
    assert sent[0].text == t(app, lang, REASON).format(text="42")
    assert sent[-1].text == t(app, lang, "👪 How many people are in your family, you included?")
    assert t(app, lang, "<b>Main menu.</b> What do you need?") not in [s.text for s in sent]
    # elsewhere the screen ends: a question typed is searched again
    await user.press_data(menu("menu"))
    sent = await user.send("42")
    assert t(app, lang, REASON).format(text="42") != sent[0].text


@pytest.mark.parametrize("lang", LANGS)
async def test_cancel_says_what_it_cancelled(app, chat, lang):
    user = await person(chat, 800, lang, "migrant")
    await user.press_data(menu("stay"))
    await user.press("➕")
    sent = await user.send("/cancel")
    cancelled = t(app, lang, "Cancelled: {dialogue}.").format(
        dialogue=t(app, lang, "adding a trip")
    )
    assert sent[-1].text.startswith(cancelled)
    sent = await user.send("/cancel")
    assert sent[-1].text.startswith(t(app, lang, "There is nothing to cancel."))
    for text in (s.text for s in sent):
        assert "English" not in text and "Русский" not in text and "Қазақша" not in text


def test_every_dialogue_has_a_name_for_cancel():
    root = Path(handlers.__file__).parent
    groups = set()
    for info in pkgutil.walk_packages([str(root)], prefix="handlers."):
        module = importlib.import_module(info.name)
        for _name, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, StatesGroup) and obj is not StatesGroup:
                groups.add(obj.__name__)
    assert groups == set(DIALOGUES)


async def test_a_contract_of_a_year_without_its_quota_gets_the_latest_list_said_so(
    app, chat, clock
):
    clock.set(datetime(2027, 3, 1, 6, 0, tzinfo=UTC))
    user = await person(chat, 900, "en", "kandas")
    await user.press_data(menu("kandas_contract"))
    sent = await user.send("01.02.2027")
    assert "The 2027 quota is not in my data yet: these are the regions of the 2026 quota." in (
        sent[-1].text
    )
    assert "Akmola Region" in labels(sent[-1])
