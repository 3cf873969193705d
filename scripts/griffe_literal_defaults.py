"""A griffe extension for the API page (mkdocs.yml loads it): a parameter default that names a
module constant is shown as the constant's value, ``timeout: float = 1.0`` rather than
``timeout: float = DEFAULT_TIMEOUT``.

The library keeps its constants as the one source of truth (the decorator and the cache compare
``timeout`` with ``DEFAULT_TIMEOUT`` by identity to skip validating the default), so the value is
read from the constant's own assignment at build time. A default that is not a plain name, or
whose constant is not a literal, is left as written.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import Any

import griffe


class LiteralDefaults(griffe.Extension):
    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        for func in _functions(pkg):
            for overload in [func, *(func.overloads or [])]:
                for parameter in overload.parameters:
                    value = _constant_value(pkg, parameter.default)
                    if value is not None:
                        parameter.default = value


def _functions(obj: griffe.Object) -> Iterator[griffe.Function]:
    for member in obj.members.values():
        if isinstance(member, griffe.Function):
            yield member
        elif isinstance(member, (griffe.Class, griffe.Module)):
            yield from _functions(member)


def _constant_value(pkg: griffe.Module, default: object) -> str | None:
    if not isinstance(default, griffe.ExprName):
        return None
    try:
        target = pkg.modules_collection.get_member(default.canonical_path)
    except (KeyError, ValueError):
        return None
    if target.is_alias:
        target = target.final_target
    if not target.is_attribute or target.value is None:
        return None
    value = str(target.value)
    try:
        ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return None
    return value
