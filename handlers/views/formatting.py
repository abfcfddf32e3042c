"""A staff member's formatted message as the HTML Telegram accepts back.

aiogram's own HTML decoration writes attribute values as they come (a link address with
`"` or `&`, a code block's language with `<` give HTML that Telegram refuses) and marks a
code block's language with an attribute Telegram does not read. This one escapes every
attribute value and writes the language as `class="language-…"`, as Telegram documents.
"""

from __future__ import annotations

import html

from aiogram.types import Message
from aiogram.utils.text_decorations import HtmlDecoration


class SafeHtml(HtmlDecoration):
    def _tag(
        self,
        tag: str,
        content: str,
        *,
        attrs: dict[str, str] | None = None,
        flags: list[str] | None = None,
    ) -> str:
        safe = {name: html.escape(value, quote=True) for name, value in (attrs or {}).items()}
        return super()._tag(tag, content, attrs=safe, flags=flags)

    def pre_language(self, value: str, language: str) -> str:
        return self._tag(
            self.PRE_TAG, self._tag(self.CODE_TAG, value, attrs={"class": f"language-{language}"})
        )


SAFE_HTML = SafeHtml()


def html_of(message: Message) -> str:
    """The text or caption with its formatting, as valid HTML."""
    text = message.text if message.text is not None else message.caption
    if not text:
        return ""
    entities = message.entities if message.text is not None else message.caption_entities
    return SAFE_HTML.unparse(text, entities)
