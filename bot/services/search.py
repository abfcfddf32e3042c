"""Typed questions answered from the knowledge base: an in-memory SQLite FTS5 index ranked by
BM25, over stemmed words (bot/rules/language.py), with typos corrected by rapidfuzz against
the index's own vocabulary.

Documents are built by the handlers' views from the same data and catalog texts the guides
show, plus hand-written paraphrase questions (bot/content/answers.json). The index lives in
the process (a few MB), so it behaves the same whatever the database is, and is rebuilt at
start-up, when the content is loaded.

A hit needs enough of the question's meaningful words in the document (`MIN_COVERAGE`) and
a BM25 score above `MIN_SCORE`; below both the bot says it does not know.

Ranking: the answer with the most of the question's meaning first. A word counts fully in an
answer's title or paraphrase questions, half in its body text only (the privacy page's "I do
not store passport numbers" is not about passports); a word naming a country counts only on
that country's pages; another role's answers count OTHER_ROLE_SHARE. Ties go to the answer
whose own title has the words ("register": "Registration on arrival" before "Moving to a new
address"), then to BM25.
"""

from __future__ import annotations

import bisect
import math
import re
import sqlite3
import statistics
from collections import Counter
from dataclasses import dataclass, field

from bot.rules.language import (
    content_stems,
    cyrillic_readings,
    is_cyrillic,
    is_latin,
    kazakh_stem,
    kazakh_stopword,
    looks_latin_kazakh,
    stems,
    words,
)
from bot.rules.scripts import to_cyrillic

ARABIC_SCRIPT = re.compile("[\u0600-\u06ff]")
HEADING_WEIGHT = 8.0  # BM25: the answer's own title (what the user sees) counts most,
TITLE_WEIGHT = 4.0  # then the paraphrase questions, then body text (1)
BODY_SHARE = 0.5  # a word found only in the body text is worth this share of its meaning
OTHER_ROLE_SHARE = 0.8  # an answer from another role's guides: its meaning counts this much
MIN_COVERAGE = 0.4  # share of the question's meaning (its words, by weight) the best has
MIN_SCORE = 0.5  # BM25: only a match on nothing but the most common words is below
MIN_MATCHED = 6.0  # ... or this much meaning (two or three telling words) in a long question
MIN_LONG_COVERAGE = 0.2
MIN_OTHER_COVERAGE = 0.2  # the second and third answers shown need at least this
TYPO_CUTOFF = 86  # rapidfuzz ratio for a misspelt word to take a known stem's place
TYPO_MIN_LENGTH = 5  # shorter words are too easily taken for others
FAMILY_MIN = 4  # stems this long match their family (see SearchIndex._family)
FAMILY_LETTERS = 2
FAMILY_SHARE = 0.7  # a relative is worth this share of the word
ROOT_MIN = 4  # the shortest root a title is looked for by (see SearchIndex._roots)
CANDIDATES = 30
LONG_QUESTION = 8  # words: a message this long tells a story around its question
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
    heading: str = ""  # the title the user sees, every language (also in `title`)


@dataclass(frozen=True)
class Word:
    """A word of a question: the stems it may have, and their families."""

    stems: tuple[str, ...]
    family: tuple[str, ...]
    roots: tuple[str, ...] = ()

    def share(self, found: frozenset[str]) -> float:
        """How much of the word a document's stems have: all, or FAMILY_SHARE for a
        relative (the word stemmed a little differently), or none."""
        if found.intersection(self.stems):
            return 1.0
        return FAMILY_SHARE if found.intersection(self.family) else 0.0


@dataclass(frozen=True)
class Hit:
    id: str
    score: float  # BM25
    coverage: float  # the share of the question's meaning the document has
    matched: float  # how much meaning that is (the weights of the words it has)
    headed: float = 0.0  # how much of it is in the answer's own title


