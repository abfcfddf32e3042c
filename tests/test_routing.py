"""Every button and dialogue state reaches a handler through its group's root filter, and
handler modules stay independent of each other."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest
from aiogram import Router
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.state import StatesGroup

import handlers
from bot.i18n import build_i18n
from handlers import build_handlers
from handlers.filters import group_router, menu_item
from handlers.views import callbacks
from handlers.views.callbacks import MenuCb
from handlers.views.ui import MENU_ITEMS

ROOT = Path(handlers.__file__).parent


def all_modules() -> list[str]:
    return [
        info.name
        for info in pkgutil.walk_packages([str(ROOT)], prefix="handlers.")
        if not info.ispkg
    ]


@pytest.fixture(scope="module")
def claims():
    built = build_handlers(build_i18n("en"), year=2026)
    groups = [router for router in built.routers if hasattr(router, "claims")]
    return built, [router.claims for router in groups]


def test_every_button_has_a_group_that_takes_it(claims):
    _built, groups = claims
    prefixes = set().union(*(buttons.prefixes for buttons, _messages in groups))
    factories = [
        obj
        for _name, obj in inspect.getmembers(callbacks, inspect.isclass)
        if issubclass(obj, CallbackData) and obj is not CallbackData
    ]
    assert factories
    for factory in factories:
        if factory is MenuCb:
            continue  # menu entries are checked one by one below
        assert f"{factory.__prefix__}:" in prefixes, f"{factory.__name__} falls to the fallback"


def test_every_built_menu_entry_has_a_group_that_takes_it(claims):
    _built, groups = claims
    taken = set().union(*(buttons.menu for buttons, _messages in groups))
    entries = {item for items in MENU_ITEMS.values() for item in items} | {
        "menu",
        "help",
        "profile",
        "calendar",
        "own_deadline",
    }
    for item in sorted(entries):
        assert MenuCb(item=item).pack() in taken, f"menu entry {item} falls to the fallback"


def test_every_dialogue_state_has_a_group_that_takes_its_messages(claims):
    built, groups = claims
    states = set().union(*(messages.states for _buttons, messages in groups))
    found = 0
    for name in all_modules():
        module = importlib.import_module(name)
        for _attr, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, StatesGroup) and obj is not StatesGroup:
                for state in obj.__all_states__:
                    found += 1
                    # a step answered by buttons only may leave typed input to the fallback,
                    # which asks its question again: it must have a prompt for that
                    prompted = state.state in built.wiring.prompts
                    assert state.state in states or prompted, f"{state.state} is lost"
    assert found > 20


def test_a_handler_the_root_filter_cannot_reach_is_refused():
    lost = Router(name="lost")

    async def anything(message):  # registered with no state, command or reply filter
        return None

    lost.message.register(anything)
    with pytest.raises(ValueError, match="cannot reach"):
        group_router("broken", lost)


def test_the_root_filter_takes_what_its_handlers_declare():
    router = Router(name="one")

    async def on_item(callback):
        return None

    router.callback_query.register(on_item, menu_item("stay"))
    group = group_router("g", router)
    buttons, messages = group.claims
    assert buttons.menu == {MenuCb(item="stay").pack()}
    assert not buttons.prefixes and not messages.states and not messages.commands


def test_handler_modules_do_not_import_each_other():
    shared = ("handlers.views", "handlers.filters", "handlers.wiring")
    for name in all_modules():
        if name.startswith(shared):
            continue
        path = ROOT.parent / (name.replace(".", "/") + ".py")
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("handlers"):
                assert str(node.module).startswith(shared), f"{name} imports {node.module}"


def test_the_app_imports_only_the_router_list_from_handlers():
    source = (ROOT.parent / "bot" / "app.py").read_text(encoding="utf-8")
    imported = {
        node.module
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.ImportFrom) and node.module
    }
    assert {module for module in imported if module.startswith("handlers")} == {"handlers"}


FORGED = [
    "case:open:9223372036854775808:0",
    "case:rate:1:99",
    "dl:open:9223372036854775808",
    "dl:done:-1",
    "st:view:9223372036854775808",
    "pmt:months:100000000000000000000",
    "of:99999999999999999999:yes",
    "prof:nothing",
]


@pytest.mark.parametrize("data", FORGED)
async def test_forged_ids_and_ranges_are_refused_before_any_query(chat, data):
    user = chat(lang="en")
    await user.send("/start")
    await user.press("English")
    sent = await user.press_data(data)
    answers = [s for s in sent if s.name == "answerCallbackQuery"]
    assert len(answers) == 1  # the press is answered, once
    assert any("This button is out of date" in (s.text or "") for s in sent)
