#!/usr/bin/env python3
"""Documents per second through `docgen serve` against rendering in-process.

Run: `make bench` (or .venv/bin/python bench/http_speed.py). Starts a server
on a free loopback port, sends the bundled Norwegian activity plan (5
measures) over keep-alive connections, prints figures and ratios.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "activity_plan.nb.json"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rate(fn, count: int, threads: int = 1) -> float:
    fn()
    start = time.perf_counter()
    if threads == 1:
        for _ in range(count):
            fn()
    else:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(lambda _: fn(), range(count)))
    return count / (time.perf_counter() - start)


def main() -> None:
    import docgen

    body = EXAMPLE.read_bytes()
    record = json.loads(body)
    in_process = rate(lambda: docgen.render(record), 300)

    results = {}
    for workers in (1, 2):
        port = free_port()
        server = subprocess.Popen([sys.executable, "-m", "docgen", "serve", "--port", str(port), "--workers",
                                   str(workers)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                try:
                    httpx.get(f"{base}/health", timeout=1)
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            client = httpx.Client(headers={"Content-Type": "application/json"}, timeout=60)

            def call() -> None:
                response = client.post(f"{base}/documents/activity_plan", content=body)
                assert response.status_code == 200

            results[workers] = (rate(call, 300), rate(call, 300, threads=4))
        finally:
            server.terminate()
            server.wait()

    print(f"machine: {os.cpu_count()} cores")
    print(f"in-process docgen.render              {in_process:7.0f} documents/s")
    for workers, (serial, parallel) in results.items():
        print(f"HTTP, {workers} server worker(s), 1 client   {serial:7.0f} documents/s  "
              f"({serial / in_process:.2f} of in-process)")
        print(f"HTTP, {workers} server worker(s), 4 clients  {parallel:7.0f} documents/s  "
              f"({parallel / in_process:.2f} of in-process)")


if __name__ == "__main__":
    main()
