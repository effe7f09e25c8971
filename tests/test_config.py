"""Config loading: every operator mistake is reported as an exact `file:line: message`, all at once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import conf
from checks.registry import kinds
from conf import ConfigError, Problem, load_config, site_netlocs, site_profile, validate_command

ROOT = Path(__file__).resolve().parents[1]

SITES = """\
sites:
  - id: city-gov
    name: 示例市人民政府
    kind: government
    start_urls: [https://www.example.gov.cn/]
  - id: water-co
    name: 示例市自来水公司
    kind: enterprise
    sector: water
    regulator: 示例市水务局
    start_urls: [http://www.example-water.com.cn/]
"""

RULES = """\
rules:
  - id: site-unreachable
    check: site_unreachable
    title: 网站无法访问
    severity: high
    basis: 国办秘函〔2019〕19号
  - id: column-stale
    check: column_stale
    title: 栏目未按时更新
    severity: medium
    basis: 国办秘函〔2019〕19号
    params:
      classes:
        - name: 动态要闻
          keywords: [动态, 要闻]
          max_age_days: 14
"""


@pytest.fixture
def cfg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Return a writer of a config dir `cfg/` (cwd = tmp_path) from inline YAML strings."""
    monkeypatch.chdir(tmp_path)

    def write(files: dict[str, str | bytes | None]) -> str:
        root = tmp_path / "cfg"
        merged: dict[str, str | bytes | None] = {"sites.yaml": SITES, "rules/base.yaml": RULES}
        merged.update(files)
        (root / "rules").mkdir(parents=True, exist_ok=True)
        for name, text in merged.items():
            if text is None:  # leave this file out
                continue
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(text, bytes):
                path.write_bytes(text)
            else:
                path.write_text(text, encoding="utf-8")
        return "cfg"

    return write


def problems(config_dir: str) -> list[str]:
    """Return the problem lines load_config raises for a config dir."""
    with pytest.raises(ConfigError) as exc:
        load_config(config_dir)
    return [str(p) for p in exc.value.problems]


# --- YAML syntax ---------------------------------------------------------------------------


def test_yaml_inconsistent_indentation(cfg) -> None:
    d = cfg({"sites.yaml": "sites:\n  - id: a\n    name: 甲\n   kind: government\n"})
    assert problems(d) == [
        "cfg/sites.yaml:4: YAML 语法错误：缩进不一致，同一层级的键必须左对齐，列表项的“- ”也要对齐"
        "（只能用空格）（解析器：expected <block end>, but found '<block mapping start>'）"
    ]


def test_yaml_missing_space_after_colon(cfg) -> None:
    d = cfg({"sites.yaml": "sites:\n  - id: a\n    name:甲\n    kind: government\n"})
    assert problems(d) == [
        "cfg/sites.yaml:3: YAML 语法错误：冒号后缺少空格，应写作 'name: 甲'（YAML 的键和值之间"
        "必须是冒号加空格）（解析器：could not find expected ':'）"
    ]


def test_yaml_missing_space_found_on_earlier_line(cfg) -> None:
    # The parser trips on line 3, but the mistake is `id:a` on line 2.
    d = cfg({"sites.yaml": "sites:\n  - id:a\n    name: 甲\n"})
    assert problems(d) == [
        "cfg/sites.yaml:2: YAML 语法错误：冒号后缺少空格，应写作 'id: a'（YAML 的键和值之间"
        "必须是冒号加空格）（解析器：mapping values are not allowed here）"
    ]


def test_yaml_unclosed_quote_points_at_the_quote(cfg) -> None:
    d = cfg({"sites.yaml": 'sites:\n  - id: a\n    name: "示例\n    kind: government\n'})
    assert problems(d) == [
        "cfg/sites.yaml:3: YAML 语法错误：引号未闭合，请在值的末尾补上对应的引号（' 或 \"）"
        "（解析器：found unexpected end of stream）"
    ]


def test_yaml_tab_and_chinese_colon(cfg) -> None:
    d = cfg(
        {
            "sites.yaml": "sites:\n  - id: a\n\tname: 甲\n",
            "rules/base.yaml": "rules:\n  - id： x\n    check: site_unreachable\n",
        }
    )
    assert problems(d) == [
        "cfg/sites.yaml:3: YAML 语法错误：使用了制表符（Tab）缩进，YAML 只能用空格缩进，请把 Tab 改为"
        "空格（解析器：found character '\\t' that cannot start any token）",
        "cfg/rules/base.yaml:2: YAML 语法错误：使用了中文冒号“：”，请改为英文冒号加空格“: ”"
        "（解析器：mapping values are not allowed here）",
    ]


def test_unreadable_file_causes_no_follow_on_errors(cfg) -> None:
    # With sites.yaml and a rule file unreadable, names that refer to them cannot be judged.
    rules = RULES.replace("    params:", "    applies_to: {sites: [city-gov]}\n    params:")
    mutes = "mutes:\n  - {rule: gone, site: city-gov, reason: 试点, expires: 2025-12-31}\n"
    d = cfg(
        {
            "sites.yaml": "sites:\n  - id: city-gov\n    name: '示例\n",
            "rules/base.yaml": rules,
            "rules/broken.yaml": "rules:\n  - id: gone\n   check: x\n",
            "mutes.yaml": mutes,
        }
    )
    assert problems(d) == [
        "cfg/sites.yaml:3: YAML 语法错误：引号未闭合，请在值的末尾补上对应的引号（' 或 \"）"
        "（解析器：found unexpected end of stream）",
        "cfg/rules/broken.yaml:3: YAML 语法错误：缩进不一致，同一层级的键必须左对齐，列表项的“- ”"
        "也要对齐（只能用空格）（解析器：expected <block end>, but found '<block mapping start>'）",
    ]


def test_yaml_duplicate_key(cfg) -> None:
    d = cfg({"sites.yaml": "sites:\n  - id: a\n    name: 甲\n    name: 乙\n"})
    assert problems(d) == [
        "cfg/sites.yaml:4: YAML 语法错误：同一映射中键 'name' 重复出现，每个键只能写一次，请删除或"
        '合并重复的键（解析器：found duplicate key "name" with value "乙" (original value: '
        '"甲")）'
    ]


def test_file_not_utf8(cfg) -> None:
    d = cfg({"sites.yaml": "sites:\n  - id: a\n    name: 示例市\n".encode("gbk")})
    assert problems(d) == [
        "cfg/sites.yaml:3: 文件不是 UTF-8 编码，请用 UTF-8 重新保存（常见原因：用 GBK/GB2312 编码保存）"
    ]


# --- file structure ------------------------------------------------------------------------


def test_sites_yaml_missing(cfg) -> None:
    d = cfg({"sites.yaml": None})
    assert problems(d) == [
        "cfg/sites.yaml:1: 找不到站点配置文件 sites.yaml，请创建它并在 sites: 下列出要检查的站点"
    ]


def test_config_dir_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert problems("nowhere") == [
        "nowhere/sites.yaml:1: 找不到配置目录 nowhere，请检查 --config 参数"
    ]


def test_rules_dir_missing(cfg) -> None:
    d = cfg({"rules/base.yaml": None})
    (Path(d) / "rules").rmdir()
    assert problems(d) == [
        "cfg/rules:1: 找不到规则目录 rules/，请创建它并放入规则文件（可从项目自带的 config/rules/ 复制）"
    ]


def test_sites_yaml_empty_or_empty_list(cfg) -> None:
    assert problems(cfg({"sites.yaml": "# 还没有写站点\n"})) == [
        "cfg/sites.yaml:1: 文件为空，请在 sites: 下列出至少一个要检查的站点"
    ]
    assert problems(cfg({"sites.yaml": "# 站点\n\nsites: []\n"})) == [
        "cfg/sites.yaml:3: sites 列表为空，请至少配置一个要检查的站点"
    ]


def test_top_level_key_typo(cfg) -> None:
    d = cfg({"sites.yaml": SITES.replace("sites:", "site:", 1), "mutes.yaml": "mute: []\n"})
    assert problems(d) == [
        "cfg/sites.yaml:1: 未知的顶层字段 'site'（是否应为 sites？）",
        "cfg/mutes.yaml:1: 未知的顶层字段 'mute'（是否应为 mutes？）",
    ]


def test_files_that_are_not_mappings(cfg) -> None:
    d = cfg(
        {
            "rules/extra.yaml": "- id: x\n  check: site_unreachable\n",
            "settings.yaml": "- crawl\n",
            "mutes.yaml": "mutes:\n  rule: x\n",
        }
    )
    assert problems(d) == [
        "cfg/rules/extra.yaml:1: 文件顶层应为映射（以 “rules:” 开头，例如 rules: [...]），实际为列表",
        "cfg/mutes.yaml:1: mutes 应为列表（每项以“- ”开头），实际为映射",
        "cfg/settings.yaml:1: 文件顶层应为映射（如 crawl: {max_pages: 500}），实际为列表",
    ]


def test_yml_files_are_not_silently_ignored(cfg) -> None:
    d = cfg({"rules/county.yml": RULES, "settings.yml": "crawl: {}\n"})
    assert problems(d) == [
        "cfg/rules/county.yml:1: 规则文件必须以 .yaml 结尾，此文件不会被读取；请改名为 county.yaml",
        "cfg/settings.yml:1: 配置文件必须以 .yaml 结尾，此文件不会被读取；请改名为 settings.yaml",
    ]


def test_entry_that_is_not_a_mapping(cfg) -> None:
    # `- id:a` is one string to YAML, not a mapping: a missing space after the colon.
    d = cfg({"sites.yaml": SITES + "  - id:a\n"})
    assert problems(d) == [
        "cfg/sites.yaml:12: 第 3 个站点：条目应为映射（每行“键: 值”），实际为 'id:a'"
        "（冒号后缺少空格？应写作 'id: a'）"
    ]


# --- sites ---------------------------------------------------------------------------------


def test_invalid_choice_names_the_options(cfg) -> None:
    d = cfg({"sites.yaml": SITES.replace("kind: enterprise", "kind: enterprize")})
    assert problems(d) == [
        "cfg/sites.yaml:8: 站点 'water-co'：kind 取值 'enterprize' 无效，应为 government、department"
        " 或 enterprise 之一"
    ]


def test_unknown_field_suggests_close_match(cfg) -> None:
    d = cfg({"sites.yaml": SITES.replace("start_urls: [https", "start_url: [https")})
    assert problems(d) == [
        "cfg/sites.yaml:2: 站点 'city-gov'：缺少必填字段 'start_urls'（至少填写一个首页网址，"
        "如 https://www.example.gov.cn/）",
        "cfg/sites.yaml:5: 站点 'city-gov'：未知字段 'start_url'（是否应为 start_urls？）",
    ]


def test_unknown_field_without_close_match_lists_fields(cfg) -> None:
    d = cfg(
        {"rules/base.yaml": RULES.replace("    params:", "    applies_to: {zzz: 1}\n    params:")}
    )
    assert problems(d) == [
        "cfg/rules/base.yaml:12: 规则 'column-stale'：applies_to 中的未知字段 'zzz'"
        "（可用字段：kinds、sectors、sites）"
    ]


def test_missing_and_empty_required_fields(cfg) -> None:
    text = "sites:\n  - id: a\n    kind: government\n    start_urls: []\n  - id: b\n    name:\n"
    d = cfg({"sites.yaml": text})
    assert problems(d) == [
        "cfg/sites.yaml:2: 站点 'a'：缺少必填字段 'name'",
        "cfg/sites.yaml:4: 站点 'a'：start_urls 不能为空，至少需要填写 1 项",
        "cfg/sites.yaml:5: 站点 'b'：缺少必填字段 'kind'",
        "cfg/sites.yaml:5: 站点 'b'：缺少必填字段 'start_urls'（至少填写一个首页网址，"
        "如 https://www.example.gov.cn/）",
        "cfg/sites.yaml:6: 站点 'b'：name 没有填写值，应为文本",
    ]


def test_bad_id_and_numbers(cfg) -> None:
    text = SITES.replace("id: city-gov", "id: City_Gov").replace(
        "    start_urls: [https", "    max_pages: 0\n    delay: 快\n    start_urls: [https"
    )
    d = cfg({"sites.yaml": text})
    assert problems(d) == [
        "cfg/sites.yaml:2: 站点 'City_Gov'：id 取值 'City_Gov' 无效，应为小写字母、数字和连字符 - "
        "组成、以字母或数字开头的标识（最长 63 个字符）",
        "cfg/sites.yaml:5: 站点 'City_Gov'：max_pages 取值 0 无效，应大于 0",
        "cfg/sites.yaml:6: 站点 'City_Gov'：delay 取值 '快' 无效，应为数字",
    ]


def test_duplicate_site_ids(cfg) -> None:
    d = cfg({"sites.yaml": SITES.replace("id: water-co", "id: city-gov")})
    assert problems(d) == [
        "cfg/sites.yaml:6: 站点 'city-gov'：id 重复，已在第 2 行定义，站点 id 必须唯一"
    ]


def test_sector_and_regulator_rules(cfg) -> None:
    text = (
        SITES.replace("kind: government", "kind: government\n    sector: water")
        .replace("    sector: water\n    regulator: 示例市水务局\n", "")
        .replace("id: water-co", "id: water-co")
    )
    d = cfg({"sites.yaml": text})
    assert problems(d) == [
        "cfg/sites.yaml:5: 站点 'city-gov'：sector 只适用于 kind 为 enterprise 的站点，kind 为 "
        "government 的站点请删除 sector",
        "cfg/sites.yaml:7: 站点 'water-co'：kind 为 enterprise 的站点必须填写 sector（所属行业，可选 "
        "water、power、gas、heat、transit、health、education、environment、other）",
        "cfg/sites.yaml:7: 站点 'water-co'：kind 为 enterprise 的站点必须填写 regulator（主管部门，"
        "如 示例市水务局）",
    ]


def test_start_urls_and_allowed_domains(cfg) -> None:
    text = """\
sites:
  - id: a
    name: 甲
    kind: government
    start_urls:
      - www.example.gov.cn
      - ftp://files.example.gov.cn/
      - https://ok.example.gov.cn/
    allowed_domains: [https://ok.example.gov.cn/, "bad domain"]
  - id: b
    name: 乙
    kind: department
    start_urls: [http://b.example.gov.cn:8080/]
    allowed_domains: [other.example.gov.cn]
"""
    d = cfg({"sites.yaml": text})
    url_fix = (
        "应为以 http:// 或 https:// 开头、包含主机名的完整网址，如 https://www.example.gov.cn/"
    )
    dom_fix = (
        "应为主机名或“主机名:端口”，如 www.example.gov.cn 或 127.0.0.1:8080（不带 http:// 和路径）"
    )
    assert problems(d) == [
        f"cfg/sites.yaml:6: 站点 'a'：start_urls[0] 取值 'www.example.gov.cn' 无效，{url_fix}",
        f"cfg/sites.yaml:7: 站点 'a'：start_urls[1] 取值 'ftp://files.example.gov.cn/' 无效，{url_fix}",
        f"cfg/sites.yaml:9: 站点 'a'：allowed_domains[0] 取值 'https://ok.example.gov.cn/' 无效，{dom_fix}",
        f"cfg/sites.yaml:9: 站点 'a'：allowed_domains[1] 取值 'bad domain' 无效，{dom_fix}",
        "cfg/sites.yaml:13: 站点 'b'：start_urls 中的 'http://b.example.gov.cn:8080/' 不在 "
        "allowed_domains 范围内，抓取会被过滤；请把它的主机加入 allowed_domains，或删除 "
        "allowed_domains 使用默认值",
    ]


def test_unknown_profile_and_not_applicable_items(cfg) -> None:
    text = SITES.replace(
        "    start_urls: [https", "    not_applicable: [财政预算, 土地征收]\n    start_urls: [https"
    ).replace("    start_urls: [http://", "    profile: enterprise-watr\n    start_urls: [http://")
    d = cfg({"sites.yaml": text})
    names = "、".join(conf.profile_names())
    assert problems(d) == [
        # city-gov defaults to gov-portal (条例第二十一条 items included), so 土地征收 is fine.
        "cfg/sites.yaml:5: 站点 'city-gov'：not_applicable[0] 取值 '财政预算' 不是目录模板 "
        "'gov-portal' 中的事项（是否应为 财政预决算？）",
        "cfg/sites.yaml:12: 站点 'water-co'：profile 取值 'enterprise-watr' 不是已有的目录模板"
        f"（是否应为 enterprise-water？），可用模板：{names}",
    ]
    assert {"gov-portal", "gov-department", "enterprise-water", "enterprise-other"} <= set(
        conf.profile_names()
    )


def test_not_applicable_checked_against_the_departments_profile(cfg) -> None:
    # 第二十一条 items (土地征收) belong to gov-portal, not to a department's catalogue.
    text = SITES.replace("kind: government", "kind: department").replace(
        "    start_urls: [https", "    not_applicable: [土地征收]\n    start_urls: [https"
    )
    assert problems(cfg({"sites.yaml": text})) == [
        "cfg/sites.yaml:5: 站点 'city-gov'：not_applicable[0] 取值 '土地征收' 不是目录模板 "
        "'gov-department' 中的事项"
    ]


# --- rules ---------------------------------------------------------------------------------


def test_duplicate_rule_ids_name_both_places(cfg) -> None:
    extra = "rules:\n  - id: column-stale\n    check: column_empty\n    title: 空白栏目\n"
    extra += "    severity: low\n    basis: 国办秘函〔2019〕19号\n"
    d = cfg({"rules/more.yaml": extra})
    assert problems(d) == [
        "cfg/rules/more.yaml:2: 规则 'column-stale'：id 重复，已在 cfg/rules/base.yaml:7 定义，"
        "规则 id 必须唯一"
    ]


def test_unknown_check_kind_lists_known_kinds(cfg) -> None:
    d = cfg({"rules/base.yaml": RULES.replace("check: column_stale", "check: colum_stale")})
    known = sorted(kinds())
    assert {
        "site_unreachable",
        "homepage_stale",
        "column_stale",
        "column_empty",
        "link_broken",
        "catalogue_missing",
    } <= set(known)
    assert problems(d) == [
        "cfg/rules/base.yaml:8: 规则 'column-stale'：未知的检查类型 'colum_stale'（是否应为 "
        f"column_stale？），可用类型：{'、'.join(known)}"
    ]


def test_rule_params_validated_by_the_kinds_model(cfg) -> None:
    text = RULES.replace("max_age_days: 14", "max_age_days: 0") + (
        "        - name: 通知公告\n          keywords: []\n          max_age_days: 183\n"
        "      undated_stale: false\n"
        "  - id: link-broken-home\n    check: link_broken\n    title: 首页不可用链接\n"
        "    severity: high\n    basis: 国办秘函〔2019〕19号\n    params: {scope: homepage}\n"
    )
    d = cfg({"rules/base.yaml": text})
    assert problems(d) == [
        "cfg/rules/base.yaml:16: 规则 'column-stale'：params.classes[0].max_age_days 取值 0 无效，"
        "应大于 0",
        "cfg/rules/base.yaml:18: 规则 'column-stale'：params.classes[1].keywords 不能为空，"
        "至少需要填写 1 项",
        "cfg/rules/base.yaml:20: 规则 'column-stale'：params 中的未知字段 'undated_stale'"
        "（是否应为 undated_is_stale？）",
        "cfg/rules/base.yaml:26: 规则 'link-broken-home'：params.scope 取值 'homepage' 无效，"
        "应为 home、other 或 all 之一",
    ]


def test_rule_envelope_errors(cfg) -> None:
    text = RULES.replace("severity: high", "severity: hihg").replace(
        "    title: 网站无法访问\n", ""
    )
    text = text.replace(
        "    basis: 国办秘函〔2019〕19号\n    params:", "    basis: ''\n    params:"
    )
    d = cfg({"rules/base.yaml": text})
    assert problems(d) == [
        "cfg/rules/base.yaml:2: 规则 'site-unreachable'：缺少必填字段 'title'",
        "cfg/rules/base.yaml:4: 规则 'site-unreachable'：severity 取值 'hihg' 无效，应为 high、medium"
        " 或 low 之一",
        "cfg/rules/base.yaml:10: 规则 'column-stale'：basis 不能为空",
    ]


def test_applies_to_unknown_site_and_kind(cfg) -> None:
    text = RULES.replace(
        "    params:",
        "    applies_to:\n      kinds: [gov]\n      sites: [city-gov, watr-co]\n    params:",
    )
    d = cfg({"rules/base.yaml": text})
    assert problems(d) == [
        "cfg/rules/base.yaml:13: 规则 'column-stale'：applies_to.kinds[0] 取值 'gov' 无效，应为 "
        "government、department 或 enterprise 之一",
        "cfg/rules/base.yaml:14: 规则 'column-stale'：applies_to.sites 中的站点 'watr-co' 未在 "
        "sites.yaml 中定义（是否应为 water-co？）",
    ]


# --- mutes and settings --------------------------------------------------------------------


def test_mutes_unknown_names_and_missing_reason_expiry(cfg) -> None:
    text = """\
mutes:
  - rule: column-stael
    site: city-gov
  - rule: column-stale
    site: nowhere
    reason: 机构改革期间暂停更新
    expires: 2025-13-01
"""
    d = cfg({"mutes.yaml": text})
    assert problems(d) == [
        "cfg/mutes.yaml:2: 第 1 个屏蔽项：缺少必填字段 'reason'（屏蔽项必须写明接受这一例外的原因）",
        "cfg/mutes.yaml:2: 第 1 个屏蔽项：缺少必填字段 'expires'（屏蔽项必须设定到期日期，"
        "例如 expires: 2025-12-31）",
        "cfg/mutes.yaml:2: 第 1 个屏蔽项：rule 取值 'column-stael' 不是已定义的规则 id"
        "（是否应为 column-stale？）",
        "cfg/mutes.yaml:5: 第 2 个屏蔽项：site 取值 'nowhere' 未在 sites.yaml 中定义",
        "cfg/mutes.yaml:7: 第 2 个屏蔽项：expires 取值 '2025-13-01' 无效，应为日期，格式 YYYY-MM-DD"
        "（如 2025-12-31）",
    ]


def test_settings_errors(cfg) -> None:
    text = "databse: sqlite:///x.db\ncrawl:\n  max_pages: 0\n  obey_robots: 也许\n"
    text += "database: not a url\n"
    d = cfg({"settings.yaml": text})
    assert problems(d) == [
        "cfg/settings.yaml:1: 未知字段 'databse'（是否应为 database？）",
        "cfg/settings.yaml:3: crawl.max_pages 取值 0 无效，应大于 0",
        "cfg/settings.yaml:4: crawl.obey_robots 取值 '也许' 无效，应为 true 或 false",
        "cfg/settings.yaml:5: database 取值 'not a url' 不是有效的数据库地址，应如 "
        "sqlite:///var/gongkai.db 或 postgresql+psycopg://user@127.0.0.1:5432/gongkai",
    ]


# --- everything at once, and the validate command ------------------------------------------


BROKEN = {
    "sites.yaml": SITES.replace("kind: enterprise", "kind: enterprize").replace(
        "start_urls: [https://", "start_urls: [www."
    ),
    "rules/base.yaml": RULES.replace("check: site_unreachable", "check: site_down"),
    "mutes.yaml": "mutes:\n  - rule: column-stale\n    site: city-gov\n    reason: 试点\n",
    "settings.yaml": "crawl:\n  delay: -1\n",
}
BROKEN_LINES = [
    "cfg/sites.yaml:5: 站点 'city-gov'：start_urls[0] 取值 'www.www.example.gov.cn/' 无效，应为以 "
    "http:// 或 https:// 开头、包含主机名的完整网址，如 https://www.example.gov.cn/",
    "cfg/sites.yaml:8: 站点 'water-co'：kind 取值 'enterprize' 无效，应为 government、department"
    " 或 enterprise 之一",
    "cfg/rules/base.yaml:3: 规则 'site-unreachable'：未知的检查类型 'site_down'，可用类型："
    + "、".join(sorted(kinds())),
    "cfg/mutes.yaml:2: 第 1 个屏蔽项：缺少必填字段 'expires'（屏蔽项必须设定到期日期，"
    "例如 expires: 2025-12-31）",
    "cfg/settings.yaml:2: crawl.delay 取值 -1 无效，应大于或等于 0",
]


def test_every_problem_in_every_file_at_once(cfg) -> None:
    assert problems(cfg(BROKEN)) == BROKEN_LINES


def test_validate_command_reports_and_exits_2(cfg, capsys: pytest.CaptureFixture[str]) -> None:
    assert validate_command(cfg(BROKEN)) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [*BROKEN_LINES, "发现 5 处配置错误"]
    assert "Traceback" not in err


def test_validate_command_success(cfg, capsys: pytest.CaptureFixture[str]) -> None:
    assert validate_command(cfg({})) == 0
    assert capsys.readouterr().out == "配置有效：2 个站点，2 条规则\n"


# --- success cases and defaults ------------------------------------------------------------


def test_shipped_config_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    config = load_config("config")
    ids = [s.id for s in config.sites]
    assert ids == ["city-gov", "city-finance", "city-water"]
    assert {s.kind for s in config.sites} == {"government", "department", "enterprise"}
    assert [site_profile(s) for s in config.sites] == [
        "gov-portal",
        "gov-department",
        "enterprise-water",
    ]
    rule_ids = [r.id for r in config.rules]
    assert {"catalogue-missing", "column-stale", "link-broken-home"} <= set(rule_ids)
    assert config.mutes == []
    assert config.settings == conf.Settings()  # every default is only commented in the file
    # The frameworks map their requirements onto the shipped rule ids (frameworks/), in
    # their `order` (19号 first).
    ids = [fw.id for fw in config.frameworks]
    assert ids == ["gov-website-2019", "public-enterprise-2020", "chengdu-2011"]
    for fw in config.frameworks:
        mapped = {r for req in fw.requirements for r in req.rules}
        assert mapped <= set(rule_ids), fw.id
    fw = config.frameworks[0]
    assert {"site-unreachable", "homepage-stale", "column-empty"} <= {
        r for req in fw.requirements for r in req.rules
    }


def test_loaded_values_and_defaults(cfg) -> None:
    sites = """\
sites:
  - id: a
    name: 甲
    kind: government
    start_urls: ["https://WWW.Example.gov.cn:443/index.html", "http://www.example.gov.cn:80/x"]
  - id: b
    name: 乙
    kind: department
    start_urls: [http://127.0.0.1:8080/]
    allowed_domains: [Other.Example.gov.cn, "127.0.0.1:8080"]
  - id: c
    name: 丙
    kind: enterprise
    sector: transit
    regulator: 示例市交通运输局
    start_urls: [https://bus.example.com.cn/]
    obey_robots: false
"""
    mutes = """\
mutes:
  - rule: column-stale
    site: a
    subject: "人事*"
    reason: 机构改革期间暂停更新
    expires: 2025-12-31
"""
    d = cfg(
        {
            "sites.yaml": sites,
            "mutes.yaml": mutes,
            "settings.yaml": "database: sqlite:///var/x.db\ncrawl:\n  max_pages: 50\n",
        }
    )
    config = load_config(d)
    assert config.root == Path("cfg")
    a, b, c = config.sites
    assert site_netlocs(a) == {"www.example.gov.cn"}
    assert site_netlocs(b) == {"other.example.gov.cn", "127.0.0.1:8080"}
    assert site_profile(b) == "gov-department"
    # No enterprise-transit profile ships, so a transit company falls back to enterprise-other.
    assert "enterprise-transit" not in conf.profile_names()
    assert site_profile(c) == "enterprise-other"
    assert c.obey_robots is False
    assert config.mutes[0].expires == dt.date(2025, 12, 31)
    assert config.mutes[0].subject == "人事*"
    assert config.settings.database == "sqlite:///var/x.db"
    assert config.settings.crawl.max_pages == 50
    assert config.settings.crawl.delay == 0.5
    stale = next(r for r in config.rules if r.id == "column-stale")
    assert stale.params["classes"][0] == {
        "name": "动态要闻",
        "keywords": ["动态", "要闻"],
        "max_age_days": 14,
    }
    assert type(stale.params["classes"][0]["max_age_days"]) is int  # plain values, not YAML nodes


def test_problem_str_and_error_carries_all_problems() -> None:
    p = Problem("config/sites.yaml", 12, "站点 'x'：name 不能为空")
    assert str(p) == "config/sites.yaml:12: 站点 'x'：name 不能为空"
    err = ConfigError([p, Problem("config/mutes.yaml", 3, "m")])
    assert len(err.problems) == 2
    assert str(err) == "config/sites.yaml:12: 站点 'x'：name 不能为空\nconfig/mutes.yaml:3: m"
