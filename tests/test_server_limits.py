"""The HTTP service under one heavy or slow client (issue 14): validation off the event loop,
a bounded PDF converter pool, timeouts for slow clients, headers on documents, no CDN /docs."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import stat
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from conftest import docgen_server, load_example, needs_soffice, tiny_pdf

from docgen.server import create_app
from docgen.settings import Limits

TOKEN = "limits-token-1f2e"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def client(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test", timeout=60)


def test_health_answers_while_a_huge_body_is_validated() -> None:
    # The body: 60,000 unknown keys, under the default 1 MB limit. Parsing and validating
    # it in a worker thread leaves the event loop free, but for the longest single C call
    # (json.loads, pydantic), which holds the GIL: /health may wait that long, never the whole time.
    body = json.dumps({**load_example("activity_plan.nb.json"),
                       **{f"k{i:05d}": 1 for i in range(60_000)}}).encode()
    assert 700_000 < len(body) < 1024 * 1024

    async def scenario() -> tuple[httpx.Response, list[float], float]:
        async with client(create_app()) as http:
            started = last = time.monotonic()
            task = asyncio.create_task(http.post("/validate/activity_plan", content=body,
                                                 headers={"Content-Type": "application/json"}))
            waits = []
            while not task.done():  # each round: /health, then a short pause; a blocked loop stretches it
                assert (await http.get("/health")).status_code == 200
                await asyncio.sleep(0.02)
                now = time.monotonic()
                waits.append(now - last)
                last = now
            return await task, waits, time.monotonic() - started

    response, waits, took = asyncio.run(scenario())
    assert response.status_code == 200 and response.json()["ok"] is False
    assert waits, f"validation took {took:.2f} s: too fast to measure /health against"
    assert max(waits) < min(0.5, 0.6 * took), \
        f"/health waited {max(waits):.2f} s while a body was validated ({took:.2f} s)"


def test_documents_and_problems_carry_no_store_and_nosniff() -> None:
    async def scenario() -> list[httpx.Response]:
        async with client(create_app()) as http:
            return [
                await http.post("/documents/activity_plan", json=load_example("activity_plan.nb.json")),
                await http.post("/documents/activity_plan", json={"type": "activity_plan"}),
                await http.post("/validate/activity_plan", json=load_example("activity_plan.nb.json")),
                await http.post("/documents/activity_plan", content=b"{", headers={"Content-Type": "application/json"}),
                await http.get("/nowhere"),
            ]

    document, invalid, checked, malformed, missing = asyncio.run(scenario())
    assert document.status_code == 200 and document.content[:2] == b"PK"
    statuses = invalid.status_code, checked.status_code, malformed.status_code, missing.status_code
    assert statuses == (422, 200, 400, 404)
    for response in (document, invalid, checked, malformed, missing):
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["x-content-type-options"] == "nosniff"


def test_docs_are_off_with_a_token() -> None:
    async def scenario(token: str | None) -> tuple[int, int]:
        async with client(create_app(token=token)) as http:
            docs = await http.get("/docs", headers=AUTH)
            spec = await http.get("/openapi.json", headers=AUTH)
            return docs.status_code, spec.status_code

    assert asyncio.run(scenario(TOKEN)) == (404, 200)
    assert asyncio.run(scenario(None)) == (200, 200)


def test_a_stalled_body_gets_408() -> None:
    async def stalled() -> AsyncIterator[bytes]:
        yield b'{"type": "activity_plan", '
        await asyncio.sleep(30)
        yield b"}"

    async def scenario() -> tuple[httpx.Response, float]:
        async with client(create_app(limits=Limits(body_timeout=0.3))) as http:
            t0 = time.monotonic()
            response = await http.post("/validate/activity_plan", content=stalled(),
                                       headers={"Content-Type": "application/json"})
            return response, time.monotonic() - t0

    response, took = asyncio.run(scenario())
    assert response.status_code == 408 and took < 5
    assert response.headers["content-type"] == "application/problem+json"


# ---------------------------------------------------------------- the PDF converter pool

FAKE_SOFFICE = r"""#!/bin/sh
# A stand-in for LibreOffice: logs its start and end, takes a while, writes a PDF per input.
echo "start $$" >> "{log}"
out=""
prev=""
for arg in "$@"; do
  if [ "$prev" = "--outdir" ]; then out="$arg"; fi
  prev="$arg"
