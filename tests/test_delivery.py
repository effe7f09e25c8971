"""Delivery (issue 5): email through a real SMTP server (aiosmtpd on 127.0.0.1), the email
settings' validation, and `gongkai serve` answering real HTTP requests."""

from __future__ import annotations

import email
import email.policy
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

import cli
import conf
from reports import mail
from reports.serve import make_server, url_of
from store import Store
from tests.siteserver import SiteServer
from tests.test_exports import BUILD_REG, GOV_REG, RAW_MOBILE, run_data

REPO = Path(__file__).resolve().parents[1]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def free_port() -> int:
    """A port nothing listens on (bound once, then closed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Inbox:
    """An aiosmtpd handler keeping every message it accepts."""

    received: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), msg))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        """Messages whose envelope includes `address`."""
        return [m for _, rcpt, m in self.received if address in rcpt]


def smtp_server(port: int, **kw: Any) -> tuple[Controller, Inbox]:
    """Start a real SMTP server on 127.0.0.1:port."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **kw)
    controller.start()
    return controller, inbox


@pytest.fixture
def smtp() -> Iterator[tuple[int, Inbox]]:
    """A plain SMTP server without authentication."""
    port = free_port()
    controller, inbox = smtp_server(port)
    yield port, inbox
    controller.stop()


def settings(port: int, **kw: Any) -> conf.EmailSettings:
    """Email settings for the test server."""
    values: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": port,
        "sender": "gongkai@example.gov.cn",
        "timeout": 5,
        "report_url": "https://report.example.gov.cn/weekly/",
        "supervisors": ["ban@example.gov.cn", "政务公开办 <gkb@example.gov.cn>"],
        "regulators": {BUILD_REG: ["zjj@example.gov.cn", "zjj2@example.gov.cn"]},
        **kw,
    }
    return conf.EmailSettings(**values)


def attachment(msg: EmailMessage) -> tuple[str, openpyxl.Workbook, bytes]:
    """Return the xlsx attachment's file name, workbook and raw bytes."""
    (part,) = list(msg.iter_attachments())
    assert part.get_content_type() == XLSX
    data = part.get_content()
    return part.get_filename(), openpyxl.load_workbook(io.BytesIO(data)), data


def sheet_rows(ws: Any) -> list[dict[str, Any]]:
    """A worksheet's data rows keyed by its header."""
    values = list(ws.iter_rows(values_only=True))
    return [dict(zip(values[0], r, strict=True)) for r in values[1:]]


