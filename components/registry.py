"""One registry: component name -> :class:`~components.base.Component`.

No global "active" registry: :func:`default_registry` builds a fresh one from the
library each call, and every loader/compiler takes the registry as an argument.
"""

from __future__ import annotations

from typing import Iterable, Iterator

from components.errors import did_you_mean

from .base import Component


class UnknownComponent(KeyError):
    def __init__(self, name: str, hint: str | None):
        super().__init__(name)
        self.name, self.hint = name, hint

    def __str__(self) -> str:
        return f"unknown component {self.name!r}" + (f" ({self.hint})" if self.hint else "")


class Registry:
    def __init__(self, components: Iterable[Component] = ()):
        self._by_name: dict[str, Component] = {}
        for c in components:
            self.register(c)

    def register(self, component: Component) -> Component:
        if component.name in self._by_name:
            raise ValueError(f"component {component.name!r} registered twice")
        self._by_name[component.name] = component
        return component

    def get(self, name: str) -> Component:
        try:
            return self._by_name[name]
        except KeyError:
            raise UnknownComponent(name, did_you_mean(name, self._by_name)) from None

    def suggest(self, name: str) -> str | None:
        return did_you_mean(name, self._by_name)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __iter__(self) -> Iterator[Component]:
        return iter(self._by_name.values())

    def __len__(self) -> int:
        return len(self._by_name)

    def names(self) -> list[str]:
        return sorted(self._by_name)

    def copy(self) -> "Registry":
        return Registry(self._by_name.values())
