"""Rules kept in config/pending/ stay valid until they are switched on in config/rules/."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import conf

ROOT = Path(__file__).resolve().parents[1]
PENDING = sorted((ROOT / "config" / "pending").glob("*.yaml"))


def test_pending_folder_is_not_loaded() -> None:
    # The loader reads config/rules/ only; pending rules must not leak into an audit.
    ids = {r.id for r in conf.load_config(ROOT / "config").rules}
    for path in PENDING:
        text = path.read_text(encoding="utf-8")
        for line in text.splitlines():
            if line.strip().startswith("- id:"):
                assert line.split(":", 1)[1].strip() not in ids


@pytest.mark.parametrize("path", PENDING, ids=lambda p: p.name)
def test_pending_rules_load(path: Path, tmp_path: Path) -> None:
    shutil.copytree(ROOT / "config", tmp_path / "config", ignore=shutil.ignore_patterns("pending"))
    shutil.copyfile(path, tmp_path / "config" / "rules" / f"pending-{path.name}")
    config = conf.load_config(tmp_path / "config")
    assert any(r.id for r in config.rules)
