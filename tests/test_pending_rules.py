"""Rules kept in config/pending/ stay valid until they are switched on in config/rules/."""

from __future__ import annotations

import shutil
from pathlib import Path

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


def test_pending_rules_load(tmp_path: Path) -> None:
    # One loop rather than a parametrised test, so an empty folder passes instead of skipping.
    for n, path in enumerate(PENDING):
        root = tmp_path / str(n)
        shutil.copytree(ROOT / "config", root, ignore=shutil.ignore_patterns("pending"))
        shutil.copyfile(path, root / "rules" / f"pending-{path.name}")
        config = conf.load_config(root)
        pending_ids = {
            line.split(":", 1)[1].strip()
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip().startswith("- id:")
        }
        assert pending_ids <= {r.id for r in config.rules}, path.name
