"""The eGov contact centre (1414): confirmed, its number taken from the help-lines data, and
readers who may be abroad told that a short number may not connect from there."""

from __future__ import annotations

import pytest

from bot.content.directory import help_lines
from handlers.views.callbacks import MenuCb
from tests.conftest import translated
from tests.test_ask import person

LANGS = ["kk", "ru", "en"]
ABROAD = "{number} (from abroad: an embassy of Kazakhstan)"


def test_the_contact_centre_is_one_of_the_help_lines_and_confirmed():
    lines = help_lines()
    [line] = [line for line in lines.lines if line.number == lines.contact_centre]
    for lang in LANGS:
        text = line.service.in_(lang) + lines.source_in(lang)
        assert not any(word in text for word in ("not confirmed", "не подтвержд", "расталмаған"))


@pytest.mark.parametrize("lang", LANGS)
async def test_help_lines_show_the_contact_centre_as_free(app, chat, lang):
    user = await person(chat, lang, user_id=520)
    sent = await user.press_data(MenuCb(item="helplines").pack())
    assert f"<b>{help_lines().contact_centre}</b>" in sent[-1].text
    assert any(word in sent[-1].text for word in ("free", "бесплатно", "тегін"))


@pytest.mark.parametrize("lang", LANGS)
async def test_a_reader_abroad_is_told_the_short_number_may_not_connect(app, chat, lang):
    abroad = translated(app, lang, ABROAD).format(number=help_lines().contact_centre)
    emigrant = await person(chat, lang, role="emigrant", user_id=521)
    [*_, answer] = await emigrant.send("how to get a work permit in Korea")
    assert abroad in answer.text
    migrant = await person(chat, lang, user_id=522)
    [*_, answer] = await migrant.send("сколько платить за патент в месяц")
    assert help_lines().contact_centre in answer.text and abroad not in answer.text


def test_no_text_but_the_help_lines_data_writes_the_number():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    for lang in LANGS:
        catalog = (root / "locales" / lang / "LC_MESSAGES" / "messages.po").read_text("utf-8")
        assert "1414" not in catalog, lang
    for path in (root / "bot" / "content").rglob("*.json"):
        if path.name != "helplines.json":
            assert "1414" not in path.read_text("utf-8"), path
