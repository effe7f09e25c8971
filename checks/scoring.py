"""Score sites against frameworks (国办秘函〔2019〕19号 style): veto, capped deductions, 预警, rank."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

import conf
from checks.model import Finding, Outcome

# Verdicts as the national inspection writes them.
PASS, FAIL, PREWARN = "合格", "不合格", "预警"
# 19号 评分办法 (standards §1a score_fail_rule, P): with no veto, a score below 60 is 不合格.
FAIL_BELOW = Decimal(60)
FULL_MARKS = Decimal(100)

# Requirement results, worst first; labels are what reports show.
RESULT_LABELS: dict[str, str] = {
    "veto": "单项否决",
    "error": "无法评估",
    "not_checked": "未检查",
    "prewarn": "预警",
    "deducted": "扣分",
    "pass": "达标",
    "not_assessable": "需人工核查",
    "not_applicable": "不适用",
}


class SiteLike(Protocol):
    """What scoring needs of a site (conf.Site or store.SiteInfo)."""

    kind: str
    sector: str | None


@dataclass
class RequirementResult:
    """One requirement's result on one site: counted findings, deduction, result code."""

    id: str
    title: str
    basis: str
    type: str  # veto | deduction | not_assessable
    result: str  # a RESULT_LABELS key
    found: int = 0  # counted findings (status fail, matched, not muted)
    # warn findings a check marked as 预警 (evidence prewarn: true, e.g. site_unreachable's
    # 3% of failed probes): below a veto line they make the requirement 预警 on their own.
    prewarned: int = 0
    errors: int = 0  # error findings of the requirement's rules: the requirement is unassessed
    muted: int = 0
    deduction: float = 0.0
    line: str = ""  # the veto / prewarn / points line, for the scorecard
    note: str = ""
    # The requirement's rules and match / exclude, stored with the card so a report can group
    # a site's findings by framework and indicator without the run's configuration (issue 5).
    rules: list[str] = field(default_factory=list)
    match: dict[str, list[str]] = field(default_factory=dict)
    exclude: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Scorecard:
    """One site's result under one framework."""

    site: str
    framework: str
    framework_title: str
    group: str  # ranking group: the kind, or enterprise:<sector>
    verdict: str  # 合格 | 不合格 | 预警
    score: float | None  # None when vetoed: 19号 stops scoring at a veto
    deductions: float
    vetoes: list[str] = field(default_factory=list)
    prewarns: list[str] = field(default_factory=list)
    unassessed: list[str] = field(default_factory=list)
    rank_group: int | None = None
    group_size: int = 0
    rank_overall: int | None = None
    overall_size: int = 0
    requirements: list[RequirementResult] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Return the scorecard as a JSON-ready dict (findings.json "scores", the store)."""
        return dataclasses.asdict(self)


def format_score(score: float | None) -> str:
    """Return a score as shown (98, 94.9); a dash when vetoed (no score under 19号)."""
    if score is None:
        return "—"
    return f"{score:.2f}".rstrip("0").rstrip(".")


def group_of(site: SiteLike) -> str:
    """Return the ranking group: an enterprise's sector, else the site kind."""
    if site.kind == "enterprise":
        return f"enterprise:{site.sector or 'other'}"
    return site.kind


def framework_applies(framework: conf.Framework, site_id: str, site: SiteLike) -> bool:
    """Return whether a framework's applies_to selects a site (each empty list means all)."""
    scope = framework.applies_to
    if scope.kinds and site.kind not in scope.kinds:
        return False
    if scope.sectors and site.sector not in scope.sectors:
        return False
    return not scope.sites or site_id in scope.sites


def _selected(req: conf.Requirement | RequirementResult, f: Finding) -> bool:
    """Return whether a finding of one of the requirement's rules passes match / exclude."""

    def value(key: str) -> str:
        return f.subject if key == "subject" else str(f.evidence.get(key, ""))

    if any(value(k) not in vs for k, vs in req.match.items()):
        return False
    return not any(value(k) in vs for k, vs in req.exclude.items())


def _num(x: float) -> Decimal:
    # Decimal from the written text: 3 × 0.1 must deduct 0.3, not 0.30000000000000004.
    return Decimal(str(x))


def requirement_selects(req: conf.Requirement | RequirementResult, f: Finding) -> bool:
    """Return whether a requirement's match / exclude select a finding (its rule aside)."""
    return _selected(req, f)


def _line(req: conf.Requirement) -> str:
    if req.veto is not None:
        text = f"≥{req.veto.count} 项否决"
        return text + (f"，≥{req.prewarn.count} 项预警" if req.prewarn else "")
    if req.points is not None:
        per = f"每项扣 {req.per_finding:g} 分，" if req.per_finding else "出现即扣，"
        return f"{per}最多扣 {(req.cap or req.points):g} 分"
    return "—"


