"""Registry of check kinds: each kind is a function plus the pydantic model of its params."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

if TYPE_CHECKING:
    from checks.context import RuleContext
    from checks.model import Finding

CheckFn = Callable[["RuleContext", Any], "Iterable[Finding]"]


@dataclass(frozen=True)
class Kind:
    """A registered check kind."""

    name: str
    params_model: type[BaseModel]
    fn: CheckFn
    doc: str


KINDS: dict[str, Kind] = {}


def rule_kind(name: str, params_model: type[BaseModel]) -> Callable[[CheckFn], CheckFn]:
    """Register a check function under `name`; duplicate names are a programming error."""

    def wrap(fn: CheckFn) -> CheckFn:
        if name in KINDS:
            raise ValueError(f"check kind {name!r} registered twice")
        KINDS[name] = Kind(name, params_model, fn, (fn.__doc__ or "").strip().splitlines()[0])
        return fn

    return wrap


def kinds() -> dict[str, Kind]:
    """Return all built-in kinds, importing the explicit list in checks.kinds first."""
    import checks.kinds  # noqa: F401  (the explicit registration point)

    return KINDS
