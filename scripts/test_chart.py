"""Tests charts/gateway-medic with the real Helm engine (the PyPI package helm-sdkpy embeds it).

1. Lint: the chart is linted for its default values and for each profile (remediation,
   allow-delete, dry-run, monitoring, dry-run with remediation, every ticket sink); a wrong value
   is refused by values.schema.json (each case must give a lint error on values.yaml).
   helm-sdkpy's lint takes no values, so a profile is linted as a copy of the chart whose
   values.yaml carries the profile's values merged in.
2. Render: helm-sdkpy has no `template`, so the chart is installed (wait off) into a recording
   stand-in for an API server on loopback that answers discovery and stores what it is sent.
   The stored objects of each profile must equal `kubectl kustomize` of the matching overlay of
   manifests/ (labels, the config checksum and kustomize's ConfigMap name hash aside), pass the
   same policy checks as manifests/ (scripts/manifest_policy.py), and the dry-run profile grants
   no write verb except on its Lease. A chart copy changed in one field must be caught (self-test).
   With a folder argument, each profile's objects are written there (test-chart.sh runs them
   through scripts/validate_manifests.py: Kubernetes schemas, the CRD schema, policy).

Run by `make test-chart` with .build-helm-venv/bin/python. Exits non-zero on any failure.
"""

from __future__ import annotations

import asyncio
import copy
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
CHART = ROOT / "charts" / "gateway-medic"
sys.path.insert(0, str(ROOT / "scripts"))
import manifest_policy  # noqa: E402

import helm_sdkpy as helm  # noqa: E402

NAMESPACE = "gateway-medic"

# profile name -> (values, the manifests/ kustomization it must equal, or None)
PROFILES = {
    "default": ({}, "manifests/base"),
    "remediation": ({"remediation": {"enabled": True}}, "manifests/overlays/remediation"),
    "allow-delete": ({"remediation": {"enabled": True, "allowDelete": True}},
                     "manifests/overlays/remediation-allow-delete"),
    "dry-run": ({"dryRun": True}, "manifests/overlays/dry-run"),
    "monitoring": ({"monitoring": {"serviceMonitor": True, "prometheusRule": True, "dashboard": True}},
                   "manifests/overlays/monitoring"),
    "dry-run-remediation": ({"dryRun": True, "remediation": {"enabled": True}}, None),
    "ticket-sinks": ({"tickets": {"configMaps": False, "folder": {"enabled": True},
                                  "webhook": {"url": "https://tickets.example/hook",
                                              "secret": {"name": "ticket-hook", "key": "token"}},
                                  "alertmanager": {"url": "https://alertmanager.monitoring.svc:9093",
                                                   "bearerTokenSecret": {"name": "am", "key": "token"},
                                                   "caConfigMap": {"name": "am-ca", "key": "ca.crt"}}},
                      "image": {"digest": "sha256:" + "a" * 64},
                      "nodeSelector": {"kubernetes.io/os": "linux"},
                      "tolerations": [{"key": "fabric", "operator": "Exists"}],
                      "extraArgs": ["--workers", "8"]}, None),
}

# Values the schema must refuse (each one alone on top of the defaults).
WRONG_VALUES = {
    "replicas as a word": {"replicas": "two"},
    "unknown key (typo)": {"remediaton": {"enabled": True}},
    "unknown pull policy": {"image": {"pullPolicy": "Sometimes"}},
    "namespace with capitals": {"fabricNamespace": "Default"},
    "allowDelete without remediation": {"remediation": {"allowDelete": True}},
    "two replicas without leader election": {"leaderElection": {"enabled": False}},
    "credentials in the webhook URL": {"tickets": {"webhook": {"url": "https://user:pw@hook.example"}}},
    "digest that is not sha256": {"image": {"digest": "latest"}},
}

failures: list[str] = []


def fail(message: str) -> None:
    failures.append(message)
    print("  FAIL " + message)


def ok(message: str) -> None:
    print("  ok   " + message)


