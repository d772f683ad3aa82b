#!/usr/bin/env python3
"""`docgen serve` against rendering in-process: throughput by workers and connections, CPU per
document, and PDF latency with the warm LibreOffice pool against a LibreOffice start per document.

Run: `make bench` (or .venv/bin/python bench/http_speed.py). Starts servers on free loopback
ports and sends the bundled Norwegian activity plan (5 measures) over keep-alive connections,
with `wrk` when it is installed (apt-get install wrk: it costs the machine far less CPU than a
Python client), else with httpx threads. Prints figures and ratios; asserts nothing.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "activity_plan.nb.json"
PATH = "/documents/activity_plan"
SECONDS = 3


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of these processes (Linux /proc), in seconds."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def server(workers: int, env: dict[str, str] | None = None) -> Iterator[tuple[str, list[int]]]:
    """`docgen serve` with `workers` workers: yields its base URL and the pids doing the work."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "docgen", "serve", "--port", str(port), "--workers", str(workers)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, **(env or {})})
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{base}/ready", timeout=1).status_code == 200:
                    break
            time.sleep(0.1)
        children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
        workers_pids = [int(p) for p in children] if workers > 1 else [proc.pid]
        yield base, workers_pids
    finally:
        proc.terminate()
        proc.wait()


def load(base: str, body: bytes, connections: int, pids: list[int]) -> tuple[float, float]:
    """Documents per second over `connections` keep-alive connections, and server CPU ms per document."""
    before = cpu_seconds(pids)
    if shutil.which("wrk"):
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(f'wrk.method = "POST"\nlocal f = io.open("{EXAMPLE}", "rb")\nwrk.body = f:read("*a")\n'
                         'f:close()\nwrk.headers["Content-Type"] = "application/json"\n')
        try:
            out = subprocess.run(["wrk", "-t", str(min(connections, 2)), "-c", str(connections), "-d", f"{SECONDS}s",
                                  "-s", script.name, base + PATH], capture_output=True, text=True, check=True).stdout
        finally:
            os.unlink(script.name)
        count = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
        seconds = float(re.search(r"requests in ([\d.]+)s", out).group(1))  # type: ignore[union-attr]
        if "Non-2xx" in out:
            raise SystemExit(f"the server answered errors:\n{out}")
    else:
        clients = [httpx.Client(headers={"Content-Type": "application/json"}, timeout=60) for _ in range(connections)]
        count = 0
        start = time.perf_counter()

        def one(client: httpx.Client) -> int:
            done = 0
            while time.perf_counter() - start < SECONDS:
                assert client.post(base + PATH, content=body).status_code == 200
                done += 1
            return done

        with ThreadPoolExecutor(connections) as pool:
            count = sum(pool.map(one, clients))
        seconds = time.perf_counter() - start
    return count / seconds, (cpu_seconds(pids) - before) / count * 1000


def pdf_latency(base: str, body: bytes, count: int) -> float:
    """Median seconds for one PDF over HTTP, one request at a time."""
    times = []
    with httpx.Client(headers={"Content-Type": "application/json"}, timeout=120) as client:
        client.post(base + PATH, params={"format": "pdf"}, content=body)
        for _ in range(count):
            start = time.perf_counter()
            assert client.post(base + PATH, params={"format": "pdf"}, content=body).status_code == 200
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    sys.path.insert(0, str(ROOT))
    import docgen

    body = EXAMPLE.read_bytes()
    record = json.loads(body)
    for _ in range(50):
        docgen.render(record)

    def in_process_run() -> tuple[float, float]:
        count, cpu, wall = 0, time.process_time(), time.perf_counter()
        while time.perf_counter() - wall < 2:
            docgen.render(json.loads(body))
            count += 1
        return count / (time.perf_counter() - wall), (time.process_time() - cpu) / count * 1000

    runs = [in_process_run() for _ in range(3)]  # the median of three: this machine's speed drifts
    in_process = statistics.median(r[0] for r in runs)
    in_process_cpu = statistics.median(r[1] for r in runs)

    print(f"machine: {os.cpu_count()} cores; load generator: {'wrk' if shutil.which('wrk') else 'httpx threads'}")
    print(f"in-process (JSON parse + docgen.render)   {in_process:7.0f} documents/s  {in_process_cpu:5.2f} ms CPU each")
    # Both services run side by side (the idle one costs nothing) and are measured in turn, three
    # rounds of SECONDS each, so that this machine's drift hits both alike; medians are printed.
    samples: dict[tuple[int, int], list[tuple[float, float]]] = {}
    with server(1) as one, server(2) as two:
        services = {1: one, 2: two}
        for base, pids in services.values():
            load(base, body, 4, pids)  # warm up
        for connections in (1, 16):
            for _ in range(3):
                for workers, (base, pids) in services.items():
                    samples.setdefault((workers, connections), []).append(load(base, body, connections, pids))
    rates = {key: statistics.median(rate for rate, _ in runs) for key, runs in samples.items()}
    for (workers, connections), runs in sorted(samples.items()):
        cpu_ms = statistics.median(cpu for _, cpu in runs)
        print(f"HTTP docx, {workers} worker(s), {connections:2d} connection(s)  {rates[workers, connections]:7.0f} "
              f"documents/s  {cpu_ms:5.2f} ms server CPU each ({cpu_ms / in_process_cpu:.2f}x in-process)")
    print(f"--workers 2 / --workers 1 at  1 connection   {rates[2, 1] / rates[1, 1]:.2f}x (target >= 1)")
    print(f"--workers 2 / --workers 1 at 16 connections  {rates[2, 16] / rates[1, 16]:.2f}x (target >= 1.7)")

    from docgen.office import find_uno_python

    try:
        with server(1) as (base, _):
            warm = pdf_latency(base, body, 20)
        with server(1, {"DOCGEN_UNO_PYTHON": "none"}) as (base, _):
            cold = pdf_latency(base, body, 5)
    except Exception as exc:  # no LibreOffice
        print(f"PDF over HTTP: skipped ({type(exc).__name__})")
        return
    pool = "resident LibreOffice" if find_uno_python() else "no python3-uno: LibreOffice per document"
    print(f"PDF over HTTP, p50, {pool:28s} {warm:6.3f} s")
    print(f"PDF over HTTP, p50, LibreOffice started per document {cold:6.3f} s   {cold / warm:.1f}x slower "
          "(target: warm <= 0.25 s, >= 3x)")


if __name__ == "__main__":
    main()
