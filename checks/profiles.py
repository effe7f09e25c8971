"""Load catalogue profiles: the items a kind of site must publish, with column-name synonyms."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field
from ruamel.yaml import YAML

if TYPE_CHECKING:
    import conf

PROFILE_DIR = Path(__file__).resolve().parent / "profiles"


class ProfileItem(BaseModel):
    """One catalogue item: a short display name, the words sites use for it, its legal basis."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    synonyms: list[str] = Field(min_length=1)
    basis: str = Field(min_length=1)
    optional: bool = False  # e.g. 条例第二十条(十五) "其他…": never reported missing


class Profile(BaseModel):
    """A catalogue profile (checks/profiles/<name>.yaml)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    description: str = Field(min_length=1)
    items: list[ProfileItem] = Field(min_length=1)

    @property
    def item_names(self) -> list[str]:
        """Return the items' display names (what `not_applicable` refers to)."""
        return [i.name for i in self.items]


def profile_names() -> list[str]:
    """Return the names of all shipped profiles."""
    return sorted(p.stem for p in PROFILE_DIR.glob("*.yaml"))


@cache
def load_profile(name: str) -> Profile:
    """Load and validate one profile by name; unknown names raise ValueError."""
    path = PROFILE_DIR / f"{name}.yaml"
    if not path.is_file():
        raise ValueError(f"未知的公开目录配置“{name}”（可选：{'、'.join(profile_names())}）")
    data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    # `extends: <profile>` puts that profile's items first (gov-portal = gov-department + 第二十一条).
    base = data.pop("extends", None)
    profile = Profile(name=name, **data)
    if base:
        items = [*load_profile(base).items, *profile.items]
        profile = profile.model_copy(update={"items": items})
    names = profile.item_names
    if len(set(names)) != len(names):
        raise ValueError(f"公开目录配置“{name}”中有重名事项")
    return profile


def site_profile_name(site: conf.Site) -> str:
    """Return the profile a site is audited against: its own setting or one from kind/sector."""
    import conf  # conf imports this module for profile names; import late to avoid a cycle

    return conf.site_profile(site)


def all_terms() -> list[str]:
    """Return every synonym of every shipped profile (the custom words for segmentation)."""
    return sorted({s for n in profile_names() for i in load_profile(n).items for s in i.synonyms})
