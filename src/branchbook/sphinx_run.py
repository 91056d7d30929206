"""Child process for one Sphinx build (isolated: Sphinx keeps global state, and a kill stays contained).

Usage: python -m branchbook.sphinx_run BOOK OUTDIR DOCTREES [--all] [--warnings-as-errors] [--jobs N] [--wait [--warm]]

With ``--wait`` the child does its slow start (imports, extensions, configuration, the saved
environment: about two seconds) first, then waits for one line on standard input: ``go`` builds,
anything else (or end of input) exits without building. The parent starts it while it is still
checking and generating the sources (``build``), or keeps one ready between saves (``serve``).
What the build reads (which pages changed) is decided only after ``go``, so nothing is stale.
``--warm`` also does, before waiting, the work every build repeats the first time in a process
(``_warm_up``), unless ``go`` has already come: worth it when the child waits anyway (``serve``).
"""

from __future__ import annotations

import contextlib
import os
import select
import sys
import tempfile
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


def _warm_up(app) -> None:
    """What the first page a build writes costs once per process, paid while the child waits: the
    themes' templates compiled, the CSS selectors and patterns they use; and pybtex's styles, which
    it looks up in every installed package's entry points at each use (about 20 times a build).
    The home page is rendered into a scratch folder and thrown away, with its log (the build after
    ``go`` prepares its own writing afresh and writes every page it needs). One-page build of the
    shipped course after a reading edit, from ``go`` to its end: 1.4 to 1.8 s without, 0.8 to 0.9 s
    with (a busy 2-core machine)."""
    from importlib.metadata import distributions

    from pybtex.plugin import register_plugin
    from sphinx.util.logging import suppress_logging

    registered: set[tuple[str, str]] = set()
    for entry in (entry for dist in distributions() for entry in dist.entry_points):
        if entry.group.startswith("pybtex.") and (entry.group, entry.name) not in registered:
            registered.add((entry.group, entry.name))  # the first, as pybtex's own look-up takes it
            with contextlib.suppress(Exception):  # one that does not load is left to pybtex, which says why
                register_plugin(entry.group, entry.name, entry.load(), force=True)
    builder, root = app.builder, app.config.root_doc
    if root not in app.env.all_docs:
        return  # nothing built yet: the build writes every page anyway
    # a page's own scripts and stylesheets (added by html-page-context handlers) stay in the builder's
    # and the registry's lists, and the build's preparation would then add them to every page
    lists = (builder._css_files, builder._js_files, app.registry.css_files, app.registry.js_files)
    assets = [list(items) for items in lists]
    with suppress_logging(), tempfile.TemporaryDirectory() as scratch:
        builder.get_outfilename = lambda page: os.path.join(scratch, page + ".html")
        try:
            builder.prepare_writing({root})
            builder.write_doc(root, app.env.get_and_resolve_doctree(root, builder))
        except Exception:  # only a head start: the build itself says what is wrong
            pass
        finally:
            del builder.get_outfilename
            for items, kept in zip(lists, assets, strict=True):
                items[:] = kept


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
            if "--warm" in argv and not select.select([sys.stdin], [], [], 0)[0]:  # a build asked for goes first
                _warm_up(app)
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
