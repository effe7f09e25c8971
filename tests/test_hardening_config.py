"""Bad configuration input (issue 8): whatever YAML an operator (or an attacker) writes into a
config directory, `gongkai validate` ends with a valid config (exit 0) or with `file:line:`
problems in Chinese (exit 2) — never a traceback, a hang or unbounded memory.

Hypothesis fuzzes each file kind (sites.yaml, rules/*.yaml, mutes.yaml, settings.yaml,
frameworks/*.yaml and a lexicon) with random text and bytes, random YAML structures built from
the models' own keys, and mutations of the shipped files (deleted, duplicated and retyped keys,
bad dates, huge numbers, unicode, anchors and aliases, billion laughs). The named cases below
pin the messages. conf has no include mechanism, so there are no cyclic includes to report; the
only way a YAML file refers to itself is a self-referencing alias, which is refused.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import io
import os
import re
import resource
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from ruamel.yaml import YAML

import cli
import conf
from checks.lexicon import LexiconFile, TermEntry
from checks.registry import kinds

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "config"
EXAMPLES = 250  # per file kind: 1,500 fuzzed configs per run (bench/RESULTS.md, Hardening)
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same examples on every run: a failure is reproducible
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,  # one scratch directory, rewritten per example
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
PROBLEM_RE = re.compile(r"^(?P<file>.+?):(?P<line>[1-9]\d*): (?P<msg>.+)$")
CJK_RE = re.compile(r"[\u4e00-\u9fff]")


def _safe() -> YAML:
    """Return a safe YAML reader/writer for building test inputs."""
    yaml = YAML(typ="safe", pure=True)
    yaml.allow_unicode = True
    yaml.default_flow_style = False
    return yaml


def dump(data: Any) -> str:
    """Dump plain data as YAML (shared objects become anchors and aliases)."""
    buf = io.StringIO()
    _safe().dump(data, buf)
    return buf.getvalue()


def shipped(rel: str) -> str:
    """Return a shipped config file's text."""
    return (CONFIG / rel).read_text("utf-8")


def stub_rules() -> str:
    """Every shipped rule id as a parameterless site_unreachable rule: what frameworks and
    mutes refer to, at a fraction of the shipped packs' parsing cost."""
    ids = [
        rule["id"]
        for path in sorted((CONFIG / "rules").glob("*.yaml"))
        for rule in _safe().load(path.read_text("utf-8"))["rules"]
    ]
    return dump(
        {
            "rules": [
                {
                    "id": i,
                    "check": "site_unreachable",
                    "title": "规则",
                    "severity": "low",
                    "basis": "依据",
                }
                for i in ids
            ]
        }
    )


MUTES_SEED = """\
mutes:
  - rule: column-stale
    site: city-finance
    subject: "人事*"
    reason: 机构改革期间人事栏目暂停更新，经市政务公开办同意
    expires: 2030-12-31
  - rule: link-broken
    site: city-gov
    reason: 旧站已下线，已报备
    expires: 2031-03-31
"""

SETTINGS_SEED = """\
database: postgresql+psycopg://gongkai@127.0.0.1:5432/gongkai
crawl:
  max_pages: 500
  max_depth: 6
  delay: 0.5
  concurrency_per_host: 2
  obey_robots: true
  timeout: 15
  scan_attachments: true
  attachment_max_bytes: 10485760
  time_limit: 21600
probes: {per_day: 24, timeout_s: 15}
schedule:
  timezone: Asia/Shanghai
  audit: "0 2 * * 1"
  overrides:
    - id: water-midweek
      sites: [city-water]
      cron: "0 3 * * 3"
  report_dir: var/report
  misfire_grace_time: 86400
  retry_delay: 600
  max_attempts: 3
  lock_ttl: 120
log: {file: var/log/gongkai.log, max_bytes: 10485760, backups: 5, level: info}
email:
  host: smtp.example.gov.cn
  port: 587
  starttls: true
  username: gongkai
  password_env: GONGKAI_SMTP_PASSWORD
  sender: 政务公开检查 <gongkai@example.gov.cn>
  report_url: https://report.example.gov.cn/gongkai/
  supervisors: [gkb@example.gov.cn]
  regulators:
    示例市水务局: [swj@example.gov.cn]
"""


