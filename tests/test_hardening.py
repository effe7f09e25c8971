"""Bad input beyond the config files (issue 8): no eval/exec or unsafe loader in the source,
operator regexes that cannot hang a run, and report paths that cannot leave `--out`.

Config fuzzing is tests/test_hardening_config.py; killed stages are tests/test_crash_safety.py.
"""

from __future__ import annotations

import ast
import contextlib
import datetime as dt
import io
import json
from pathlib import Path

import pytest

import cli
import conf
from checks.model import Finding, Outcome
from reports import context as report_ctx
from reports.pages import page_slug
from reports.render import write_report
from store import Store
from tests.siteserver import SiteServer
from tests.test_checks import run_kind, snap
from tests.test_interpretation import doc_page

ROOT = Path(__file__).resolve().parents[1]
SKIP_DIRS = {".venv", "var", ".git", "build", "node_modules", "__pycache__", "gongkai.egg-info"}

# --------------------------------------------------------------------------------------------
# No eval/exec, no unsafe deserialisation, YAML read safely

CALLS = {"eval", "exec", "compile", "__import__"}  # builtins that run or build code
ATTR_CALLS = {
    ("os", "system"),
    ("os", "popen"),
    ("pickle", "load"),
    ("pickle", "loads"),
    ("marshal", "load"),
    ("marshal", "loads"),
    ("shelve", "open"),
    ("yaml", "unsafe_load"),
    ("yaml", "full_load"),
}
SAFE_YAML_TYPES = {"safe", "rt"}  # ruamel: plain data only; YAML() without typ is rt


