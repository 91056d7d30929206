"""Readers: turn course files into plain data plus a map from data paths to source positions."""

from pathlib import Path


def bytes_or_empty(path: Path) -> bytes:
    """A file's bytes for a cache key or a comparison; empty when it cannot be read (its reader says why)."""
    try:
        return path.read_bytes()
    except OSError:
        return b""
