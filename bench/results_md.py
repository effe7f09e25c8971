"""Put one benchmark's section into bench/RESULTS.md, keeping every other section."""

from __future__ import annotations

from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def update_section(heading: str, lines: list[str], path: Path = RESULTS) -> None:
    """Replace the section that starts with `heading` by `lines` (else append it at the end)."""
    text = path.read_text("utf-8") if path.exists() else "# Benchmark results\n"
    block = "\n".join(lines)
    if heading in text:
        head, rest = text.split(heading, 1)
        nxt = rest.find("\n## ")
        text = head + block + (rest[nxt + 1 :] if nxt >= 0 else "")
    else:
        text = text.rstrip() + "\n\n" + block
    path.write_text(text, "utf-8")
