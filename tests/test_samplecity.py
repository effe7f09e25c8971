"""The sample city's servers: encodings, HEAD, dead port, placeholders, special statuses, config."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from ruamel.yaml import YAML

import conf
import samplecity
from samplecity.build import build
from samplecity.serve import PLACEHOLDER, UNREACHABLE, SampleCity, render_config, start

SITES_DIR = samplecity.ROOT / "sites"
SERVED = ["portal", "czj", "jyj", "wjw", "zjj", "water", "gas", "hospital"]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def fetch(url: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    """Fetch a URL over real HTTP without following redirects; return status, headers, body."""
    req = urllib.request.Request(url, method=method)
    try:
        with _OPENER.open(req, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


@pytest.fixture(scope="module")
def city() -> Iterator[SampleCity]:
    with start() as running:
        yield running


def test_every_template_site_has_a_base(city: SampleCity) -> None:
    assert set(city.bases) == {*SERVED, *UNREACHABLE}
    ports = {base.rsplit(":", 1)[1] for base in city.bases.values()}
    assert len(ports) == len(city.bases)  # each site is its own port, i.e. its own site
    for base in city.bases.values():
        assert base.startswith("http://127.0.0.1:")


@pytest.mark.parametrize("site", SERVED)
def test_home_page_serves_html(city: SampleCity, site: str) -> None:
    status, headers, body = fetch(city.bases[site] + "/")
    assert status == 200
    assert headers["Content-Type"].startswith("text/html")
    assert int(headers["Content-Length"]) == len(body)
    assert b'<meta name="SiteName"' in body


def test_gbk_declared_in_meta_only(city: SampleCity) -> None:
    status, headers, body = fetch(city.bases["czj"] + "/")
    assert status == 200
    assert headers["Content-Type"] == "text/html"  # no charset in the header
    assert b'content="text/html; charset=gbk"' in body
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert "示例市财政局" in body.decode("gbk")


def test_gbk_declared_in_header_only(city: SampleCity) -> None:
    status, headers, body = fetch(city.bases["wjw"] + "/")
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=GBK"
    assert b"charset" not in body.lower()
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert "示例市卫生健康委员会" in body.decode("gbk")


def test_utf8_sites_declare_utf8(city: SampleCity) -> None:
    for site in ["portal", "jyj", "zjj", "water", "gas", "hospital"]:
        _, headers, body = fetch(city.bases[site] + "/")
        assert headers["Content-Type"] == "text/html; charset=utf-8", site
        assert b'<meta charset="utf-8">' in body, site
        body.decode("utf-8")


def test_head_matches_get(city: SampleCity) -> None:
    for path in ["/", "/robots.txt", "/images/logo.png", "/missing.html"]:
        get_status, get_headers, get_body = fetch(city.bases["portal"] + path)
        head_status, head_headers, head_body = fetch(city.bases["portal"] + path, "HEAD")
        assert head_status == get_status, path
        assert head_body == b"", path
        assert head_headers["Content-Type"] == get_headers["Content-Type"], path
        assert int(head_headers["Content-Length"]) == len(get_body), path


def test_dead_port_refuses_connections(city: SampleCity) -> None:
    port = int(city.bases["tjj"].rsplit(":", 1)[1])
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    with pytest.raises(urllib.error.URLError):
        fetch(city.bases["tjj"] + "/")


def test_placeholders_are_filled_when_served(city: SampleCity) -> None:
    with_placeholders = [
        p for p in SITES_DIR.rglob("*.html") if PLACEHOLDER.search(p.read_bytes().decode("latin-1"))
    ]
    assert len(with_placeholders) >= 8  # portal, departments and enterprises link each other
    for path in with_placeholders:
        site = path.relative_to(SITES_DIR).parts[0]
        rel = path.relative_to(SITES_DIR / site).as_posix()
        status, _, body = fetch(f"{city.bases[site]}/{rel}")
        assert status == 200, rel
        assert b"${" not in body, rel
    _, _, home = fetch(city.bases["portal"] + "/")
    for other in ["czj", "jyj", "wjw", "zjj", "water", "gas", "hospital"]:
        assert f'href="{city.bases[other]}/"'.encode() in home, other
    assert city.bases["tjj"].encode() not in home  # nobody links the dead site


def test_substitute_fills_known_sites(city: SampleCity) -> None:
    assert city.substitute("${base:gas}/a.html") == city.bases["gas"] + "/a.html"
    with pytest.raises(KeyError):
        city.substitute("${base:nowhere}/")


def test_special_statuses(city: SampleCity) -> None:
    wjw, jyj, portal = city.bases["wjw"], city.bases["jyj"], city.bases["portal"]
    assert fetch(wjw + "/zwgk/neibu/gzjh2026.html")[0] == 403
    assert fetch(wjw + "/zwgk/neibu/gzjh2026.html", "HEAD")[0] == 403
    assert fetch(jyj + "/cms/search.jsp?channel=zkcx")[0] == 500
    assert fetch(portal + "/ztzl/mssx/index.html")[0] == 404
    assert fetch(portal + "/images/zt-yshj.jpg")[0] == 404
    assert fetch(portal + "/../../serve.py")[0] == 404


def test_directories_serve_index_and_redirect(city: SampleCity) -> None:
    base = city.bases["portal"]
    status, headers, _ = fetch(base + "/xxgk")
    assert status == 301 and headers["Location"] == "/xxgk/"
    status, _, body = fetch(base + "/xxgk/")
    assert status == 200
    assert body == fetch(base + "/xxgk/index.html")[2]


def test_documents_have_their_types(city: SampleCity) -> None:
    base = city.bases["portal"]
    _, headers, body = fetch(base + "/xxgk/nb/202601/nb2025.pdf")
    assert headers["Content-Type"] == "application/pdf" and body.startswith(b"%PDF-")
    _, headers, body = fetch(base + "/xxgk/ysqgk/sqb.docx")
    assert headers["Content-Type"].endswith("wordprocessingml.document")
    assert body.startswith(b"PK")
    _, headers, body = fetch(base + "/images/logo.png")
    assert headers["Content-Type"] == "image/png" and body.startswith(b"\x89PNG")
    status, headers, body = fetch(base + "/robots.txt")
    assert status == 200 and b"User-agent: *" in body


def test_render_config_is_a_valid_config_dir(city: SampleCity, tmp_path: Path) -> None:
    config_dir = render_config(tmp_path / "cfg", city)
    text = (config_dir / "sites.yaml").read_text("utf-8")
    assert not PLACEHOLDER.search(text)
    data = YAML(typ="safe").load(text)
    assert set(data) == {"sites"}
    sites = {s["id"]: s for s in data["sites"]}
    assert len(sites) >= 8
    for sid, site in sites.items():
        assert site["start_urls"] == [city.bases[sid] + "/"]
    assert sites["water"]["regulator"] == "示例市住房和城乡建设局"
    assert sites["jyj"]["not_applicable"] == ["重大建设项目"]
    rules = sorted(p.name for p in (config_dir / "rules").glob("*.yaml"))
    shipped = [p.name for p in (samplecity.ROOT.parent / "config" / "rules").glob("*.yaml")]
    local = [p.name for p in (samplecity.ROOT / "rules").glob("*.yaml")]  # the city's own
    assert local and rules == sorted(shipped + local)
    config = conf.load_config(config_dir)
    assert [s.id for s in config.sites] == list(sites)
    assert config.settings.crawl.delay == 0
    assert config.settings.crawl.autothrottle is False
    # The shipped scoring frameworks come along, so the demo shows scores.
    assert [f.id for f in config.frameworks] and len(config.frameworks) == len(
        list((samplecity.ROOT.parent / "config" / "frameworks").glob("*.yaml"))
    )


def test_as_of_comes_from_the_template() -> None:
    assert samplecity.AS_OF.isoformat() == "2026-11-23"
    truth = YAML(typ="safe").load(samplecity.TRUTH.read_text("utf-8"))
    assert truth["as_of"] == samplecity.AS_OF


def test_truth_names_known_sites_rules_and_statuses() -> None:
    truth = YAML(typ="safe").load(samplecity.TRUTH.read_text("utf-8"))
    template = YAML(typ="safe").load(samplecity.TEMPLATE.read_text("utf-8"))
    site_ids = {s["id"] for s in template["sites"]}
    rule_ids = set()
    packs = [*(samplecity.ROOT.parent / "config" / "rules").glob("*.yaml")]
    for path in [*packs, *(samplecity.ROOT / "rules").glob("*.yaml")]:
        rule_ids |= {r["id"] for r in YAML(typ="safe").load(path.read_text("utf-8"))["rules"]}
    keys = set()
    for f in truth["findings"]:
        assert f["site"] in site_ids and f["rule"] in rule_ids, f
        assert f["status"] in {"fail", "warn", "error"}, f
        assert f["why"].strip(), f
        for ref in PLACEHOLDER.findall(f["subject"]):
            assert ref in site_ids, f
        keys.add((f["site"], f["rule"], f["status"], f["subject"]))
    assert len(keys) == len(truth["findings"])  # no duplicates
    assert {f["rule"] for f in truth["findings"]} == rule_ids  # every rule has a deliberate defect


def test_shipped_sites_match_the_generator(tmp_path: Path) -> None:
    # samplecity/sites is generated from samplecity/spec.py; an edit by hand would drift.
    out = tmp_path / "sites"
    build(out)
    shipped = {p.relative_to(SITES_DIR): p for p in SITES_DIR.rglob("*") if p.is_file()}
    fresh = {p.relative_to(out): p for p in out.rglob("*") if p.is_file()}
    assert sorted(map(str, shipped)) == sorted(map(str, fresh))
    for rel, path in fresh.items():
        assert path.read_bytes() == shipped[rel].read_bytes(), rel
