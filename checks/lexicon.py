"""Operator lexicons (sensitive words, leaders' names and titles, obsolete terms) and their scan.

A lexicon is a YAML file an operator edits (config/lexicons/*.yaml, named from a rule's
`lexicons:` relative to the config directory) or an inline `terms:` list in the rule:

    category: 机构名称过时          # default category of the entries
    status: fail                   # fail | warn for a hit
    mask: false                    # true: findings show hits masked (赌**), for offensive words
    allow_prefixes: [原]           # 原国家工商总局 is a correct historical reference
    terms:
      - 国家工商总局                 # a literal term, matched as whole words
      - {term: 国家卫生计生委, replacement: 国家卫生健康委员会, since: 2018-03-27}
      - {regex: '国家(?:质检|食药监)总局', replacement: 国家市场监督管理总局}

Scanning (issue 7: never tokenise every article): each text is normalised as
checks.matching.normalize does (NFKC, lower case, no spaces or punctuation, so 国家 工商总局 and
“国家工商总局” both hit) and searched once with a single trie-shaped regex of every literal term
(one alternation, shared prefixes merged). Only when that finds something is the text mapped
back to its original offsets and each hit confirmed with jieba: the hit's ends must be word
boundaries of the segmentation of a short window around it (checks.matching.boundaries), so
预算 is not found inside 预算外资金. `regex:` entries run on the original text with the time
limit of checks.patterns (a catastrophic pattern is reported, never hangs the run).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PositiveInt,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)
from ruamel.yaml.comments import CommentedMap

from checks.matching import boundaries, normalize
from checks.patterns import REGEX_PREFIX, Pattern, PatternTimeout, mask_term, parse

__all__ = [
    "Hit",
    "LexiconError",
    "LexiconParams",
    "PatternTimeout",
    "Scanner",
    "Term",
    "TermEntry",
    "TermField",
    "as_entries",
    "compact",
    "load_lexicon",
    "resolve",
    "scanner",
    "to_terms",
]

# Characters of normalised text on each side of a hit that jieba segments to confirm it: wide
# enough for the words touching the hit (Chinese words are rarely longer than 4-7 characters).
WINDOW = 12

HitStatus = Literal["fail", "warn"]


class LexiconError(ValueError):
    """A lexicon file cannot be read or has an invalid entry (message in Chinese, with file:line)."""


def as_entries(value: Any) -> Any:
    """Pydantic before-validator: turn bare strings into entries (`regex:EXPR` or a term), so a
    list mixes both and a mistake is reported once, at its entry."""
    if not isinstance(value, list):
        return value
    out = []
    for item in value:
        if isinstance(item, str):
            regex = item.startswith(REGEX_PREFIX)
            item = {"regex": item[len(REGEX_PREFIX) :]} if regex else {"term": item}
        out.append(item)
    return out


class TermEntry(BaseModel):
    """One lexicon entry as written: a literal `term` or a `regex`, with its metadata."""

    model_config = ConfigDict(extra="forbid")

    term: str | None = None
    regex: str | None = None
    category: str | None = None  # default: the lexicon's (or the rule's) category
    replacement: str | None = None  # what to write instead (旧机构名 → 新机构名)
    # The day the term became wrong (the new name's 挂牌 day): hits on pages dated before it were
    # correct when published and are not reported; undated pages are.
    since: dt.date | None = None
    word: bool = True  # false: plain substring (no jieba boundary test)
    note: str | None = None  # for the operator; shown in evidence

    @model_validator(mode="after")
    def _one_of(self) -> TermEntry:
        if (self.term is None) == (self.regex is None):
            raise ValueError("每个词条须且只须填写 term（词语）或 regex（正则表达式）之一")
        if self.term is not None and not normalize(self.term):
            raise ValueError(f"词语“{self.term}”去掉空格和标点后为空")
        if self.regex is not None:
            parse([REGEX_PREFIX + self.regex])  # raises ValueError (Chinese) when it won't compile
        return self


# Entries as written: terms, `regex:` strings and mappings mixed.
Entries = Annotated[list[TermEntry], BeforeValidator(as_entries)]


class LexiconFile(BaseModel):
    """A lexicon file: defaults for its entries, then the entries."""

    model_config = ConfigDict(extra="forbid")

    category: str = Field(default="禁用词", min_length=1)
    status: HitStatus = "fail"
    mask: bool = False
    allow_prefixes: list[str] = Field(default_factory=list)
    terms: Entries = Field(min_length=1)


@dataclass(frozen=True)
class Term:
    """One term ready to scan: the entry with its lexicon's defaults applied."""

    text: str  # the literal term, or `regex:EXPR`
    category: str
    replacement: str | None = None
    since: dt.date | None = None
    word: bool = True
    mask: bool = False
    status: HitStatus = "fail"
    allow_prefixes: tuple[str, ...] = ()
    source: str = "规则参数"  # where it is written: lexicons/x.yaml:12, or the rule's params
    note: str | None = None

    @property
    def is_regex(self) -> bool:
        """Return whether the term is a `regex:` expression."""
        return self.text.startswith(REGEX_PREFIX)

    @property
    def shown(self) -> str:
        """Return the term as a report may show it (masked when its lexicon says so)."""
        return mask_term(self.text) if self.mask else self.text