def dangerous(source: str) -> list[str]:
    """Return `line: what` for each dangerous call or import in Python source."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
            if any(n == "yaml" or n.startswith("yaml.") for n in names):
                out.append(f"{node.lineno}: import of PyYAML")  # ruamel only: one safe loader
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in CALLS:
            out.append(f"{node.lineno}: {func.id}()")
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            if (func.value.id, func.attr) in ATTR_CALLS:
                out.append(f"{node.lineno}: {func.value.id}.{func.attr}()")
        if any(
            k.arg == "shell" and not (isinstance(k.value, ast.Constant) and k.value.value is False)
            for k in node.keywords
        ):
            out.append(f"{node.lineno}: shell=")
        if isinstance(func, ast.Name) and func.id == "YAML":
            typ = next((k.value for k in node.keywords if k.arg == "typ"), None)
            if typ is not None and not (
                isinstance(typ, ast.Constant) and typ.value in SAFE_YAML_TYPES
            ):
                out.append(f"{node.lineno}: YAML(typ={ast.unparse(typ)})")
        if isinstance(func, ast.Attribute) and func.attr in (
            "add_constructor",
            "add_multi_constructor",
        ):
            tag = node.args[0] if node.args else None
            if isinstance(tag, ast.Constant) and "python" in str(tag.value):
                out.append(f"{node.lineno}: a python/* YAML tag constructor")
    return out


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("eval('1 + 1')", ["1: eval()"]),
        ("x = 1\nexec(code)", ["2: exec()"]),
        ("compile(src, 'f', 'exec')", ["1: compile()"]),
        ("__import__('os')", ["1: __import__()"]),
        ("import os\nos.system('ls')", ["2: os.system()"]),
        ("pickle.loads(blob)", ["1: pickle.loads()"]),
        ("import yaml", ["1: import of PyYAML"]),
        ("from yaml import load", ["1: import of PyYAML"]),
        ("subprocess.run(cmd, shell=True)", ["1: shell="]),
        ("YAML(typ='unsafe')", ["1: YAML(typ='unsafe')"]),
        ("YAML(typ=kind)", ["1: YAML(typ=kind)"]),
        (
            "c.add_constructor('tag:yaml.org,2002:python/object', f)",
            ["1: a python/* YAML tag constructor"],
        ),
        # Not dangerous: methods that share a name, ruamel's safe and round-trip loaders.
        ("re.compile(p)\nregex.compile(p)\ncursor.execute(sql)", []),
        ("YAML(typ='safe')\nYAML(typ='rt')\nYAML()", []),
        ("subprocess.run(cmd, shell=False)", []),
    ],
)
def test_the_source_scanner_finds_what_it_should(source: str, found: list[str]) -> None:
    assert dangerous(source) == found


def python_sources() -> list[Path]:
    """Every Python file of the repository (not the virtualenv or generated files)."""
    return [p for p in sorted(ROOT.rglob("*.py")) if not SKIP_DIRS & set(p.relative_to(ROOT).parts)]


def test_no_eval_exec_or_unsafe_loader_anywhere_in_the_source() -> None:
    sources = python_sources()
    assert len(sources) > 100 and ROOT / "conf.py" in sources
    found = {
        str(p.relative_to(ROOT)): hits
        for p in sources
        if (hits := dangerous(p.read_text(encoding="utf-8")))
    }
    assert found == {}


def test_config_reader_is_round_trip_without_python_tags() -> None:
    from ruamel.yaml.constructor import RoundTripConstructor

    yaml = conf._yaml()
    assert yaml.typ == ["rt"] and issubclass(yaml.Constructor, RoundTripConstructor)
    tags = set(yaml.Constructor.yaml_constructors) | set(yaml.Constructor.yaml_multi_constructors)
    assert not [t for t in tags if t and "python" in t]


# --------------------------------------------------------------------------------------------
# Catastrophic operator regexes cannot hang a run

SLOW = "(a|aa)+$"  # 2**n backtracking on a run of a's that does not end the text
RUN_OF_AS = "a" * 90 + "!"  # fib(90) ≈ 3e18 steps without a time limit


def page_html(title: str, body: str, links: str = "") -> str:
    return (
        f"<html><head><meta charset='utf-8'><title>{title}</title></head>"
        f"<body><h1>{title}</h1><div class='content'><p>{body}</p></div>{links}</body></html>"
    )


@pytest.mark.timeout(180)  # a hang fails here, not after the suite's 300 s
def test_catastrophic_regexes_in_a_run_are_stopped_and_reported(tmp_path: Path) -> None:
    html = {"Content-Type": "text/html; charset=utf-8"}
    server = SiteServer(
        {
            "/": (
                200,
                html,
                page_html("测试市人民政府", "首页", '<a href="/a/t1.html">通知公告</a>'),
            ),
            "/a/t1.html": (
                200,
                html,
                page_html(RUN_OF_AS, f"{RUN_OF_AS} 本页提到国家工商总局和赌博网站。"),
            ),
        }
    ).start()
    try:
        cfg = tmp_path / "config"
        (cfg / "rules").mkdir(parents=True)
        (cfg / "lexicons").mkdir()
        sites = {
            "sites": [
                {
                    "id": "evil",
                    "name": "测试市人民政府",
                    "kind": "government",
                    "start_urls": [server.url("/")],
                }
            ]
        }
        (cfg / "sites.yaml").write_text(json.dumps(sites, ensure_ascii=False), "utf-8")
        (cfg / "settings.yaml").write_text(
            "crawl: {delay: 0, timeout: 5, check_external_links: false}\n", "utf-8"
        )
        (cfg / "lexicons" / "evil.yaml").write_text(
            f"category: 测试\nterms:\n  - regex: '{SLOW}'\n  - term: 国家工商总局\n", "utf-8"
        )
        base = "title: 测试\n    severity: high\n    basis: 测试依据\n"
        (cfg / "rules" / "evil.yaml").write_text(
            "rules:\n"
            f"  - id: text-evil\n    check: text_forbidden\n    {base}"
            f"    params: {{patterns: ['regex:{SLOW}', 赌博], fields: [title, body]}}\n"
            f"  - id: term-evil\n    check: term_forbidden\n    {base}"
            "    params: {lexicons: [lexicons/evil.yaml]}\n",
            "utf-8",
        )
        db = f"sqlite:///{tmp_path / 'gongkai.db'}"
        argv = ["run", "--config", str(cfg), "--db", db, "--as-of", "2026-06-30"]
        with contextlib.chdir(tmp_path), contextlib.redirect_stdout(io.StringIO()):
            code = cli.main([*argv, "--out", str(tmp_path / "report")])
    finally:
        server.stop()
    assert code == 1  # rules failed; the run completed
    data = json.loads((tmp_path / "report" / "findings.json").read_text("utf-8"))
    got = {(f["rule"], f["status"], f["subject"].split("（")[0]) for f in data["findings"]}
    assert got == {
        ("text-evil", "error", f"regex:{SLOW}"),  # stopped after 200 ms, named
        ("text-evil", "fail", "赌博"),  # the other pattern still ran
        ("term-evil", "error", f"regex:{SLOW}"),
        ("term-evil", "fail", "国家工商总局"),
    }
    errors = [f["message"] for f in data["findings"] if f["status"] == "error"]
    assert all("200 毫秒未完成" in m for m in errors), errors


def test_interpretation_regex_is_time_limited_too() -> None:
    # require_for runs on crawled column names, topics and 文号 (it used `re` without a limit).
    snapshot = snap(pages=[doc_page(col=RUN_OF_AS)])
    found = run_kind(
        "interpretation_missing", snapshot, {"require_for": [SLOW], "regex_timeout_ms": 50}
    )
    assert [(f.status, f.subject) for f in found] == [("error", SLOW)]
    assert "单次匹配超过 50 毫秒未完成" in found[0].message


def test_interpretation_regex_that_does_not_compile_is_a_config_problem(tmp_path: Path) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "sites.yaml").write_text(
        "sites:\n  - {id: a, name: 甲, kind: government, start_urls: ['http://a.cn/']}\n", "utf-8"
    )
    (tmp_path / "rules" / "x.yaml").write_text(
        "rules:\n  - {id: x, check: interpretation_missing, title: 解读, severity: low, "
        "basis: 依据, params: {require_for: ['(a']}}\n",
        "utf-8",
    )
    with pytest.raises(conf.ConfigError) as exc:
        conf.load_config(tmp_path)
    assert [str(p) for p in exc.value.problems] == [
        f"{tmp_path}/rules/x.yaml:2: 规则 'x'：params.require_for：正则表达式“(a”无法解析："
        "missing ) at position 2"
    ]


# --------------------------------------------------------------------------------------------
# Values used in paths: report files stay inside --out

HOSTILE = [
    "../../../escape",
    "/etc/passwd",
    "a/b",
    "..",
    "x\x00y",
    "con",
    "NUL",
    "lpt1",
    "长" * 300,
    "..\\..\\windows",
]


def _finding(site: str, rule: str) -> Finding:
    return Finding(
        site=site,
        rule=rule,
        check="link_broken",
        status="fail",
        severity="high",
        subject=f"对象 {rule}",
        url="https://www.city.gov.cn/",
        message="说明",
        evidence={},
        basis="依据",
        title=f"规则 {rule}",
    )


def test_regulator_names_and_rule_ids_become_slugged_files_inside_out(tmp_path: Path) -> None:
    out = tmp_path / "deep" / "out"
    sites = [
        {
            "id": f"site-{i}",
            "name": f"单位{i}",
            "kind": "enterprise",
            "sector": "water",
            "regulator": bad,
            "start_urls": ["https://www.city.gov.cn/"],
            "profile": None,
        }
        for i, bad in enumerate(HOSTILE)
    ]
    findings = [_finding(s["id"], bad) for s, bad in zip(sites, HOSTILE, strict=True)]
    outcomes = [
        Outcome(site=f.site, rule=f.rule, check=f.check, status="fail", findings=1)
        for f in findings
    ]
    run = {"id": 3, "as_of": "2026-06-30", "status": "complete", "stats": {}}
    write_report(out, run, sites, findings, outcomes)
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert all(p.resolve().is_relative_to(out.resolve()) for p in written)
    names = {str(p.relative_to(out)) for p in written}
    for bad in HOSTILE:
        assert f"sectors/{page_slug(bad, 'reg')}.html" in names
        assert f"rules/{page_slug(bad, 'rule')}.html" in names
    for p in written:
        # A slug or a hash: lowercase letters, digits and dashes, at most 63 + prefix; never a
        # Windows device name.
        stem = p.relative_to(out).with_suffix("").name
        assert report_ctx._SLUG.fullmatch(stem) or stem in ("findings", "summary"), p
        assert not report_ctx._DEVICE.match(stem), p


@pytest.mark.parametrize("bad", ["../x", "a/b", "con", "x\x00y", "长" * 80])
def test_report_of_a_store_with_a_bad_site_id_writes_nothing_and_exits_3(
    tmp_path: Path, bad: str
) -> None:
    db = f"sqlite:///{tmp_path / 'gongkai.db'}"
    site = conf.Site.model_construct(
        id=bad, name="甲", kind="government", sector=None, regulator=None,
        start_urls=["https://a.cn/"], profile=None,
    )  # fmt: skip
    with Store(db) as st:
        run_id = st.start_run(dt.date(2026, 6, 30), "config", [site])
        st.finish_run(run_id, "complete", {})
    err = io.StringIO()
    out = tmp_path / "out"
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = cli.main(["report", "--db", db, "--run", str(run_id), "--out", str(out)])
    assert code == 3
    assert err.getvalue().startswith(f"无法生成第 {run_id} 次检查的报告：站点编号不合法")
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        p.name for p in tmp_path.iterdir() if p.name.startswith("gongkai.db")
    )


@pytest.mark.parametrize(
    ("regulator", "expected"),
    [
        ("示例市水务局", "findings-示例市水务局.xlsx"),
        ("../../etc/passwd", "findings-etc_passwd.xlsx"),
        ("..\\..\\windows\\win.ini", "findings-windows_win.ini.xlsx"),
        ("水务局\x00.exe\r\n", "findings-水务局_.exe.xlsx"),
        ("长" * 300, f"findings-{'长' * 80}.xlsx"),
        ("///", "findings-regulator.xlsx"),
    ],
)
def test_regulator_attachment_names_are_plain_file_names(regulator: str, expected: str) -> None:
    from reports.mail import regulator_filename

    assert regulator_filename(regulator) == expected