@dataclass(frozen=True)
class Target:
    """One file kind to fuzz: where it goes, the shipped text mutations start from, the top
    key its structures are wrapped in, and the rest of the config directory."""

    path: str
    seed: str
    top: str
    base: dict[str, str]


def _targets() -> dict[str, Target]:
    sites = shipped("sites.yaml")
    stubs = stub_rules()
    lex_rule = dump(
        {
            "rules": [
                {
                    "id": "term-obsolete-names",
                    "check": "term_forbidden",
                    "title": "过时机构名称",
                    "severity": "high",
                    "basis": "国办秘函〔2019〕19号",
                    "params": {"lexicons": ["lexicons/LEXICON"]},
                }
            ]
        }
    )
    return {
        "sites": Target("sites.yaml", sites, "sites", {"rules/stub.yaml": stubs}),
        "rules": Target(
            "rules/fuzz.yaml",
            shipped("rules/gov-website-2019.yaml"),
            "rules",
            {"sites.yaml": sites},
        ),
        "mutes": Target(
            "mutes.yaml", MUTES_SEED, "mutes", {"sites.yaml": sites, "rules/stub.yaml": stubs}
        ),
        "settings": Target(
            "settings.yaml", SETTINGS_SEED, "crawl", {"sites.yaml": sites, "rules/stub.yaml": stubs}
        ),
        "frameworks": Target(
            "frameworks/fuzz.yaml",
            shipped("frameworks/gov-website-2019.yaml"),
            "requirements",
            {"sites.yaml": sites, "rules/stub.yaml": stubs},
        ),
        "lexicons": Target(
            "lexicons/LEXICON",
            shipped("lexicons/obsolete-names.yaml"),
            "terms",
            {"sites.yaml": sites, "rules/lex.yaml": lex_rule},
        ),
    }


TARGETS = _targets()


class Workspace:
    """A scratch config directory: the target's base files plus one fuzzed file per example."""

    def __init__(self, root: Path, target: Target) -> None:
        self.root = root
        self.target = target
        self.n = 0
        for rel, text in target.base.items():
            if "LEXICON" not in text:
                self.write(rel, text)

    def write(self, rel: str, data: str | bytes) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        return path

    def put(self, data: str | bytes) -> Path:
        """Write the fuzzed file; a lexicon gets a fresh name each time (checks/lexicon.py
        caches files by path, mtime and size, and a rewrite can keep all three)."""
        self.n += 1
        rel = self.target.path
        if "LEXICON" in rel:
            for old in (self.root / "lexicons").glob("fuzz-*.yaml"):
                old.unlink()
            name = f"fuzz-{self.n}.yaml"
            rel = rel.replace("LEXICON", name)
            for base_rel, text in self.target.base.items():
                if "LEXICON" in text:
                    self.write(base_rel, text.replace("LEXICON", name))
        return self.write(rel, data)