def to_terms(
    entries: Sequence[TermEntry],
    *,
    category: str,
    status: HitStatus = "fail",
    mask: bool = False,
    allow_prefixes: Sequence[str] = (),
    source: str = "规则参数",
    lines: Sequence[int] | None = None,
) -> list[Term]:
    """Return the entries as Terms with the given defaults (the lexicon's or the rule's)."""
    prefixes = tuple(p for p in (normalize(x) for x in allow_prefixes) if p)
    return [
        Term(
            text=entry.term if entry.term is not None else REGEX_PREFIX + (entry.regex or ""),
            category=entry.category or category,
            replacement=entry.replacement,
            since=entry.since,
            word=entry.word,
            mask=mask,
            status=status,
            allow_prefixes=prefixes,
            source=f"{source}:{lines[i]}" if lines is not None else source,
            note=entry.note,
        )
        for i, entry in enumerate(entries)
    ]


# ---------------------------------------------------------------------------------------------
# Lexicon files


# The lexicons shipped with gongkai (config/lexicons/ of the repository): a config directory
# that copies the rule packs but not the lexicons still finds the ones the packs name.
SHIPPED_CONFIG = Path(__file__).resolve().parents[1] / "config"


def resolve(name: str, root: Path | None) -> Path | None:
    """Return a lexicon path: absolute as written, else under the config directory, else the
    shipped copy of that relative path (None if relative and no config directory is known)."""
    path = Path(name)
    if path.is_absolute():
        return path
    if root is None:
        return None
    own = root / path
    shipped = SHIPPED_CONFIG / path
    return shipped if not own.exists() and shipped.is_file() else own


def load_lexicon(path: Path, display: str | None = None) -> tuple[Term, ...]:
    """Return a lexicon file's terms; raise LexiconError (Chinese, file:line) when it is bad."""
    try:
        stat = path.stat()
    except OSError as exc:
        raise LexiconError(f"找不到词表文件 {display or path}") from exc
    # Cached by modification time and size: a rule is validated once per site and run.
    return _load(path.resolve(), display or str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=64)
def _load(path: Path, display: str, _mtime: int, _size: int) -> tuple[Term, ...]:
    """Read and validate one lexicon file (cached on path, mtime and size) with the config
    loader's reader, so its mistakes read like any config mistake: file:line: message."""
    import conf

    loader = conf._Loader(path.parent)
    src = conf._read_yaml(path, display, loader.problems)
    lexicon = None
    if src is not None:
        if not isinstance(src.node, CommentedMap):
            loader.add(src, 1, "词表文件应为映射，至少包含 terms: 列表（每行一个词语）")
        else:
            lexicon = loader.validate(LexiconFile, src.node, src, 1, "")
    if lexicon is None or src is None:
        raise LexiconError("；".join(str(p) for p in loader.problems))
    seq = src.node.get("terms")
    return tuple(
        to_terms(
            lexicon.terms,
            category=lexicon.category,
            status=lexicon.status,
            mask=lexicon.mask,
            allow_prefixes=lexicon.allow_prefixes,
            source=display,
            lines=[conf._key_line(seq, i, 1) for i in range(len(lexicon.terms))],
        )
    )


# The texts a term kind can search: `body` is each HTML page's whole stored main text (read on
# demand), `footer` what the page footer shows (主办单位, 网站标识码 …).
TermField = Literal["title", "column", "link_text", "body", "footer"]


