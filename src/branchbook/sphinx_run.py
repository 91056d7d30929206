"""Child process for one Sphinx build (isolated: Sphinx keeps global state, and a kill stays contained).

Usage: python -m branchbook.sphinx_run BOOK OUTDIR DOCTREES [--all] [--warnings-as-errors] [--jobs N] [--wait]

With ``--wait`` the child does its slow start (imports, extensions, configuration, the saved
environment: about two seconds) first, then waits for one line on standard input: ``go`` builds,
anything else (or end of input) exits without building. The parent starts it while it is still
checking and generating the sources (``build``), or keeps one ready between saves (``serve``).
What the build reads (which pages changed) is decided only after ``go``, so nothing is stale.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

READY = "branchbook: sphinx ready"


def _option(argv: list[str], name: str, default: str) -> str:
    return argv[argv.index(name) + 1] if name in argv else default


def _declare_parallel_safe(app) -> None:
    """Every extension the book loads declares itself parallel-safe except sphinx-multitoc-numbering
    (loaded by sphinx-external-toc, 0.1.3), which declares nothing, so Sphinx would read serially and
    warn (an error under --warnings-as-errors). It only replaces how section numbers are assigned, which Sphinx
    does in the main process after the workers have read; it keeps no per-page state."""
    extension = app.extensions.get("sphinx_multitoc_numbering")
    if extension is not None and extension.parallel_read_safe is None:
        extension.parallel_read_safe = True


def _stylesheet_first(app) -> None:
    """myst-nb copies its stylesheet into the site only when a build finishes, so the pages of a
    fresh build linked it without the ``?v=`` checksum that every later build adds: the same
    sources gave different pages (and ``serve`` reloaded them for nothing). Copy it first."""
    from myst_nb.sphinx_ext import add_global_html_resources

    Path(app.outdir, "_static").mkdir(parents=True, exist_ok=True)
    add_global_html_resources(app, None)


def main(argv: list[str]) -> int:
    import yaml
    from jupyter_book.config import get_final_config
    from sphinx.application import Sphinx
    from sphinx.util.docutils import docutils_namespace, patch_docutils

    book, outdir, doctrees = (Path(a) for a in argv[:3])
    rebuild_all, jobs = "--all" in argv, int(_option(argv, "--jobs", "1"))
    warnings_as_errors = "--warnings-as-errors" in argv
    # Jupyter Book's build_sphinx, split in two at app.build so that the start-up can run ahead.
    config, _ = get_final_config(user_yaml=book / "_config.yml", cli_config={"latex_individualpages": False},
                                 sourcedir=book, use_external_toc=True)
    with patch_docutils(None), docutils_namespace():
        app = Sphinx(srcdir=str(book), confdir=None, outdir=str(outdir), doctreedir=str(doctrees),
                     buildername="html", confoverrides=config, status=sys.stdout, warning=sys.stderr,
                     freshenv=rebuild_all, warningiserror=warnings_as_errors, keep_going=warnings_as_errors,
                     parallel=jobs)
        if app.config["use_multitoc_numbering"] and "numbered: true" in yaml.dump(app.config.external_site_map.as_json()):
            app.setup_extension("sphinx_multitoc_numbering")
        _declare_parallel_safe(app)
        if "--wait" in argv:
            print(READY, flush=True)
            if sys.stdin.readline().strip() != "go":
                return 3
        _stylesheet_first(app)
        app.build(rebuild_all)
        return 0 if app.statuscode == 0 else 1


def _exit(code: int) -> None:
    """Leave without the interpreter's teardown of Sphinx's environment and extensions, which took
    0.6-1.4 s after the build had finished (one-scenario edit of the shipped course, busy 2-core
    machine) while the parent waited to publish. Everything the build wrote is closed by then."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    try:
        _exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        _exit(130)
    except Exception as error:  # Sphinx's own errors (extension, configuration): the log says which
        print(f"{type(error).__name__}: {error}", file=sys.stderr)
        _exit(1)
