"""Sanitising user-written rich text (course descriptions, articles) before it is stored.

HTML from the WYSIWYG editor is untrusted. ``clean`` keeps only an allowlist of tags and
attributes fit for an article (paragraphs, headings, emphasis, lists, quotes, code, tables,
links, https images, ``dir``/``lang`` for right-to-left text) and drops everything else:
scripts and their content, event handlers, ``style``, forms, frames, SVG, MathML, comments, and
any URL whose scheme is not allowed (``javascript:``, ``vbscript:``, ``data:`` ...). Text is kept
and escaped, so nothing the author wrote becomes markup by accident.

Both methods are synchronous and in-process (CPU work of a few milliseconds for a long article),
which is why this port, unlike the I/O ports, is not async.

* ``clean(html)`` returns the sanitised HTML. It is idempotent: ``clean(clean(x)) == clean(x)``,
  so storing the result and cleaning it again on the next edit changes nothing.
* ``to_text(html)`` returns plain text for search indexing and previews: the text of
  ``clean(html)`` with tags removed and entities decoded; block boundaries (paragraphs, headings,
  list items, table rows, ``<br>``) become newlines, table cells are separated by spaces, runs of
  other whitespace become one space, and lines are stripped with empty ones dropped.

Both raise ``InvalidInput`` (``html.too_long``) when the input, or the sanitised result, is
longer than the adapter's maximum length (in characters).
"""

from __future__ import annotations

from typing import Protocol


class HtmlSanitizer(Protocol):
    def clean(self, html: str) -> str: ...

    def to_text(self, html: str) -> str: ...
