"""Write a run's report: index.html, one page per site, findings.json, findings.csv,
findings.xlsx and summary.json."""

from __future__ import annotations

import base64
import contextlib
import csv
import dataclasses
import hashlib
import io
import json
import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from checks.history import History
from checks.model import Finding, Outcome
from reports import context as ctx
from reports import exports
from reports import pages as pg
from reports.markup import evidence_html, finding_row_html

if TYPE_CHECKING:
    from reports.archive import Archive

TEMPLATES = Path(__file__).resolve().parent / "templates"

# The one Environment of the project. Autoescaping is on for every template (crawled titles
# and URLs are hostile input); StrictUndefined turns a missing variable into an error instead
# of a silently empty cell in a report sent to supervisors.
ENV = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(("html", "htm"), default_for_string=True, default=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
ENV.filters.update(
    date_cn=ctx.date_cn,
    status_label=ctx.status_label,
    severity_label=ctx.severity_label,
    kind_label=ctx.kind_label,
    sector_label=ctx.sector_label,
    run_status_label=ctx.run_status_label,
    group_label=ctx.group_label,
    result_label=ctx.result_label,
    score_text=ctx.score_text,
    verdict_code=pg.verdict_code,
    verdict_mark=pg.verdict_mark,
    sector_text=pg.sector_text,
    evidence_html=evidence_html,
    finding_row_html=finding_row_html,
)


@dataclasses.dataclass(frozen=True)
class Assets:
    """The style and script inlined into every page, and the CSP that admits exactly them."""

    css: Markup
    js: Markup
    csp: str


def _assets() -> Assets:
    """Read report.css and report.js and pin them in the Content-Security-Policy by hash.

    Inline with hashes rather than files under 'self': a single page still works when it is
    mailed or opened from disk in any browser (Firefox gives file: pages a unique origin).
    """
    css = (TEMPLATES / "report.css").read_text("utf-8")
    js = (TEMPLATES / "report.js").read_text("utf-8")

    def digest(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"

    # Issues 5 and 8: nothing but this page's own style and script; no network, no plugins,
    # no forms, no <base> rewriting; images only from the report itself or data: URLs.
    csp = (
        f"default-src 'none'; script-src {digest(js)}; style-src {digest(css)}; "
        "img-src 'self' data:; base-uri 'none'; form-action 'none'"
    )
    return Assets(css=Markup(css), js=Markup(js), csp=csp)


ASSETS = _assets()
ENV.globals["assets"] = ASSETS

FINDING_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Finding))
# Excel treats a cell starting with one of these as a formula; crawled titles are untrusted.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def finding_record(f: Finding) -> dict[str, Any]:
    """Return a finding as the JSON object of findings.json (the dataclass fields, in order)."""
    return {name: getattr(f, name) for name in FINDING_FIELDS}


def _sorted_findings(findings: list[Finding]) -> list[Finding]:
    # Stable order so two reports of the same run are byte-identical and diffable.
    return sorted(
        findings, key=lambda f: (f.site, f.rule, ctx.STATUS_RANK.get(f.status, 99), f.subject)
    )


def run_record(
    run: Mapping[str, Any], site_count: int, findings: list[Finding], outcomes: list[Outcome]
) -> dict[str, Any]:
    """Return the "run" object of findings.json: identity, dates, status, scope and totals."""
    return {
        "id": run.get("id"),
        "as_of": run.get("as_of"),
        "started_at": run.get("started_at"),
        "finished_at": run.get("finished_at"),
        "status": run.get("status"),
        "config_dir": run.get("config_dir"),
        "sites": site_count,
        "totals": {
            "rules": ctx.count_by_status(o.status for o in outcomes),
            "findings": ctx.count_by_status(f.status for f in findings),
        },
        "stats": run.get("stats") or {},
    }


def findings_json(
    run: Mapping[str, Any],
    site_count: int,
    findings: list[Finding],
    outcomes: list[Outcome],
    resolved: list[Finding] | None = None,
    scores: list[Mapping[str, Any]] | None = None,
) -> bytes:
    """Return findings.json: {"run": {...}, "findings": [...], "resolved": [...], "scores": [...]}.

    `resolved` lists the previous runs' problems this run no longer finds (change "resolved",
    status as last seen); it is empty when the run has no history. `scores` holds the
    scorecards (checks.scoring.Scorecard) per site and framework; empty without frameworks.
    """
    payload = {
        "run": run_record(run, site_count, findings, outcomes),
        "findings": [finding_record(f) for f in _sorted_findings(findings)],
        "resolved": [finding_record(f) for f in _sorted_findings(resolved or [])],
        "scores": [
            dict(c) for c in sorted(scores or [], key=lambda c: (c["framework"], c["site"]))
        ],
    }
    text = json.dumps(payload, ensure_ascii=False, indent=2, default=ctx.json_default)
    return (text + "\n").encode("utf-8")


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return ctx.json_text(value)
    text = str(value)
    # OWASP CSV-injection advice: a leading apostrophe makes Excel show the text, not run it.
    # Machine readers should use findings.json, which carries the values untouched.
    return "'" + text if text.startswith(_FORMULA_START) else text


