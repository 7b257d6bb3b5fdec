"""The ``--rejects-file`` of ``costsight ingest``: checked before anything is written, filled
through a temporary file beside it, and put in place only when a line was rejected.

It never destroys anything: a path that is one of the inputs is refused, an existing file is
refused unless ``--overwrite-rejects``, and an unwritable place fails before the first commit
(the temporary file is created up front, which proves the directory takes new files).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import IO

from costsight.cli.common import stderr_console
from costsight.core.errors import ValidationError
from costsight.core.ingest.parser import Rejection

OPTION = "--rejects-file"


def check_rejects_path(path: Path, inputs: list[Path], *, overwrite: bool) -> None:
    """Refuse a rejects path that is an input, a directory, or (without overwrite) exists."""
    for source in inputs:
        if _same_file(path, source):
            raise ValidationError(OPTION, f"{os.fspath(path)!r} is the input file "
                                          f"{os.fspath(source)!r}",
                                  allowed="a path that is not one of the files being ingested")
    if path.is_dir():
        raise ValidationError(OPTION, f"{os.fspath(path)!r} is a directory",
                              allowed="the path of a file")
    if path.exists() and not overwrite:
        raise ValidationError(OPTION, f"{os.fspath(path)!r} already exists",
                              allowed="a path that does not exist yet, or --overwrite-rejects "
                                      "to replace it")


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # a does not exist (yet): it cannot be b
        return False


class RejectWriter:
    """Rejected lines to stderr (every one) and, when asked, to a JSON Lines file.

    The file's content goes to a temporary file in the same directory, created by ``open``;
    ``finish`` renames it over the rejects path when something was rejected and removes it
    otherwise, so the rejects path is only ever created or replaced whole.
    """

    def __init__(self, path: Path | None, *, echo: bool, overwrite: bool = False) -> None:
        self.path = path
        self.echo = echo
        self.overwrite = overwrite
        self.console = stderr_console()
        self.count = 0
        self._tmp: Path | None = None
        self._file: IO[str] | None = None

    def open(self) -> None:
        """Create the temporary file now: an unwritable place fails before any write."""
        if self.path is None:
            return
        directory = self.path.parent
        try:
            fd, name = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp",
                                        dir=directory)
        except OSError as exc:
            raise ValidationError(OPTION, f"cannot create a file in {os.fspath(directory)!r}: "
                                          f"{exc.strerror or exc}",
                                  allowed="a path in an existing, writable directory") from None
        self._tmp = Path(name)
        self._file = os.fdopen(fd, "w", encoding="utf-8")

    def __call__(self, rejection: Rejection) -> None:
        self.count += 1
        if self.echo:
            self.console.print(f"[red]rejected[/] {rejection.describe()}", markup=True,
                               highlight=False)
        if self._file is not None:
            self._file.write(json.dumps({
                "source": rejection.source, "line": rejection.line, "field": rejection.field,
                "reason": rejection.reason, "raw": rejection.raw}) + "\n")

    def finish(self) -> Path | None:
        """Put the rejects in place (only if there are any); the path written, or None."""
        if self._file is None or self._tmp is None or self.path is None:
            return None
        self._file.close()
        tmp, self._file, self._tmp = self._tmp, None, None
        if not self.count:
            tmp.unlink(missing_ok=True)
            return None
        if self.overwrite:
            os.replace(tmp, self.path)
            return self.path
        try:
            # link() refuses an existing target atomically: a file that appeared at the path
            # while we ingested is kept, and the rejects stay in the temporary file.
            os.link(tmp, self.path)
        except FileExistsError:
            raise ValidationError(OPTION, f"{os.fspath(self.path)!r} appeared while ingesting; "
                                          f"the rejected lines are in {os.fspath(tmp)!r}",
                                  allowed="a path that does not exist yet, or "
                                          "--overwrite-rejects") from None
        except OSError:  # a file system without hard links: check, then rename
            if self.path.exists():
                raise ValidationError(OPTION, f"{os.fspath(self.path)!r} appeared while "
                                              f"ingesting; the rejected lines are in "
                                              f"{os.fspath(tmp)!r}") from None
            os.replace(tmp, self.path)
            return self.path
        tmp.unlink()
        return self.path
