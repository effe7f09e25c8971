"""The README stays true: every check kind and command is documented and its YAML examples load."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

import cli
import conf
from checks.registry import kinds

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def yaml_blocks() -> list[str]:
    """Return the README's ```yaml blocks in order."""
    return re.findall(r"```yaml\n(.*?)```", README, flags=re.S)


@pytest.mark.parametrize("kind", sorted(kinds()))
def test_every_check_kind_is_documented(kind: str) -> None:
    assert f"`{kind}`" in README


def test_every_command_is_documented() -> None:
    sub = next(
        a for a in cli.build_parser()._actions if a.__class__.__name__ == "_SubParsersAction"
    )
    for name in sub.choices:  # type: ignore[attr-defined]
        assert f"gongkai {name}" in README, name


def test_quick_start_is_two_commands() -> None:
    block = README.split("## Quick start", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]
    assert commands == ["make demo", "make test"]


def test_readme_config_examples_load(tmp_path: Path) -> None:
    # The examples, written into a config dir beside the shipped rule packs, must validate.
    by_key = {}
    for block in yaml_blocks():
        key = block.lstrip().split(":", 1)[0].lstrip("# ").strip()
        by_key.setdefault(key, block)
    assert {"sites", "rules", "mutes", "database"} <= set(by_key)
    (tmp_path / "sites.yaml").write_text(by_key["sites"], encoding="utf-8")
    (tmp_path / "mutes.yaml").write_text(by_key["mutes"], encoding="utf-8")
    (tmp_path / "settings.yaml").write_text(by_key["database"], encoding="utf-8")
    shutil.copytree(ROOT / "config" / "rules", tmp_path / "rules")
    shutil.copytree(ROOT / "config" / "lexicons", tmp_path / "lexicons")  # term_* rules read them
    (tmp_path / "rules" / "local.yaml").write_text(by_key["rules"], encoding="utf-8")
    config = conf.load_config(tmp_path)
    assert {s.id for s in config.sites} == {"city-portal", "city-water"}
    assert "dept-news-weekly" in {r.id for r in config.rules}
    assert config.mutes[0].rule == "link-broken"


def test_readme_email_example_loads(tmp_path: Path) -> None:
    # The email settings example validates beside the sites example: its regulator is named as
    # a site's `regulator:` there (issue 5).
    blocks = {b.lstrip().split(":", 1)[0].strip(): b for b in reversed(yaml_blocks())}
    (tmp_path / "sites.yaml").write_text(blocks["sites"], encoding="utf-8")
    (tmp_path / "settings.yaml").write_text(blocks["email"], encoding="utf-8")
    for part in ("rules", "lexicons"):  # rule packs and the word lists they name
        if (ROOT / "config" / part).is_dir():
            shutil.copytree(ROOT / "config" / part, tmp_path / part)
    email = conf.load_config(tmp_path).settings.email
    assert email is not None and email.send_on_run and email.password_env
    assert list(email.regulators) == ["示例市住房和城乡建设局"]
