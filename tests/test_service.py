"""The service at scale (issue 16): the resident LibreOffice pool (restart after a crash, a hung
office timed out while the others finish, nothing left after shutdown), /ready, Prometheus
metrics without personal data, graceful SIGTERM, JSON logs, the header limit under httptools."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from conftest import free_port, load_example, needs_soffice, processes_using
from fastapi.testclient import TestClient

from docgen import render
from docgen.office import Office, find_uno_python
from docgen.doctypes import DOCTYPES
from docgen.formats import FORMATS
from docgen.server import PdfConverters, create_app

needs_uno = pytest.mark.skipif(find_uno_python() is None, reason="needs LibreOffice and python3-uno")
PUPIL = "Metrikka Personvernsen"


def plan() -> dict:
    record = load_example("activity_plan.nb.json")
    record["case"]["pupil"]["name"] = PUPIL
    return record


# ---------------------------------------------------------------- the resident pool


@needs_soffice
@needs_uno
def test_a_killed_office_is_restarted_and_converts() -> None:
    python = find_uno_python()
    assert python is not None
    office = Office(python)
    docx = render(plan())
    try:
        first = office.convert(docx, FORMATS["pdf"])
        assert first.startswith(b"%PDF-") and office.starts == 1
        office.kill()  # as a crash would
        time.sleep(0.2)
        assert not office.alive
        again = office.convert(docx, FORMATS["pdfa"])
        assert again.startswith(b"%PDF-") and office.starts == 2 and office.alive
    finally:
        office.close()
    assert not office.alive


@needs_soffice
@needs_uno
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_a_hung_office_is_timed_out_and_reported_while_the_other_finishes() -> None:
    pool = PdfConverters(size=2, queue=0)
    pool.start()
    assert pool.mode == "resident" and pool.ready
    docx = render(plan())
    hung = pool._offices[0]
    assert hung._proc is not None
    os.killpg(hung._proc.pid, signal.SIGSTOP)  # the office stops answering
    try:
        with ThreadPoolExecutor(2) as run:
            stuck = run.submit(pool._convert, 0, docx, "pdf", 3.0)
            fine = run.submit(pool._convert, 1, docx, "pdf", 60.0)
            assert fine.result().startswith(b"%PDF-")
            with pytest.raises(Exception, match="did not finish within 3 s"):
                stuck.result()
        deadline = time.monotonic() + 60  # restarted in the background
        while not pool.ready and time.monotonic() < deadline:
            time.sleep(0.1)
        assert pool.ready and hung.starts == 2
        assert pool._convert(0, docx, "pdf", 60.0).startswith(b"%PDF-")
    finally:
        pool.close()
    assert not any(office.alive for office in pool._offices)


def test_without_libreoffice_only_docx_is_served_and_the_service_is_ready(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCGEN_SOFFICE", "/nonexistent/soffice")
    with TestClient(create_app()) as client:
        deadline = time.monotonic() + 10
        while (answer := client.get("/ready")).status_code != 200 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert answer.json()["pdf"] == "missing"
        assert client.post("/documents/activity_plan", json=plan()).status_code == 200
        refused = client.post("/documents/activity_plan?format=pdf", json=plan())
        assert refused.status_code == 503 and "soffice" in refused.json()["detail"]


# ---------------------------------------------------------------- metrics


def samples(text: str, name: str) -> dict[frozenset[tuple[str, str]], float]:
    found = {}
    for line in text.splitlines():
        match = re.fullmatch(rf"{name}\{{(.*)\}} (\S+)", line)
        if match:
            labels = frozenset(re.findall(r'(\w+)="([^"]*)"', match.group(1)))
            found[labels] = float(match.group(2))
    return found


def test_metrics_count_documents_and_errors_and_hold_no_record_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCGEN_SOFFICE", "/nonexistent/soffice")  # docx only: no converter starts
    with TestClient(create_app()) as client:
        before = client.get("/metrics").text
        assert client.post("/documents/activity_plan?lang=nb", json=plan()).status_code == 200
        broken = plan()
        broken["measures"] = PUPIL
        assert client.post("/documents/activity_plan", json=broken).status_code == 422
        assert client.post("/documents/activity_plan", content=b"{", headers={"Content-Type": "application/json"}
                           ).status_code == 400
        after = client.get("/metrics")
    assert after.status_code == 200 and after.headers["content-type"].startswith("text/plain")
    text = after.text
    key = frozenset({("type", "activity_plan"), ("lang", "nb"), ("format", "docx")})
    assert samples(text, "docgen_documents_total")[key] == samples(before, "docgen_documents_total").get(key, 0) + 1
    errors = samples(text, "docgen_errors_total")
    for kind in ("invalid_record", "bad_request"):
        key = frozenset({("kind", kind)})
        assert errors[key] == samples(before, "docgen_errors_total").get(key, 0) + 1
    assert samples(text, "docgen_render_seconds_count")[frozenset({("type", "activity_plan")})] >= 1
    # Every label value comes from a closed set: no record value can be in one.
    allowed = {*DOCTYPES, "unknown", "nb", "nn", "da", *FORMATS, "template", "conversion", "internal", "busy",
               "bad_request", "unauthorized", "not_found", "too_large", "timeout", "unsupported_media_type",
               "invalid_record"}
    ours = "\n".join(line for line in text.splitlines() if line.startswith("docgen_"))
    for name, value in re.findall(r'(\w+)="([^"]*)"', ours):
        if name == "le":
            assert value == "+Inf" or float(value) >= 0
        else:
            assert value in allowed, (name, value)
    assert "Metrikka" not in text and "Personvernsen" not in text


# ---------------------------------------------------------------- the served process


def serve(*args: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen, str, Path]:
    port = free_port()
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"docgen-serve-{port}.log"
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "docgen", "serve", "--port", str(port), *args],
                                stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/ready", timeout=1).status_code == 200:
                return proc, base, log
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"the server did not get ready:\n{log.read_text()}")


@needs_soffice
@needs_uno
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_sigterm_lets_requests_in_flight_finish_then_leaves_no_libreoffice() -> None:
    proc, base, log = serve("--log-format", "json")
    try:
        marker = f"docgen-lo-{proc.pid}-"
        assert processes_using(marker), "the converter was not started with the service"
        results: list[int] = []

        def post(fmt: str) -> None:
            response = httpx.post(f"{base}/documents/activity_plan?format={fmt}", json=plan(), timeout=60)
            results.append(response.status_code)

        threads = [threading.Thread(target=post, args=(fmt,)) for fmt in ("pdf", "pdfa", "odt", "docx")]
        for thread in threads:
            thread.start()
        time.sleep(0.15)  # all four are in flight: three wait for the one converter
        proc.send_signal(signal.SIGTERM)
        for thread in threads:
            thread.join(60)
        assert proc.wait(60) in (0, -signal.SIGTERM)  # uvicorn re-raises the signal after its shutdown
        assert results.count(200) == 4, results
        assert "Application shutdown complete" in log.read_text()
        time.sleep(0.5)
        assert not processes_using(marker), "LibreOffice outlived the service"
        assert not list(Path(os.environ.get("TMPDIR", "/tmp")).glob(f"{marker}*"))
    finally:
        if proc.poll() is None:
            proc.kill()
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    access = [line for line in lines if line["logger"] == "uvicorn.access"]
    assert {line["status"] for line in access if line["method"] == "POST"} == {200}
    assert all({"time", "level", "message"} <= line.keys() for line in lines)
    assert PUPIL.split()[0] not in log.read_text()


def test_headers_beyond_the_limit_are_refused() -> None:
    proc, base, _ = serve(env={"DOCGEN_SOFFICE": "/nonexistent/soffice"})
    try:
        port = int(base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n" + b"X-Junk: " + b"a" * 20_000 + b"\r\n\r\n")
            answer = sock.recv(4096)
        assert answer.startswith(b"HTTP/1.1 4"), answer[:40]
        assert httpx.get(f"{base}/health").status_code == 200  # the server lives on
    finally:
        proc.terminate()
        proc.wait(30)
