"""Shared fixtures: a fresh copy of the fixture course, and one built copy per test session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).parent.parent


@pytest.fixture
def mini_course(tmp_path: Path) -> Path:
    """A writable copy of tests/fixtures/mini."""
    target = tmp_path / "mini"
    shutil.copytree(FIXTURES / "mini", target)
    return target


@pytest.fixture(scope="session")
def built_mini(tmp_path_factory) -> Path:
    """The fixture course built once (site included) for tests that only read the output."""
    from branchbook.build import build
    from branchbook.load import load_course

    target = tmp_path_factory.mktemp("built") / "mini"
    shutil.copytree(FIXTURES / "mini", target)
    build(load_course(target).course, handouts=False)
    return target / "book" / "_build" / "html"

from shipped_site import shipped_site  # noqa: E402,F401 - the shipped course built once per session (browser tests)