def validate(root: Path) -> tuple[int, str, str]:
    """Run `gongkai validate` in-process; return (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(["validate", "--config", str(root)])
    return code, out.getvalue(), err.getvalue()


def assert_valid_or_located(root: Path) -> None:
    """The oracle: exit 0 with the summary, or exit 2 with one `file:line: 中文` per problem,
    each file inside the config directory and each line within that file."""
    code, out, err = validate(root)
    assert "Traceback" not in out + err
    if code == 0:
        assert out.startswith("配置有效：")
        return
    assert code == 2, (code, out, err)
    lines = err.splitlines()
    assert lines and re.fullmatch(r"发现 (\d+) 处配置错误", lines[-1]), err
    assert int(lines[-1].split()[1]) == len(lines) - 1  # one problem per line
    for line in lines[:-1]:
        m = PROBLEM_RE.match(line)
        assert m, line
        assert m["file"].startswith(str(root)), line
        assert CJK_RE.search(m["msg"]), line
        path = Path(m["file"])
        if path.is_file():
            count = path.read_bytes().count(b"\n") + 1
            assert int(m["line"]) <= count, line


# --------------------------------------------------------------------------------------------
# Strategies


def _fields(models: list[type[BaseModel]]) -> set[str]:
    """Return the field names of models and the models nested in them."""
    names: set[str] = set()
    todo = list(models)
    while todo:
        model = todo.pop()
        for name, info in model.model_fields.items():
            if name in names and name != "id":
                continue
            names.add(name)
            nested = conf._unwrap_model(info.annotation)
            if nested is not None and nested not in models:
                models.append(nested)
                todo.append(nested)
    return names


KEYS = sorted(
    _fields(
        [conf.Site, conf.Rule, conf.Mute, conf.Settings, conf.Framework, LexiconFile, TermEntry]
        + [k.params_model for k in kinds().values()]
    )
    | {"sites", "rules", "mutes", "terms", "<<", "ID", "id "}
)
PLAUSIBLE = [
    "city-gov", "city-finance", "city-water", "nowhere", "column-stale", "link-broken",
    "government", "department", "enterprise", "water", "gas", "high", "medium", "low", "fail",
    "warn", *sorted(kinds()), "https://www.example.gov.cn/", "http://127.0.0.1:8080/",
    "javascript:alert(1)", "www.example.gov.cn", "2024-02-30", "2030-12-31", "0 2 * * 1",
    "61 25 * * 9", "Asia/Shanghai", "Mars/Olympus", "regex:(a|aa)+$", "regex:(", "*预决算*",
    "../../etc/passwd", "con", "NUL", "a" * 300, "示例市水务局", "gkb@example.gov.cn", "",
    "lexicons/obsolete-names.yaml", "lexicons/../../../etc/passwd", "/dev/zero", "\u202e", "𠀀",
]  # fmt: skip
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(),
    st.text(max_size=30),
    st.dates(),
    st.sampled_from(PLAUSIBLE),
)
BAD_DATES = [
    "2024-02-30",
    "2024-13-01",
    "0000-00-00",
    "99999-01-01",
    dt.date(1, 1, 1),
    "昨天",
    20241231,
]
HUGE = [10**30, -(10**30), 2**63, -1, 0, 1e308, float("inf"), float("-inf"), float("nan"), 10**4000]
WEIRD_TEXT = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40),
    st.sampled_from(["\x00", "\x1b[31m红", "\u202e\u2066", "𠀀𪚥", "\ufeff", "a\tb", "\r\n"]),
)


def structures() -> st.SearchStrategy[Any]:
    """Nested mappings and lists of scalars, keyed mostly by the models' own field names."""
    keys = st.one_of(st.sampled_from(KEYS), st.text(max_size=8))
    return st.recursive(
        SCALARS,
        lambda kids: st.one_of(st.lists(kids, max_size=4), st.dictionaries(keys, kids, max_size=6)),
        max_leaves=30,
    )


YAMLISH = ":-[]{}&*!|>'\"#%@`,?\n\n  \t\\~.0129aeiouxyz中文：，"


def random_text() -> st.SearchStrategy[str | bytes]:
    """Unstructured input: any text, YAML punctuation soup, or raw bytes."""
    return st.one_of(
        st.text(max_size=200),
        st.text(alphabet=YAMLISH, max_size=200),
        st.binary(max_size=200),
    )


def billion_laughs(width: int, depth: int, at: str) -> str:
    """Return YAML whose `at` key holds `width ** depth` copies through nested aliases."""
    lines = [f"l0: &l0 [{', '.join(['lol'] * width)}]"]
    for i in range(1, depth + 1):
        lines.append(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * width)}]")
    lines.append(f"{at}: *l{depth}")
    return "\n".join(lines) + "\n"


def _slots(node: Any, out: list[tuple[Any, Any]], seen: set[int] | None = None) -> list[Any]:
    """Collect (container, key) for every value in a plain YAML tree (each container once:
    an earlier mutation may have made the tree cyclic)."""
    seen = set() if seen is None else seen
    if not isinstance(node, dict | list) or id(node) in seen:
        return out
    seen.add(id(node))
    for k in list(node) if isinstance(node, dict) else range(len(node)):
        out.append((node, k))
        _slots(node[k], out, seen)
    return out


