"""The HTTP service, through a real uvicorn on a loopback port."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from conftest import EXAMPLES, ROOT, all_text, docgen_server, load_example, needs_soffice, open_docx

TOKEN = "test-token-6c1f0e"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    """`docgen serve` as users start it; its log is kept to check what it writes."""
    log = tmp_path_factory.mktemp("server") / "server.log"
    with docgen_server(log, "--max-body", "200000", env={"DOCGEN_API_TOKEN": TOKEN}) as (base, _):
        yield base, log


def post(base: str, path: str, body: bytes | dict | str, content_type: str = "application/json", **kw):
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    return httpx.post(f"{base}{path}", content=data, headers={**AUTH, "Content-Type": content_type}, timeout=60, **kw)


def test_health_needs_no_token(server) -> None:
    base, _ = server
    response = httpx.get(f"{base}/health")
    assert response.status_code == 200 and response.json()["status"] == "ok"


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}])
def test_everything_else_needs_the_token(server, headers: dict) -> None:
    base, _ = server
    response = httpx.get(f"{base}/document-types", headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == "Bearer"


def test_document_types_and_schemas(server) -> None:
    base, _ = server
    types = httpx.get(f"{base}/document-types", headers=AUTH).json()["document_types"]
    assert {t["type"] for t in types} == {"activity_plan", "concern_receipt", "best_interest", "strategy"}
    for entry in types:
        assert entry["languages"] == ["nb", "nn", "da"]
        schema = httpx.get(entry["schema"], headers=AUTH).json()
        committed = json.loads((ROOT / "schemas" / f"{entry['type']}.schema.json").read_text(encoding="utf-8"))
        assert schema == committed


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_render_every_example(server, path: Path) -> None:
    base, _ = server
    record = json.loads(path.read_text(encoding="utf-8"))
    response = post(base, f"/documents/{record['type']}", path.read_bytes())
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="{record["type"]}-{record["lang"]}-{record["document_date"]}.docx"'
    )
    name = record["case"]["pupil"]["name"] if "case" in record else record["school"]["name"]
    assert name in all_text(open_docx(response.content))


def test_language_from_the_query(server) -> None:
    base, _ = server
    refused = post(base, "/documents/activity_plan?lang=nn", load_example("activity_plan.nb.json"))
    assert refused.status_code == 422 and refused.json()["errors"][0]["path"] == "lang"
    response = post(base, "/documents/activity_plan?lang=nn&translate=true", load_example("activity_plan.nb.json"))
    assert response.status_code == 200
    assert open_docx(response.content).core_properties.language == "nn-NO"


def test_validate_reports_by_field_path(server) -> None:
    base, _ = server
    record = load_example("activity_plan.nb.json")
    record["measures"][2]["evaluation_date"] = "2026-12-01"
    record["measures"][0]["evaluation_date"] = "2027-03-01"
    body = post(base, "/validate/activity_plan", record).json()
    assert body["ok"] is False
    assert body["errors"] == [{"path": "measures[2].evaluation_date",
                               "message": "the evaluation cannot come before the measure starts", "severity": "error"}]
    assert [w["path"] for w in body["warnings"]] == ["measures[0].evaluation_date"]


@pytest.mark.parametrize(
    "path, body, content_type, status, detail",
    [
        ("/documents/activity_plan", {"type": "activity_plan", "lang": "nb"}, "application/json", 422, None),
        ("/documents/activity_plan", b'{"type": ', "application/json", 400, "not valid JSON"),
        ("/documents/activity_plan", b"[1, 2]", "application/json", 400, "JSON object"),
        ("/documents/activity_plan", b"x" * 200_001, "application/json", 413, "larger than 200000 bytes"),
        ("/documents/activity_plan", b"{}", "text/plain", 415, "as JSON"),
        ("/documents/nope", {}, "application/json", 404, "unknown document type 'nope'"),
        ("/documents/activity_plan?lang=sv", {}, "application/json", 404, "not available in 'sv'"),
        ("/documents/activity_plan?format=rtf", {}, "application/json", 400, "format must be"),
    ],
)
def test_errors_are_problem_json(server, path, body, content_type, status, detail) -> None:
    base, _ = server
    response = post(base, path, body, content_type)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == status and problem["title"]
    if detail:
        assert detail in problem["detail"]
    if status == 422:
        assert {"path": "school", "message": "is required but missing", "severity": "error"} in problem["errors"]


def test_logs_hold_neither_records_nor_the_token(server) -> None:
    base, log = server
    record = load_example("activity_plan.nb.json")
    record["case"]["pupil"]["name"] = "Loggtest Hemmeligsen"
    assert post(base, "/documents/activity_plan", record).status_code == 200
    record["measures"] = "Loggtest Hemmeligsen"
    assert post(base, "/documents/activity_plan", record).status_code == 422
    time.sleep(0.2)
    text = log.read_text()
    assert 'INFO:     127.0.0.1:' in text and '"POST /documents/activity_plan HTTP/1.1" 200 OK' in text  # uvicorn's line
    assert '"POST /documents/activity_plan HTTP/1.1" 422 Unprocessable ' in text
    assert "Hemmeligsen" not in text and TOKEN not in text


@needs_soffice
def test_health_answers_while_pdfs_render(server) -> None:
    """Rendering runs off the event loop: /health answers before slow PDF renders finish."""
    base, _ = server
    done: list[float] = []

    def render_pdf() -> None:
        response = post(base, "/documents/activity_plan?format=pdf", load_example("activity_plan.nb.json"))
        assert response.status_code == 200 and response.content[:5] == b"%PDF-"
        done.append(time.monotonic())

    threads = [threading.Thread(target=render_pdf) for _ in range(6)]  # one converter: they queue, ~0.1 s each
    for thread in threads:
        thread.start()
    time.sleep(0.1)
    assert httpx.get(f"{base}/health", timeout=30).status_code == 200
    answered = time.monotonic()
    for thread in threads:
        thread.join()
    assert len(done) == 6 and answered < max(done), "health waited for the renders"


def test_no_server_errors(server) -> None:
    """Whatever the OpenAPI document allows (and much it does not), the service never answers 5xx.

    schemathesis generates the requests from the served document; Hypothesis drives
    them directly (schemathesis's pytest plugin does not support this pytest).
    """
    from hypothesis import given

    base, _ = server
    schema = schemathesis.openapi.from_url(f"{base}/openapi.json", headers=AUTH)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 11  # every route is described
    failures: list[str] = []
    statuses: list[int] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def run(case) -> None:
            if case.query and case.query.get("format") not in (None, "docx"):
                case.query["format"] = "docx"  # LibreOffice's seconds per call would make this run for minutes
            response = case.call(headers=AUTH)
            statuses.append(response.status_code)
            if response.status_code >= 500:
                failures.append(f"{operation.label}: {response.status_code} {response.text[:200]}")

        run()
    assert failures == []
    assert len(statuses) >= 5 * len(operations), "schemathesis sent too few requests to mean anything"
    assert {200, 422} <= set(statuses)  # it reached both the happy path and validation


MAGIC = {"docx": b"PK", "odt": b"PK", "pdf": b"%PDF-", "pdfa": b"%PDF-", "pdfua": b"%PDF-", "pdfa1": b"%PDF-"}


@needs_soffice
@pytest.mark.parametrize("fmt", list(MAGIC))
def test_every_format_over_http(server, fmt: str) -> None:
    from docgen.formats import FORMATS

    base, _ = server
    record = load_example("concern_receipt.nb.json")
    response = post(base, f"/documents/concern_receipt?format={fmt}", record)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == FORMATS[fmt].content_type
    assert response.content.startswith(MAGIC[fmt])
    assert response.headers["content-disposition"].endswith(f'.{FORMATS[fmt].extension}"')


@needs_soffice
def test_metadata_answer_carries_the_file_and_its_metadata(server) -> None:
    import base64
    import hashlib

    base, _ = server
    record = load_example("activity_plan.nn.json")
    response = post(base, "/documents/activity_plan?format=pdfa&metadata=true", record)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    content = base64.b64decode(body["content"])
    assert content.startswith(b"%PDF-") and body["content_type"] == "application/pdf"
    meta = body["metadata"]
    assert meta["file"]["checksum"] == hashlib.sha256(content).hexdigest()
    assert meta["file"]["name"] == body["filename"] and meta["file"]["format"] == "pdfa"
    assert meta["public_title"] == "Aktivitetsplan – elev ved Fjellheim skule"
    assert record["case"]["pupil"]["name"] not in response.text


# Plain POST /documents/{type} requests take docgen's short lane past FastAPI's routing; encoded,
# repeated or unknown parameters go through FastAPI. Both must answer alike.
LANE_CASES = [
    ("", "?format=%64ocx"),
    ("?lang=nb&metadata=true", "?lang=n%62&metadata=true"),
    ("?lang=nb&metadata=1", "?lang=nb&metadata=TRUE"),
    ("?lang=fi", "?lang=f%69"),
    ("?format=tiff", "?format=tif%66"),
    ("?archive_copy=true", "?archive_copy=%74rue"),
]


@pytest.mark.parametrize(("plain", "encoded"), LANE_CASES)
def test_the_short_lane_answers_as_fastapi_does(server, plain: str, encoded: str) -> None:
    base, _ = server
    record = load_example("activity_plan.nb.json")
    answers = [post(base, f"/documents/activity_plan{query}", record) for query in (plain, encoded)]
    assert answers[0].status_code == answers[1].status_code
    assert answers[0].content == answers[1].content
    for header in ("content-type", "content-disposition", "cache-control", "x-content-type-options"):
        assert answers[0].headers.get(header) == answers[1].headers.get(header)


def test_the_short_lane_needs_the_token_and_leaves_bad_flags_to_fastapi(server) -> None:
    base, _ = server
    record = json.dumps(load_example("activity_plan.nb.json"))
    refused = httpx.post(f"{base}/documents/activity_plan?lang=nb", content=record,
                         headers={"Content-Type": "application/json"})
    assert refused.status_code == 401
    checked = post(base, "/documents/activity_plan?metadata=perhaps", record)
    assert checked.status_code == 422 and "metadata" in checked.text
