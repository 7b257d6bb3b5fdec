"""``costsight ingest FILE...``: stream JSON Lines / CSV into storage."""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from costsight.cli.common import (
    EXIT_OK,
    EXIT_REJECTED,
    expected_audit_duplicates,
    print_json,
    stderr_console,
    stdout_console,
    storage,
)
from costsight.cli.rejects import RejectWriter, check_rejects_path
from costsight.core.errors import ValidationError
from costsight.core.ingest.lines import SourceIdentity
from costsight.core.ingest.parser import InputFormat
from costsight.core.ingest.writer import DEFAULT_BATCH_SIZE
from costsight.core.services.ingest import IngestReport, IngestService
from costsight.core.timeutil import SystemClock

if TYPE_CHECKING:
    from rich.progress import Progress


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = commands.add_parser(
        "ingest", help="load JSON Lines or CSV files (all-or-nothing unless --skip-invalid)",
        description="Load cost records, worker runs, feature tags, budgets, provenance and "
                    "audit records. By default every line is validated first and nothing is "
                    "written if any line is rejected.")
    p.add_argument("files", nargs="+", metavar="FILE", help="JSON Lines (.jsonl) or CSV (.csv)")
    p.add_argument("--skip-invalid", action="store_true",
                   help="write the valid lines; rejected lines go to the rejects file")
    p.add_argument("--rejects-file", metavar="PATH",
                   help="where rejected lines are written as JSON Lines "
                        "(default with --skip-invalid: FIRST_FILE.rejects.jsonl); created "
                        "only when a line is rejected; never one of the input files")
    p.add_argument("--overwrite-rejects", action="store_true",
                   help="replace the rejects file if it exists (default: refuse to start)")
    p.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE, metavar="N",
                   help=f"records per write batch (default {DEFAULT_BATCH_SIZE})")
    p.add_argument("--format", choices=[f.value for f in InputFormat], default="auto",
                   help="input format (default: .csv files are CSV, others JSON Lines)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(handler=run)


@dataclass(frozen=True)
class FileSource:
    """A file ingest reads (in one pass; its identity is checked before every commit)."""

    name: str
    path: Path

    @property
    def size(self) -> int | None:
        return self.path.stat().st_size

    @contextmanager
    def open(self) -> Iterator[BinaryIO]:
        with self.path.open("rb") as stream:
            yield stream

    def identity(self) -> SourceIdentity:
        info = os.stat(self.path)
        return SourceIdentity(info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)


class BarProgress:
    """The ingest progress sink drawn as a rich progress bar (bytes read)."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task: Any = None

    def phase(self, description: str, total_bytes: int | None) -> None:
        if self.task is not None:
            self.progress.update(self.task, visible=False)
        self.task = self.progress.add_task(description, total=total_bytes)

    def advance(self, nbytes: int) -> None:
        self.progress.advance(self.task, nbytes)


def _sources(files: list[str]) -> list[FileSource]:
    sources = []
    for name in files:
        path = Path(name)
        if not path.is_file():
            raise ValidationError("FILE", f"{name!r} is not a readable file")
        sources.append(FileSource(name, path))
    return sources


async def run(args: argparse.Namespace) -> int:
    sources = _sources(args.files)
    if args.batch_size < 1:
        raise ValidationError("--batch-size", f"{args.batch_size} is too small", allowed=">= 1")
    rejects_path = Path(args.rejects_file) if args.rejects_file else None
    if rejects_path is None and args.skip_invalid:
        rejects_path = Path(f"{args.files[0]}.rejects.jsonl")
    if rejects_path is not None:
        check_rejects_path(rejects_path, [s.path for s in sources],
                           overwrite=args.overwrite_rejects)
    # All-or-nothing: every rejected line is named on stderr. With --skip-invalid the rejects
    # file holds them; stderr shows them too unless --json keeps the output machine-readable.
    sink = RejectWriter(rejects_path, echo=not (args.json and args.skip_invalid),
                        overwrite=args.overwrite_rejects)
    sink.open()  # before anything is committed: an unwritable place fails here
    show_bar = not args.json and stderr_console().is_terminal
    try:
        with expected_audit_duplicates():
            report = await _ingest(sources, args, sink, show_bar)
    finally:
        written = sink.finish()
    _print(report, args, written)
    return EXIT_REJECTED if report.rejected else EXIT_OK


async def _ingest(sources: list[FileSource], args: argparse.Namespace, sink: RejectWriter,
                  show_bar: bool) -> IngestReport:
    options = {"skip_invalid": args.skip_invalid, "fmt": InputFormat(args.format),
               "batch_size": args.batch_size, "on_reject": sink}
    # The storage and the ingest service alone (not the whole application: its engines,
    # plugins and other services cost start-up time and ingest never uses them).
    async with storage() as opened:
        service = IngestService(opened, SystemClock())
        if not show_bar:
            return await service.ingest(sources, **options)
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        with Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                      TimeRemainingColumn(), console=stderr_console(), transient=True) as bar:
            return await service.ingest(sources, progress=BarProgress(bar), **options)


def _print(report: IngestReport, args: argparse.Namespace, rejects: Path | None) -> None:
    if args.json:
        payload = report.as_dict()
        payload["rejects_file"] = str(rejects) if rejects and report.rejected else None
        print_json(payload)
        return
    out = stdout_console()
    if report.valid_lines and report.written:
        from rich.table import Table

        table = Table(title="Ingested", title_justify="left")
        for column in ("type", "inserted", "updated", "duplicates"):
            table.add_column(column, justify="right" if column != "type" else "left")
        for kind, counts in report.counts.items():
            if counts.inserted or counts.updated or counts.duplicates:
                table.add_row(kind.value, str(counts.inserted), str(counts.updated),
                              str(counts.duplicates))
        out.print(table)
    out.print(f"inserted {report.inserted}, updated {report.updated}, "
              f"duplicates {report.duplicates}, rejected {report.rejected}")
    if report.rejected and not report.written:
        out.print(f"[bold red]nothing was written[/]: {report.rejected} line(s) rejected "
                  "(listed on stderr); fix them or use --skip-invalid")
    elif report.rejected and rejects is not None:
        out.print(f"rejected lines written to {os.fspath(rejects)}")