def xlsx_text(data: bytes) -> str:
    """All XML text inside an xlsx (the zip is compressed, so search after unpacking)."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))


# --- composing and sending ------------------------------------------------------------------


def test_supervisors_and_regulators_receive_their_mail(smtp: tuple[int, Inbox]) -> None:
    port, inbox = smtp
    data = run_data()
    cfg = settings(
        port, regulators={BUILD_REG: ["zjj@example.gov.cn"], GOV_REG: ["gov@example.gov.cn"]}
    )
    result = mail.send(mail.compose(data, cfg), cfg)
    assert result.ok and result.error is None and len(result.sent) == 4
    assert sorted(tuple(r) for _, r, _ in inbox.received) == [
        ("ban@example.gov.cn",),
        ("gkb@example.gov.cn",),
        ("gov@example.gov.cn",),
        ("zjj@example.gov.cn",),
    ]
    assert {f for f, _, _ in inbox.received} == {"gongkai@example.gov.cn"}

    (sup,) = inbox.to("ban@example.gov.cn")
    assert sup["To"] == "ban@example.gov.cn" and sup["From"] == "gongkai@example.gov.cn"
    assert sup["Subject"] == (
        "【政务公开网站检查】2024年2月15日 第 7 次检查：4 个站点，2 个有不通过项，问题 7 条，"
        "新增 5 条，已整改 2 条"
    )
    body = sup.get_body(("plain",)).get_content()
    assert "第 7 次政务公开网站检查（检查日期 2024年2月15日）已完成，全部站点结果如下。" in body
    assert "规则结果：不通过 4 项，警告 1 项，无法检查 0 项，通过 18 项。" in body
    assert "发现问题：不通过 6 条，警告 1 条，无法检查 0 条，已豁免 1 条。" in body
    assert "政府网站检查指标（19号）：合格 1 个，预警 0 个，不合格 1 个。" in body
    assert "与上次检查相比：新增问题 5 条，已整改 2 条（另有 1 个站点为首次检查）。" in body
    worst = re.findall(r"^  \d\. (\S+?)（", body.split("二、问题较多的站点")[1], flags=re.M)
    assert worst[:3] == ["示例市人民政府", "示例市自来水有限公司", "示例市教育局"]
    assert "1. 示例市人民政府（portal）：不通过 3 项规则；问题 4 条；新增 3 条、已整改 1 条" in body
    assert (
        "3. 示例市教育局（jyj）：不通过 0 项规则；问题 1 条；新增 1 条、已整改 0 条；"
        "政府网站检查指标（19号）：不合格（单项否决）\n" in body
    )
    assert "1. 法定主动公开内容缺失：1 个站点，2 条（依据：条例第二十条）" in body
    assert "在线报告：https://report.example.gov.cn/weekly/" in body
    name, wb, raw = attachment(sup)
    assert name == "findings.xlsx"
    assert wb.sheetnames == ["汇总", GOV_REG, BUILD_REG, "未指定主管部门", "全部问题", "已整改"]
    assert len(sheet_rows(wb["汇总"])) == 4 and len(sheet_rows(wb["全部问题"])) == 8

    (reg,) = inbox.to("zjj@example.gov.cn")
    assert reg["Subject"].startswith(
        f"【政务公开网站检查】2024年2月15日 第 7 次检查（{BUILD_REG}）：2 个站点"
    )
    body = reg.get_body(("plain",)).get_content()
    assert body.startswith(f"{BUILD_REG}：")
    assert "贵单位主管的 2 个站点结果如下" in body
    assert "示例市人民政府" not in body and "示例市教育局" not in body
    name, wb, raw_reg = attachment(reg)
    assert name == f"findings-{BUILD_REG}.xlsx"
    assert wb.sheetnames == ["汇总", "全部问题", "已整改"]
    assert [r["标识"] for r in sheet_rows(wb["汇总"])] == ["water", "gas"]
    assert {r["标识"] for r in sheet_rows(wb["全部问题"])} == {"water"}

    # Only masked personal data, in the bodies and inside the workbooks.
    for _, _, msg in inbox.received:
        assert RAW_MOBILE not in msg.as_string()
        assert RAW_MOBILE not in xlsx_text(attachment(msg)[2])
    assert "138****1234" in xlsx_text(raw) and "138****1234" not in xlsx_text(raw_reg)


def test_regulator_without_sites_or_addresses_gets_nothing(smtp: tuple[int, Inbox]) -> None:
    port, _ = smtp
    part = run_data().subset(["portal", "water", "gas"])  # a run without jyj (run --site)
    cfg = settings(port, supervisors=[], regulators={GOV_REG: ["gov@example.gov.cn"]})
    assert mail.compose(part, cfg) == []
    assert mail.unaddressed(part, cfg) == [(BUILD_REG, 2)]


def test_login_with_password_from_environment() -> None:
    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth: Any) -> Any:
        ok = isinstance(auth, LoginPassword) and (auth.login, auth.password) == (b"gk", b"s3cret")
        return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535

    port = free_port()
    controller, inbox = smtp_server(port, authenticator=authenticator, auth_require_tls=False)
    try:
        cfg = settings(port, username="gk", password_env="GK_TEST_SMTP_PASSWORD", regulators={})
        mails = mail.compose(run_data(), cfg)
        assert mail.send(mails, cfg, {"GK_TEST_SMTP_PASSWORD": "s3cret"}).ok
        assert len(inbox.received) == 2
        refused = mail.send(mails, cfg, {"GK_TEST_SMTP_PASSWORD": "wrong"})
        assert not refused.ok and refused.sent == []
        assert refused.error is not None and "拒绝登录" in refused.error
        assert "GK_TEST_SMTP_PASSWORD" in refused.error
        with pytest.raises(mail.MailConfigError, match="环境变量 GK_TEST_SMTP_PASSWORD 未设置"):
            mail.send(mails, cfg, {})
        assert len(inbox.received) == 2
    finally:
        controller.stop()


def test_unreachable_server_is_a_clear_error() -> None:
    port = free_port()
    cfg = settings(port)
    result = mail.send(mail.compose(run_data(), cfg), cfg)
    assert not result.ok and result.sent == []
    assert (
        result.error
        == f"无法通过邮件服务器 127.0.0.1:{port} 发送：连接被拒绝（端口上没有邮件服务）。"
    )


@pytest.mark.parametrize(
    "base",
    [
        "https://r.example.gov.cn/w/",
        "https://r.example.gov.cn/w",
        "https://r.example.gov.cn/w/index.html",
    ],
)
def test_report_page_joins_under_the_report_directory(base: str) -> None:
    assert (
        mail.report_page(base, "sectors/reg-1.html")
        == "https://r.example.gov.cn/w/sectors/reg-1.html"
    )


def test_default_ports() -> None:
    base = {"host": "smtp.example.gov.cn", "sender": "a@example.gov.cn"}
    assert conf.EmailSettings(**base).smtp_port == 25
    assert conf.EmailSettings(**base, starttls=True).smtp_port == 587
    assert conf.EmailSettings(**base, ssl=True).smtp_port == 465
    assert conf.EmailSettings(**base, ssl=True, port=2465).smtp_port == 2465


# --- settings.yaml validation ---------------------------------------------------------------

SITES_YAML = {
    "sites": [
        {
            "id": "portal",
            "name": "示例市人民政府",
            "kind": "government",
            "start_urls": ["http://a.example.gov.cn/"],
        },
        {
            "id": "water",
            "name": "示例市自来水有限公司",
            "kind": "enterprise",
            "sector": "water",
            "regulator": "示例市水务局",
            "start_urls": ["http://b.example.com/"],
        },
    ]
}


def config_dir(root: Path, settings_yaml: str) -> Path:
    """A config directory with two sites, the shipped rules and `settings_yaml`."""
    root.mkdir(parents=True, exist_ok=True)
    for part in ("rules", "lexicons"):  # rule packs and the word lists they name
        if (REPO / "config" / part).is_dir():
            shutil.copytree(REPO / "config" / part, root / part, dirs_exist_ok=True)
    (root / "sites.yaml").write_text(json.dumps(SITES_YAML, ensure_ascii=False), "utf-8")
    (root / "settings.yaml").write_text(settings_yaml, "utf-8")
    return root


GOOD_EMAIL = """\
email:
  host: smtp.example.gov.cn
  starttls: true
  username: gongkai
  password_env: GONGKAI_SMTP_PASSWORD
  sender: gongkai@example.gov.cn
  supervisors: [gkb@example.gov.cn]
  regulators:
    示例市水务局: [swj@example.gov.cn]
