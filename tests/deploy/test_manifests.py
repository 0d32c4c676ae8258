"""The container image and Kubernetes manifests, checked offline (no cluster, no Docker daemon).

The checks live in k8s_checks.py; every test here calls them, including the tests that break a copy of
the manifests on purpose and expect the same checks to say what is wrong.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.deploy import k8s_checks as kc

OVERLAYS = ("dev", "prod")


@pytest.fixture(scope="module")
def rendered() -> dict[str, list[dict[str, Any]]]:
    """Each overlay (and the base) rendered once by `kubectl kustomize`."""
    out = {name: kc.kustomize_build(kc.K8S_DIR / "overlays" / name) for name in OVERLAYS}
    out["base"] = kc.kustomize_build(kc.K8S_DIR / "base")
    return out


def _namespace(objs: list[dict[str, Any]]) -> str:
    return kc.by_kind(objs, "Namespace")[0]["metadata"]["name"]


# --- the real tree ---------------------------------------------------------------------------------


def test_kubectl_is_the_wheels_binary() -> None:
    assert Path(kc.find_kubectl()).is_file()


def test_every_manifest_parses() -> None:
    assert kc.parse_problems(kc.K8S_DIR) == []


def test_every_manifest_is_used_by_a_kustomization() -> None:
    assert kc.unreferenced_file_problems(kc.K8S_DIR) == []


def test_schema_version_is_the_newest_shipped() -> None:
    versions = kc.kubernetes_validate.utils.all_versions()
    assert kc.kubernetes_version() == versions[-1]


@pytest.mark.parametrize("name", [*OVERLAYS, "base"])
def test_every_object_validates_strictly(rendered: dict[str, list[dict[str, Any]]], name: str) -> None:
    objs = rendered[name]
    assert objs, f"{name} rendered nothing"
    assert kc.schema_problems(objs) == []


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_containers_have_resources_probes_and_run_non_root(rendered, overlay: str) -> None:
    assert kc.container_problems(rendered[overlay]) == []


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_services_hpas_and_pdbs_point_at_real_workloads(rendered, overlay: str) -> None:
    assert kc.service_problems(rendered[overlay]) == []


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_service_reads_only_its_own_database_secret(rendered, overlay: str) -> None:
    assert kc.secret_problems(rendered[overlay]) == []


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_commands_bind_addresses_targets_and_otlp_endpoint(rendered, overlay: str) -> None:
    assert kc.config_problems(rendered[overlay]) == []


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_network_policies_allow_exactly_the_intended_traffic(rendered, overlay: str) -> None:
    objs = rendered[overlay]
    assert kc.network_policy_problems(objs, _namespace(objs)) == []


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_specifics(rendered, overlay: str) -> None:
    assert kc.overlay_problems(rendered[overlay], overlay) == []


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_database_connections_fit_at_maximum_scale(rendered, overlay: str) -> None:
    assert kc.connection_budget_problems(rendered[overlay]) == []


def test_network_policy_evaluator_sees_the_graph(rendered) -> None:
    """Spot checks of the evaluator itself, so a bug in it cannot make the comparison vacuous."""
    objs = rendered["prod"]
    traffic = kc.allowed_traffic(objs, _namespace(objs))
    allowed = traffic.egress & traffic.ingress
    assert ("gateway", "triage", "TCP", 50062) in allowed
    assert ("compensation", "evidence", "TCP", 50065) in allowed
    assert ("ingress-controller", "intake", "TCP", 50051) in traffic.ingress
    assert ("ingress-controller", "intake", "TCP", 50061) not in traffic.ingress
    assert ("triage", "intake-db", "TCP", 5432) not in traffic.egress
    assert ("triage", "intake-db", "TCP", 5432) not in traffic.ingress
    assert ("impostor", "triage", "TCP", 50062) not in traffic.ingress
    assert ("internet", "gateway", "TCP", 8080) not in traffic.ingress
    assert ("evidence", "internet", "TCP", 443) not in traffic.egress
    assert ("triage-migrate", "triage-db", "TCP", 5432) in allowed


def test_dev_and_prod_differ_where_they_should(rendered) -> None:
    dev, prod = rendered["dev"], rendered["prod"]
    assert {c["spec"]["instances"] for c in kc.by_kind(dev, "Cluster")} == {1}
    assert {c["spec"]["instances"] for c in kc.by_kind(prod, "Cluster")} == {3}
    assert {h["spec"]["maxReplicas"] for h in kc.by_kind(dev, "HorizontalPodAutoscaler")} == {1}
    assert min(h["spec"]["minReplicas"] for h in kc.by_kind(prod, "HorizontalPodAutoscaler")) >= 2
    assert kc.by_kind(dev, "ObjectStore") == []
    assert len(kc.by_kind(prod, "ScheduledBackup")) == len(kc.SERVICES)


def test_dockerfile() -> None:
    assert kc.dockerfile_problems(kc.DOCKERFILE.read_text()) == []


def test_dockerignore() -> None:
    assert kc.dockerignore_problems(kc.DOCKERIGNORE.read_text()) == []


# --- deliberately broken copies: the same checks must report them ------------------------------------


def _replace(rel: str, old: str, new: str, count: int = 1) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        path = root / rel
        text = path.read_text()
        assert text.count(old) >= count, f"{rel} no longer contains {old!r}: update this test"
        path.write_text(text.replace(old, new, count))

    return apply


def _drop_block(rel: str, first_line: str, n_lines: int) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        path = root / rel
        lines = path.read_text().splitlines(keepends=True)
        i = next(i for i, line in enumerate(lines) if line.strip() == first_line)
        path.write_text("".join(lines[:i] + lines[i + n_lines :]))

    return apply


# case -> (overlay rendered, breakages applied to a copy of deploy/k8s, fragments the checks must report).
# Several independent breakages share one case (and one render) when each is reported by its own line.
BROKEN: dict[str, tuple[str, list[Callable[[Path], None]], list[str]]] = {
    # A misspelled field is rejected by the strict schema, and the probe it was meant to be is missing.
    "misspelled-probe-field": (
        "dev",
        [_replace("base/triage/deployment.yaml", "readinessProbe:", "readynessProbe:")],
        ["'readynessProbe' was unexpected", "Deployment/triage container triage: no readinessProbe"],
    ),
    "missing-liveness-probe": (
        "prod",
        [_drop_block("base/gateway/deployment.yaml", "livenessProbe:", 7)],
        ["Deployment/gateway container gateway: no livenessProbe"],
    ),
    "misspelled-crd-field": (
        "prod",
        [_replace("base/evidence/database.yaml", "enableSuperuserAccess:", "enableSuperUserAccess:")],
        ["Cluster/evidence-db: Additional properties are not allowed ('enableSuperUserAccess' was unexpected)"],
    ),
    "another-services-database": (
        "prod",
        [_replace("base/triage/deployment.yaml", "name: triage-db-app", "name: compensation-db-app")],
        ["Deployment/triage: reads secret compensation-db-app, which is not triage's"],
    ),
    "no-default-deny": (
        "prod",
        [_replace("base/common/kustomization.yaml", "  - networkpolicy-default-deny.yaml\n", "")],
        ["NetworkPolicy: no default deny"],
    ),
    "database-open-to-every-service": (
        "prod",
        [
            _replace(
                "base/intake/networkpolicy.yaml",
                "app.kubernetes.io/name: intake\n      ports:\n        - protocol: TCP\n          port: 5432",
                "app.kubernetes.io/part-of: kintsugi\n      ports:\n        - protocol: TCP\n          port: 5432",
            )
        ],
        ["(ingress side) allows triage -> intake-db TCP/5432", "(ingress side) allows gateway -> intake-db TCP/5432"],
    ),
    "hygiene": (
        "dev",
        [
            _replace("base/compensation/deployment.yaml", "runAsNonRoot: true", "runAsNonRoot: false", 2),
            _replace("base/evidence/service.yaml", "    - name: grpc\n      port", "    - port"),
            _replace(
                "base/intake/deployment.yaml", "terminationGracePeriodSeconds: 45", "terminationGracePeriodSeconds: 20"
            ),
            _replace(
                "base/triage/kustomization.yaml",
                "KINTSUGI_EVIDENCE_TARGET=evidence:50065",
                "KINTSUGI_EVIDENCE_TARGET=evidence:50066",
            ),
            _replace(
                "base/gateway/deployment.yaml",
                "valueFrom:\n                secretKeyRef:\n                  name: gateway-jwt\n"
                "                  key: secret",
                'value: "a-literal-value-that-should-be-a-secret-0123456789"',
            ),
        ],
        [
            "Deployment/compensation container compensation: runAsNonRoot is not true",
            "Service/evidence: port 50065 has no name",
            "Deployment/intake: terminationGracePeriodSeconds 20 does not exceed",
            "KINTSUGI_EVIDENCE_TARGET=evidence:50066 should be evidence:50065",
            "Deployment/gateway: KINTSUGI_JWT_SECRET is a literal value",
        ],
    ),
    "prod-tag-small-databases-no-limits": (
        "prod",
        [
            _drop_block("base/supplier-audit/deployment.yaml", "limits:", 3),
            _replace(
                "base/evidence/kustomization.yaml",
                "KINTSUGI_EVIDENCE_DB_POOL_SIZE=5",
                "KINTSUGI_EVIDENCE_DB_POOL_SIZE=10",
            ),
            _replace(
                "overlays/prod/kustomization.yaml",
                "digest: sha256:0000000000000000000000000000000000000000000000000000000000000000",
                "newTag: latest",
            ),
            _replace(
                "overlays/prod/kustomization.yaml",
                "path: /spec/instances\n        value: 3",
                "path: /spec/instances\n        value: 1",
            ),
        ],
        [
            "Deployment/supplier-audit container supplier-audit: no resources.limits.cpu",
            "Deployment/supplier-audit container supplier-audit: no resources.limits.memory",
            "is not pinned by digest",
            "has no fixed tag or digest",
            "prod: Cluster/triage-db has 1 instances, expected 3",
            "evidence: 11 pods x 20 connections + 1 exceed evidence-db's max_connections minus 10 (190)",
        ],
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_checks_report_a_broken_manifest(tmp_path: Path, rendered, case: str) -> None:
    """The unbroken tree passes every check (the tests above); each breakage must be named."""
    overlay, breakages, expected = BROKEN[case]
    root = tmp_path / "k8s"
    shutil.copytree(kc.K8S_DIR, root)
    for breakage in breakages:
        breakage(root)
    problems = kc.overlay_check(root / "overlays" / overlay, overlay)
    for fragment in expected:
        assert any(fragment in p for p in problems), f"{fragment!r} not reported; got:\n" + "\n".join(problems)


def test_overlay_check_of_the_real_tree_is_clean(rendered) -> None:
    for overlay in OVERLAYS:
        assert kc.overlay_check(kc.K8S_DIR / "overlays" / overlay, overlay) == []


def test_a_manifest_that_does_not_parse_is_reported(tmp_path: Path) -> None:
    root = tmp_path / "k8s"
    shutil.copytree(kc.K8S_DIR, root)
    _replace("base/evidence/hpa.yaml", "  minReplicas: 2", "  minReplicas: [2")(root)
    assert any("base/evidence/hpa.yaml: does not parse" in p for p in kc.parse_problems(root))
    with pytest.raises(kc.KustomizeError):
        kc.overlay_check(root / "overlays" / "dev", "dev")


def test_a_forgotten_manifest_is_reported(tmp_path: Path) -> None:
    root = tmp_path / "k8s"
    shutil.copytree(kc.K8S_DIR, root)
    (root / "base" / "triage" / "extra.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n")
    assert kc.unreferenced_file_problems(root) == ["base/triage/extra.yaml: not referenced by any kustomization"]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("USER 10001:10001", "USER root", "is not a numeric non-root uid"),
        ("USER 10001:10001", "", "final stage has no USER"),
        (
            'CMD ["python", "-m", "gateway"]',
            'HEALTHCHECK CMD curl -f http://localhost:8080/healthz\nCMD ["python"]',
            "HEALTHCHECK",
        ),
        (
            "COPY --from=builder /opt/venv /opt/venv",
            "RUN apt-get update && apt-get install -y gcc\nCOPY --from=builder /opt/venv /opt/venv",
            "final stage runs gcc",
        ),
        ("    PYTHONFAULTHANDLER=1 \\\n", "", None),  # harmless edit: still clean
        (
            "PYTHONDONTWRITEBYTECODE=1 \\\n    PYTHONUNBUFFERED=1 \\\n    PYTHONFAULTHANDLER",
            "PYTHONFAULTHANDLER",
            "PYTHONDONTWRITEBYTECODE",
        ),
    ],
)
def test_dockerfile_checks_report_a_broken_dockerfile(old: str, new: str, expected: str | None) -> None:
    text = kc.DOCKERFILE.read_text()
    assert old in text
    problems = kc.dockerfile_problems(text.replace(old, new))
    if expected is None:
        assert problems == []
    else:
        assert any(expected in p for p in problems), problems


def test_dockerignore_checks_report_a_leaky_context() -> None:
    text = kc.DOCKERIGNORE.read_text()
    problems = kc.dockerignore_problems(text.replace("*\n", "", 1) + "!.venv\n")
    assert any("does not start by excluding everything" in p for p in problems)
    assert any(".venv is in the build context" in p for p in problems)
