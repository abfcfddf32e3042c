"""The hot path: an update that only navigates runs no query, a new user costs no lookup,
and what the guides keep in memory follows every change."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event

from bot.app import App
from storage.records import PersonalRecord


@pytest.fixture
def statements(app: App) -> list[str]:
    """Every SQL statement the app runs, on any of its connections (the writer's thread
    included)."""
    seen: list[str] = []
    for engine in app.writer.transactions.engines:
        event.listen(engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    return seen


async def onboard(chat, user_id: int = 300):
    user = chat(user_id=user_id, lang="en")
    await user.send("/start")
    await user.press("English")
    await user.press("🌍")
    await user.press("Uzbekistan")
    return user


async def test_a_new_user_costs_no_lookup(app, chat, statements):
    user = chat(user_id=301, lang="en")
    await user.send("/start")
    await app.writer.barrier()
    assert [s for s in statements if s.lstrip().upper().startswith("SELECT")] == []
    assert statements  # its dialogue state is written all the same


async def test_navigating_runs_no_query(app, chat, statements):
    user = await onboard(chat)
    for label in ("Registration", "Menu", "How long", "Menu", "Work permit", "Menu"):
        await user.press(label) if label != "Menu" else await user.send("/menu")
    await app.writer.barrier()
    statements.clear()
    await user.send("/menu")
    for label in ("How long", "Menu", "Work permit", "Menu", "❓ Help", "Menu", "My profile"):
        await user.press(label) if label != "Menu" else await user.send("/menu")
    await user.send("/help")
    await user.send("/profile")
    await app.writer.barrier()
    assert statements == []


async def test_what_the_guides_keep_follows_every_change(app, chat):
    user = await onboard(chat)
    trips = app.dispatcher["trips"]
    [shown] = await user.send("/profile")
    assert "Deadlines you asked me to watch: 0" in shown.text
    assert "trips recorded: 0" in shown.text
    record = PersonalRecord(title="x")
    await app.reminders.schedule(300, "personal", date(2026, 12, 21), record, "k")
    await trips.add(300, date(2026, 11, 1), date(2026, 11, 5))
    [shown] = await user.send("/profile")
    assert "Deadlines you asked me to watch: 1" in shown.text
    assert "trips recorded: 1" in shown.text
    await app.reminders.cancel(300, "k")
    await trips.remove_latest(300)
    [shown] = await user.send("/profile")
    assert "Deadlines you asked me to watch: 0" in shown.text
    assert "trips recorded: 0" in shown.text


async def test_what_a_user_did_before_onboarding_stays_seen(app, chat):
    """Someone may tick the checklist before they have a profile: onboarding afterwards
    must not make the guides forget it."""
    checklists = app.dispatcher["checklists"]
    await app.users.of_sender(310)  # first seen: holds nothing
    assert await checklists.done(310) == set()
    assert await checklists.toggle(310, "passport") == {"passport"}
    await app.users.save(310, locale="en", role="emigrant")  # onboarding finishes
    assert await checklists.done(310) == {"passport"}
    assert (await app.users.holdings(310)).checklist_marks == 1