@st.composite
def data_mutation(draw: st.DrawFn, seed: str) -> str:
    """Mutate the parsed seed at one place: delete, retype, bad date, huge number, unicode,
    duplicate an entry, rename a key, or alias another node (or the container itself)."""
    data = copy.deepcopy(_safe().load(seed))
    for _ in range(draw(st.integers(1, 3))):
        slots = _slots(data, [])
        if not slots:
            break
        parent, key = slots[draw(st.integers(0, len(slots) - 1))]
        op = draw(
            st.sampled_from(
                [
                    "delete",
                    "retype",
                    "date",
                    "huge",
                    "unicode",
                    "duplicate",
                    "rename",
                    "alias",
                    "cycle",
                ]
            )
        )
        if op == "delete":
            del parent[key]
        elif op == "retype":
            parent[key] = draw(st.one_of(SCALARS, structures()))
        elif op == "date":
            parent[key] = draw(st.sampled_from(BAD_DATES))
        elif op == "huge":
            parent[key] = draw(st.sampled_from(HUGE))
        elif op == "unicode":
            parent[key] = draw(WEIRD_TEXT)
        elif op == "duplicate" and isinstance(parent, list):
            parent.insert(key, copy.deepcopy(parent[key]))
        elif op == "rename" and isinstance(parent, dict):
            parent[draw(st.sampled_from(KEYS))] = parent.pop(key)
        elif op == "alias":
            other_parent, other_key = slots[draw(st.integers(0, len(slots) - 1))]
            parent[key] = other_parent[other_key]  # the dump writes an anchor and an alias
        elif op == "cycle" and isinstance(parent[key], dict | list):
            inner = parent[key]
            if isinstance(inner, list):
                inner.append(inner)
            else:
                inner["self"] = inner
    return dump(data)


@st.composite
def text_mutation(draw: st.DrawFn, seed: str) -> str:
    """Mutate the seed's text: duplicate, delete, swap or indent lines, break a colon, add a
    tab, an anchor or an undefined alias, truncate, or append a billion-laughs block."""
    lines = seed.splitlines()
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, max(len(lines) - 1, 0)))
        op = draw(
            st.sampled_from(
                [
                    "dup",
                    "del",
                    "swap",
                    "indent",
                    "colon",
                    "tab",
                    "anchor",
                    "alias",
                    "cut",
                    "junk",
                    "laughs",
                ]
            )
        )
        line = lines[i] if lines else ""
        if op == "dup":
            lines.insert(i, line)
        elif op == "del" and lines:
            del lines[i]
        elif op == "swap" and lines:
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "indent" and lines:
            lines[i] = draw(st.sampled_from([" ", "  ", "    "])) + line
        elif op == "colon" and lines:
            lines[i] = line.replace(": ", draw(st.sampled_from([":", "：", " : ", ": : "])), 1)
        elif op == "tab" and lines:
            lines[i] = "\t" + line.lstrip()
        elif op == "anchor" and lines:
            lines[i] = line.replace(": ", ": &a ", 1)
        elif op == "alias" and lines:
            lines[i] = line.replace(
                ": ", draw(st.sampled_from([": *a ", ": *nowhere ", ": *a\n"])), 1
            )
        elif op == "cut":
            text = "\n".join(lines)
            lines = text[: draw(st.integers(0, len(text)))].splitlines()
        elif op == "junk":
            lines.insert(i, draw(st.text(alphabet=YAMLISH, max_size=40)))
        elif op == "laughs":
            width, depth = draw(st.integers(2, 12)), draw(st.integers(1, 9))
            lines += billion_laughs(width, depth, draw(st.sampled_from(KEYS))).splitlines()
    return "\n".join(lines) + "\n"


def inputs(target: Target) -> st.SearchStrategy[str | bytes]:
    """Everything fuzzed for one file kind."""
    return st.one_of(
        random_text(),
        structures().map(dump),
        st.dictionaries(st.sampled_from(KEYS), structures(), max_size=6).map(dump),
        structures().map(lambda v: dump({target.top: v})),
        data_mutation(target.seed),
        text_mutation(target.seed),
    )