class LexiconParams(BaseModel):
    """Parameters shared by term_forbidden and term_required: where the terms come from."""

    model_config = ConfigDict(extra="forbid")

    # Lexicon files, relative to the config directory (e.g. lexicons/obsolete-names.yaml).
    lexicons: list[str] = Field(default_factory=list)
    # Inline entries: a term, `regex:EXPR`, or a mapping as in a lexicon file.
    terms: Entries = Field(default_factory=list)
    # Defaults for the inline entries (a lexicon file sets its own).
    category: str = Field(default="禁用词", min_length=1)
    status: HitStatus = "fail"
    mask: bool = False
    allow_prefixes: list[str] = Field(default_factory=list)
    scope: Literal["site", "home"] = "site"  # home: only texts shown on the home page
    regex_timeout_ms: PositiveInt = 200  # per text; a slower regex is reported, not run on

    _terms: tuple[Term, ...] = PrivateAttr(default=())
    _unresolved: tuple[str, ...] = PrivateAttr(default=())

    @field_validator("lexicons")
    @classmethod
    def _valid_lexicons(cls, value: list[str], info: ValidationInfo) -> list[str]:
        root = _config_root(info)
        for name in value:
            path = resolve(name, root)
            if path is not None:
                load_lexicon(path, name)  # LexiconError (a ValueError) names file and line
        return value

    @model_validator(mode="after")
    def _collect(self, info: ValidationInfo) -> LexiconParams:
        root = _config_root(info)
        terms = to_terms(
            self.terms,
            category=self.category,
            status=self.status,
            mask=self.mask,
            allow_prefixes=self.allow_prefixes,
        )
        unresolved = []
        for name in self.lexicons:
            path = resolve(name, root)
            if path is None:
                unresolved.append(name)
            else:
                terms.extend(load_lexicon(path, name))
        self._terms = tuple(dict.fromkeys(terms))
        self._unresolved = tuple(unresolved)
        return self

    def rule_terms(self) -> tuple[Term, ...]:
        """Return every term of the rule (inline first, then each lexicon in order).

        Raises LexiconError when a lexicon path is relative and no config directory was given
        to validation (checks.runner.evaluate passes it; a bare model_validate does not).
        """
        if self._unresolved:
            raise LexiconError(
                f"词表 {'、'.join(self._unresolved)} 是相对路径，但未提供配置目录，无法读取"
            )
        return self._terms


def _config_root(info: ValidationInfo) -> Path | None:
    """Return the config directory given to validation (conf and checks.runner pass it)."""
    context = info.context if isinstance(info.context, dict) else {}
    root = context.get("config_root")
    return Path(root) if root is not None else None


# ---------------------------------------------------------------------------------------------
# Scanning


