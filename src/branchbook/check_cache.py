"""Per-file check results kept between runs, so that a warm check re-reads only the files that changed.

An entry is keyed by everything its result depends on: the file's bytes and shown path, the
branchbook code that checked it (its version and the text of its modules, so that a changed rule is
never answered from the cache), and the course context the caller passes (``course.yml``, then also
the denylist it names: :meth:`CheckCache.add_context`). It is an optimisation only: with the folder deleted every result is computed again,
the same. Entries live under ``book/_build/.cache/check``; a long-lived process (``serve``) also
keeps the last run's entries in memory.

Loading a pickle can run code, and a course folder may come from anyone. So every entry is
signed (HMAC-SHA256) with a key kept outside the course, in the user's cache folder; an entry
that is unsigned, signed with another key, truncated or unreadable is ignored with a note and
computed again.
"""

from __future__ import annotations

import errno
import hashlib
import hmac
import os
import pickle
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from . import __version__
from .output import DiskCache, write_atomic

T = TypeVar("T")

_SIGNATURE = 32
_MEMORY: dict[Path, dict[str, Any]] = {}  # folder -> the entries its last run used


@lru_cache(maxsize=1)
def code_digest() -> bytes:
    """A digest of branchbook's version and every one of its Python modules, as installed."""
    package = Path(__file__).parent
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.digest()


def _user_cache() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "branchbook"


def kept_for_user(name: str, version: str, make: Callable[[], T], kind: type[T]) -> T:
    """``make()``, kept pickled in the user's cache folder: for what is slow to make and the same for every
    course (parsed hyphenation patterns). The folder is outside any course, beside the signing key, so no course
    can plant a pickle there. Made again when ``version`` differs or the file is missing, damaged or not a ``kind``."""
    try:
        path = _user_cache() / f"{name}.pickle"
    except RuntimeError:  # no home folder: nowhere to keep it
        return make()
    try:
        kept_version, value = pickle.loads(path.read_bytes())
        if kept_version == version and isinstance(value, kind):
            return value
    except Exception:  # noqa: BLE001 - missing, damaged or from another version: made again
        pass
    value = make()
    try:
        write_atomic(path, pickle.dumps((version, value), protocol=pickle.HIGHEST_PROTOCOL))
    except OSError:
        pass  # only the saving is lost
    return value


def _signing_key() -> bytes:
    """This user's secret for signing entries, made on first use (readable by the user only)."""
    path = _user_cache() / "check-cache.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it first
        else:
            with os.fdopen(fd, "wb") as handle:
                handle.write(os.urandom(32))
    key = path.read_bytes()
    if len(key) < 32:
        raise OSError(errno.EINVAL, f"{path} is damaged or still being written; delete it if this persists")
    return key


class CheckCache:
    """``get``/``put`` of per-file results by :meth:`key`; ``finish()`` drops the entries this run did not use."""

    def __init__(self, folder: Path, context: bytes, notes: list[str]):
        self.folder = folder
        self.context = hashlib.sha256(code_digest() + context).digest()
        self.notes = notes
        self.hits = 0
        self._memory = _MEMORY.get(folder, {})
        self._used: dict[str, Any] = {}
        self._disk: DiskCache | None = DiskCache(folder)
        try:
            self._secret = _signing_key()
        except (OSError, RuntimeError) as error:  # RuntimeError: no home folder
            self._disk = None
            notes.append(f"the check cache is off: cannot keep its key in your cache folder "
                         f"({getattr(error, 'strerror', None) or error})")
        self._corrupt = 0

    def add_context(self, data: bytes) -> None:
        """Make the keys made from now on depend on ``data`` too (context known only from a first entry)."""
        self.context = hashlib.sha256(self.context + data).digest()

    def key(self, shown: str, data: bytes) -> str:
        return hashlib.sha256(self.context + shown.encode() + b"\0" + data).hexdigest()

    def get(self, key: str) -> Any | None:
        if key in self._memory:
            value = self._memory[key]
        else:
            value = self._read(key)
            if value is None:
                return None
        self.hits += 1
        self._used[key] = value
        return value

    def _read(self, key: str) -> Any | None:
        if self._disk is None:
            return None
        try:
            blob = self._disk[key]
        except KeyError:
            return None
        signature, payload = blob[:_SIGNATURE], blob[_SIGNATURE:]
        if not hmac.compare_digest(signature, hmac.digest(self._secret, payload, "sha256")):
            self._corrupt += 1
            return None
        try:
            return pickle.loads(payload)
        except Exception:  # noqa: BLE001 - signed by us, but from an older branchbook or damaged: recompute
            self._corrupt += 1
            return None

    def put(self, key: str, value: Any, payload: bytes | None = None) -> None:
        """Keep ``value`` (``payload``: its pickle, when the caller has it already)."""
        self._used[key] = value
        if self._disk is None:
            return
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL) if payload is None else payload
        try:
            self._disk[key] = hmac.digest(self._secret, payload, "sha256") + payload
        except OSError as error:
            self.notes.append(f"the check cache is off: cannot write {self.folder} ({error.strerror})")
            self._disk = None

    def _prune(self) -> None:
        """Remove every entry this run did not use (a folder listing that does not stat each entry)."""
        try:
            listing = os.scandir(self.folder)
        except FileNotFoundError:
            return
        with listing:
            stale = [entry.name for entry in listing
                     if entry.name not in self._used and not entry.name.startswith(".") and entry.is_file()]
        for name in stale:
            try:
                del self._disk[name]
            except KeyError:  # not named as an entry: not the cache's to remove
                pass

    def finish(self) -> None:
        """Remember this run's entries and remove the others (older versions of the files). After this
        process's first run, only what its last run used can have gone stale, so only that is looked
        at (listing a 1,000-entry folder at every save was a tenth of a warm check in ``serve``)."""
        previous = _MEMORY.get(self.folder)
        _MEMORY[self.folder] = self._used
        if self._corrupt:
            self.notes.append(f"ignored {self._corrupt} unreadable or unsigned entr{'y' if self._corrupt == 1 else 'ies'} "
                              f"in the check cache ({self.folder}); their files were checked again")
        if self._disk is not None:
            self._disk.used = set(self._used)
            try:
                if previous is not None:
                    for key in previous.keys() - self._used.keys():
                        del self._disk[key]
                else:
                    self._prune()
            except OSError:
                pass  # a stale entry costs only disk space
