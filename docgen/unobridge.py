"""Runs under LibreOffice's Python (the one that can `import uno`), not docgen's.

docgen's service keeps LibreOffice running between requests (a cold start costs
~1 s, a conversion in a running office ~0.1 s). This script starts one
headless office, connects to it over a private pipe, and converts documents
it is told about on stdin, one JSON line each:

    {"in": "/abs/in.docx", "out": "/abs/out.pdf", "filter": "writer_pdf_Export", "data": {...}}

and answers one JSON line each: {"ok": true} or {"error": "short reason"}.
Its first line is {"ready": true} once the office answers (or an error, then it ends).

Written by hand because the library that does this (unoserver) must be
installed into LibreOffice's own Python (Debian's, where pip is not allowed)
and speaks XML-RPC over TCP; here the bridge is a pipe child of docgen, so it
dies with docgen, a hang is ended by killing its process group, and nothing
listens on a port. Only the standard library and uno are imported.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import Any

import uno  # type: ignore[import-not-found]
from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]

NEVER_EXECUTE = 0  # com.sun.star.document.MacroExecMode.NEVER_EXECUTE
NO_UPDATE = 0  # com.sun.star.document.UpdateDocMode.NO_UPDATE: no links or fields fetched on load


def prop(name: str, value: object) -> object:
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def filter_data(options: dict[str, dict[str, str]]) -> object:
    """FilterData as LibreOffice's --convert-to JSON gives it: {"Name": {"type": ..., "value": ...}}."""
    props: list[object] = []
    for name, spec in options.items():
        kind, value = spec["type"], spec["value"]
        typed: object
        if kind == "boolean":
            typed = str(value).lower() == "true"
        elif kind == "long":
            typed = int(value)
        else:
            typed = str(value)
        props.append(prop(name, typed))
    return uno.Any("[]com.sun.star.beans.PropertyValue", tuple(props))


def say(message: dict[str, object]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def connect(soffice: str, profile_url: str, pipe_name: str, timeout: float) -> tuple[subprocess.Popen[bytes], Any]:
    office = subprocess.Popen(
        [soffice, "-env:UserInstallation=" + profile_url, "--headless", "--invisible", "--norestore",
         "--nolockcheck", "--nodefault", "--nologo",
         f"--accept=pipe,name={pipe_name};urp;StarOffice.ComponentContext"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + timeout
    while True:
        try:
            ctx = resolver.resolve(f"uno:pipe,name={pipe_name};urp;StarOffice.ComponentContext")
            return office, ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        except Exception:
            if office.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def convert(desktop: Any, job: dict[str, Any]) -> None:
    load = (prop("Hidden", True), prop("ReadOnly", True), prop("MacroExecutionMode", NEVER_EXECUTE),
            prop("UpdateDocMode", NO_UPDATE))
    doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(job["in"]), "_blank", 0, load)
    if doc is None:
        raise RuntimeError("LibreOffice could not open the document")
    try:
        store = [prop("FilterName", job["filter"]), prop("Overwrite", True)]
        if job.get("data"):
            store.append(prop("FilterData", filter_data(job["data"])))
        doc.storeToURL(uno.systemPathToFileUrl(job["out"]), tuple(store))
    finally:
        doc.close(True)


def main() -> int:
    soffice, profile_url, pipe_name, timeout = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    try:
        office, desktop = connect(soffice, profile_url, pipe_name, timeout)
    except Exception as exc:
        say({"error": f"LibreOffice did not start ({type(exc).__name__})"})
        return 1
    say({"ready": True, "pid": office.pid})
    for line in sys.stdin:
        try:
            convert(desktop, json.loads(line))
        except Exception as exc:  # the office's own exceptions carry paths, never record text
            if office.poll() is not None:
                say({"error": "LibreOffice stopped", "fatal": True})
                return 1
            say({"error": f"LibreOffice could not convert the document ({type(exc).__name__})"})
            continue
        say({"ok": True})
    try:
        desktop.terminate()
    except Exception:
        pass
    try:
        office.wait(5)
    except subprocess.TimeoutExpired:
        office.kill()
    return 0


if __name__ == "__main__":
    os.umask(0o077)
    sys.exit(main())
