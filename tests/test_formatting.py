"""A staff member's formatting comes back as HTML Telegram accepts, whatever the values hold."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from aiogram.types import Message

from handlers.views.formatting import html_of

TRICKY = 'a & b < c > "d"'  # in the text and in every value an entity carries
TELEGRAM_TAGS = {"b", "i", "u", "s", "code", "pre", "a", "tg-spoiler", "tg-emoji", "blockquote"}


class Reader(HTMLParser):
    """What Telegram reads: the tags, their attributes (unescaped) and the plain text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text = ""
        self.open: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self.open.append(tag)

    def handle_endtag(self, tag):
        assert self.open and self.open.pop() == tag, f"</{tag}> closes nothing"

    def handle_data(self, data):
        self.text += data


def message(**content) -> Message:
    return Message.model_validate(
        {"message_id": 1, "date": 0, "chat": {"id": 7, "type": "private"}, **content}
    )


def whole(kind: str, **values) -> list[dict]:
    return [{"type": kind, "offset": 0, "length": len(TRICKY), **values}]


@pytest.mark.parametrize(
    ("entities", "tag", "attrs"),
    [
        (whole("bold"), "b", {}),
        (whole("italic"), "i", {}),
        (whole("underline"), "u", {}),
        (whole("strikethrough"), "s", {}),
        (whole("spoiler"), "tg-spoiler", {}),
        (whole("code"), "code", {}),
        (whole("pre"), "pre", {}),
        (whole("blockquote"), "blockquote", {}),
        (whole("expandable_blockquote"), "blockquote", {"expandable": None}),
        (
            whole("text_link", url=f'https://x.kz/?a=1&b=<2>&c="{TRICKY}"'),
            "a",
            {"href": f'https://x.kz/?a=1&b=<2>&c="{TRICKY}"'},
        ),
        (whole("custom_emoji", custom_emoji_id='5&<"1'), "tg-emoji", {"emoji-id": '5&<"1'}),
    ],
)
def test_every_entity_kind_comes_back_as_valid_html(entities, tag, attrs):
    for shown in (
        message(text=TRICKY, entities=entities),
        message(caption=TRICKY, caption_entities=entities, photo=[]),
    ):
        reader = Reader()
        reader.feed(html_of(shown))
        reader.close()
        assert reader.open == []
        assert reader.text == TRICKY  # the text itself escaped, nothing lost
        assert reader.tags[0] == (tag, attrs)
        assert {t for t, _ in reader.tags} <= TELEGRAM_TAGS


def test_a_code_blocks_language_is_escaped_and_where_telegram_reads_it():
    shown = message(text=TRICKY, entities=whole("pre", language='py"<&'))
    reader = Reader()
    reader.feed(html_of(shown))
    assert reader.tags == [("pre", {}), ("code", {"class": 'language-py"<&'})]
    assert reader.text == TRICKY


def test_plain_text_and_an_empty_caption():
    assert html_of(message(text="1 < 2 & 3")) == "1 &lt; 2 &amp; 3"
    assert html_of(message(photo=[])) == ""
