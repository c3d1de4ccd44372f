"""Rendering templated email: a template name, a locale and a context in; subject, text and HTML out.

Templates exist per locale (``en``, ``ru``, ``he``); choosing the locale and falling back to
``en`` is the caller's job (``has_template`` tells it what exists). ``render`` raises typed
errors only:

* ``NotFound`` (``mail.template_not_found``): no such template in that locale;
* ``InvalidInput`` (``mail.template_context``): the context lacks a variable the template uses;
* ``InvalidInput`` (``mail.template_invalid``): the template itself is broken.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple, Protocol


class RenderedEmail(NamedTuple):
    subject: str
    """One line, whitespace collapsed."""
    text: str
    html: str | None
    """None when the template has no HTML part."""


class TemplateRenderer(Protocol):
    def has_template(self, name: str, locale: str) -> bool: ...

    async def render(self, name: str, locale: str, context: Mapping[str, Any]) -> RenderedEmail: ...
