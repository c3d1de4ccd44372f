"""The scenario registry: add a scenario's class to ``_ALL`` to make it runnable."""

from __future__ import annotations

from benchmarks.harness import Scenario
from benchmarks.scenarios.categories import CategoriesScenario

_ALL: tuple[type[Scenario], ...] = (CategoriesScenario,)

REGISTRY: dict[str, type[Scenario]] = {scenario.name: scenario for scenario in _ALL}
