"""Decision maps: a scenario's scenes and choices laid out by Graphviz ``dot``, as SVG.

Shared by the facilitator guide (Typst draws the SVG), the scenario pages of the site and the
``branchbook map`` command. Layout is Graphviz's job; this module only describes the graph.

Safety: every string from the course reaches ``dot`` inside an HTML-like label or a quoted
attribute, escaped here (XML entities; quotes and backslashes in quoted strings), and the DOT
goes to ``dot`` on standard input: the command line is fixed. The SVG that comes back is
checked to hold drawing elements only (no script, no event attribute, no external reference).

Determinism: ``dot`` lays out the same description the same way; the comments it writes (its
version, the graph's name) are removed, so the same model gives the same bytes on one machine.
Text is measured with the fonts installed where ``dot`` runs (Pango), so another machine may
place boxes a few points apart.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import unicodedata
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Mapping

from ..model import Scenario
from .sections import letter, section_numbers

DOT_TIMEOUT = 60  # seconds; the biggest shipped map takes well under one
INSTALL_HINT = "install Graphviz: `apt-get install graphviz` on Debian or Ubuntu, `brew install graphviz` on macOS"
FORMATS = ("svg", "png", "dot")

# The largest a map may be drawn, in inches: the printable width of A4 and US Letter with the
# handouts' 2 cm margins, and the height left under the page heading. ``dot`` scales a bigger
# drawing down to fit (``size``); tests check how far, so labels stay readable.
PAGE_WIDTH_IN = 6.6
PAGE_HEIGHT_IN = 8.6
FONT = "Libertinus Serif"  # the handouts' font, which Typst embeds; browsers fall back to a serif
FONT_SIZE = 11
TITLE_CHARS = 18           # an ending's title is wrapped at this width, over at most three lines: narrow
TITLE_LINES = 3            # boxes keep a wide row of endings readable (a wider wrap shrank maps to 55 %)

# Endings differ by the word in the box (GOOD, MIXED, HARMFUL) and by its frame, not only by colour.
STYLE = {
    "scene":   {"shape": "box", "style": "filled", "fillcolor": "#ffffff", "penwidth": "1"},
    "start":   {"shape": "box", "style": "filled,bold", "fillcolor": "#ffffff", "penwidth": "2.5"},
    "good":    {"shape": "box", "style": "rounded,filled,bold", "fillcolor": "#dff0d8", "penwidth": "2"},
    "mixed":   {"shape": "box", "style": "dashed,filled", "fillcolor": "#fcf3cf", "penwidth": "1.5"},
    "harmful": {"shape": "box", "style": "filled", "fillcolor": "#f8d7da", "penwidth": "1.5", "peripheries": "2"},
}
WORDS = {"good": "GOOD", "mixed": "MIXED", "harmful": "HARMFUL"}


class MapError(RuntimeError):
    """Graphviz is missing or failed; the message says what to do."""


@dataclass(frozen=True)
class Options:
    """What the caller knows beyond the model: the section numbers shown in the boxes and, in
    the facilitator guide, the pause points (scene id → P number)."""

    numbers: Mapping[str, int]
    pauses: Mapping[str, int] | None = None

    @classmethod
    def of(cls, scenario: Scenario, pauses: bool = False) -> "Options":
        """The packet's section numbers and, with ``pauses``, the guide's pause points."""
        numbers = section_numbers(scenario)
        return cls(numbers, pause_points(scenario, numbers) if pauses else None)


def pause_points(scenario: Scenario, numbers: Mapping[str, int]) -> dict[str, int]:
    """Scene id → pause number (P1, P2, … in section order) for each scene with a facilitator note."""
    marked = [nid for nid in sorted(scenario.nodes, key=lambda n: numbers[n]) if scenario.nodes[nid].facilitator]
    return {nid: i for i, nid in enumerate(marked, start=1)}


# ---------------------------------------------------------------------------------- DOT source

_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def _text(value: str) -> str:
    """Text for an HTML-like label: one line, entities escaped, characters XML forbids removed, and
    backslashes doubled (Graphviz expands ``\\N``, ``\\G``… even inside HTML-like labels, and even
    when written ``&#92;N``; only ``\\\\`` comes out as a backslash)."""
    value = unicodedata.normalize("NFC", _UNSAFE.sub("", " ".join(str(value).split())))
    return html.escape(value, quote=True).replace("\\", "\\\\")


def _quoted(value: str) -> str:
    """A DOT double-quoted string: backslashes and quotes escaped, so nothing ends it early and
    no ``\\N``-style escape is expanded."""
    return '"' + _UNSAFE.sub("", str(value)).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


class _Html(str):
    """An HTML-like label built here from escaped text: written as ``<…>``, not quoted."""


def _attrs(values: Mapping[str, str]) -> str:
    return ", ".join(f"{key}={f'<{value}>' if isinstance(value, _Html) else _quoted(value)}"
                     for key, value in values.items())


def _wrap(title: str, width: int = TITLE_CHARS, lines: int = TITLE_LINES) -> list[str]:
    words, out = title.split(), [""]
    for word in words:
        if out[-1] and len(out[-1]) + 1 + len(word) > width:
            if len(out) == lines:
                out[-1] = out[-1][: width - 1].rstrip() + "…"
                return out
            out.append("")
        out[-1] = f"{out[-1]} {word}".strip()
    if len(out[-1]) > width:
        out[-1] = out[-1][: width - 1].rstrip() + "…"
    return out


def _node_label(scenario: Scenario, nid: str, options: Options) -> _Html:
    node = scenario.nodes[nid]
    head = f"§{options.numbers[nid]}"
    if nid == scenario.start:
        head = f"START {head}"
    pause = (options.pauses or {}).get(nid)
    if pause is not None:
        head += f"  ·  P{pause}"
    rows = [f"<B>{_text(head)}</B>"]
    if node.ending is not None:
        rows[0] = f"<B>{_text(head)}  {WORDS[node.ending.kind]}</B>"
        rows += [_text(line) for line in _wrap(node.ending.title)]
    else:
        rows.append(f'<FONT POINT-SIZE="{FONT_SIZE - 2}">{_text(nid)}</FONT>')
    return _Html("<BR/>".join(rows))


def _legend() -> _Html:
    """The key, as a table under the map: each kind of box drawn as it appears, named in words.
    Kept narrow (short names, short lines) so that it does not make a small map print smaller."""
    frames = {"start": 'BORDER="3"', "scene": 'BORDER="1"', "good": 'STYLE="rounded" BORDER="2"',
              "mixed": 'STYLE="dashed" BORDER="1"', "harmful": 'BORDER="1" CELLBORDER="1" CELLSPACING="2"'}
    names = {"start": "<B>START</B>", "scene": "§n: scene", "good": "<B>GOOD</B> ending",
             "mixed": "<B>MIXED</B> ending", "harmful": "<B>HARMFUL</B> ending"}

    cells = "".join(f'<TD><TABLE {frames[kind]} CELLPADDING="3" BGCOLOR="{STYLE[kind]["fillcolor"]}">'
                    f'<TR><TD BORDER="{1 if kind == "harmful" else 0}">{names[kind]}</TD></TR></TABLE></TD>'
                    for kind in frames)
    notes = ["A, B, …: the choices at a scene, lettered as in the packet.", "§ numbers are the packet's sections.",
             "A?: offered only when a condition holds (dashed arrow: all its choices are)."]
    rows = "".join(f"<TR><TD>{_text(note)}</TD></TR>" for note in notes)
    return _Html(f'<TABLE BORDER="0" CELLSPACING="0"><TR><TD><TABLE BORDER="0" CELLSPACING="4"><TR>{cells}</TR>'
                 f'</TABLE></TD></TR>{rows}</TABLE>')


def dot_source(scenario: Scenario, options: Options) -> str:
    """The map as a DOT graph: one box per scene, one arrow per choice, the key as the graph's label."""
    graph = {"rankdir": "TB", "bgcolor": "#ffffff", "fontname": FONT, "fontsize": str(FONT_SIZE),
             "size": f"{PAGE_WIDTH_IN},{PAGE_HEIGHT_IN}", "nodesep": "0.2", "ranksep": "0.25",
             "labelloc": "b", "labeljust": "c", "pad": "0.1", "ordering": "out", "label": _legend()}
    lines = ["digraph decision_map {", f"  graph [{_attrs(graph)}];",
             f"  node [{_attrs({'fontname': FONT, 'fontsize': str(FONT_SIZE), 'margin': '0.08,0.04'})}];",
             f"  edge [{_attrs({'fontname': FONT, 'fontsize': str(FONT_SIZE - 1), 'arrowsize': '0.7'})}];"]
    for nid, node in scenario.nodes.items():
        kind = node.ending.kind if node.ending else ("start" if nid == scenario.start else "scene")
        attrs = {**STYLE[kind], "id": f"scene-{nid}", "class": f"scene {kind}",
                 "label": _node_label(scenario, nid, options)}
        lines.append(f"  {_quoted(nid)} [{_attrs(attrs)}];")
    for nid, node in scenario.nodes.items():
        targets: dict[str, list[int]] = {}  # choices that lead to the same scene share one arrow
        for i, choice in enumerate(node.choices):
            targets.setdefault(choice.goto, []).append(i)
        for goto, indices in targets.items():
            conditional = [node.choices[i].when is not None for i in indices]
            attrs = {"id": f"choices-{nid}-{indices[0]}", "class": "choice",
                     "label": ", ".join(letter(i) + ("?" if c else "") for i, c in zip(indices, conditional))}
            if all(conditional):
                attrs["style"] = "dashed"
            lines.append(f"  {_quoted(nid)} -> {_quoted(goto)} [{_attrs(attrs)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------- running dot


def dot_command() -> str:
    found = shutil.which("dot")
    if found is None:
        raise MapError(f"Graphviz's `dot` was not found on the PATH; {INSTALL_HINT}")
    return found


def _run_dot(source: str, fmt: str) -> bytes:
    """``dot -T<fmt>`` on ``source`` through standard input (the arguments are fixed), with a timeout."""
    try:
        done = subprocess.run([dot_command(), f"-T{fmt}"], input=source.encode("utf-8"), capture_output=True,
                              timeout=DOT_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise MapError(f"Graphviz's `dot` took more than {DOT_TIMEOUT} s to lay out a map and was stopped") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip() or f"exit status {done.returncode}"
        raise MapError(f"Graphviz's `dot` failed: {message}")
    return done.stdout


def render(source: str, fmt: str = "svg") -> bytes:
    """The drawing of one DOT graph as SVG (cleaned, see :func:`clean_svg`), PNG, or the DOT itself."""
    if fmt == "svg":
        return render_svgs([source])[0]
    if fmt == "dot":
        return source.encode("utf-8")
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    return _run_dot(source, fmt)


_SVG_CACHE: dict[str, bytes] = {}  # DOT source → SVG: the guide and each module's guide draw the same maps
_SVG_CACHE_SIZE = 4096
BATCH = 40                         # maps per `dot` process: the timeout stays ample for each


def render_svgs(sources: list[str]) -> list[bytes]:
    """SVG for each DOT graph, in order. Graphs not drawn before go to ``dot`` together, up to
    ``BATCH`` a process (starting ``dot`` costs more than laying out a map), two processes at once."""
    todo = sorted({source for source in sources if source not in _SVG_CACHE})
    batches = [todo[i:i + BATCH] for i in range(0, len(todo), BATCH)]
    fresh: dict[str, bytes] = {}
    if batches:
        with ThreadPoolExecutor(2) as pool:
            for batch, drawings in zip(batches, pool.map(_draw_batch, batches)):
                fresh.update(zip(batch, drawings))
    found = [fresh[source] if source in fresh else _SVG_CACHE[source] for source in sources]
    if len(_SVG_CACHE) + len(fresh) > _SVG_CACHE_SIZE:
        _SVG_CACHE.clear()
    _SVG_CACHE.update(fresh)
    return found


def _draw_batch(batch: list[str]) -> list[bytes]:
    documents = _run_dot("".join(batch), "svg").split(b"</svg>")[:-1]
    if len(documents) != len(batch):
        raise MapError(f"Graphviz's `dot` drew {len(documents)} maps for {len(batch)} graphs")
    return [clean_svg(document.lstrip() + b"</svg>") for document in documents]


_DRAWING = {"svg", "g", "title", "polygon", "path", "ellipse", "polyline", "text"}


def clean_svg(svg: bytes) -> bytes:
    """``dot``'s SVG without its comments and doctype (they name the Graphviz version), after
    checking that it holds drawing elements only: no script, no event handler, no reference
    outside the document. A map that fails the check is a bug, so it raises."""
    root = ET.fromstring(svg)  # the stdlib parser expands no external entities
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag not in _DRAWING:
            raise MapError(f"unexpected <{tag}> in Graphviz's SVG")
        for name, value in element.attrib.items():
            bare = name.rsplit("}", 1)[-1]
            if bare.lower().startswith("on") or (bare == "href" and value.strip()):
                raise MapError(f"unexpected attribute {bare}={value!r} in Graphviz's SVG")
    text = svg.decode("utf-8")
    text = re.sub(r"<\?xml[^>]*\?>\s*|<!DOCTYPE[^>]*>\s*|<!--.*?-->\s*", "", text, flags=re.S)
    return text.strip().encode("utf-8") + b"\n"


def svg(scenario: Scenario, options: Options) -> bytes:
    return render_svgs([dot_source(scenario, options)])[0]


# ---------------------------------------------------------------------------------- reading an SVG


def svg_size_pt(svg_bytes: bytes) -> tuple[float, float]:
    """The drawing's width and height in points, as ``dot`` wrote them."""
    root = ET.fromstring(svg_bytes)
    return tuple(float(root.attrib[k].removesuffix("pt")) for k in ("width", "height"))  # type: ignore[return-value]


# ---------------------------------------------------------------------------------- text alternative


def text_alternative(scenario: Scenario, numbers: Mapping[str, int]) -> list[dict[str, Any]]:
    """The map in words, scene by scene in section order: what each scene is and where each of
    its choices leads. For readers who cannot see the drawing (and for tests)."""
    out = []
    for nid in sorted(scenario.nodes, key=lambda n: numbers[n]):
        node = scenario.nodes[nid]
        out.append({
            "id": nid, "section": numbers[nid], "start": nid == scenario.start,
            "kind": node.ending.kind if node.ending else "scene",
            "title": node.ending.title if node.ending else None,
            "choices": [{"letter": letter(i), "label": " ".join(c.label.split()), "to": c.goto,
                         "section": numbers[c.goto], "conditional": c.when is not None}
                        for i, c in enumerate(node.choices)],
        })
    return out