"""


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "  starttls: true\n",
            "  starttls: true\n  ssl: true\n",
            "settings.yaml:4: email.ssl 与 starttls 只能选一个",
        ),
        (
            "  password_env: GONGKAI_SMTP_PASSWORD\n",
            "",
            "settings.yaml:4: email.填写了 username 但没有 password_env",
        ),
        ("  username: gongkai\n", "", "settings.yaml:4: email.填写了 password_env 但没有 username"),
        (
            "  password_env: GONGKAI_SMTP_PASSWORD\n",
            "  password_env: GONGKAI_SMTP_PASSWORD\n  password: hunter2\n",
            "settings.yaml:6: email 中的未知字段 'password'（是否应为 password_env？）",
        ),
        (
            "[gkb@example.gov.cn]",
            "[gkb@example.gov.cn, not-an-address]",
            "settings.yaml:7: email.supervisors[1]：'not-an-address' 不是有效的邮件地址",
        ),
        (
            "swj@example.gov.cn",
            "swj@@example.gov.cn",
            "settings.yaml:9: email.regulators.示例市水务局[0]：'swj@@example.gov.cn' 不是有效的邮件地址",
        ),
        (
            "    示例市水务局:",
            "    示例市水利局:",
            "settings.yaml:9: email.regulators 中的主管部门 '示例市水利局' 不是 sites.yaml 中任何站点的 regulator（是否应为 示例市水务局？）",
        ),
        (
            "  sender: gongkai@example.gov.cn\n",
            "  sender: gongkai@example.gov.cn\n  report_url: report/index.html\n",
            "settings.yaml:7: email.report_url 取值 'report/index.html' 应为以 http:// 或 https:// 开头的网址",
        ),
        (
            "password_env: GONGKAI_SMTP_PASSWORD",
            "password_env: GONGKAI-SMTP",
            "settings.yaml:5: email.password_env 取值 'GONGKAI-SMTP' 不符合格式要求",
        ),
        ("  supervisors: [gkb@example.gov.cn]\n", "", None),
        ("  sender: gongkai@example.gov.cn\n", "", "settings.yaml:1: 缺少必填字段 'email.sender'"),
    ],
)
def test_email_settings_errors_name_file_and_line(
    tmp_path: Path, old: str, new: str, expected: str | None
) -> None:
    assert old in GOOD_EMAIL
    root = config_dir(tmp_path / "cfg", GOOD_EMAIL.replace(old, new))
    if expected is None:  # regulators alone are enough recipients
        assert conf.load_config(root).settings.email.supervisors == []
        return
    with pytest.raises(conf.ConfigError) as exc:
        conf.load_config(root)
    got = [str(p).replace(str(root) + os.sep, "") for p in exc.value.problems]
    assert any(p.startswith(expected) for p in got), got


def test_email_settings_load_and_need_a_recipient(tmp_path: Path) -> None:
    email_settings = conf.load_config(config_dir(tmp_path / "a", GOOD_EMAIL)).settings.email
    assert email_settings is not None
    assert (email_settings.smtp_port, email_settings.send_on_run) == (587, False)
    assert email_settings.regulators == {"示例市水务局": ["swj@example.gov.cn"]}
    # `email:` with every key commented out means no email, like the other sections.
    assert conf.load_config(config_dir(tmp_path / "b", "email:\n")).settings.email is None
    lonely = GOOD_EMAIL.split("  supervisors:")[0]
    with pytest.raises(conf.ConfigError) as exc:
        conf.load_config(config_dir(tmp_path / "c", lonely))
    assert "没有收件人" in str(exc.value)


# --- `gongkai run` with send_on_run, then `gongkai email` -------------------------------------

ID_NUMBER = "11010519491231002X"  # GB 11643 example number (valid checksum)


def site_routes(title: str) -> dict[str, Any]:
    """A home page linking to a 公示 page that shows raw personal numbers."""
    html = {"Content-Type": "text/html; charset=utf-8"}
    home = (
        f'<html><head><meta charset="utf-8"><title>{title}</title></head><body>'
        f'<h1>{title}</h1><ul><li><a href="/gs.html">录用人员公示</a><span>2025-01-03</span></li>'
        "</ul></body></html>"
    )
    article = (
        '<html><head><meta charset="utf-8"><title>录用人员公示</title></head><body>'
        '<div class="article"><h1>录用人员公示</h1><div class="content">'
        f"<p>拟录用人员：张三，身份证号 {ID_NUMBER}，手机 {RAW_MOBILE}。</p>"
        * 2
        + "</div></div></body></html>"
    )
    return {"/": (200, html, home), "/gs.html": (200, html, article)}


def test_run_keeps_results_when_smtp_is_down_and_email_resends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # the crawl log goes to var/logs under the temp dir
    port = free_port()
    with (
        SiteServer(site_routes("示例市人民政府")) as gov,
        SiteServer(site_routes("示例市自来水")) as water,
    ):
        sites = json.loads(json.dumps(SITES_YAML))
        sites["sites"][0]["start_urls"] = [gov.url("/")]
        sites["sites"][1]["start_urls"] = [water.url("/")]
        settings_yaml = {
            "crawl": {"delay": 0, "timeout": 5, "max_pages": 20},
            "log": {"file": None},
            "email": {
                "host": "127.0.0.1",
                "port": port,
                "timeout": 5,
                "sender": "gongkai@example.gov.cn",
                "report_url": "https://report.example.gov.cn/",
                "supervisors": ["ban@example.gov.cn", "gkb@example.gov.cn"],
                "regulators": {"示例市水务局": ["swj@example.gov.cn", "swj2@example.gov.cn"]},
                "send_on_run": True,
            },
        }
        cfg = config_dir(tmp_path / "cfg", json.dumps(settings_yaml, ensure_ascii=False))
        (cfg / "sites.yaml").write_text(json.dumps(sites, ensure_ascii=False), "utf-8")
        db = f"sqlite:///{tmp_path / 'gk.db'}"
        out = tmp_path / "report"
        args = ["--config", str(cfg), "--db", db]
        code = cli.main(["run", *args, "--as-of", "2025-01-06", "--out", str(out)])
    captured = capsys.readouterr()
    # Nothing listens on the SMTP port: the run and its report stay; exit 3 says delivery failed.
    assert code == cli.EXIT_INCOMPLETE
    assert f"邮件发送失败：无法通过邮件服务器 127.0.0.1:{port} 发送：连接被拒绝" in captured.err
    assert f"修正后运行 gongkai email --run 1 --config {cfg} --db {db} 重新发送" in captured.err
    assert "Traceback" not in captured.err
    with Store(db) as st:
        assert st.get_run(1).status == "complete"
    for name in ("index.html", "findings.json", "findings.csv", "findings.xlsx", "summary.json"):
        assert (out / name).is_file(), name
    findings = json.loads((out / "findings.json").read_text("utf-8"))
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert summary["totals"]["findings"] == findings["run"]["totals"]["findings"]
    assert summary["run"]["id"] == findings["run"]["id"] == 1
    privacy = [f for f in findings["findings"] if f["rule"] == "privacy-leak"]
    assert {f["site"] for f in privacy} == {"portal", "water"}

    assert cli.main(["email", *args, "--run", "1", "--dry-run"]) == cli.EXIT_OK
    listed = capsys.readouterr().out
    assert (
        "共 3 封（--dry-run：未发送）" in listed
        and "swj@example.gov.cn、swj2@example.gov.cn" in listed
    )

    controller, inbox = smtp_server(port)
    try:
        assert cli.main(["email", *args, "--run", "1"]) == cli.EXIT_OK
    finally:
        controller.stop()
    assert (
        "已发送：swj@example.gov.cn、swj2@example.gov.cn（示例市水务局，附件 findings-示例市水务局.xlsx）"
        in capsys.readouterr().out
    )
    assert sorted(r for _, rcpt, _ in inbox.received for r in rcpt) == [
        "ban@example.gov.cn",
        "gkb@example.gov.cn",
        "swj2@example.gov.cn",
        "swj@example.gov.cn",
    ]
    (sup,) = inbox.to("ban@example.gov.cn")
    assert sup["Subject"].startswith("【政务公开网站检查】2025年1月6日 第 1 次检查：2 个站点")
    name, wb, raw = attachment(sup)
    assert name == "findings.xlsx"
    assert wb.sheetnames == ["汇总", "示例市水务局", "未指定主管部门", "全部问题", "已整改"]
    assert [r["标识"] for r in sheet_rows(wb["汇总"])] == sorted(
        ["portal", "water"], key=lambda s: [x["id"] for x in summary["sites"]].index(s)
    )
    assert len(sheet_rows(wb["全部问题"])) == len(findings["findings"])
    assert raw == (out / "findings.xlsx").read_bytes()  # the report's own workbook, same bytes
    (reg,) = inbox.to("swj@example.gov.cn")
    assert reg["To"] == "swj@example.gov.cn, swj2@example.gov.cn"
    # The regulator's link leads to its own page of the report that `gongkai run` wrote.
    link = re.search(
        r"贵单位主管站点页面：https://report\.example\.gov\.cn/(sectors/\S+\.html)",
        reg.get_body(("plain",)).get_content(),
    )
    assert link and (out / link.group(1)).is_file()
    assert "示例市水务局" in (out / link.group(1)).read_text("utf-8")
    _, reg_wb, _ = attachment(reg)
    assert [r["标识"] for r in sheet_rows(reg_wb["汇总"])] == ["water"]
    assert {r["标识"] for r in sheet_rows(reg_wb["全部问题"])} == {"water"}
    for _, _, msg in inbox.received:
        text = msg.as_string() + xlsx_text(attachment(msg)[2])
        assert ID_NUMBER not in text and RAW_MOBILE not in text
    masked = [r["说明"] for r in sheet_rows(wb["全部问题"]) if r["规则编号"] == "privacy-leak"]
    assert masked and all("*" in m for m in masked)

    assert cli.main(["email", *args, "--run", "99"]) == cli.EXIT_INCOMPLETE
    assert "找不到第 99 次检查" in capsys.readouterr().err
    # Without email settings the command explains and exits 2.
    (cfg / "settings.yaml").write_text("crawl: {delay: 0}\n", "utf-8")
    assert cli.main(["email", *args, "--run", "1"]) == cli.EXIT_CONFIG
    assert "中没有 email: 设置" in capsys.readouterr().err


# --- gongkai serve ------------------------------------------------------------------------------


def report_dir(root: Path) -> Path:
    """A small report directory."""
    root.mkdir()
    (root / "index.html").write_text("<html><body>总览</body></html>", "utf-8")
    (root / "findings.xlsx").write_bytes(b"PK\x03\x04xlsx")
    return root


def test_serve_answers_on_loopback(tmp_path: Path) -> None:
    server = make_server(report_dir(tmp_path / "r"), port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        assert server.server_address[0] == "127.0.0.1"
        base = url_of(server)
        with urllib.request.urlopen(base, timeout=5) as resp:
            assert resp.status == 200
            assert resp.headers["Content-Type"] == "text/html; charset=utf-8"
            assert resp.headers["Cache-Control"] == "no-store"
            assert "总览" in resp.read().decode("utf-8")
        with urllib.request.urlopen(base + "findings.xlsx", timeout=5) as resp:
            assert resp.headers["Content-Type"] == XLSX
        with pytest.raises(urllib.error.HTTPError) as exc:
            urllib.request.urlopen(base + "../../etc/passwd", timeout=5)
        assert exc.value.code == 404
    finally:
        server.shutdown()
        server.server_close()
    thread.join(5)


def test_serve_command_prints_url_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    directory = report_dir(tmp_path / "r")
    exe = Path(sys.executable).with_name("gongkai")
    proc = subprocess.Popen(
        [str(exe), "serve", "--dir", str(directory), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+/", line)
        assert url, line
        with urllib.request.urlopen(url.group(0) + "index.html", timeout=5) as resp:
            assert "总览" in resp.read().decode("utf-8")
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "已停止。" in out and "Traceback" not in err


def test_serve_refuses_a_directory_without_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["serve", "--dir", str(tmp_path), "--port", "0"]) == cli.EXIT_CONFIG
    assert "中没有 index.html" in capsys.readouterr().err


def test_serve_reports_a_busy_port(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code = cli.main(["serve", "--dir", str(report_dir(tmp_path / "r")), "--port", str(port)])
    assert code == cli.EXIT_CONFIG
    assert f"无法在 127.0.0.1:{port} 上启动" in capsys.readouterr().err
