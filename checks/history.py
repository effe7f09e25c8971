"""Finding history: mark each finding new or persisting against the site's previous complete run,
and list the previous run's problems that are gone (resolved), with the date first seen."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from checks.model import Finding, Outcome

# Statuses that carry history. A `pass` finding is not a problem, so it is neither new nor
# persisting.
TRACKED = frozenset({"fail", "warn", "error", "muted"})
# Only a problem that was open (不通过 or 警告) can be 已整改. An `error` that disappears means
# the rule could run again, and a muted finding was an accepted exception, not a defect to fix.
RESOLVABLE = frozenset({"fail", "warn"})

_SPACE = re.compile(r"\s+")


def normalise_subject(subject: str) -> str:
    """Return the subject as fingerprinted: NFKC, whitespace runs collapsed to one space, trimmed.

    NFKC folds full-width forms to their ASCII equivalents (（通知公告） → (通知公告), the
    ideographic space U+3000 → a space), so a site that retypes a column name with full-width
    brackets or extra spaces keeps its history. Case is kept: URL paths are case-sensitive.
    """
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", subject)).strip()


def fingerprint(site: str, rule: str, subject: str) -> str:
    """Return the stable identity of a problem across runs: a hash of (site, rule, subject).

    The subject is normalised first (normalise_subject); status, message and evidence are left
    out on purpose, so "栏目 227 天未更新" next week ("234 天") is the same problem, and a muted
    finding that starts failing again keeps its history. 16 hex digits (64 bits) of SHA-256:
    collisions are negligible among one site's findings of one rule.
    """
    text = "\x1f".join((site, rule, normalise_subject(subject)))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def finding_fingerprint(f: Finding) -> str:
    """Return a finding's fingerprint, computed from its site, rule and subject."""
    return fingerprint(f.site, f.rule, f.subject)


@dataclass(frozen=True)
class PreviousRun:
    """A site's previous complete run: its id, audit date and that run's findings on the site."""

    run_id: int
    as_of: dt.date
    findings: list[Finding] = field(default_factory=list)


@dataclass
class History:
    """What a check found against each site's previous complete run.

    `previous` maps every site of the run to the run it was compared with, as
    (run id, as_of ISO date), or None when the site had no earlier complete run (首次检查).
    `resolved` holds the previous runs' problems (不通过/警告) that this run no longer finds.
    """

    previous: dict[str, tuple[int, str] | None]
    resolved: list[Finding] = field(default_factory=list)


def _earliest(a: Finding, b: Finding) -> Finding:
    """Return whichever of two same-fingerprint findings was seen first (a on ties)."""
    if b.first_seen and (not a.first_seen or b.first_seen < a.first_seen):
        return b
    return a


def annotate(
    findings: Iterable[Finding],
    outcomes: Iterable[Outcome],
    previous: Mapping[str, PreviousRun],
    as_of: dt.date,
) -> tuple[list[Finding], History]:
    """Return this run's findings with fingerprint, change, first_seen and previous_status set,
    and the History (sites compared, resolved problems) against `previous` (site → its previous
    complete run; a site of this run that is missing there is checked for the first time).

    A tracked finding (fail/warn/error/muted) is `persisting` when the previous run of its site
    had a tracked finding with the same fingerprint, whatever the status then (a muted finding
    now failing persists; `previous_status` says what it was); first_seen is carried from that
    finding, so it is the audit date of the earliest run of the unbroken chain. Otherwise it is
    `new`, first seen at `as_of`.
    """
    findings = list(findings)
    outcomes = list(outcomes)
    today = as_of.isoformat()
    before: dict[str, dict[str, Finding]] = {}
    for site, prev in previous.items():
        index: dict[str, Finding] = {}
        for p in prev.findings:
            if p.site != site or p.status not in TRACKED:
                continue
            # A finding saved before history existed has no first_seen: it was seen at least
            # on the previous run's audit date.
            p = replace(p, first_seen=p.first_seen or prev.as_of.isoformat())
            fp = finding_fingerprint(p)
            index[fp] = _earliest(index[fp], p) if fp in index else p
        before[site] = index

    annotated: list[Finding] = []
    current: set[tuple[str, str]] = set()
    for f in findings:
        fp = finding_fingerprint(f)
        if f.status not in TRACKED:
            annotated.append(
                replace(f, fingerprint=fp, change=None, first_seen=None, previous_status=None)
            )
            continue
        current.add((f.site, fp))
        seen = before.get(f.site, {}).get(fp)
        if seen is None:
            annotated.append(
                replace(f, fingerprint=fp, change="new", first_seen=today, previous_status=None)
            )
        else:
            annotated.append(
                replace(
                    f,
                    fingerprint=fp,
                    change="persisting",
                    first_seen=seen.first_seen,
                    previous_status=seen.status,
                )
            )

    # A vanished problem counts as 已整改 only if its rule ran on the site this time and could
    # be evaluated: a rule dropped from the config, no longer applying, or ending in 无法检查
    # (e.g. the site was unreachable) says nothing about whether the problem was fixed.
    evaluated = {(o.site, o.rule) for o in outcomes if o.status != "error"}
    resolved: list[Finding] = []
    for site, index in before.items():
        for fp, p in index.items():
            if p.status not in RESOLVABLE or (site, fp) in current:
                continue
            if (site, p.rule) not in evaluated:
                continue
            resolved.append(
                replace(
                    p, fingerprint=fp, change="resolved", previous_status=p.status, mute_reason=None
                )
            )
    resolved.sort(key=lambda f: (f.site, f.rule, f.subject))

    sites = {f.site for f in findings} | {o.site for o in outcomes} | set(previous)
    compared = {
        site: (previous[site].run_id, previous[site].as_of.isoformat())
        if site in previous
        else None
        for site in sorted(sites)
    }
    return annotated, History(previous=compared, resolved=resolved)


class _Results(Protocol):
    """The part of store.Store that load_previous reads."""

    def previous_runs(self, run_id: int) -> Mapping[str, Any]: ...

    def findings(self, run_id: int, site: str | None = None) -> list[Finding]: ...


def load_previous(st: _Results, run_id: int) -> dict[str, PreviousRun]:
    """Return, per site of run `run_id`, its previous complete run and findings from the store."""
    return {
        site: PreviousRun(run_id=run.id, as_of=run.as_of, findings=st.findings(run.id, site=site))
        for site, run in st.previous_runs(run_id).items()
    }
