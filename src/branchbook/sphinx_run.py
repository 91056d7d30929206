"""Child process for one Sphinx build (isolated: Sphinx keeps global state, and a kill stays contained).

Usage: python -m branchbook.sphinx_run BOOK OUTDIR DOCTREES [--all] [--strict]
"""

from __future__ import annotations

import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    from jupyter_book.sphinx import build_sphinx

    book, outdir, doctrees = (Path(a) for a in argv[:3])
    result = build_sphinx(
        str(book), str(outdir), doctreedir=str(doctrees), path_config=str(book / "_config.yml"),
        noconfig=True, confoverrides={"latex_individualpages": False},
        force_all="--all" in argv, freshenv="--all" in argv,
        warningiserror="--strict" in argv, keep_going="--strict" in argv,
    )
    return 0 if result == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
