"""branchbook: branching role-play scenarios in YAML → one checked course model → many outputs.

The pipeline is visible in the package layout:
``read`` (YAML/Markdown with line marks) → ``check`` (every rule, every problem) →
``model`` (immutable pydantic objects) → ``write`` (one module per output, each reading only the model).
"""

__version__ = "0.1.0"