def merge(base: dict, extra: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def chart_with(values: dict, work: pathlib.Path, name: str) -> pathlib.Path:
    """A copy of the chart whose values.yaml has `values` merged in."""
    copy_dir = work / name / "gateway-medic"
    shutil.copytree(CHART, copy_dir)
    defaults = yaml.safe_load((CHART / "values.yaml").read_text())
    (copy_dir / "values.yaml").write_text(yaml.safe_dump(merge(defaults, values), sort_keys=False))
    return copy_dir


def lint(path: pathlib.Path) -> list[dict]:
    result = asyncio.run(helm.Lint(helm.Configuration(namespace=NAMESPACE)).run(str(path)))
    # Severity: 1 info, 2 warning, 3 error (helm's support.Severity).
    return [m for m in result.get("Messages") or [] if m.get("Severity", 0) >= 2]


# --- The recording API server -------------------------------------------------------------

RESOURCES = {  # group/version -> [(plural, kind, namespaced)]
    "v1": [("namespaces", "Namespace", False), ("configmaps", "ConfigMap", True), ("secrets", "Secret", True),
           ("services", "Service", True), ("serviceaccounts", "ServiceAccount", True), ("pods", "Pod", True),
           ("events", "Event", True)],
    "apps/v1": [("deployments", "Deployment", True)],
    "policy/v1": [("poddisruptionbudgets", "PodDisruptionBudget", True)],
    "rbac.authorization.k8s.io/v1": [("roles", "Role", True), ("rolebindings", "RoleBinding", True),
                                     ("clusterroles", "ClusterRole", False),
                                     ("clusterrolebindings", "ClusterRoleBinding", False)],
    "apiextensions.k8s.io/v1": [("customresourcedefinitions", "CustomResourceDefinition", False)],
    "coordination.k8s.io/v1": [("leases", "Lease", True)],
    "monitoring.coreos.com/v1": [("servicemonitors", "ServiceMonitor", True),
                                 ("prometheusrules", "PrometheusRule", True)],
    "gatewaymedic.io/v1alpha1": [("gatewayhealths", "GatewayHealth", True)],
}
VERBS = ["create", "delete", "get", "list", "patch", "update", "watch"]


class Store:
    def __init__(self) -> None:
        self.objects: dict[tuple, dict] = {}
        self.lock = threading.Lock()


def make_handler(store: Store):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def send(self, code: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def not_found(self, what: str) -> None:
            self.send(404, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound",
                            "code": 404, "message": f"{what} not found"})

        def route(self):
            """(groupVersion, namespace, plural, name) of a resource path, or None."""
            parts = [p for p in urlparse(self.path).path.split("/") if p]
            if parts[:1] == ["api"] and len(parts) >= 2:
                gv, rest = parts[1], parts[2:]
            elif parts[:1] == ["apis"] and len(parts) >= 3:
                gv, rest = f"{parts[1]}/{parts[2]}", parts[3:]
            else:
                return None
            namespace = None
            if len(rest) >= 3 and rest[0] == "namespaces":
                namespace, rest = rest[1], rest[2:]
            if not rest:
                return (gv, None, None, None)
            return (gv, namespace, rest[0], rest[1] if len(rest) > 1 else None)

        def do_GET(self):
            path = urlparse(self.path).path.rstrip("/")
            if path == "/version":
                return self.send(200, {"major": "1", "minor": "30", "gitVersion": "v1.30.0", "platform": "linux/amd64"})
            if path == "/api":
                return self.send(200, {"kind": "APIVersions", "versions": ["v1"],
                                       "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]})
            if path == "/apis":
                groups = {}
                for gv in RESOURCES:
                    if "/" in gv:
                        g, v = gv.split("/")
                        groups.setdefault(g, []).append({"groupVersion": gv, "version": v})
                return self.send(200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
                    {"name": g, "versions": vs, "preferredVersion": vs[0]} for g, vs in groups.items()]})
            r = self.route()
            if r is None or r[0] not in RESOURCES:
                return self.not_found(path)
            gv, namespace, plural, name = r
            if plural is None:
                return self.send(200, {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": [
                    {"name": p, "singularName": "", "namespaced": n, "kind": k, "verbs": VERBS}
                    for p, k, n in RESOURCES[gv]]})
            with store.lock:
                if name:
                    obj = store.objects.get((gv, namespace, plural, name))
                    return self.send(200, obj) if obj else self.not_found(f"{plural} {name}")
                items = [o for (g, ns, p, _), o in store.objects.items()
                         if g == gv and p == plural and (namespace is None or ns == namespace)]
            kind = next(k for p, k, _ in RESOURCES[gv] if p == plural)
            return self.send(200, {"kind": kind + "List", "apiVersion": gv, "metadata": {"resourceVersion": "1"},
                                   "items": items})

        def body(self) -> dict:
            data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if "protobuf" in (self.headers.get("Content-Type") or ""):
                # Helm's release record (a Secret) comes as protobuf; only its name is kept (the
                # client takes a JSON answer).
                name = re.search(rb"sh\.helm\.release\.v1\.[A-Za-z0-9.-]+", data)
                return {"apiVersion": "v1", "kind": "Secret",
                        "metadata": {"name": name.group(0).decode() if name else "release"}}
            return json.loads(data or b"{}")

        def do_POST(self):
            r = self.route()
            if r is None or r[0] not in RESOURCES or r[2] is None:
                return self.not_found(self.path)
            gv, namespace, plural, _ = r
            obj = self.body()
            meta = obj.setdefault("metadata", {})
            meta.setdefault("uid", f"uid-{len(store.objects)}")
            meta["resourceVersion"] = "1"
            if plural == "customresourcedefinitions":
                obj["status"] = {"conditions": [{"type": "Established", "status": "True"},
                                                {"type": "NamesAccepted", "status": "True"}],
                                 "acceptedNames": obj.get("spec", {}).get("names", {})}
            with store.lock:
                store.objects[(gv, namespace, plural, meta["name"])] = obj
            return self.send(201, obj)

        def do_PUT(self):
            r = self.route()
            if r is None or r[0] not in RESOURCES or r[3] is None:
                return self.not_found(self.path)
            obj = self.body()
            with store.lock:
                store.objects[r] = obj
            return self.send(200, obj)

        def do_PATCH(self):
            r = self.route()
            with store.lock:
                obj = store.objects.get(r) if r else None
            return self.send(200, obj) if obj else self.not_found(self.path)

    return Handler


