"""The insurance tracker for both audiences: migrants' policies in Kazakhstan and
emigrants' cover abroad, with renew-by reminders and the source under every result."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from storage.models import Deadline
from tests.conftest import translated
from tests.test_emigrants import emigrant
from tests.test_migrants import LANGS, migrant, open_guide


async def policy_of(app, user_id: int) -> Deadline | None:
    async with app.sessionmaker() as session:
        return await session.scalar(
            select(Deadline).where(Deadline.user_id == user_id, Deadline.dedupe_key == "insurance")
        )


@pytest.mark.parametrize("lang", LANGS)
async def test_an_emigrant_tracks_their_cover_abroad_from_the_menu(app, chat, lang):
    user = await emigrant(chat(lang=lang), lang, "KR")
    await user.send("/menu")
    sent = await user.press(translated(app, lang, "🩺 Insurance"))
    intro = sent[-1].text
    assert translated(app, lang, "📝 Record my policy") in [label for label, _ in sent[-1].buttons]
    assert "a foreign worker needs it" not in intro  # the rule for foreign workers in KZ
    await user.press(translated(app, lang, "📝 Record my policy"))
    await user.send("Travel Guard")
    await user.send("01.11.2026")
    await user.send("30.04.2027")
    sent = await user.press(translated(app, lang, "Yes"))
    assert translated(app, lang, "Until when do you plan to stay abroad?") in sent[-1].text
    sent = await user.send("30.06.2027")
    result = sent[-1].text
    assert "Travel Guard" in result and "61" in result  # 61 days abroad without cover
    assert "2023" in result and "egov.kz" in result  # the source line ends the result
    saved = await policy_of(app, user.user_id)
    assert saved is not None and saved.due_on == date(2027, 4, 30)
    assert saved.payload["stay_until"] == "2027-06-30"


async def test_the_migrant_result_ends_with_its_source(app, chat):
    user = await migrant(chat())
    await open_guide(app, user, "en", "insurance")
    await user.press("Record my policy")
    await user.send("Halyk")
    await user.send("01.11.2026")
    await user.send("30.04.2027")
    sent = await user.press("Yes")
    assert "stay in Kazakhstan" in sent[-1].text
    sent = await user.press("I don't know yet")
    assert sent[-1].text.rstrip().endswith("call 1414.</i>")


@pytest.mark.parametrize("lang", LANGS)
async def test_a_date_typed_after_delete_leads_to_onboarding_not_an_error(app, chat, lang):
    """The insurance dialogue and the departure checklist, opened from a screen left from
    before /delete: the date step onboards the user, in their app's language."""
    user = await emigrant(chat(lang=lang), lang, "KR")
    await user.send("/menu")
    await user.press(translated(app, lang, "🩺 Insurance"))
    insurance = user.last_with_buttons()
    await user.send("/delete")
    await user.press(translated(app, lang, "🗑 Yes, delete everything"))
    assert await app.users.get(user.user_id) is None

    await user.press(translated(app, lang, "📝 Record my policy"), insurance)
    await user.send("Travel Guard")
    sent = await user.send("01.11.2026")
    texts = " ".join(s.text for s in sent)
    assert "😔" not in texts  # no apology
    assert any("Қазақша" in label for label, _ in user.buttons())  # onboarding first

    sent = await user.press_data("cl:date")  # the checklist's "when do you leave?"
    sent += await user.send("01.12.2026")
    assert "😔" not in " ".join(s.text for s in sent)
    assert await policy_of(app, user.user_id) is None
