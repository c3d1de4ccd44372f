"""The scenario registry: add a scenario's class to ``_ALL`` to make it runnable.

Two kinds: HTTP scenarios (``benchmarks.harness.Scenario``: the app under wrk against a
baseline server) and in-process ones (``benchmarks.inprocess.InProcessScenario``: a port or
adapter timed against the same work done directly, no server or wrk). ``login`` runs phases of
its own against a raw Argon2 ceiling (``kind = "phased"``, see ``benchmarks.scenarios.login``).
A scenario may name ``companions``: scenarios run right after it when it is asked for by name
(``catalog`` brings ``catalog-cold``).
"""

from __future__ import annotations

from benchmarks.harness import Scenario
from benchmarks.inprocess import InProcessScenario
from benchmarks.scenarios.catalog import CatalogColdScenario, CatalogScenario
from benchmarks.scenarios.categories import CategoriesScenario
from benchmarks.scenarios.enroll import EnrollScenario
from benchmarks.scenarios.login import LoginScenario
from benchmarks.scenarios.my_enrollments import MyEnrollmentsScenario
from benchmarks.scenarios.search import SearchScenario

_ALL: tuple[type[Scenario] | type[InProcessScenario], ...] = (
    CategoriesScenario,
    CatalogScenario,
    CatalogColdScenario,
    SearchScenario,
    LoginScenario,
    EnrollScenario,
    MyEnrollmentsScenario,
)

REGISTRY: dict[str, type[Scenario] | type[InProcessScenario]] = {scenario.name: scenario for scenario in _ALL}
