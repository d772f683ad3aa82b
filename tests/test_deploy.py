"""deploy/: every Kubernetes manifest is valid against the API's schema, and says what docgen needs.

The validator is kubernetes-validate (PyPI): it bundles the JSON schemas generated from the
Kubernetes OpenAPI definitions for each release, so it validates offline (no cluster, no
download; jsonschema with a registry built from the bundled files). We check against the newest
release it bundles, in strict mode: an unknown field (a misspelt `readinessProbe`, a field in the
wrong place) is an error, not silently ignored as `kubectl apply` would do.
"""

from __future__ import annotations

import json
import os
import shlex
import stat
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

from docgen.batch import Shard
from docgen.cli import cli

from conftest import ROOT, load_example

DEPLOY = ROOT / "deploy"
MANIFESTS = sorted(DEPLOY.glob("*.yaml"))
KUBERNETES = "1.37.0"  # the newest release kubernetes-validate 1.37 bundles; raise with the library


def load(name: str) -> list[dict[str, Any]]:
    return [doc for doc in YAML(typ="safe").load_all((DEPLOY / name).read_text(encoding="utf-8")) if doc]


def one(name: str, kind: str) -> dict[str, Any]:
    docs = [doc for doc in load(name) if doc["kind"] == kind]
    assert len(docs) == 1, f"{name}: expected one {kind}"
    return docs[0]


def container(spec: dict[str, Any]) -> dict[str, Any]:
    containers = spec["template"]["spec"]["containers"]
    assert len(containers) == 1
    return containers[0]


def test_the_schemas_are_bundled() -> None:
    assert KUBERNETES in kubernetes_validate.utils.all_versions()


def test_every_manifest_is_there() -> None:
    assert {p.name for p in MANIFESTS} == {"deployment.yaml", "service.yaml", "hpa.yaml", "batch-job.yaml"}


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_manifest_is_valid_kubernetes(path: Path) -> None:
    documents = load(path.name)
    assert documents
    for document in documents:
        try:
            version = kubernetes_validate.validate(document, KUBERNETES, strict=True)
        except kubernetes_validate.ValidationError as exc:
            where = ".".join(str(p) for p in exc.path)
            pytest.fail(f"{path.name}: {document['kind']} at {where}: {exc.message}")
        except kubernetes_validate.SchemaNotFoundError as exc:  # never a silent pass for an unknown kind
            pytest.fail(f"{path.name}: {exc.message}")
        assert version == KUBERNETES.rsplit(".", 1)[0]


def test_the_validator_does_catch_mistakes() -> None:
    deployment = one("deployment.yaml", "Deployment")
    container(deployment["spec"])["readinesProbe"] = {"httpGet": {"path": "/ready", "port": 8000}}  # misspelt
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES, strict=True)
    job = one("batch-job.yaml", "Job")
    job["spec"]["completions"] = "four"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(job, KUBERNETES, strict=True)