@dataclass
class SearchIndex:
    documents: list[Document]
    _db: sqlite3.Connection = field(init=False, repr=False)
    _stems: dict[str, frozenset[str]] = field(init=False, repr=False)
    _titled: dict[str, frozenset[str]] = field(init=False, repr=False)  # heading and questions
    _headings: dict[str, frozenset[str]] = field(init=False, repr=False)
    _country_stems: dict[str, frozenset[str]] = field(init=False, repr=False)
    _vocabulary: list[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._db.execute(
            "CREATE VIRTUAL TABLE docs USING fts5(key UNINDEXED, heading, title, body, "
            "tokenize = 'unicode61 remove_diacritics 0')"
        )
        self._stems, self._titled, self._headings, self._country_stems = {}, {}, {}, {}
        rows = []
        vocabulary: set[str] = set()
        for document in self.documents:
            heading = content_stems(document.heading)
            title, body = content_stems(document.title), content_stems(document.body)
            self._stems[document.id] = frozenset((*heading, *title, *body))
            self._titled[document.id] = frozenset((*heading, *title))
            self._headings[document.id] = frozenset(heading)
            self._country_stems[document.id] = frozenset(content_stems(document.country_names))
            vocabulary.update(heading, title, body)
            rows.append((document.id, " ".join(heading), " ".join(title), " ".join(body)))
        self._db.executemany("INSERT INTO docs VALUES (?, ?, ?, ?)", rows)
        self._vocabulary = sorted(vocabulary)
        frequency = Counter(stem for stems in self._stems.values() for stem in stems)
        total = len(self.documents)
        # how much a word tells: rare words much, words in every document little, and a word
        # the knowledge base does not have at all the most (asking about it, the question
        # is about something else)
        self._weights = {stem: math.log(1 + total / n) for stem, n in frequency.items()}
        self._unknown_weight = math.log(1 + total)
        self._common_weight = statistics.median(self._weights.values()) if self._weights else 1.0
        self._country_of = {d.id: d.country for d in self.documents}
        self._any_country = frozenset().union(*self._country_stems.values())
        self._page_countries = {d.country for d in self.documents if d.country}
        self._typos: dict[str, str] = {}  # misspelt stem -> the known stem it stands for
        self._families: dict[str, tuple[str, ...]] = {}  # stem -> its family (see _family)

    def __len__(self) -> int:
        return len(self.documents)

    def query_words(self, text: str) -> list[Word]:
        """The question's words, each as its possible stems, a misspelt one replaced by the
        nearest known stem; a Latin word also read as Kazakh (every reading, see
        bot/rules/language.py), as far as the knowledge base knows that reading; with the
        stems' families (see `_family`). Arabic-script Kazakh is read in Cyrillic first."""
        if ARABIC_SCRIPT.search(text):
            text = to_cyrillic(text)
        found = words(text)[:MAX_WORDS]
        kazakh = looks_latin_kazakh(text) or self._reads_as_kazakh(found)
        asked: list[Word] = []
        for word in found:
            if is_latin(word) and not is_cyrillic(word):
                alternatives = self._latin(word, kazakh)
            else:
                alternatives = tuple(dict.fromkeys(self._known(stem) for stem in stems(word)))
            family = tuple(dict.fromkeys(s for stem in alternatives for s in self._family(stem)))
            if alternatives and all(alternatives != word.stems for word in asked):  # once
                asked.append(Word(alternatives, family, self._roots(alternatives)))
        return asked

    def _readings(self, word: str) -> tuple[str, ...]:
        return tuple(
            dict.fromkeys(
                stem for reading in cyrillic_readings(word) if len(stem := kazakh_stem(reading)) > 1
            )
        )

    def _reads_as_kazakh(self, found: list[str]) -> bool:
        """More Latin words the knowledge base knows read as Kazakh than as English."""
        kazakh = english = 0
        for word in found:
            if not is_latin(word) or not (stem := stems(word)):
                continue
            as_english = stem[0] in self._weights
            as_kazakh = any(reading in self._weights for reading in self._readings(word))
            kazakh += as_kazakh and not as_english
            english += as_english and not as_kazakh
        return kazakh > english

    def _latin(self, word: str, kazakh: bool) -> tuple[str, ...]:
        english = stems(word)  # () for an English question word or filler
        if not english or (kazakh and kazakh_stopword(word)):
            return ()
        known = [stem for stem in english if stem in self._weights]
        if kazakh or not known:
            readings = self._readings(word)
            known += [stem for stem in readings if stem in self._weights]
            if not known and kazakh and readings:
                known = [self._known(readings[0])]
        if not known:
            known = [self._known(english[0])]
        return tuple(dict.fromkeys(known))

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

    def _family(self, stem: str) -> tuple[str, ...]:
        """The stem, the known stem a letter shorter and the known stems one or two letters
        longer: the same word stemmed a little differently ("regist"/"registr",
        "тиркел"/"тирке"); they match at FAMILY_SHARE."""
        if len(stem) < FAMILY_MIN:
            return (stem,)
        if stem in self._families:
            return self._families[stem]
        shorter = (stem[:-1],)  # one letter: two would make "калайс" a "кала"
        family = [stem, *(s for s in shorter if len(s) >= FAMILY_MIN and s in self._weights)]
        at = bisect.bisect_right(self._vocabulary, stem)
        while at < len(self._vocabulary) and self._vocabulary[at].startswith(stem):
            if len(self._vocabulary[at]) - len(stem) <= FAMILY_LETTERS:
                family.append(self._vocabulary[at])
            at += 1
        found = tuple(family)
        if len(self._families) < MAX_TYPOS:
            self._families[stem] = found
        return found

    @staticmethod
    def _roots(stems: tuple[str, ...]) -> tuple[str, ...]:
        """The stems one or two letters shorter ("тиркел" -> "тирк"): only to tell whether an
        answer's own title has the word, never whether the answer matches."""
        return tuple(
            stem[:-cut]
            for stem in stems
            for cut in range(1, FAMILY_LETTERS + 1)
            if len(stem) - cut >= ROOT_MIN
        )

    def _weight(self, word: Word, unknown: float) -> float:
        return max(self._weights.get(stem, unknown) for stem in word.stems)

    def search(
        self,
        text: str,
        country: str | None = None,
        limit: int = 3,
        others: frozenset[str] = frozenset(),
    ) -> list[Hit]:
        """The best documents for a question, most relevant first; empty when nothing
        matches well enough. Rights pages of other countries than the user's are left out,
        unless the question names that country; `others` (answers from another role's
        guides) rank below the asker's own that match as well."""
        asked = self.query_words(text)
        looked_up = list(dict.fromkeys(stem for word in asked for stem in word.family))
        if not looked_up:
            return []
        match = " OR ".join(f'"{stem}"' for stem in looked_up)
        weighting = "bm25(docs, 0.0, ?, ?, 1.0)"
        rows = self._db.execute(
            f"SELECT key, {weighting} FROM docs WHERE docs MATCH ? ORDER BY {weighting} LIMIT ?",
            (HEADING_WEIGHT, TITLE_WEIGHT, match, HEADING_WEIGHT, TITLE_WEIGHT, CANDIDATES),
        ).fetchall()
        wanted = set(looked_up)
        # in a long message, words the knowledge base lacks are mostly the asker's story,
        # not another subject: they weigh as much as a common known word, not the most
        unknown = self._unknown_weight if len(asked) < LONG_QUESTION else self._common_weight
        weights = [self._weight(word, unknown) for word in asked]
        total = sum(weights)
        # a word naming a country chooses that country's pages; elsewhere it means nothing
        # ("I lost my passport in Korea" is not about a page that happens to say "Korea")
        naming = [bool(self._any_country.intersection(word.stems)) for word in asked]
        hits: list[Hit] = []
        for key, rank in rows:
            if not self._allowed(key, country, wanted):
                continue
            has, titled, heading = self._stems[key], self._titled[key], self._headings[key]
            matched = headed = 0.0
            own = self._country_stems[key]
            for word, weight, names in zip(asked, weights, naming, strict=True):
                if names:  # counts on that country's own pages (the page is about it)
                    matched += weight if own.intersection(word.family) else 0.0
                    continue
                if titled.intersection(word.family):
                    matched += weight * word.share(titled)
                    headed += weight if heading.intersection((*word.family, *word.roots)) else 0
                elif has.intersection(word.family):  # only in passing, in the body text
                    matched += weight * word.share(has) * BODY_SHARE
            hits.append(Hit(key, -rank, matched / total, matched, headed))

        def order(hit: Hit) -> tuple[float, float]:
            """The most meaning matched first (less for another role's answers), then the
            answer whose own title has the most of it; BM25 (the order they came in) last."""
            share = OTHER_ROLE_SHARE if hit.id in others else 1.0
            return round(hit.matched * share, 1), round(hit.headed, 1)

        hits.sort(key=order, reverse=True)
        if not hits or not self._enough(hits[0]):
            return []
        others_shown = [hit for hit in hits[1:] if hit.coverage >= MIN_OTHER_COVERAGE]
        return [hits[0], *others_shown][:limit]

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