def render(values: dict, work: pathlib.Path, name: str, chart: pathlib.Path = CHART) -> list[dict]:
    """The objects the chart creates with `values`, installed into a fresh recording server."""
    store = Store()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(store))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        kubeconfig = yaml.safe_dump({
            "apiVersion": "v1", "kind": "Config", "current-context": "rec",
            "clusters": [{"name": "rec", "cluster": {"server": f"http://127.0.0.1:{server.server_port}"}}],
            "users": [{"name": "rec", "user": {"token": "test"}}],
            "contexts": [{"name": "rec", "context": {"cluster": "rec", "user": "rec", "namespace": NAMESPACE}}]})
        path = work / f"kubeconfig-{name}"
        path.write_text(kubeconfig)
        config = helm.Configuration(namespace=NAMESPACE, kubeconfig=str(path))
        asyncio.run(helm.Install(config).run("gateway-medic", str(chart), values=values or None, wait=False,
                                             timeout=60))
    finally:
        server.shutdown()
    objects = [o for (gv, ns, plural, n), o in store.objects.items() if plural != "secrets"]
    for o in objects:  # what the server added
        o["metadata"].pop("uid", None)
        o["metadata"].pop("resourceVersion", None)
        o.pop("status", None)
    return objects


def kustomize(target: str) -> list[dict]:
    out = subprocess.run([os.environ.get("KUBECTL", "kubectl"), "kustomize", str(ROOT / target)],
                         check=True, capture_output=True, text=True).stdout
    return [d for d in yaml.safe_load_all(out) if d]


def normalized(objects: list[dict]) -> dict[str, dict]:
    """Objects by kind/namespace/name, labels aside (and the ways Helm and kustomize roll pods)."""
    out = {}
    for o in objects:
        o = copy.deepcopy(o)
        meta = o["metadata"]
        meta.pop("labels", None)
        for key in [k for k in meta.get("annotations") or {} if k.startswith("meta.helm.sh/")]:
            del meta["annotations"][key]  # Helm's ownership record, like its labels
        if "annotations" in meta and not meta["annotations"]:
            del meta["annotations"]
        for key in ("creationTimestamp",):
            meta.pop(key, None)
        if o["kind"] == "ConfigMap" and meta["name"].startswith("gateway-medic-config"):
            meta["name"] = "gateway-medic-config"
            o["data"] = {k: yaml.safe_load(v) for k, v in o["data"].items()}  # comments aside
        if o["kind"] == "ConfigMap" and "gateway-medic-dashboard.json" in (o.get("data") or {}):
            o["data"] = {k: json.loads(v) for k, v in o["data"].items()}
        if o["kind"] == "Deployment":
            template = o["spec"]["template"]
            template["metadata"].pop("labels", None)
            (template["metadata"].get("annotations") or {}).pop("checksum/config", None)
            if not template["metadata"].get("annotations"):
                template["metadata"].pop("annotations", None)
            for v in template["spec"].get("volumes", []):
                if "configMap" in v and v["configMap"]["name"].startswith("gateway-medic-config"):
                    v["configMap"]["name"] = "gateway-medic-config"
        if o["kind"] == "Namespace":
            continue  # Helm installs into the release namespace (`--create-namespace`); NOTES says how to label it
        out[f"{o['kind']} {meta.get('namespace', '')}/{meta['name']}"] = o
    return out


