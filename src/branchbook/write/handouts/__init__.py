"""Printable handouts (PDF via Typst): scenario packets, role cards, quick-reference cards, the
facilitator guide and a certificate of completion.

The writer reads only the :class:`~branchbook.model.Course`. Its parts:
:mod:`.maps` (the guide's decision maps), :mod:`.data` (the JSON each template reads, with
conditions and effects in the catalogue's words from :mod:`branchbook.messages.wording`),
:mod:`.compile` (Typst, its cache and workers).
Author text never becomes Typst source: the templates read it with ``json(bytes(...))`` and
insert it as strings, which Typst prints literally.

Output is deterministic: section numbers are shuffled with a seed taken from the scenario id,
only the fonts embedded in the Typst compiler are used (never the machine's), and the PDFs
carry no date. ``write(course, options)`` returns ``{relative path: PDF bytes}``; it writes nothing itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from ... import layout
from ...messages import message
from ...model import Course
from .. import WriteOptions
from .compile import HandoutError, compile_many, compile_pdf
from .data import certificate_data, guide_data, packet_data, quickref_cards, quickref_data, roles_data
from .maps import draw_all

PAPERS = ("a4", "us-letter")

__all__ = ["HandoutError", "Job", "PAPERS", "compile_pdf", "plan", "quickref_cards", "write"]


@dataclass(frozen=True)
class Job:
    path: str                          # relative output path, e.g. handouts/scenarios/x-packet.pdf
    template: str                      # file name in templates/typst
    data: Callable[[], dict[str, Any]]


def plan(course: Course, paper: str = "a4") -> list[Job]:
    """Every PDF the writer makes, in order (cheap: the data is built only when compiled)."""
    if paper not in PAPERS:
        raise ValueError(f"paper must be one of {', '.join(PAPERS)}, not {paper!r}")
    jobs: list[Job] = []
    for s in course.scenarios:
        jobs.append(Job(layout.packet_pdf(s.id), "packet.typ",
                        lambda s=s: packet_data(course, s, paper)))
        jobs.append(Job(layout.role_cards_pdf(s.id), "roles.typ",
                        lambda s=s: roles_data(course, s, paper)))
    for card in quickref_cards():
        jobs.append(Job(layout.quickref_pdf(card["id"]), "quickref.typ",
                        lambda card=card: quickref_data(course, card, paper)))
    jobs.append(Job(layout.facilitator_guide_pdf(), "facilitator.typ",
                    lambda: guide_data(course, list(course.modules), paper,
                                       message("handout.title_guide", course.settings.language,
                                               title=course.settings.title))))
    for m in course.modules:
        jobs.append(Job(layout.facilitator_guide_pdf(m.id), "facilitator.typ",
                        lambda m=m: guide_data(course, [m], paper, message("handout.title_guide", course.settings.language,
                                                                         title=m.title), "module")))
    jobs.append(Job(layout.CERTIFICATE_PDF, "certificate.typ", lambda: certificate_data(course, paper)))
    return jobs


def write(course: Course, options: WriteOptions) -> dict[str, bytes]:
    """Every handout on ``options.paper`` as ``{relative path: PDF bytes}`` (none when ``options.handouts``
    is off), compiled only when not in ``options.cache``; ``options.on_progress(path)`` after each PDF."""
    if not options.handouts:
        return {}
    jobs = plan(course, options.paper)
    draw_all(list(course.scenarios))
    out: dict[str, bytes] = {}
    for job, pdf in zip(jobs, compile_many(((job.template, job.data()) for job in jobs), options.cache)):
        out[job.path] = pdf
        if options.on_progress is not None:
            options.on_progress(job.path)
    return out
