"""The immutable course model: what every writer reads and nothing else."""

from .course import Course, CourseSettings, Failure, GlossaryEntry, Principle, Rules, SupportResource
from .module import KnowledgeCheck, Module, Option
from .scenario import Choice, Ending, Node, Provenance, Role, Scenario, Variable

__all__ = [
    "Choice", "Course", "CourseSettings", "Ending", "Failure", "GlossaryEntry", "KnowledgeCheck",
    "Module", "Node", "Option", "Principle", "Provenance", "Role", "Rules", "Scenario", "SupportResource",
    "Variable",
]
