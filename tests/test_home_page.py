"""The home page written for a new course speaks to learners only; the note to its author stays in
the Markdown source, out of the built page."""

from __future__ import annotations

import html
import re


def test_the_author_note_is_in_the_source_but_not_on_the_page(built_mini):
    book = built_mini.parent.parent
    source = (book / "intro.md").read_text(encoding="utf-8")
    assert "it is now yours to edit" in source
    page = (built_mini / "intro.html").read_text(encoding="utf-8")
    main = page[page.index("<main"):page.index("</main>")]
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", main)).split())
    assert "Before you begin" in text               # the page itself is there
    assert "now yours to edit" not in text and "written once" not in text
    assert "now yours to edit" not in page           # not even as an HTML comment
