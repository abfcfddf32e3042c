"""The knowledge base as data files, validated by pydantic when first loaded."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel

CONTENT_DIR = Path(__file__).resolve().parent
M = TypeVar("M", bound=BaseModel)


class Sourced(BaseModel):
    """Every data file says where its facts come from and when they were checked.

    `source` is one text, or one per language ({"en": ..., "ru": ..., "kk": ...})."""

    source: str | dict[str, str]
    checked_on: str

    def source_in(self, locale: str) -> str:
        if isinstance(self.source, str):
            return self.source
        return self.source.get(locale) or self.source["en"]


@cache
def load(name: str, model: type[M]) -> M:
    return model.model_validate_json((CONTENT_DIR / name).read_text(encoding="utf-8"))
