"""Evaluate every applicable rule on every site's snapshot; apply mutes; summarise outcomes."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Protocol

from pydantic import ValidationError

import conf
from checks.context import RuleContext, probe_window
from checks.model import Finding, Outcome, Probe, SiteSnapshot, Status
from checks.registry import kinds


class ProbeSource(Protocol):
    """What attach_probes needs of the store (store.Store)."""

    def probes(
        self, site: str, since: dt.datetime | None = None, until: dt.datetime | None = None
    ) -> list[Probe]: ...


# Worst first: an outcome takes the worst status among its findings (pass when none).
SEVERITY_ORDER: dict[Status, int] = {"fail": 0, "error": 1, "warn": 2, "muted": 3, "pass": 4}


def applies(rule: conf.Rule, site: conf.Site) -> bool:
    """Return whether a rule's applies_to selects a site (each empty list means all)."""
    scope = rule.applies_to
    if scope.kinds and site.kind not in scope.kinds:
        return False
    if scope.sectors and site.sector not in scope.sectors:
        return False
    return not scope.sites or site.id in scope.sites


def evaluate(
    rule: conf.Rule,
    site: conf.Site,
    snapshot: SiteSnapshot | None,
    now: dt.date,
    config_root: Path | None = None,
) -> list[Finding]:
    """Run one rule on one site; any problem becomes a single `error` finding, never a raise.

    `config_root` (the config directory) lets params name files beside the rules (lexicons).
    """
    stub = RuleContext(snapshot=snapshot, site=site, rule=rule, now=now)  # type: ignore[arg-type]
    if snapshot is None:
        return [stub.error("抓取数据", "本次运行没有该网站的抓取数据，无法执行检查。")]
    kind = kinds().get(rule.check)
    if kind is None:
        known = "、".join(sorted(kinds()))
        return [stub.error("规则配置", f"未知的检查类型“{rule.check}”（可选：{known}）。")]
    try:
        context = {"config_root": config_root} if config_root is not None else None
        params = kind.params_model.model_validate(rule.params, context=context)
    except ValidationError as exc:
        problems = "；".join(
            f"{'.'.join(map(str, e['loc'])) or '参数'}: {e['msg']}" for e in exc.errors()
        )
        return [stub.error("规则配置", f"规则参数无效：{problems}。", params=rule.params)]
    try:
        return list(kind.fn(stub, params))
    except Exception as exc:  # the per-rule boundary: one broken kind must not stop the audit
        return [
            stub.error(
                "规则执行",
                f"规则执行出错：{type(exc).__name__}: {exc}。",
                exception=type(exc).__name__,
                detail=str(exc),
            )
        ]


def apply_mutes(findings: list[Finding], mutes: list[conf.Mute], now: dt.date) -> list[Finding]:
    """Return findings with those covered by an unexpired mute turned into status `muted`."""
    active = [m for m in mutes if m.expires >= now]
    out = []
    for f in findings:
        mute = next(
            (
                m
                for m in active
                if m.rule == f.rule
                and fnmatchcase(f.site, m.site)
                and fnmatchcase(f.subject, m.subject)
                and f.status != "pass"
            ),
            None,
        )
        out.append(
            replace(
                f,
                status="muted",
                mute_reason=mute.reason,
                mute_expires=mute.expires.isoformat(),
            )
            if mute
            else f
        )
    return out


def worst(statuses: list[Status]) -> Status:
    """Return the worst status (fail > error > warn > muted > pass); pass when empty."""
    return min(statuses, key=SEVERITY_ORDER.__getitem__, default="pass")


def attach_probes(st: ProbeSource, snapshots: dict[str, SiteSnapshot], now: dt.date) -> None:
    """Give each snapshot its site's stored probes of the week before `now` (probe_window).

    Loaded here, not by the check: a check never touches the network, the clock or the store.
    """
    since, until = probe_window(now)
    for site_id, snapshot in snapshots.items():
        snapshot.probes = st.probes(site_id, since, until)


def run_checks(
    snapshots: dict[str, SiteSnapshot], config: conf.Config, now: dt.date
) -> tuple[list[Finding], list[Outcome]]:
    """Evaluate each applicable rule on each configured site at audit date `now`."""
    findings: list[Finding] = []
    outcomes: list[Outcome] = []
    for site in config.sites:
        snapshot = snapshots.get(site.id)
        for rule in config.rules:
            if not applies(rule, site):
                continue
            found = apply_mutes(evaluate(rule, site, snapshot, now, config.root), config.mutes, now)
            findings.extend(found)
            outcomes.append(
                Outcome(
                    site=site.id,
                    rule=rule.id,
                    check=rule.check,
                    status=worst([f.status for f in found]),
                    findings=len(found),
                    title=rule.title,
                    basis=rule.basis,
                    severity=rule.severity,
                )
            )
    findings.sort(key=lambda f: (f.site, f.rule, f.subject, f.status, f.message))
    outcomes.sort(key=lambda o: (o.site, o.rule))
    return findings, outcomes
