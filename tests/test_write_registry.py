"""The writers' registry: one shape, one order, and no file written by two writers."""

from __future__ import annotations

import inspect
import shutil
from types import ModuleType

import pytest
from click.testing import CliRunner
from course_support import MINI, load_checked

from branchbook.cli import main
from branchbook.write import WriteOptions, handouts, registry


def fake_writer(name: str, files: dict[str, bytes], seen: list | None = None) -> ModuleType:
    """A module with the writers' shape that returns ``files`` (and records what it was given)."""
    module = ModuleType(f"fake.{name}")

    def write(course, options):
        if seen is not None:
            seen.append((name, course.settings.language, options))
        return dict(files)

    module.write = write
    return module


def test_two_writers_writing_one_path_stop_the_run_naming_both():
    first = fake_writer("pages", {"a.md": b"1", "shared.json": b"x"})
    second = fake_writer("data", {"shared.json": b"y"})
    with pytest.raises(registry.PathClash) as clash:
        registry.run(load_checked(MINI), WriteOptions(), (first, second))
    assert "shared.json" in str(clash.value) and "fake.pages" in str(clash.value) and "fake.data" in str(clash.value)


def test_writers_run_in_the_registry_order_with_the_same_options():
    seen: list = []
    options = WriteOptions(paper="us-letter", handouts=False)
    writers = (fake_writer("b", {"z.md": b""}, seen), fake_writer("a", {"a.md": b""}, seen))
    files = registry.run(load_checked(MINI), options, writers)
    assert [name for name, _, _ in seen] == ["b", "a"] and list(files) == ["z.md", "a.md"]
    assert all(given is options for _, _, given in seen)


def test_the_language_option_reaches_every_writer_and_none_means_the_course_own():
    course = load_checked(MINI)
    seen: list = []
    writers = (fake_writer("one", {}, seen), fake_writer("two", {}, seen))
    registry.run(course, WriteOptions(language="fr"), writers)
    registry.run(course, WriteOptions(), writers)
    assert [language for _, language, _ in seen] == ["fr", "fr", course.settings.language, course.settings.language]
    assert course.settings.language != "fr"  # the course itself is unchanged


def test_every_book_writer_has_the_one_shape():
    for writer in registry.BOOK:
        assert list(inspect.signature(writer.write).parameters) == ["course", "options"], writer.__name__


@pytest.mark.parametrize("handouts_on", [False, True])
def test_the_book_writers_share_no_path_on_a_course_grown_by_new_scenario(tmp_path, handouts_on):
    """On the fixture with a scenario added by `branchbook new scenario`: every path is relative to
    book/, and the handouts' PDFs (listed by their plan, not compiled) clash with no other file."""
    root = tmp_path / "course"
    shutil.copytree(MINI, root)
    assert CliRunner().invoke(main, ["new", "scenario", "the-late-reply", str(root)]).exit_code == 0
    course = load_checked(root)
    others = tuple(writer for writer in registry.BOOK if writer is not handouts)
    files = registry.run(course, WriteOptions(handouts=handouts_on), others)
    pdfs = {job.path for job in handouts.plan(course)}
    assert files and not pdfs & files.keys()
    assert all(not path.startswith("/") and ".." not in path.split("/") for path in files.keys() | pdfs)
    pages = b"".join(files[path] for path in files if path.endswith(".md"))
    assert (b"the-late-reply-packet.pdf" in pages) is handouts_on
