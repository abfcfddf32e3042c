"""Typed questions answered from the knowledge base: an in-memory SQLite FTS5 index ranked by
BM25, over stemmed words (bot/rules/language.py), with typos corrected by rapidfuzz against
the index's own vocabulary.

Documents are built by the handlers' views from the same data and catalog texts the guides
show, plus hand-written paraphrase questions (bot/content/answers.json). The index lives in
the process (a few MB), so it behaves the same whatever the database is, and is rebuilt at
start-up, when the content is loaded.

A hit needs enough of the question's meaningful words in the document (`MIN_COVERAGE`) and
a BM25 score above `MIN_SCORE`; below both the bot says it does not know.
"""

from __future__ import annotations

import math
import sqlite3
from collections import Counter
from dataclasses import dataclass, field

from bot.rules.language import content_stems, latin_to_cyrillic, looks_latin_kazakh, word_stems

TITLE_WEIGHT = 4.0  # titles and paraphrase questions count more than body text
MIN_COVERAGE = 0.4  # share of the question's meaning (its words, by weight) the best has
MIN_SCORE = 0.5  # BM25: only a match on nothing but the most common words is below
MIN_MATCHED = 6.0  # ... or this much meaning (two or three telling words) in a long question
MIN_LONG_COVERAGE = 0.2
MIN_OTHER_COVERAGE = 0.2  # the second and third answers shown need at least this
TYPO_CUTOFF = 86  # rapidfuzz ratio for a misspelt word to take a known stem's place
TYPO_MIN_LENGTH = 5  # shorter words are too easily taken for others
CANDIDATES = 30
MAX_WORDS = 40  # a question's words looked at: a long message is not read to the end
MAX_TYPOS = 50_000  # typo corrections remembered
GENERAL = "XX"  # the rights guide for a country without a page


@dataclass(frozen=True)
class Document:
    id: str
    title: str  # titles and paraphrase questions, every language
    body: str  # the texts the guide shows, every language
    country: str | None = None  # a rights page's country
    country_names: str = ""  # the country's names in every language


@dataclass(frozen=True)
class Hit:
    id: str
    score: float  # BM25
    coverage: float  # the share of the question's meaning the document has
    matched: float  # how much meaning that is (the weights of the words it has)


@dataclass
class SearchIndex:
    documents: list[Document]
    _db: sqlite3.Connection = field(init=False, repr=False)
    _stems: dict[str, frozenset[str]] = field(init=False, repr=False)
    _country_stems: dict[str, frozenset[str]] = field(init=False, repr=False)
    _vocabulary: list[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._db.execute(
            "CREATE VIRTUAL TABLE docs USING fts5(key UNINDEXED, title, body, "
            "tokenize = 'unicode61 remove_diacritics 0')"
        )
        self._stems, self._country_stems = {}, {}
        rows = []
        vocabulary: set[str] = set()
        for document in self.documents:
            title, body = content_stems(document.title), content_stems(document.body)
            self._stems[document.id] = frozenset((*title, *body))
            self._country_stems[document.id] = frozenset(content_stems(document.country_names))
            vocabulary.update(title, body)
            rows.append((document.id, " ".join(title), " ".join(body)))
        self._db.executemany("INSERT INTO docs VALUES (?, ?, ?)", rows)
        self._vocabulary = sorted(vocabulary)
        frequency = Counter(stem for stems in self._stems.values() for stem in stems)
        total = len(self.documents)
        # how much a word tells: rare words much, words in every document little, and a word
        # the knowledge base does not have at all the most (asking about it, the question
        # is about something else)
        self._weights = {stem: math.log(1 + total / n) for stem, n in frequency.items()}
        self._unknown_weight = math.log(1 + total)
        self._country_of = {d.id: d.country for d in self.documents}
        self._page_countries = {d.country for d in self.documents if d.country}
        self._typos: dict[str, str] = {}  # misspelt stem -> the known stem it stands for

    def __len__(self) -> int:
        return len(self.documents)

    def query_words(self, text: str) -> list[tuple[str, ...]]:
        """The question's words, each as its possible stems, a misspelt one replaced by the
        nearest known stem, and a Latin-script Kazakh question read in Cyrillic too."""
        found = word_stems(text)[:MAX_WORDS]
        if looks_latin_kazakh(text):
            found += word_stems(latin_to_cyrillic(text))[:MAX_WORDS]
        return [tuple(dict.fromkeys(self._known(stem) for stem in word)) for word in found]

    def _known(self, stem: str) -> str:
        if stem in self._weights or len(stem) < TYPO_MIN_LENGTH:
            return stem
        if stem in self._typos:
            return self._typos[stem]
        from rapidfuzz import fuzz, process  # imported when the first typo needs it

        near = process.extractOne(
            stem, self._vocabulary, scorer=fuzz.ratio, score_cutoff=TYPO_CUTOFF
        )
        known = near[0] if near else stem
        if len(self._typos) < MAX_TYPOS:
            self._typos[stem] = known
        return known

    def _weight(self, word: tuple[str, ...]) -> float:
        return max(self._weights.get(stem, self._unknown_weight) for stem in word)

    def search(self, text: str, country: str | None = None, limit: int = 3) -> list[Hit]:
        """The best documents for a question, most relevant first; empty when nothing
        matches well enough. Rights pages of other countries than the user's are left out,
        unless the question names that country."""
        asked = self.query_words(text)
        stems = list(dict.fromkeys(stem for word in asked for stem in word))
        if not stems:
            return []
        match = " OR ".join(f'"{stem}"' for stem in stems)
        rows = self._db.execute(
            "SELECT key, bm25(docs, 0.0, ?, 1.0) FROM docs WHERE docs MATCH ? "
            "ORDER BY bm25(docs, 0.0, ?, 1.0) LIMIT ?",
            (TITLE_WEIGHT, match, TITLE_WEIGHT, CANDIDATES),
        ).fetchall()
        wanted = set(stems)
        weights = [self._weight(word) for word in asked]
        total = sum(weights)
        hits: list[Hit] = []
        for key, rank in rows:
            if not self._allowed(key, country, wanted):
                continue
            has = self._stems[key]
            pairs = zip(asked, weights, strict=True)
            matched = sum(weight for word, weight in pairs if has.intersection(word))
            hits.append(Hit(key, -rank, matched / total, matched))
        # the most meaning matched first; BM25 (the order they came in) breaks ties
        hits.sort(key=lambda hit: round(hit.matched, 1), reverse=True)
        if not hits or not self._enough(hits[0]):
            return []
        others = [hit for hit in hits[1:] if hit.coverage >= MIN_OTHER_COVERAGE]
        return [hits[0], *others][:limit]

    @staticmethod
    def _enough(hit: Hit) -> bool:
        """Most of the question found, or a long question's several telling words."""
        if hit.score < MIN_SCORE:
            return False
        return hit.coverage >= MIN_COVERAGE or (
            hit.matched >= MIN_MATCHED and hit.coverage >= MIN_LONG_COVERAGE
        )

    def _allowed(self, key: str, country: str | None, stems: set[str]) -> bool:
        page_country = self._country_of.get(key)
        if page_country is None or page_country == country:
            return True
        if stems & self._country_stems[key]:
            return True  # the question names the country
        # the general guide, for someone whose country has no page of its own
        return page_country == GENERAL and country not in self._page_countries