def score_requirement(
    req: conf.Requirement, findings: list[Finding], ruled: set[str]
) -> RequirementResult:
    """Evaluate one requirement on one site's findings; `ruled`: rules with an outcome there."""
    kind = "not_assessable" if req.not_assessable else "veto" if req.veto else "deduction"
    out = RequirementResult(
        id=req.id,
        title=req.title,
        basis=req.basis or "",
        type=kind,
        result="not_assessable",
        line=_line(req),
        note=req.note or "",
        rules=list(req.rules),
        match={k: list(v) for k, v in req.match.items()},
        exclude={k: list(v) for k, v in req.exclude.items()},
    )
    if req.not_assessable:
        return out
    mine = [f for f in findings if f.rule in req.rules]
    out.found = sum(f.status == "fail" and _selected(req, f) for f in mine)
    out.prewarned = sum(
        f.status == "warn" and f.evidence.get("prewarn") is True and _selected(req, f) for f in mine
    )
    out.muted = sum(f.status == "muted" and _selected(req, f) for f in mine)
    # An error of any of the rules leaves the requirement unassessed whatever match says:
    # the rule could not look, so it could not find what match would select.
    out.errors = sum(f.status == "error" for f in mine)
    if not ruled & set(req.rules):
        out.result = "not_checked"
        return out
    if req.veto is not None:
        if out.found >= req.veto.count:
            out.result = "veto"
        elif out.errors:
            out.result = "error"
        elif (req.prewarn is not None and out.found >= req.prewarn.count) or out.prewarned:
            out.result = "prewarn"
        else:
            out.result = "pass"
        return out
    points = _num(req.points or 0)
    ceiling = min(points, _num(req.cap)) if req.cap is not None else points
    if req.per_finding is not None:
        raw = _num(req.per_finding) * out.found
    else:
        raw = points if out.found else Decimal(0)
    out.deduction = float(min(raw, ceiling))  # score_cap: never more than the indicator's points
    # Found problems still deduct when another part errored: the deduction is a lower bound.
    out.result = "error" if out.errors else "deducted" if out.found else "pass"
    return out


def not_applicable(req: conf.Requirement) -> RequirementResult:
    """Return the result of a requirement the site's sector is not held to."""
    kind = "not_assessable" if req.not_assessable else "veto" if req.veto else "deduction"
    return RequirementResult(
        id=req.id,
        title=req.title,
        basis=req.basis or "",
        type=kind,
        result="not_applicable",
        line=_line(req),
        note=req.note or "",
        rules=list(req.rules),
        match={k: list(v) for k, v in req.match.items()},
        exclude={k: list(v) for k, v in req.exclude.items()},
    )


def score_site(
    framework: conf.Framework,
    site_id: str,
    site: SiteLike,
    findings: list[Finding],
    outcomes: list[Outcome],
) -> Scorecard:
    """Return one site's scorecard under one framework (unranked)."""
    ruled = {o.rule for o in outcomes if o.site == site_id}
    mine = [f for f in findings if f.site == site_id]
    results = [
        score_requirement(r, mine, ruled)
        if not r.sectors or site.sector in r.sectors
        else not_applicable(r)
        for r in framework.requirements
    ]
    vetoes = [f"{r.title}（{r.found} 项）" for r in results if r.result == "veto"]
    prewarns = [
        f"{r.title}（{r.found or r.prewarned} 项）" for r in results if r.result == "prewarn"
    ]
    unassessed = [
        f"{r.title}（{RESULT_LABELS[r.result]}）"
        for r in results
        if r.result in ("error", "not_checked")
    ]
    total = sum((_num(r.deduction) for r in results), Decimal(0))
    score = FULL_MARKS - total
    if vetoes:
        verdict, shown = FAIL, None  # 19号: a veto is 不合格 with no further scoring
    elif score < FAIL_BELOW:
        verdict, shown = FAIL, float(score)
    else:
        verdict, shown = (PREWARN if prewarns else PASS), float(score)
    return Scorecard(
        site=site_id,
        framework=framework.id,
        framework_title=framework.title,
        group=group_of(site),
        verdict=verdict,
        score=shown,
        deductions=float(total),
        vetoes=vetoes,
        prewarns=prewarns,
        unassessed=unassessed,
        requirements=results,
    )


def _rank(cards: list[Scorecard], attr: str, size_attr: str) -> None:
    """Set competition ranks (1, 2, 2, 4): higher score first, vetoed sites tie last."""

    def key(c: Scorecard) -> tuple[bool, float]:
        return (c.score is None, -(c.score or 0.0))

    ordered = sorted(cards, key=key)
    for i, card in enumerate(ordered):
        prev = ordered[i - 1] if i else None
        rank = getattr(prev, attr) if prev is not None and key(prev) == key(card) else i + 1
        setattr(card, attr, rank)
        setattr(card, size_attr, len(cards))


def score_run(
    frameworks: Iterable[conf.Framework],
    sites: dict[str, SiteLike],
    findings: list[Finding],
    outcomes: list[Outcome],
) -> list[Scorecard]:
    """Score every site each framework applies to, ranked within its group and overall."""
    cards: list[Scorecard] = []
    for fw in frameworks:
        mine = [
            score_site(fw, sid, site, findings, outcomes)
            for sid, site in sorted(sites.items())
            if framework_applies(fw, sid, site)
        ]
        _rank(mine, "rank_overall", "overall_size")
        for group in sorted({c.group for c in mine}):
            _rank([c for c in mine if c.group == group], "rank_group", "group_size")
        cards.extend(mine)
    return cards