# --------------------------------------------------------------------------------------------
# The fuzz tests


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_seed_config_is_valid(tmp_path: Path, name: str) -> None:
    # The mutations start from valid files: the oracle's exit-0 branch is reachable.
    ws = Workspace(tmp_path, TARGETS[name])
    ws.put(TARGETS[name].seed)
    code, out, err = validate(tmp_path)
    assert (code, err) == (0, ""), err
    assert out.startswith("配置有效：")


@pytest.mark.parametrize("name", sorted(TARGETS))
@FUZZ
@given(data=st.data())
def test_fuzzed_file_is_valid_or_reported_at_file_and_line(
    tmp_path: Path, name: str, data: st.DataObject
) -> None:
    target = TARGETS[name]
    ws = Workspace(tmp_path, target)
    ws.put(data.draw(inputs(target), label=name))
    assert_valid_or_located(tmp_path)


# --------------------------------------------------------------------------------------------
# Named cases


def problems_of(root: Path) -> list[str]:
    """Return `gongkai validate`'s problem lines (exit 2 asserted)."""
    code, _, err = validate(root)
    assert code == 2, err
    return err.splitlines()[:-1]


def make(tmp_path: Path, files: dict[str, str]) -> Path:
    """Write the shipped sites, the stub rules and `files` (which win) into tmp_path."""
    merged = {"sites.yaml": shipped("sites.yaml"), "rules/stub.yaml": stub_rules(), **files}
    for rel, text in merged.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