@cache
def _classes() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Return (drop, keep) regexes: what checks.matching.normalize drops (whitespace and
    punctuation of the BMP) as one C-speed character class, and its complement. Built on first
    use (scanning 65,536 characters costs ~25 ms)."""
    chars = "".join(
        chr(c)
        for c in range(0x10000)
        if chr(c).isspace() or unicodedata.category(chr(c)).startswith("P")
    )
    return re.compile("[" + re.escape(chars) + "]+"), re.compile("[^" + re.escape(chars) + "]+")


def compact(text: str) -> str:
    """Return text as checks.matching.normalize does, fast: drop spaces and punctuation, NFKC
    only when something needs it (most Chinese text does not once punctuation is gone)."""
    return _compact(text)[0]


# A site's texts are scanned by each of its lexicon rules in turn (term_forbidden once per
# word list): each text is compacted once (issue 7). Bounded by characters, not entries, since
# a main text may be long: the memo is emptied when it would pass MEMO_CHARS.
MEMO_CHARS = 8_000_000
_memo: dict[str, tuple[str, bool]] = {}
_memo_chars = 0


def clear_compact_memo() -> None:
    """Forget every compacted text (a benchmark round that must start cold)."""
    global _memo_chars
    _memo.clear()
    _memo_chars = 0


def _compact(text: str) -> tuple[str, bool]:
    """Return compact(text) and whether it is only `text` without the dropped characters (no
    NFKC change, lower-casing kept every length), so offsets map back by the dropped runs."""
    global _memo_chars
    hit = _memo.get(text)
    if hit is not None:
        return hit
    drop, _ = _classes()
    out = drop.sub("", text)
    if not unicodedata.is_normalized("NFKC", out):
        result = drop.sub("", unicodedata.normalize("NFKC", out)).lower(), False
    else:
        low = out.lower()
        result = low, len(low) == len(out)
    size = len(text) + len(result[0])
    if _memo_chars + size > MEMO_CHARS:
        _memo.clear()
        _memo_chars = 0
    if size <= MEMO_CHARS:
        _memo[text] = result
        _memo_chars += size
    return result


def _offsets(text: str) -> Callable[[int], int]:
    """Return the map from offsets of compact(text) to offsets in `text`, for a text that only
    loses its dropped characters: add the length of the dropped runs before (bisection)."""
    starts: list[int] = []  # each dropped run's position in the compact text
    shifts: list[int] = [0]  # characters dropped up to and including that run
    for m in _classes()[0].finditer(text):
        starts.append(m.start() - shifts[-1])
        shifts.append(shifts[-1] + m.end() - m.start())
    return lambda i: i + shifts[bisect_right(starts, i)]


def _compact_map(text: str) -> tuple[str, Callable[[int], int]]:
    """Return the normalised text and, character by character, where each came from: for text
    with full-width digits and letters or compatibility forms (NFKC changes them)."""
    chars: list[str] = []
    where: list[int] = []
    for m in _classes()[1].finditer(text):  # runs between spaces and punctuation
        run = m.group()
        low = run.lower()
        if len(low) == len(run) and unicodedata.is_normalized("NFKC", run):
            chars.append(low)
            where.extend(range(m.start(), m.end()))
            continue
        for i, ch in enumerate(run, m.start()):
            for c in normalize(ch):
                chars.append(c)
                where.append(i)
    return "".join(chars), where.__getitem__


def _trie_pattern(needles: Sequence[str]) -> str:
    """Return one regex matching any needle, shaped as a trie (shared prefixes merged, longest
    first), so one scan of a text tests every needle."""
    trie: dict[str, Any] = {}
    for needle in needles:
        node = trie
        for ch in needle:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        alts = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        # A needle ends here and longer ones go on: try the longer ones first.
        return f"(?:{body})?" if "" in node else body

    return build(trie)


@dataclass(frozen=True)
class Hit:
    """A confirmed hit of a term: its span in the original text."""

    term: Term
    start: int
    end: int


class Scanner:
    """Every term of a rule, compiled once: a trie regex of the literals plus the regexes."""

    def __init__(self, terms: Sequence[Term]) -> None:
        """Compile the terms (literals by normalised form; several terms may share one)."""
        self.terms = tuple(terms)
        self.literals: dict[str, list[Term]] = {}
        self.regexes: list[tuple[Term, Pattern]] = []
        for term in self.terms:
            if term.is_regex:
                self.regexes.append((term, Pattern(term.text)))
            else:
                self.literals.setdefault(normalize(term.text), []).append(term)
        needles = sorted(self.literals)
        self.trie = re.compile(_trie_pattern(needles)) if needles else None
        # A scan finds the longest needle at each position; shorter ones starting there too.
        known = set(needles)
        self.shorter = {
            n: [n[:k] for k in range(len(n) - 1, 0, -1) if n[:k] in known] for n in needles
        }

    def scan(self, text: str, timeout: float, skip: Collection[str] = ()) -> Iterator[Hit]:
        """Yield the confirmed hits in `text`: literals first, then regexes, each left to right.

        Raises PatternTimeout (its `args[0]` the `regex:` term) when a regex runs past
        `timeout` on this text; regex terms in `skip` are not run.
        """
        if not text:
            return
        if self.trie is not None:
            norm, simple = _compact(text)
            # Most texts hold no term: one C-speed search and nothing else.
            if (first := self.trie.search(norm)) is not None:
                yield from self._literal_hits(text, norm, simple, first)
        for term, pattern in self.regexes:
            if term.text in skip:
                continue
            for start, end in pattern.spans(text, timeout):
                if end > start and not _after_prefix(
                    normalize(text[max(0, start - 16) : start]), term
                ):
                    yield Hit(term, start, end)

    def _literal_hits(
        self, text: str, norm: str, simple: bool, first: re.Match[str]
    ) -> Iterator[Hit]:
        """Find every literal at every position from the first candidate on, confirm word
        boundaries, map offsets back to `text`."""
        assert self.trie is not None
        m: re.Match[str] | None = first
        if simple:
            where = _offsets(text)
        else:
            mapped, where = _compact_map(text)
            if mapped != norm:  # character-wise NFKC differs (combining marks): search it again
                norm, m = mapped, self.trie.search(mapped)
        while m is not None:
            s = m.start()
            for needle in (m.group(), *self.shorter[m.group()]):
                if norm.startswith(needle, s):
                    yield from self._confirm(needle, norm, s, where)
            m = self.trie.search(norm, s + 1)

    def _confirm(
        self, needle: str, norm: str, s: int, where: Callable[[int], int]
    ) -> Iterator[Hit]:
        """Yield the hits of `needle` at norm[s:] for each of its terms that accepts it."""
        e = s + len(needle)
        edges: frozenset[int] | None = None
        for term in self.literals[needle]:
            if _after_prefix(norm, term, s):
                continue
            if term.word:
                if edges is None:
                    lo = max(0, s - WINDOW)
                    window = boundaries(norm[lo : e + WINDOW])
                    edges = frozenset(x + lo for x in window)
                if s not in edges or e not in edges:
                    continue
            yield Hit(term, where(s), where(e - 1) + 1)


def _after_prefix(norm: str, term: Term, at: int | None = None) -> bool:
    """Return whether normalised text, up to a hit at `at` (default: its end), ends with one of
    the term's allowed prefixes (原国家工商总局 names the former agency correctly)."""
    end = len(norm) if at is None else at
    return any(norm.endswith(p, 0, end) for p in term.allow_prefixes)


@lru_cache(maxsize=32)
def scanner(terms: tuple[Term, ...]) -> Scanner:
    """Return the compiled Scanner of a rule's terms (cached: one compile per rule and run)."""
    return Scanner(terms)