def findings_csv(findings: list[Finding]) -> bytes:
    """Return findings.csv: UTF-8 with BOM (so Excel detects it), one row per finding."""
    # The csv module rather than pandas: the rows are already flat records, and pandas would
    # add nothing but type inference (None -> NaN, "007" columns) we would have to undo.
    buf = io.StringIO(newline="")
    writer = csv.writer(buf)
    writer.writerow(FINDING_FIELDS)
    for f in _sorted_findings(findings):
        record = finding_record(f)
        writer.writerow([_csv_cell(record[name]) for name in FINDING_FIELDS])
    return buf.getvalue().encode("utf-8-sig")


def render_template(name: str, **context: Any) -> str:
    """Render one template of reports/templates with the report Environment."""
    return ENV.get_template(name).render(**context)


def site_path(out_dir: Path, site_id: str) -> Path:
    """Return out_dir/sites/<id>.html, refusing any id that could leave out_dir."""
    ctx.check_site_id(site_id)
    base = (out_dir / "sites").resolve()
    path = (base / f"{site_id}.html").resolve()
    if path.parent != base:
        raise ValueError(f"站点页面路径越界：{site_id!r}")
    return path


# write_atomic's temp files: `.<name>.<pid>.<random>.tmp`, beside the file they replace.
_TEMP_RE = re.compile(r"^\..+\.(\d+)\.[^.]+\.tmp$")


def _alive(pid: int) -> bool:
    """Return whether a process with this pid exists (it may be another user's)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_temp_files(out_dir: Path) -> list[Path]:
    """Delete the temp files a killed writer left in out_dir and its page folders (issue 8:
    SIGKILL skips write_atomic's cleanup); a live writer's temp files are left alone."""
    removed = []
    for folder in (out_dir, *(out_dir / d for d in ("sites", "sectors", "rules", "runs"))):
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            m = _TEMP_RE.match(path.name)
            if m and path.is_file() and not _alive(int(m.group(1))):
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                    removed.append(path)
    return removed


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to a temp file beside `path`, then rename it over `path`: a reader (or a
    writer killed midway) never sees a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp"
    )
    try:
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), 0o644)  # mkstemp makes 0600; reports are meant to be served
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_report(
    out_dir: Path,
    run: dict,
    sites: list[dict],
    findings: list[Finding],
    outcomes: list[Outcome],
    history: History | None = None,
    scores: list[Mapping[str, Any]] | None = None,
    archive: Archive | None = None,
) -> Path:
    """Write the run's report into out_dir and return the path of index.html.

    `history` (checks.history.History, as the store returns it) adds 新增 / 已整改 marks;
    `scores` (scorecard dicts, as the store returns them) adds 得分 / 结论 / 排名;
    `archive` (reports.archive.load_archive) adds trend charts, score histories, the archive
    of runs and the diff pages. Sector and rule pages are always written.
    """
    out_dir = Path(out_dir)
    findings = list(findings)
    outcomes = list(outcomes)
    scores = list(scores or [])
    view = ctx.build_context(run, sites, findings, outcomes, history, scores)
    resolved = history.resolved if history is not None else []

    pages = pg.build_pages(view, findings, outcomes, archive)
    common = {"run": view.run, "nav": {"archive": archive is not None}}

    # Render everything in memory first, so a template or data error writes nothing at all.
    files: list[tuple[Path, bytes]] = []
    site_tpl = ENV.get_template("site.html")
    for site in view.sites:
        html = site_tpl.render(
            **common,
            site=site,
            extras=pg.site_extras(site, archive),
            pages=pages,
            root="../",
            page="site",
        )
        files.append((site_path(out_dir, site.id), html.encode("utf-8")))
    files += pg.extra_files(out_dir, view, pages, render_template, common)
    files.append(
        (
            out_dir / "findings.json",
            findings_json(run, len(view.sites), findings, outcomes, resolved, scores),
        )
    )
    files.append((out_dir / "findings.csv", findings_csv(findings)))
    # Issue 5 exports, from the same view model as the pages (reports/exports.py).
    files.append((out_dir / "findings.xlsx", exports.findings_xlsx(view, findings, resolved)))
    files.append((out_dir / "summary.json", exports.summary_json(view)))
    index = out_dir / "index.html"
    html = render_template(
        "index.html",
        **common,
        sites=view.sites,
        common=view.common,
        scores=view.scores,
        pages=pages,
        root="",
        page="index",
    )
    # index.html goes last: when it is replaced, everything it links to is already in place.
    files.append((index, html.encode("utf-8")))
    sweep_temp_files(out_dir)
    for path, data in files:
        write_atomic(path, data)
    return index