def diff(a: dict, b: dict, path: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in sorted(set(a) | set(b), key=str):
            if key not in a:
                out.append(f"{path}.{key}: only in manifests/")
            elif key not in b:
                out.append(f"{path}.{key}: only in the chart")
            else:
                out += diff(a[key], b[key], f"{path}.{key}")
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in diff(x, y, f"{path}[{i}]")]
    return [] if a == b else [f"{path}: chart {json.dumps(a)[:200]} != manifests {json.dumps(b)[:200]}"]


WRITE_VERBS = {"create", "update", "patch", "delete", "deletecollection"}


def dry_run_writes(objects: list[dict], lease: str) -> list[str]:
    out = []
    for role in (o for o in objects if o["kind"] in ("Role", "ClusterRole")):
        for rule in role.get("rules") or []:
            writes = WRITE_VERBS & set(rule.get("verbs", []))
            if not writes:
                continue
            lease_rule = rule.get("resources") == ["leases"] and (writes == {"create"} or rule.get("resourceNames") == [lease])
            if not lease_rule:
                out.append(f"{role['kind']} {role['metadata']['name']} grants {sorted(writes)} on {rule.get('resources')}")
    return out


def differences(objects: list[dict], target: str) -> list[str]:
    chart, manifests = normalized(objects), normalized(kustomize(target))
    return [f"{k}: only in the chart" for k in sorted(set(chart) - set(manifests))] + \
           [f"{k}: only in manifests/" for k in sorted(set(manifests) - set(chart))] + \
           [f"{k}{d}" for k in sorted(set(chart) & set(manifests)) for d in diff(chart[k], manifests[k])]


def main() -> int:
    out_dir = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else None  # rendered objects, per profile
    work = pathlib.Path(tempfile.mkdtemp(prefix="test-chart-"))
    try:
        print("== lint (the real Helm engine)")
        for name, (values, _) in PROFILES.items():
            problems = lint(chart_with(values, work, "lint-" + name))
            (fail if problems else ok)(f"lint {name}: {problems or 'no warnings or errors'}")
        print("== wrong values are refused by values.schema.json")
        for name, values in WRONG_VALUES.items():
            problems = lint(chart_with(values, work, "wrong-" + re.sub(r"\W+", "-", name)))
            refused = any(m.get("Severity") == 3 and m.get("Path") == "values.yaml" for m in problems)
            (ok if refused else fail)(f"{name}: {'refused' if refused else 'ACCEPTED'}")
        print("== rendered objects (Helm install into a recording API server)")
        for name, (values, target) in PROFILES.items():
            objects = render(values, work, name)
            # The release namespace is made by `helm install --create-namespace`, not by the chart.
            release_namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}}
            problems = manifest_policy.check(objects + [release_namespace])
            (fail if problems else ok)(f"{name}: policy {problems or 'passed'}")
            if values.get("dryRun"):
                lease = yaml.safe_load((CHART / "values.yaml").read_text())["dryRunLeaseName"]
                writes = dry_run_writes(objects, lease)
                (fail if writes else ok)(f"{name}: dry-run writes {writes or 'nothing but its Lease'}")
            if out_dir:
                (out_dir / f"{name}.yaml").write_text(yaml.safe_dump_all(objects + [release_namespace], sort_keys=False))
            if target:
                found = differences(objects, target)
                (fail if found else ok)(f"{name}: equals kustomize {target}"
                                        + ("" if not found else ":\n         " + "\n         ".join(found[:20])))
        print("== self-test: a chart that drifts from manifests/ is caught")
        drifted = chart_with({}, work, "drifted")
        template = drifted / "templates" / "deployment.yaml"
        template.write_text(template.read_text().replace("revisionHistoryLimit: 5", "revisionHistoryLimit: 6"))
        found = differences(render({}, work, "drifted", drifted), "manifests/base")
        (ok if found == ["Deployment gateway-medic/gateway-medic.spec.revisionHistoryLimit: chart 6 != manifests 5"]
         else fail)(f"drifted chart: {found}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print()
    if failures:
        print(f"test-chart: {len(failures)} failed", file=sys.stderr)
        return 1
    print("test-chart: all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
