"""The measures read a text's plain form without parsing Markdown when it has none: the result is always the
Markdown parser's own (``write.markdown.to_plain``), on random texts near and across the line, and on every
text of the fixture and shipped courses."""

from __future__ import annotations

from pathlib import Path

from course_support import MINI
from hypothesis import given, settings
from hypothesis import strategies as st

from branchbook.check import measures
from branchbook.load import load_course
from branchbook.model.texts import module_texts, scenario_texts
from branchbook.write import markdown

REPO = Path(__file__).resolve().parent.parent

# Plain words, the characters Markdown gives a meaning to, and unusual spaces and line breaks.
PIECES = st.sampled_from(["word", "Other", "’s", "é", "x", "42", "1.", "1)", " ", "  ", "\n", "\n\n", "\n\n\n", "\t",
                          "\r", "\xa0", "\u2028", "\x00", ".", ",", "!", "?", "(", ")", "\"", "'", ":", ";", "-", "--",
                          "---", "+", "=", "==", "*", "**", "_", "`", "```", "~", "~~~", "#", "# ", "> ", "- ", "* ",
                          "+ ", "[", "]", "](", "<", ">", "&", "&amp;", "&#35;", "\\", "|", "{cite}`k`", "    ",
                          "www.example.org", "https://example.org", "a@b.org"])


@settings(max_examples=3000, deadline=None, database=None)
@given(st.lists(PIECES, max_size=30).map("".join))
def test_the_plain_form_is_the_markdown_parsers(text):
    assert measures.to_plain(text) == markdown.to_plain(text)


@settings(max_examples=500, deadline=None, database=None)
@given(st.lists(st.sampled_from(["word", "Word", "is", "’s", ".", ",", " ", "\n", "\n\n", "?", "\n- ", "- ", "-"]),
                max_size=40).map("".join),
       st.lists(st.sampled_from(["\xa0", "\t", "\r", "\x00", "\u2028", "\x0b", "\x0c", "\u3000"]), max_size=2),
       st.randoms(use_true_random=False))
def test_plain_paragraphs_too(text, odd, rng):  # texts the shortcut takes, and the same with odd spaces or characters
    assert measures.to_plain(text) == markdown.to_plain(text)
    for char in odd:
        at = rng.randint(0, len(text))
        text = text[:at] + char + text[at:]
    assert measures.to_plain(text) == markdown.to_plain(text)


QUOTES_AND_STRONG = st.sampled_from(["**", "**word**", "**Two words**", "**Take away:**", "**a.**", "word", "Other", "é",
                                     "’s", "42", " ", "\n", "\n\n", "\n\n\n", "> ", ">", "- ", "-", ".", ",", "!",
                                     "(", ")", "*", "_", ":", "#", "1.", "2011", "2011)", "  ", "   ", "    ", "\t", "\n  ", "'"])


@settings(max_examples=6000, deadline=None, database=None)
@given(st.lists(QUOTES_AND_STRONG, max_size=24).map("".join))
def test_quotes_and_strong_words_read_as_the_parser_reads_them(text):
    assert measures.to_plain(text) == markdown.to_plain(text)


def test_quotes_and_strong_words_need_no_parser():
    for text in ("**Mira** finally got an answer.", "- **Oskar** was told.\n- **Dana** was not.",
                 "She texts you:\n\n> Can we talk?\n> Not at the office.\n", "> - first\n> - second",
                 "**Take away:** ask first.", "- a first point that goes on\n  to a second line", "(Author,\n2019), said"):
        assert measures._simple(text) is not None and measures.to_plain(text) == markdown.to_plain(text)


def test_every_course_text_reads_the_same():
    for root in (MINI, REPO):
        course = load_course(root).course
        texts = [t for s in course.scenarios for _, t in scenario_texts(s)]
        texts += [t for m in course.modules for _, t in module_texts(m)]
        for text in texts:
            assert measures.to_plain(text) == markdown.to_plain(text)
        # and the shortcut is taken for most of them (else it would save nothing)
        assert sum(not measures._MARKUP.search(t) for t in texts) > len(texts) / 2


WORDS = st.sampled_from(["the", "committee", "heard", "her", "report", "unbelievable", "it's", "don’t", "co-chair",
                         "Élodie", "naïve", "42", "x", "a", ".", ",", "!", "?", ";", "—", "'", "\"", " ", "\n", "...",
                         "Mr.", "e.g.", "rhythm", "queueing", "strengths", "I", "_", "ÆSIR"])


@settings(max_examples=400, deadline=None, database=None)
@given(st.lists(WORDS, max_size=60).map(" ".join))
def test_the_reading_ease_is_textstats(text):
    import textstat  # the library's own instance, as it comes

    assert measures.reading_ease(text) == round(textstat.flesch_reading_ease(text), 1)


def test_the_reading_ease_of_every_course_scenario_is_textstats():
    import textstat

    for root in (MINI, REPO):
        for scenario in load_course(root).course.scenarios:
            text = measures.prose(scenario)
            assert measures.reading_ease(text) == round(textstat.flesch_reading_ease(text), 1)