def test_deployment_serves_with_probes_limits_and_a_read_only_root() -> None:
    deployment = one("deployment.yaml", "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    c = container(deployment["spec"])
    assert [*c["command"], *c["args"]][:2] == ["docgen", "serve"]
    args = c["args"]
    assert args[args.index("--host") + 1] == "0.0.0.0" and args[args.index("--workers") + 1] == "2"
    port = int(args[args.index("--port") + 1]) if "--port" in args else 8000
    assert c["ports"] == [{"name": "http", "containerPort": port}]
    assert c["livenessProbe"]["httpGet"] == {"path": "/health", "port": "http"}
    assert c["readinessProbe"]["httpGet"] == {"path": "/ready", "port": "http"}
    assert c["resources"] == {"requests": {"cpu": "1", "memory": "512Mi"}, "limits": {"memory": "1536Mi"}}
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["terminationGracePeriodSeconds"] == 30
    assert c["securityContext"]["readOnlyRootFilesystem"] is True
    tmp = {m["name"] for m in c["volumeMounts"] if m["mountPath"] == "/tmp"}
    assert tmp and all("emptyDir" in v for v in pod["volumes"] if v["name"] in tmp)
    env = {e["name"]: e.get("value") for e in c["env"]}
    assert env["HOME"].startswith("/tmp") and env["DOCGEN_CACHE_DIR"].startswith("/tmp")  # writable places only
    assert c["image"] == "ghcr.io/example/docgen:VERSION"


def test_service_and_autoscaler_point_at_the_deployment() -> None:
    deployment = one("deployment.yaml", "Deployment")
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    service = one("service.yaml", "Service")
    assert service["spec"]["selector"].items() <= labels.items()
    port = container(deployment["spec"])["ports"][0]
    assert service["spec"]["ports"][0]["targetPort"] in (port["name"], port["containerPort"])
    hpa = one("hpa.yaml", "HorizontalPodAutoscaler")
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                             "name": deployment["metadata"]["name"]}
    cpu = [m["resource"] for m in hpa["spec"]["metrics"] if m["type"] == "Resource"]
    assert cpu == [{"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}]


def _job_script() -> tuple[dict[str, Any], str]:
    job = one("batch-job.yaml", "Job")
    c = container(job["spec"])
    assert c["command"][:2] == ["sh", "-c"] and len(c["command"]) == 3
    return job, c["command"][2]


def test_job_is_indexed_and_its_shards_match_its_completions() -> None:
    job, script = _job_script()
    spec = job["spec"]
    assert spec["completionMode"] == "Indexed" and spec["completions"] == spec["parallelism"] == 4
    args = shlex.split(script)
    assert args[:3] == ["exec", "docgen", "batch"] and args[3:6] == ["/data/in", "-o", "/data/out"]
    assert args[args.index("--shard") + 1] == f"$((JOB_COMPLETION_INDEX+1))/{spec['completions']}"
    pod = spec["template"]["spec"]
    claims = [v["persistentVolumeClaim"]["claimName"] for v in pod["volumes"] if "persistentVolumeClaim" in v]
    assert claims == ["docgen-data"]
    assert {m["mountPath"] for m in container(spec)["volumeMounts"]} >= {"/data", "/tmp"}
    assert pod["restartPolicy"] == "Never" and pod["securityContext"]["runAsNonRoot"] is True


@pytest.mark.skipif(os.name != "posix", reason="runs the Job's command with sh")
def test_job_pods_together_write_what_one_run_writes(tmp_path: Path) -> None:
    """The Job's own command, run by sh as each pod would run it (JOB_COMPLETION_INDEX 0…3),
    with /data pointing at a test folder: every shard once, and the shards' union is one run."""
    job, script = _job_script()
    fake = tmp_path / "bin" / "docgen"  # stands in for the image's docgen: prints its arguments
    fake.parent.mkdir()
    fake.write_text('#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done\n', encoding="utf-8")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    data = tmp_path / "data"
    (data / "in").mkdir(parents=True)
    for i in range(9):
        record = load_example("concern_receipt.nb.json")
        record["case"]["pupil"]["name"] = f"Elev {i}"
        (data / "in" / f"r{i}.json").write_text(json.dumps(record), encoding="utf-8")

    shards = set()
    for index in range(job["spec"]["completions"]):
        env = {**os.environ, "PATH": f"{fake.parent}{os.pathsep}{os.environ['PATH']}",
               "JOB_COMPLETION_INDEX": str(index)}
        ran = subprocess.run(["sh", "-c", script], env=env, capture_output=True, text=True, check=True)
        args = ran.stdout.splitlines()
        shard = Shard.parse(args[args.index("--shard") + 1])
        shards.add((shard.index, shard.count))
        assert args[0] == "batch"
        args = [a.replace("/data", str(data)) for a in args]
        result = CliRunner().invoke(cli, args, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        assert (data / "out").is_dir()
    assert shards == {(k, 4) for k in range(1, 5)}
    outputs = {p.name: p.read_bytes() for p in (data / "out").glob("*.docx")}
    single = tmp_path / "single"
    CliRunner().invoke(cli, ["batch", str(data / "in"), "-o", str(single), "--shard", "1/1", "--workers", "1"])
    assert outputs == {p.name: p.read_bytes() for p in single.glob("*.docx")} and len(outputs) == 9