RULE = "  - {{id: {id}, check: site_unreachable, title: 规则, severity: low, basis: 依据{extra}}}\n"


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (  # unknown site in a rule
            {
                "rules/x.yaml": "rules:\n"
                + RULE.format(id="x1", extra=", applies_to: {sites: [city-gvo]}")
            },
            [
                "rules/x.yaml:2: 规则 'x1'：applies_to.sites 中的站点 'city-gvo' 未在 sites.yaml 中定义（是否应为 city-gov？）"
            ],
        ),
        (  # unknown site and unknown rule in a mute
            {
                "mutes.yaml": "mutes:\n  - {rule: column-stael, site: nowhere, reason: 例外, expires: 2030-01-01}\n"
            },
            [
                "mutes.yaml:2: 第 1 个屏蔽项：rule 取值 'column-stael' 不是已定义的规则 id（是否应为 column-stale？）",
                "mutes.yaml:2: 第 1 个屏蔽项：site 取值 'nowhere' 未在 sites.yaml 中定义",
            ],
        ),
        (  # duplicate rule id across two files names the first place
            {
                "rules/a.yaml": "rules:\n" + RULE.format(id="dup", extra=""),
                "rules/b.yaml": "# b\nrules:\n" + RULE.format(id="dup", extra=""),
            },
            [
                "rules/b.yaml:3: 规则 'dup'：id 重复，已在 {root}/rules/a.yaml:2 定义，规则 id 必须唯一"
            ],
        ),
        (  # duplicate site id
            {
                "sites.yaml": "sites:\n"
                + "  - {id: a, name: 甲, kind: government, start_urls: ['http://a.cn/']}\n" * 2
            },
            ["sites.yaml:3: 站点 'a'：id 重复，已在第 2 行定义，站点 id 必须唯一"],
        ),
        (  # duplicate framework id in two files, duplicate requirement id in one
            {
                "frameworks/a.yaml": "id: fw\ntitle: 甲\nbasis: 依据\nrequirements:\n  - {id: r, title: 乙, rules: [column-stale], points: 5}\n  - {id: r, title: 丙, rules: [column-stale], points: 5}\n",
                "frameworks/b.yaml": "id: fw\ntitle: 甲\nbasis: 依据\nrequirements:\n  - {id: r, title: 乙, rules: [column-stale], points: 5}\n",
            },
            [
                "frameworks/a.yaml:6: 评分框架 'fw'：要求 'r'：id 重复，已在第 5 行定义，同一框架内要求 id 必须唯一",
                "frameworks/b.yaml:1: 评分框架 'fw'：id 重复，已在 {root}/frameworks/a.yaml:1 定义，评分框架 id 必须唯一",
            ],
        ),
        (  # a duplicate key in one mapping (YAML itself)
            {"mutes.yaml": "mutes:\n  - rule: column-stale\n    rule: link-broken\n"},
            [
                'mutes.yaml:3: YAML 语法错误：同一映射中键 \'rule\' 重复出现，每个键只能写一次，请删除或合并重复的键（解析器：found duplicate key "rule" with value "link-broken" (original value: "column-stale")）'
            ],
        ),
        (  # non-finite and huge numbers
            {"settings.yaml": "crawl: {delay: .inf, timeout: .nan, max_pages: 1e999}\n"},
            [
                "settings.yaml:1: crawl.max_pages 取值 inf 无效，应为有限的数字（不能是 .inf 或 .nan）",
                "settings.yaml:1: crawl.delay 取值 inf 无效，应为有限的数字（不能是 .inf 或 .nan）",
                "settings.yaml:1: crawl.timeout 取值 nan 无效，应为有限的数字（不能是 .inf 或 .nan）",
            ],
        ),
        (  # a malformed port in the database URL (sqlalchemy raised ValueError)
            {"settings.yaml": "database: 'postgresql://a@[::1:5432/x'\n"},
            [
                "settings.yaml:1: database 取值 'postgresql://a@[::1:5432/x' 不是有效的数据库地址，应如 sqlite:///var/gongkai.db 或 postgresql+psycopg://user@127.0.0.1:5432/gongkai"
            ],
        ),
        (  # keys that are not text
            {
                "settings.yaml": "1: 2\ncrawl: {3: 4}\nemail: {host: h, sender: a@b.cn, supervisors: [a@b.cn], regulators: {7: [a@b.cn]}}\n"
            },
            [
                "settings.yaml:1: 文件顶层的键 1 无效，键应为文本",
                "settings.yaml:2: crawl 中的键 3 无效，键应为文本",
                "settings.yaml:3: email.regulators 中的键 7 无效，键应为文本（数字样式的键请加引号）",
            ],
        ),
        (  # control characters and a lone surrogate are shown escaped, never printed raw
            {
                "sites.yaml": 'sites:\n  - {id: "\\e[2J\\ud800", name: 甲, kind: government, start_urls: ["http://a.cn/"]}\n'
            },
            [
                "sites.yaml:2: 站点 '\\x1b[2J\\ud800'：id 含有无法编码的字符（如孤立的 \\ud800 代理项），请删除"
            ],
        ),
        (  # Windows device names cannot be report file names (sites/con.html)
            {
                "sites.yaml": "sites:\n  - {id: con, name: 甲, kind: government, start_urls: ['http://a.cn/']}\n  - {id: lpt1, name: 乙, kind: government, start_urls: ['http://b.cn/']}\n"
            },
            [
                "sites.yaml:2: 站点 'con'：id：'con' 是 Windows 保留的设备名（CON、PRN、AUX、NUL、COM0–9、LPT0–9），报告中的站点页面无法在 Windows 上打开，请换一个",
                "sites.yaml:3: 站点 'lpt1'：id：'lpt1' 是 Windows 保留的设备名（CON、PRN、AUX、NUL、COM0–9、LPT0–9），报告中的站点页面无法在 Windows 上打开，请换一个",
            ],
        ),
    ],
)
def test_named_mistakes(tmp_path: Path, files: dict[str, str], expected: list[str]) -> None:
    root = make(tmp_path, files)
    got = problems_of(root)
    assert got == [f"{root}/{line.format(root=root)}" for line in expected]


