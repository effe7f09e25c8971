"""reports/xlsx.py, the direct XLSX writer behind findings.xlsx (issue 5): hostile text read
back by openpyxl and pandas, compared with a reference workbook openpyxl builds from the same
rows, and the package checked part by part."""

from __future__ import annotations

import datetime as dt
import io
import math
import random
import zipfile
from pathlib import PurePosixPath
from typing import Any
from xml.etree import ElementTree

import openpyxl
import pandas as pd
import pytest
from openpyxl.styles import Alignment, Font

from reports import exports, xlsx
from tests.test_exports import run_data

WHEN = dt.datetime(2024, 2, 15)
LONG = xlsx.CELL_MAX
EMOJI = "\U0001f600"  # outside the BMP: two UTF-16 units in Excel's count

FORMULA = "=cmd|' /C calc'!A0"
# (case, value written, value openpyxl reads back; None: an empty cell)
CELLS: list[tuple[str, Any, Any]] = [
    ("cmd formula", FORMULA, FORMULA),
    (
        "hyperlink formula",
        '=HYPERLINK("http://evil.example/","点击")',
        '=HYPERLINK("http://evil.example/","点击")',
    ),
    ("plus", "+1+cmd|' /C calc'!A0", "+1+cmd|' /C calc'!A0"),
    ("minus", "-2+3", "-2+3"),
    ("at", "@SUM(1,2)", "@SUM(1,2)"),
    ("markup", "<b a=\"1\">&amp; 'x'</b>", "<b a=\"1\">&amp; 'x'</b>"),
    ("cdata end", "]]><x/>", "]]><x/>"),
    ("C0 controls", "a\x00b\x01c\x07d\x08e\x0bf\x0cg\x0eh\x1fi", "abcdefghi"),
    ("tab, LF, CR kept", "a\tb\nc\r\nd\re", "a\tb\nc\r\nd\re"),
    ("non-characters", "a\ufffeb\uffffc", "abc"),
    ("lone surrogates", "a\ud800b\udfffc", "abc"),
    ("DEL and C1 kept", "a\x7fb\x85c", "a\x7fb\x85c"),
    ("only controls", "\x00\x01\x1f", None),
    ("empty", "", None),
    ("padded", "  前后有空格\t", "  前后有空格\t"),
    ("Excel escape literal", "_x0041_ and _x000D_ stay", "_x0041_ and _x000D_ stay"),
    ("emoji and CJK", f"{EMOJI} 政务公开", f"{EMOJI} 政务公开"),
    ("BMP cut", "x" * 40_000, "x" * LONG + xlsx.TRUNCATED),
    ("CJK at the limit", "中" * LONG, "中" * LONG),
    ("controls before the cut", "\x00" * 10 + "y" * LONG, "y" * LONG),
    ("astral cut", EMOJI * 20_000, EMOJI * (LONG // 2) + xlsx.TRUNCATED),
    (
        "astral cut keeps pairs",
        "a" + EMOJI * 20_000,
        "a" + EMOJI * (LONG // 2 - 1) + xlsx.TRUNCATED,
    ),
    ("int", 42, 42),
    ("big int", 10**20, 10**20),
    ("float", 92.5, 92.5),
    ("whole float", 80.0, 80),
    ("tiny float", -1.5e-300, -1.5e-300),
    ("true", True, True),
    ("false", False, False),
    ("nan", math.nan, None),
    ("infinity", -math.inf, None),
    ("date as text", dt.date(2024, 2, 15), "2024-02-15"),
]


def write(sheets: list[xlsx.SheetData], **kw: Any) -> bytes:
    """Return the writer's workbook bytes."""
    buf = io.BytesIO()
    xlsx.write_workbook(sheets, buf, created=WHEN, **kw)
    return buf.getvalue()


def utf16_len(text: str) -> int:
    """Return text's length as Excel counts it."""
    return len(text.encode("utf-16-le")) // 2


@pytest.mark.parametrize(("case", "value", "back"), CELLS, ids=[c[0] for c in CELLS])
def test_cell_reads_back(case: str, value: Any, back: Any) -> None:
    data = write([xlsx.SheetData("值", ("值", "后"), [[value, "尾"]], (10, 10))])
    ws = openpyxl.load_workbook(io.BytesIO(data))["值"]
    cell = ws["A2"]
    want = back
    assert cell.value == want
    assert ws["B2"].value == "尾"  # the next cell keeps its place after an empty one
    if isinstance(want, str):
        # Text, never a formula, within Excel's 32,767 characters.
        assert cell.data_type == "s"
        assert utf16_len(cell.value) <= 32_767
    elif want is None:
        assert cell.data_type == "n"


def cleaned(value: Any) -> Any:
    """Return a value as Excel can hold it, by the rules (written apart from the writer's): XML
    1.0 characters only, at most 32,000 UTF-16 units before the truncation note, "" empty."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value if math.isfinite(value) else None
    text = "".join(
        ch
        for ch in str(value)
        if ch in "\t\n\r"
        or (ch >= " " and not "\ud800" <= ch <= "\udfff" and ch not in "\ufffe\uffff")
    )
    if utf16_len(text) > LONG:
        out, units = [], 0
        for ch in text:
            units += utf16_len(ch)
            if units > LONG:
                break
            out.append(ch)
        text = "".join(out) + xlsx.TRUNCATED
    return text or None


def reference(sheets: list[exports.Sheet]) -> bytes:
    """Return the same workbook built cell by cell with openpyxl's normal mode."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    for sheet in sheets:
        ws = wb.create_sheet(sheet.name)
        ws.freeze_panes = "A2"
        for i, width in enumerate(exports.column_widths(sheet)):
            ws.column_dimensions[xlsx.column_letter(i)].width = width
        ws.auto_filter.ref = f"A1:{xlsx.column_letter(len(sheet.headers) - 1)}{len(sheet.rows) + 1}"
        for c, name in enumerate(sheet.headers, 1):
            cell = ws.cell(1, c, name)
            cell.font, cell.alignment = bold, wrap
        url = sheet.headers.index("网址") if "网址" in sheet.headers else -1
        for r, row in enumerate(sheet.rows, 2):
            for c, raw in enumerate(row):
                value = cleaned(raw)
                if value is None:
                    continue
                cell = ws.cell(r, c + 1)
                cell.value = value
                if isinstance(value, str):
                    cell.data_type = "s"  # openpyxl would take "=…" for a formula
                    if c == url and (href := exports._link(value)) is not None:
                        cell.hyperlink = href
                        cell.style = "Hyperlink"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


URLS = [
    "https://portal.example.gov.cn/a.html?x=1&y=<2>",
    "HTTPS://UPPER.example.gov.cn/",
    "http://space.example.gov.cn/a b.html",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "https://ctl.example.gov.cn/\nx.html",
    "https://" + "x" * 2_100 + ".example/",
    None,
]


def hostile_sheets() -> list[exports.Sheet]:
    """The CELLS values in a grid, with 网址 values to link or not, plus the report's own
    sheets of tests/test_exports.py's run."""
    d = run_data()
    sheets = exports.workbook_sheets(d.view(), d.findings, d.resolved)
    rows = [[case, value, URLS[i % len(URLS)], i] for i, (case, value, _) in enumerate(CELLS)]
    sheets.append(exports.Sheet("A&B's <x>", ("说明", "值", "网址", "序号"), rows))
    return sheets


def test_report_and_hostile_rows_match_an_openpyxl_reference() -> None:
    sheets = hostile_sheets()
    ours, ref = exports.workbook_bytes(sheets, created=WHEN), reference(sheets)
    a = openpyxl.load_workbook(io.BytesIO(ours))
    b = openpyxl.load_workbook(io.BytesIO(ref))
    assert a.sheetnames == b.sheetnames == [s.name for s in sheets]
    links = 0
    for wa, wb in zip(a.worksheets, b.worksheets, strict=True):
        assert (wa.freeze_panes, wa.auto_filter.ref) == (wb.freeze_panes, wb.auto_filter.ref)
        assert (wa.max_row, wa.max_column) == (wb.max_row, wb.max_column)
        for col in range(wb.max_column):
            letter = xlsx.column_letter(col)
            assert wa.column_dimensions[letter].width == wb.column_dimensions[letter].width
        for ra, rb in zip(wa.iter_rows(), wb.iter_rows(), strict=True):
            for ca, cb in zip(ra, rb, strict=True):
                where = (wa.title, ca.coordinate)
                assert (ca.value, ca.data_type) == (cb.value, cb.data_type), where
                assert (ca.style, ca.font.b, ca.alignment.wrap_text) == (
                    cb.style,
                    cb.font.b,
                    cb.alignment.wrap_text,
                ), where
                ta = ca.hyperlink.target if ca.hyperlink else None
                assert ta == (cb.hyperlink.target if cb.hyperlink else None), where
                links += ta is not None
    # The first three URLS are linked wherever they occur (javascript:, data:, a line break
    # and an over-long URL are not), and the report's two https URLs.
    assert links == sum(1 for i in range(len(CELLS)) if i % len(URLS) < 3) + 2
    # pandas reads the same frames from both.
    got = pd.read_excel(io.BytesIO(ours), sheet_name=None)
    want = pd.read_excel(io.BytesIO(ref), sheet_name=None)
    assert list(got) == list(want)
    for name in want:
        pd.testing.assert_frame_equal(got[name], want[name], check_dtype=True)


def test_hyperlinks_stop_at_excels_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx, "LINKS_MAX", 2)
    rows = [[f"https://e{i}.example/"] for i in range(3)]
    data = write(
        [xlsx.SheetData("链接", ("网址",), rows, (20,), link_column=0)], href=exports._link
    )
    ws = openpyxl.load_workbook(io.BytesIO(data))["链接"]
    assert [c.hyperlink.target if c.hyperlink else None for c in ws["A"][1:]] == [
        "https://e0.example/",
        "https://e1.example/",
        None,
    ]
    assert ws["A4"].value == "https://e2.example/"  # the text stays


def test_package_is_complete_and_well_formed() -> None:
    data = exports.workbook_bytes(hostile_sheets(), created=WHEN)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        parts = {name: z.read(name) for name in z.namelist()}
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    trees = {name: ElementTree.fromstring(body) for name, body in parts.items()}  # well-formed
    ct = "{http://schemas.openxmlformats.org/package/2006/content-types}"
    types = trees["[Content_Types].xml"]
    overrides = {e.get("PartName").lstrip("/") for e in types.iter(f"{ct}Override")}
    defaults = {e.get("Extension") for e in types.iter(f"{ct}Default")}
    assert overrides <= set(parts)
    for name in parts:
        assert name in overrides or name.rsplit(".", 1)[-1] in defaults, name
    # Every internal relationship points at a part of the package.
    rel = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
    for name, tree in trees.items():
        if not name.endswith(".rels"):
            continue
        source = PurePosixPath(name).parent.parent
        for r in tree.iter(rel):
            if r.get("TargetMode") != "External":
                target = str(source / r.get("Target")).lstrip("./")
                assert target in parts, (name, target)
    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    sst = trees["xl/sharedStrings.xml"]
    assert int(sst.get("uniqueCount")) == len(sst.findall(f"{main}si"))
    # A literal "_x0041_" is escaped, else Excel would show "A" (ECMA-376 ST_Xstring).
    texts = {"".join(t.itertext()) for t in sst.iter(f"{main}si")}
    assert "_x005F_x0041_ and _x005F_x000D_ stay" in texts
    # Excel drops leading and trailing spaces unless told to keep them.
    padded = next(t for t in sst.iter(f"{main}t") if t.text == "  前后有空格\t")
    assert padded.get("{http://www.w3.org/XML/1998/namespace}space") == "preserve"
    # No cell anywhere is a formula: "=cmd|…" is a shared string.
    assert FORMULA in texts
    for name, tree in trees.items():
        if name.startswith("xl/worksheets/sheet"):
            assert tree.find(f".//{main}f") is None, name
            assert {c.get("t") for c in tree.iter(f"{main}c")} <= {"s", "b", None}, name


def test_same_rows_same_bytes() -> None:
    a = exports.workbook_bytes(hostile_sheets(), created=WHEN)
    assert a == exports.workbook_bytes(hostile_sheets(), created=WHEN)
    later = exports.workbook_bytes(hostile_sheets(), created=WHEN + dt.timedelta(days=1))
    with zipfile.ZipFile(io.BytesIO(a)) as za, zipfile.ZipFile(io.BytesIO(later)) as zb:
        differ = [n for n in za.namelist() if za.read(n) != zb.read(n)]
    assert differ == ["docProps/core.xml"]


@pytest.mark.parametrize(
    ("names", "headers"),
    [
        ([], ("a",)),
        ([""], ("a",)),
        (["某" * 32], ("a",)),
        (["a/b"], ("a",)),
        (["a\x07"], ("a",)),
        (["'q"], ("a",)),
        (["q'"], ("a",)),
        (["Sheet", "sheet"], ("a",)),
        (["ok"], ()),
    ],
)
def test_invalid_workbooks_are_refused(names: list[str], headers: tuple[str, ...]) -> None:
    sheets = [xlsx.SheetData(n, headers, [], [10] * len(headers)) for n in names]
    with pytest.raises(ValueError):
        write(sheets)


@pytest.mark.parametrize(
    ("index", "letters"),
    [(0, "A"), (25, "Z"), (26, "AA"), (51, "AZ"), (701, "ZZ"), (702, "AAA"), (16_383, "XFD")],
)
def test_column_letter(index: int, letters: str) -> None:
    assert xlsx.column_letter(index) == letters


def widths_cell_by_cell(sheet: exports.Sheet) -> list[float]:
    """column_widths as first written: every cell measured (the fast one must agree)."""
    widths = []
    for i, header in enumerate(sheet.headers):
        cap = exports._NARROW.get(header, exports._WIDTH_MAX)
        widest = exports.text_width(header) * 3 // 4
        for row in sheet.rows:
            if row[i] is not None:
                widest = max(widest, exports.text_width(str(row[i])[: cap * 2]))
        widths.append(float(min(max(widest + 2, exports._WIDTH_MIN), cap)))
    return widths


def test_column_widths_agree_with_measuring_every_cell() -> None:
    rnd = random.Random(5)
    alphabet = ["a", "中", EMOJI, " ", "1"]
    headers = ("单位", "网址", "说明", "证据", "规则", "标识")
    sheets = hostile_sheets()
    for _ in range(200):
        rows = [
            [
                "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 130)))
                if rnd.random() < 0.8
                else rnd.choice([None, 5, 123_456_789, 2.5, True])
                for _ in headers
            ]
            for _ in range(rnd.randint(0, 6))
        ]
        sheets.append(exports.Sheet("x", headers, rows))
    for sheet in sheets:
        assert exports.column_widths(sheet) == widths_cell_by_cell(sheet)
