"""Email templates with Jinja2: ``templates/<locale>/<name>.subject.txt``, ``.txt`` and ``.html``.

* The HTML part is autoescaped; the subject and text parts are not (they are not HTML).
* ``StrictUndefined``: a variable missing from the context is an error, never an empty string.
* Every template sees the context plus ``locale``, ``dir`` (``rtl`` for Hebrew, else ``ltr``)
  and the renderer's globals (``product_name``, ``base_url`` ...). HTML templates extend
  ``_layout.html``, which sets ``<html lang dir>``.
* The subject is collapsed to one line. The ``.html`` file is optional.

Templates are read once and cached (``auto_reload`` is off); rendering is CPU-only and short.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2

from core.messaging.domain.email import text_direction
from core.shared.errors import InvalidInput, NotFound
from ports.shared.templates import RenderedEmail

TEMPLATES_DIR = Path(__file__).with_name("templates")
DEFAULT_GLOBALS: Mapping[str, Any] = {"product_name": "Lyceum", "base_url": "http://127.0.0.1:8000"}


class JinjaTemplateRenderer:
    def __init__(self, directory: Path | str | None = None, *, globals: Mapping[str, Any] | None = None) -> None:
        self.directory = Path(directory) if directory is not None else TEMPLATES_DIR
        loader = jinja2.FileSystemLoader(self.directory)
        common: dict[str, Any] = {
            "loader": loader,
            "undefined": jinja2.StrictUndefined,
            "auto_reload": False,
            "keep_trailing_newline": False,
        }
        self._html = jinja2.Environment(autoescape=True, **common)
        self._text = jinja2.Environment(autoescape=False, **common)  # noqa: S701 - plain text, not HTML
        for env in (self._html, self._text):
            env.globals.update(DEFAULT_GLOBALS)
            env.globals.update(globals or {})
        # The set of templates is fixed for the life of the process: list it once.
        self._files = frozenset(
            path.relative_to(self.directory).as_posix() for path in self.directory.rglob("*") if path.is_file()
        )

    def has_template(self, name: str, locale: str) -> bool:
        return self._exists(f"{locale}/{name}.subject.txt") and self._exists(f"{locale}/{name}.txt")

    def _exists(self, path: str) -> bool:
        return path in self._files

    async def render(self, name: str, locale: str, context: Mapping[str, Any]) -> RenderedEmail:
        if not self.has_template(name, locale):
            raise NotFound("mail.template_not_found", f"no email template {name!r} in {locale!r}", {"template": name})
        variables = {**context, "locale": locale, "dir": text_direction(locale)}
        base = f"{locale}/{name}"
        try:
            subject = " ".join(self._text.get_template(f"{base}.subject.txt").render(variables).split())
            text = self._text.get_template(f"{base}.txt").render(variables).strip() + "\n"
            html = self._html.get_template(f"{base}.html").render(variables) if self._exists(f"{base}.html") else None
        except jinja2.UndefinedError as exc:
            raise InvalidInput(
                "mail.template_context",
                f"template {name!r} needs a value the context lacks: {exc.message}",
                {"template": name, "locale": locale},
            ) from None
        except jinja2.TemplateError as exc:
            raise InvalidInput(
                "mail.template_invalid",
                f"template {name!r} ({locale}) is broken: {exc}",
                {"template": name, "locale": locale},
            ) from None
        except (TypeError, ValueError, ArithmeticError) as exc:
            raise InvalidInput(
                "mail.template_context",
                f"template {name!r} cannot use the context it was given: {exc}",
                {"template": name, "locale": locale},
            ) from None
        if not subject:
            raise InvalidInput("mail.template_invalid", f"template {name!r} ({locale}) renders an empty subject")
        return RenderedEmail(subject, text, html)