done
sleep 1
mkdir -p "$out"
for arg in "$@"; do
  case "$arg" in *.docx) name=$(basename "$arg" .docx); cp "{pdf}" "$out/$name.pdf";; esac
done
echo "end $$" >> "{log}"
"""


def most_at_once(log: Path) -> int:
    running = most = 0
    for line in log.read_text().splitlines():
        running += 1 if line.startswith("start") else -1
        most = max(most, running)
    return most


def post_pdfs(app, count: int) -> list[httpx.Response]:
    record = load_example("activity_plan.nb.json")

    async def scenario() -> list[httpx.Response]:
        async with client(app) as http:
            try:
                return list(await asyncio.gather(*(http.post("/documents/activity_plan?format=pdf", json=record)
                                                   for _ in range(count))))
            finally:
                app.state.pdf_converters.close()

    return asyncio.run(scenario())


def test_pdf_requests_share_a_bounded_pool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "soffice.log"
    fake = tmp_path / "soffice"
    fake.write_text(FAKE_SOFFICE.replace("{log}", str(log)).replace("{pdf}", str(tiny_pdf(tmp_path))))
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("DOCGEN_SOFFICE", str(fake))
    monkeypatch.setenv("DOCGEN_UNO_PYTHON", "none")  # the pool's bounds, with a LibreOffice start per document

    responses = post_pdfs(create_app(limits=Limits(pdf_converters=1, pdf_queue=1)), 3)
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 200, 503], statuses
    busy = next(r for r in responses if r.status_code == 503)
    assert int(busy.headers["retry-after"]) >= 1
    assert busy.headers["content-type"] == "application/problem+json"
    assert all(r.content.startswith(b"%PDF") for r in responses if r.status_code == 200)
    assert most_at_once(log) == 1

    log.unlink()
    responses = post_pdfs(create_app(limits=Limits(pdf_converters=2, pdf_queue=0)), 4)
    assert sorted(r.status_code for r in responses) == [200, 200, 503, 503]
    assert most_at_once(log) == 2


def soffice_processes() -> set[int]:
    """LibreOffice processes descended from this one (read from /proc)."""
    parents: dict[int, int] = {}
    names: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            names[int(entry.name)] = (entry / "comm").read_text().strip()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
    me, found = os.getpid(), set()
    for pid, name in names.items():
        if name != "soffice.bin":
            continue
        ancestor = parents.get(pid, 0)
        while ancestor not in (0, 1, me):
            ancestor = parents.get(ancestor, 0)
        if ancestor == me:
            found.add(pid)
    return found


@needs_soffice
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="counts processes through /proc")
def test_real_libreoffice_runs_once_at_a_time() -> None:
    app = create_app(limits=Limits(pdf_converters=1, pdf_queue=1))
    seen: list[int] = []
    before = soffice_processes()  # converters other tests in this process may still keep warm

    async def watch(stop: asyncio.Event) -> None:
        while not stop.is_set():
            seen.append(len(await asyncio.to_thread(soffice_processes) - before))
            await asyncio.sleep(0.05)

    async def scenario() -> list[httpx.Response]:
        stop = asyncio.Event()
        watcher = asyncio.create_task(watch(stop))
        try:
            async with client(app) as http:
                record = load_example("activity_plan.nb.json")
                return list(await asyncio.gather(*(http.post("/documents/activity_plan?format=pdf", json=record)
                                                   for _ in range(3))))
        finally:
            stop.set()
            await watcher
            app.state.pdf_converters.close()

    responses = asyncio.run(scenario())
    assert sorted(r.status_code for r in responses) == [200, 200, 503]
    assert max(seen) <= 1, seen


# ---------------------------------------------------------------- slow clients, through uvicorn


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    log = tmp_path_factory.mktemp("server") / "server.log"
    env = {"DOCGEN_API_TOKEN": TOKEN, "DOCGEN_BODY_TIMEOUT": "0.5", "DOCGEN_HEADER_TIMEOUT": "0.5"}
    with docgen_server(log, env=env) as (_, port):
        yield port


def read_until_closed(sock: socket.socket, limit: float) -> tuple[bytes, float]:
    sock.settimeout(limit)
    t0, data = time.monotonic(), b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except TimeoutError:
        pytest.fail(f"the connection was still open after {limit} s; got {data[:200]!r}")
    return data, time.monotonic() - t0


def test_a_client_that_stalls_its_body_is_dropped(server) -> None:
    with socket.create_connection(("127.0.0.1", server)) as sock:
        sock.sendall(f"POST /validate/activity_plan HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n"
                     "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"type\": ".encode())
        data, took = read_until_closed(sock, 10)
    assert data.startswith(b"HTTP/1.1 408 "), data[:200]
    assert took < 5


def test_a_client_that_stalls_its_headers_is_dropped(server) -> None:
    with socket.create_connection(("127.0.0.1", server)) as sock:
        sock.sendall(b"POST /validate/activity_plan HTTP/1.1\r\nHost: x\r\n")
        data, took = read_until_closed(sock, 10)
    assert took < 5 and not data.startswith(b"HTTP/1.1 200")


def test_an_idle_connection_is_dropped(server) -> None:
    with socket.create_connection(("127.0.0.1", server)) as sock:
        _, took = read_until_closed(sock, 10)
    assert took < 5


def test_docs_are_off_when_served_with_a_token(server) -> None:
    response = httpx.get(f"http://127.0.0.1:{server}/docs", headers=AUTH)
    assert response.status_code == 404
    assert response.headers["x-content-type-options"] == "nosniff"


def test_the_lane_takes_plain_document_requests_and_passes_on_the_rest() -> None:
    """docgen.server.Lane, on its own: which requests reach the route's function directly."""
    import asyncio

    from docgen.middleware import Lane, plain_parameters

    assert plain_parameters(b"") == {}
    assert plain_parameters(b"lang=nb&format=pdf&metadata=1&translate=false") == {
        "lang": "nb", "format": "pdf", "metadata": True, "translate": False}
    for deferred in (b"lang=nb&lang=da", b"lang=n%62", b"lang=", b"metadata=yes", b"colour=red", b"format=a+b"):
        assert plain_parameters(deferred) is None, deferred

    seen: list[str] = []

    class Answer:
        async def __call__(self, scope, receive, send) -> None:
            seen.append("answered")

    async def handler(request, **params):
        seen.append(f"lane {sorted(params.items())}")
        return Answer()

    async def downstream(scope, receive, send) -> None:
        seen.append("fastapi")

    lane = Lane(downstream, {"activity_plan": handler})

    def call(method: str, path: str, query: bytes = b"") -> list[str]:
        seen.clear()
        scope = {"type": "http", "method": method, "path": path, "query_string": query, "root_path": "",
                 "headers": []}
        asyncio.run(lane(scope, None, None))
        return list(seen)

    assert call("POST", "/documents/activity_plan", b"lang=da") == ["lane [('lang', 'da')]", "answered"]
    assert call("POST", "/documents/activity_plan", b"lang=d%61") == ["fastapi"]
    assert call("POST", "/documents/strategy") == ["fastapi"]  # no handler given for it
    assert call("POST", "/documents/activity_plan/") == ["fastapi"]
    assert call("GET", "/documents/activity_plan") == ["fastapi"]
    assert call("POST", "/validate/activity_plan") == ["fastapi"]
