"""A batch's records as read, one at a time: lines of a JSON Lines file (or standard input), or
the .json and .yaml files of a folder, each with where it came from."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from .errors import InputError


@dataclass(frozen=True)
class Item:
    """One record as read: where it came from, and its raw bytes."""

    n: int  # position in the input, from 1
    source: str  # "cases.jsonl:12", "folder/x.json" or "<stdin>:3"
    line: int | None
    data: bytes
    error: str | None = None  # the file could not be read


def read_items(source: str, stdin: IO[bytes] | None = None,
               keep: Callable[[int], bool] | None = None) -> Iterator[Item]:
    """Records one at a time from a JSON Lines file, a folder of .json/.yaml files, one such file, or '-' (stdin).
    With `keep`, only the records whose position it accepts (the others are not even read from a folder)."""
    if keep is not None:
        if source != "-" and Path(source).is_dir():
            yield from _files(Path(source), keep)
        else:
            yield from (item for item in read_items(source, stdin) if keep(item.n))
        return
    if source == "-":
        yield from _lines(stdin or sys.stdin.buffer, "<stdin>")
        return
    path = Path(source)
    if path.is_dir():
        yield from _files(path)
        return
    if path.suffix.lower() in RECORD_SUFFIXES and path.is_file():  # one record, however it is laid out
        try:
            yield Item(1, source, None, path.read_bytes())
        except OSError as exc:
            yield Item(1, source, None, b"", f"cannot read ({(exc.strerror or str(exc)).lower()})")
        return
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise InputError(f"{source}: file or folder not found") from None
    except OSError as exc:
        raise InputError(f"{source}: cannot read ({(exc.strerror or str(exc)).lower()})") from None
    with handle:
        yield from _lines(handle, source)


RECORD_SUFFIXES = (".json", ".yaml", ".yml")


def _files(folder: Path, keep: Callable[[int], bool] | None = None) -> Iterator[Item]:
    for n, file in enumerate(_record_files(folder), 1):
        if keep is not None and not keep(n):
            continue
        try:
            yield Item(n, str(file), None, file.read_bytes())
        except OSError as exc:
            yield Item(n, str(file), None, b"", f"cannot read ({(exc.strerror or str(exc)).lower()})")


def _record_files(folder: Path) -> list[Path]:
    """The records in a folder: .json and .yaml files, but not case files (NAME.case.yaml)."""
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in RECORD_SUFFIXES and p.is_file()
                  and not p.stem.lower().endswith(".case"))


def _lines(handle: IO[bytes], name: str) -> Iterator[Item]:
    n = 0
    for number, line in enumerate(handle, 1):
        if not line.strip():
            continue
        n += 1
        yield Item(n, f"{name}:{number}", number, line)


def count_items(source: str) -> int | None:
    """How many records a file or folder holds, for the progress bar (None for stdin)."""
    if source == "-":
        return None
    path = Path(source)
    try:
        if path.is_dir():
            return len(_record_files(path))
        if path.suffix.lower() in RECORD_SUFFIXES:
            return 1
        with path.open("rb") as handle:
            return sum(1 for line in handle if line.strip())
    except OSError:
        return None
