"""Find catalogue terms in site texts as whole words, using jieba word segmentation.

Rule: a term matches a text when it occurs in the text (after normalisation) and both ends of
that occurrence fall on word boundaries of the text's segmentation, i.e. the term is a run of
whole words. "预算" thus matches "2024年部门预算公开" (部门|预算|公开) but not "预算外资金管理"
(预算外|资金|管理) nor "统计" inside "统计局". A plain substring test would accept both
near-misses; requiring the term's own tokens to equal the text's tokens would miss "信息公开指南"
inside "政府信息公开指南" whenever segmentation differs at the edges.

Segmentation uses a private jieba Tokenizer (the global one is left untouched for other code),
loaded once per process, with every profile synonym added as a word so that terms are cut as
units and their edges become boundaries: plain jieba cuts "区政府信息公开制度" as 区政府|信息|…,
which would hide the left edge of "政府信息公开制度". A word added that way is
expanded back into its plain-dictionary pieces when boundaries are collected, so adding
"部门预算" never hides the boundary that lets "预算" match inside it.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterable
from functools import cache, lru_cache

import jieba


def normalize(text: str) -> str:
    """Return text in NFKC form (full-width → half-width), lower-cased, without spaces and
    punctuation (sites write “三公”经费 or 《预算》; quotes and brackets are not words)."""
    text = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch)[0] != "P")


@cache
def _segmenter() -> tuple[jieba.Tokenizer, dict[str, list[str]]]:
    """Build the tokenizer once: plain dictionary plus the profiles' terms as words."""
    from checks.profiles import all_terms

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    pieces: dict[str, list[str]] = {}
    for term in map(normalize, all_terms()):
        parts = tokenizer.lcut(term, HMM=False)
        if len(parts) > 1:  # single dictionary words are left alone (no frequency boost)
            pieces[term] = parts
    for term in pieces:
        tokenizer.add_word(term)
    return tokenizer, pieces


def tokens(text: str) -> list[str]:
    """Return the segmentation of a (normalised) text, with added terms split into pieces."""
    tokenizer, pieces = _segmenter()
    out: list[str] = []
    # HMM off: only dictionary words, so segmentation does not guess new words across terms.
    for word in tokenizer.cut(normalize(text), HMM=False):
        out.extend(pieces.get(word, [word]))
    return out


@lru_cache(maxsize=200_000)
def boundaries(text: str) -> frozenset[int]:
    """Return the character offsets where words of a normalised text begin or end."""
    offsets = {0}
    pos = 0
    for piece in tokens(text):
        pos += len(piece)
        offsets.add(pos)
    return frozenset(offsets)


def matches(term: str, text: str) -> bool:
    """Return whether `term` occurs in `text` as a run of whole words."""
    return _matches(normalize(term), normalize(text))


def _matches(needle: str, hay: str) -> bool:
    """Whole-word test on already normalised strings."""
    if not needle or needle not in hay:
        return False
    edges = boundaries(hay)
    start = hay.find(needle)
    while start != -1:
        if start in edges and start + len(needle) in edges:
            return True
        start = hay.find(needle, start + 1)
    return False


class Haystack:
    """A site's texts, normalised once, searched for many terms."""

    def __init__(self, texts: Iterable[str]) -> None:
        self.texts = [(text, normalize(text)) for text in dict.fromkeys(texts)]

    def __len__(self) -> int:
        return len(self.texts)

    def find(self, terms: Iterable[str]) -> tuple[str, str] | None:
        """Return the first (term, text) pair, in the given orders, where the term matches."""
        for term in terms:
            needle = normalize(term)
            for text, hay in self.texts:
                if _matches(needle, hay):
                    return term, text
        return None

    def matching(self, terms: Iterable[str]) -> list[str]:
        """Return every text that some term matches, in the haystack's order."""
        needles = [normalize(t) for t in terms]
        return [text for text, hay in self.texts if any(_matches(n, hay) for n in needles)]


def find_match(terms: Iterable[str], texts: Iterable[str]) -> tuple[str, str] | None:
    """Return the first (term, text) pair where a term matches a text, or None."""
    return Haystack(texts).find(terms)