@pytest.mark.parametrize(
    ("rel", "text", "line", "message"),
    [
        # Reported at the anchor whose expansion passes the bound (l<i> holds width**(i+1)).
        ("sites.yaml", billion_laughs(10, 9, "sites"), 6, "超过 500000 个值"),
        ("rules/x.yaml", billion_laughs(10, 9, "rules"), 6, "超过 500000 个值"),
        ("mutes.yaml", billion_laughs(30, 4, "mutes"), 4, "超过 500000 个值"),
        ("settings.yaml", "# x\n" + billion_laughs(4, 12, "crawl"), 11, "超过 500000 个值"),
        # A self-referencing alias: ruamel builds null in its place, reported like any null.
        ("settings.yaml", "crawl: &c {max_pages: 3, x: *c}\n", 1, "crawl 中的未知字段 'x'"),
        (
            "frameworks/x.yaml",
            "id: f\ntitle: 框\nbasis: 据\nrequirements: &r [*r]\n",
            4,
            "requirements[0] 没有填写值",
        ),
        ("sites.yaml", "sites: " + "[" * 200 + "]" * 200 + "\n", 1, "嵌套层次超过 64 层"),
        ("sites.yaml", "sites: " + "[" * 3000 + "]" * 3000 + "\n", 1, "嵌套层次过深"),
    ],
)
def test_hostile_yaml_shapes_are_refused(
    tmp_path: Path, rel: str, text: str, line: int, message: str
) -> None:
    root = make(tmp_path, {rel: text})
    got = problems_of(root)
    assert got and got[0].startswith(f"{root}/{rel}:{line}: ")
    assert message in got[0]


def test_a_lexicon_cannot_be_a_device_a_directory_or_a_bomb(tmp_path: Path) -> None:
    rule = (
        "rules:\n  - {{id: t, check: term_forbidden, title: 词, severity: low, basis: 依据, "
        "params: {{lexicons: [{name}]}}}}\n"
    )
    cases = {
        "/dev/zero": "不是普通文件",  # an unbounded read would fill memory
        "lexicons": "不是普通文件",
        "lexicons/lol.yaml": "超过 500000 个值",
        "lexicons/big.yaml": "文件超过 16 MB",
    }
    make(tmp_path, {"lexicons/lol.yaml": billion_laughs(10, 9, "terms")})
    with (tmp_path / "lexicons" / "big.yaml").open("wb") as fh:
        fh.truncate(conf.MAX_FILE_BYTES + 1)  # sparse: no 16 MB written
    for name, message in cases.items():
        (tmp_path / "rules" / "t.yaml").write_text(rule.format(name=name), encoding="utf-8")
        (got,) = problems_of(tmp_path)
        assert got.startswith(f"{tmp_path}/rules/t.yaml:2: 规则 't'：params.lexicons："), got
        assert message in got, got


def test_expired_mutes_are_named_but_valid(tmp_path: Path) -> None:
    root = make(tmp_path, {"mutes.yaml": MUTES_SEED})
    assert conf.validate_command(root, today=dt.date(2030, 12, 31)) == 0  # expires that day
    notices = conf.expired_mutes(conf.load_config(root), dt.date(2031, 1, 1))
    assert [str(p) for p in notices] == [
        f"{root}/mutes.yaml:6: 提示：第 1 个屏蔽项（column-stale / city-finance）已于 2030-12-31 "
        "到期，不再生效；请复核后续期或删除"
    ]
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        assert conf.validate_command(root, today=dt.date(2032, 1, 1)) == 0
    assert (
        err.getvalue().count("提示：") == 2
        and "第 2 个屏蔽项（link-broken / city-gov）" in err.getvalue()
    )


def test_yaml_tags_never_build_python_objects(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    root = make(
        tmp_path,
        {
            "settings.yaml": (
                f"crawl: !!python/object/apply:os.system ['touch {marker}']\n"
                f"log: !!python/object/new:pathlib.Path ['{marker}']\n"
            )
        },
    )
    got = problems_of(root)
    assert not marker.exists()
    assert [g.split(": ", 1)[1].split(" ")[0] for g in got] == ["crawl", "log"]


def _limit_memory() -> None:
    """Cap the child's address space at 1 GiB: an unbounded expansion fails, never swaps."""
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


@pytest.mark.timeout(120)
def test_cli_refuses_billion_laughs_within_bounded_memory(tmp_path: Path) -> None:
    # 10**9 list items once expanded: without the bound the process would need ~100 GB.
    root = make(tmp_path, {"sites.yaml": billion_laughs(10, 9, "sites")})
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "cli", "validate", "--config", str(root)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        preexec_fn=_limit_memory,
        timeout=100,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.splitlines() == [
        f"{root}/sites.yaml:6: YAML 结构无法接受：展开锚点（&）和别名（*）后超过 500000 个值"
        "（如“billion laughs”式的层层引用），拒绝读取；请不要用别名嵌套引用",
        "发现 1 处配置错误",
    ]
