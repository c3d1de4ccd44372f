"""Developer tasks. Every session runs inside the project environment that `uv` builds from
`uv.lock`, so what runs here is exactly what the lock pins.

    nox -s tests            unit + integration against real PostgreSQL, Redis, ...
    nox -s lint             ruff, ruff format --check, mypy --strict (core, ports), import contracts
    nox -s serve            lyceum serve --demo on embedded defaults
    nox -s bench -- NAME    a benchmark scenario against its same-run baseline
    nox -s proto            regenerate gRPC code from proto/
"""

from __future__ import annotations

import nox

nox.options.default_venv_backend = "none"
nox.options.sessions = ["lint", "tests"]

UV_RUN = ("uv", "run", "--locked")


@nox.session
def tests(session: nox.Session) -> None:
    """The whole test suite; starts the services it needs when they are not running."""
    session.run("bash", ".ci/ensure-services.sh", external=True)
    session.run(*UV_RUN, "pytest", *(session.posargs or ["tests"]), external=True)


@nox.session
def lint(session: nox.Session) -> None:
    session.run(*UV_RUN, "ruff", "check", "src", "tests", "benchmarks", "tools", "noxfile.py", external=True)
    session.run(
        *UV_RUN, "ruff", "format", "--check", "src", "tests", "benchmarks", "tools", "noxfile.py", external=True
    )
    session.run(*UV_RUN, "mypy", "--strict", "-p", "core", "-p", "ports", external=True)
    session.run(*UV_RUN, "lint-imports", external=True)


@nox.session
def serve(session: nox.Session) -> None:
    session.run(*UV_RUN, "lyceum", "serve", "--demo", *session.posargs, external=True)


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks; results land in benchmarks/results/NAME.json and .md."""
    session.run(*UV_RUN, "python", "-m", "benchmarks", *(session.posargs or ["--list"]), external=True)


@nox.session
def proto(session: nox.Session) -> None:
    session.run(*UV_RUN, "python", "tools/gen_proto.py", external=True)
