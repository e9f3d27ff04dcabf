"""Tests charts/gateway-medic with the real Helm engine (the PyPI package helm-sdkpy embeds it).

1. Lint: the chart is linted for its default values and for each profile (remediation,
   allow-delete, dry-run, monitoring, dry-run with remediation, every ticket sink); a wrong value
   is refused by values.schema.json (each case must give a lint error on values.yaml).
   helm-sdkpy's lint takes no values, so a profile is linted as a copy of the chart whose
   values.yaml carries the profile's values merged in.
2. Install: the real Helm engine installs the chart (default values and each profile) into the
   project's API-server emulator, run as its own process (the test-only TestAPIServer
   executable) on loopback with TLS and a bearer token, through a kubeconfig this test writes;
   Helm creates the release namespace, its CRD (crds/) and records the release in a Secret (sent
   as protobuf, as client-go's typed clients do). The objects are then read back from the
   emulator through discovery, as kubectl finds them. The stored objects of each profile must
   equal `kubectl kustomize` of the matching overlay of manifests/ (labels, the config checksum
   and kustomize's ConfigMap name hash aside), pass the same policy checks as manifests/
   (scripts/manifest_policy.py), and the dry-run profile grants no write verb except on its
   Lease. Monitoring without the Prometheus Operator's CRDs must be refused (discovery does not
   invent kinds); the default install is uninstalled again, leaving only what Helm keeps.
   With E2E_RECORD (make test), the installed RBAC is checked against the requests
   the operator made in the e2e suite, as check_e2e_record.py checks manifests/. A chart copy
   changed in one field must be caught (self-test). With a folder argument, each profile's
   objects are written there (test-chart.sh runs them through scripts/validate_manifests.py:
   Kubernetes schemas, the CRD schema, policy).

Run by `make test-chart` with .build-helm-venv/bin/python. Exits non-zero on any failure.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import json
import os
import pathlib
import re
import secrets
import select
import shutil
import ssl
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
CHART = ROOT / "charts" / "gateway-medic"
sys.path.insert(0, str(ROOT / "scripts"))
import check_e2e_record  # noqa: E402
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


# --- The API server: the project's emulator, as its own process ----------------------------

class Emulator:
    """The project's API-server emulator (the TestAPIServer executable) on loopback: TLS (a CA
    and server certificate made with openssl) and a bearer token, both in the kubeconfig it
    writes. A fresh store per instance. Bounded: it exits when we close its stdin, or after
    EMULATOR_LIFETIME seconds if we die first."""

    EMULATOR_LIFETIME = 300

    def __init__(self, binary: str, pki: pathlib.Path, work: pathlib.Path, name: str) -> None:
        self.token = secrets.token_hex(16)
        token_file = work / f"token-{name}"
        token_file.write_text(self.token)
        self.stderr = open(work / f"emulator-{name}.log", "w+")
        self.process = subprocess.Popen(
            [binary, "--tls-cert", str(pki / "server.crt"), "--tls-key", str(pki / "server.key"), "--token-file", str(token_file),
             "--no-fabric", "--lifetime", str(self.EMULATOR_LIFETIME)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr, text=True)
        ready, _, _ = select.select([self.process.stdout], [], [], 60)
        line = self.process.stdout.readline() if ready else ""
        if not line.startswith("serving https://"):
            self.close()
            raise RuntimeError(f"the emulator did not start within 60 s: {line!r} {self.log()}")
        self.url = line.split()[1]
        self.ssl = ssl.create_default_context(cafile=str(pki / "ca.crt"))
        self.kubeconfig = work / f"kubeconfig-{name}"
        self.kubeconfig.write_text(yaml.safe_dump({
            "apiVersion": "v1", "kind": "Config", "current-context": "emulator",
            "clusters": [{"name": "emulator", "cluster": {
                "server": self.url, "certificate-authority-data": base64.b64encode((pki / "ca.crt").read_bytes()).decode()}}],
            "users": [{"name": "emulator", "user": {"token": self.token}}],
            "contexts": [{"name": "emulator", "context": {"cluster": "emulator", "user": "emulator", "namespace": NAMESPACE}}]}))

    def log(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read()

    def close(self) -> None:
        if self.process.stdin and not self.process.stdin.closed:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> "Emulator":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
        self.stderr.close()

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method, headers={
            "Authorization": f"Bearer {self.token}", "Accept": "application/json", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, context=self.ssl, timeout=30) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")

    def get(self, path: str) -> dict:
        code, body = self.request("GET", path)
        if code != 200:
            raise RuntimeError(f"GET {path}: {code} {body.get('message')}")
        return body

    def create(self, path: str, obj: dict) -> None:
        code, body = self.request("POST", path, obj)
        if code != 201:
            raise RuntimeError(f"POST {path}: {code} {body.get('message')}")

    def every_object(self) -> list[dict]:
        """Every stored object, found the way kubectl finds resources: through discovery."""
        group_versions = [f"/api/{v}" for v in self.get("/api")["versions"]]
        group_versions += [f"/apis/{v['groupVersion']}" for g in self.get("/apis")["groups"] for v in g["versions"]]
        out = []
        for gv in group_versions:
            for resource in self.get(gv)["resources"]:
                if "/" in resource["name"] or "list" not in resource["verbs"]:
                    continue
                listed = self.get(f"{gv}/{resource['name']}")
                for item in listed["items"]:
                    # Items of a list carry no kind (as kube-apiserver sends them).
                    item.setdefault("apiVersion", gv.split("/", 2)[-1])
                    item.setdefault("kind", resource["kind"])
                    out.append(item)
        return out


def make_pki(work: pathlib.Path) -> pathlib.Path:
    """A throwaway CA and a server certificate for 127.0.0.1 (no key material is committed)."""
    pki = work / "pki"
    pki.mkdir()
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=30)
    openssl("req", "-x509", *ec, "-keyout", str(pki / "ca.key"), "-out", str(pki / "ca.crt"), "-days", "1", "-subj", "/CN=test-chart-ca",
            # Python ≥ 3.13 verifies strictly (VERIFY_X509_STRICT): a CA must say it signs certificates.
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    openssl("req", *ec, "-keyout", str(pki / "server.key"), "-out", str(pki / "server.csr"), "-subj", "/CN=127.0.0.1")
    (pki / "server.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n"
                                      "keyUsage=critical,digitalSignature\nbasicConstraints=CA:FALSE\n"
                                      "authorityKeyIdentifier=keyid,issuer\nsubjectKeyIdentifier=hash\n")
    openssl("x509", "-req", "-in", str(pki / "server.csr"), "-CA", str(pki / "ca.crt"), "-CAkey", str(pki / "ca.key"),
            "-CAcreateserial", "-out", str(pki / "server.crt"), "-days", "1", "-extfile", str(pki / "server.ext"))
    return pki


# The Prometheus Operator's CRDs (their names and scope; the schema left open), installed before
# a profile with monitoring, as a cluster running the Prometheus Operator has them.
PROMETHEUS_OPERATOR_CRDS = [
    {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
     "metadata": {"name": f"{plural}.monitoring.coreos.com"},
     "spec": {"group": "monitoring.coreos.com", "scope": "Namespaced",
              "names": {"kind": kind, "listKind": kind + "List", "plural": plural, "singular": kind.lower(),
                        "categories": ["prometheus-operator"]},
              "versions": [{"name": "v1", "served": True, "storage": True,
                            "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}}}]}}
    for kind, plural in [("ServiceMonitor", "servicemonitors"), ("PrometheusRule", "prometheusrules")]
]
CRD_PATH = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
RELEASE = "gateway-medic"
SERVER_FIELDS = ("uid", "resourceVersion", "creationTimestamp", "generation", "managedFields")


class Installer:
    """Installs the chart with the real Helm engine into a fresh emulator per profile, and reads
    back what it stored."""

    def __init__(self, binary: str, work: pathlib.Path) -> None:
        self.binary, self.work = binary, work
        self.pki = make_pki(work)

    def install(self, values: dict, name: str, chart: pathlib.Path = CHART, prometheus_operator: bool = True,
                uninstall: bool = False) -> tuple[list[dict], list[str]]:
        """(the objects Helm created, problems with the install itself). With `uninstall`, Helm
        then uninstalls the release: everything it made must go but the release namespace and
        the CRD of crds/ (Helm keeps both by design)."""
        defaults = yaml.safe_load((chart / "values.yaml").read_text())
        with Emulator(self.binary, self.pki, self.work, name) as api:
            try:
                # The cluster before the install: the gateway namespace exists (Hedgehog made it);
                # the Prometheus Operator's CRDs when the profile monitors.
                api.create("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                                   "metadata": {"name": values.get("gatewayNamespace", defaults["gatewayNamespace"])}})
                if prometheus_operator and any((values.get("monitoring") or {}).values()):
                    for crd in PROMETHEUS_OPERATOR_CRDS:
                        api.create(CRD_PATH, crd)
                before = {identity(o) for o in api.every_object()}
                config = helm.Configuration(namespace=NAMESPACE, kubeconfig=str(api.kubeconfig))
                asyncio.run(helm.Install(config).run(RELEASE, str(chart), values=values or None, create_namespace=True,
                                                     wait=False, timeout=60))
                stored = [o for o in api.every_object() if identity(o) not in before]
                problems = release_problems(stored)
                if uninstall:
                    asyncio.run(helm.Uninstall(config).run(RELEASE, wait=False, timeout=60))
                    left = sorted(identity(o)[1:] for o in api.every_object() if identity(o) not in before)
                    kept = [("Namespace", "", NAMESPACE), ("CustomResourceDefinition", "", "gatewayhealths.gatewaymedic.io")]
                    if left != sorted(kept):
                        problems.append(f"after helm uninstall, left: {left}")
            except Exception as e:  # noqa: BLE001 - reported with the emulator's account of the requests
                raise RuntimeError(f"{e}\n{api.log()}") from e
        return [strip_server_fields(o) for o in stored if not is_release_record(o)], problems


def identity(o: dict) -> tuple:
    meta = o["metadata"]
    return (o["apiVersion"], o["kind"], meta.get("namespace", ""), meta["name"])


def is_release_record(o: dict) -> bool:
    return o["kind"] == "Secret" and o.get("type") == "helm.sh/release.v1"


def release_problems(stored: list[dict]) -> list[str]:
    """Helm recorded the release (its Secret, sent as protobuf) as deployed, revision 1."""
    records = [o for o in stored if is_release_record(o)]
    if len(records) != 1:
        return [f"{len(records)} release records (Secrets of type helm.sh/release.v1), expected 1"]
    labels = records[0]["metadata"].get("labels") or {}
    problems = []
    expected = {"owner": "helm", "name": RELEASE, "status": "deployed", "version": "1"}
    for key, value in expected.items():
        if labels.get(key) != value:
            problems.append(f"release record label {key}={labels.get(key)!r}, expected {value!r}")
    if records[0]["metadata"].get("namespace") != NAMESPACE or not (records[0].get("data") or {}).get("release"):
        problems.append("the release record is not in the release namespace or carries no release")
    return problems


def strip_server_fields(o: dict) -> dict:
    """The object as Helm sent it: without what the server added (metadata it owns, status)."""
    o = copy.deepcopy(o)
    for key in SERVER_FIELDS:
        o["metadata"].pop(key, None)
    o.pop("status", None)
    return o


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


def api_server_binary() -> str:
    """The TestAPIServer executable (test-chart.sh builds it and passes its path)."""
    binary = os.environ.get("TEST_API_SERVER", "")
    if not binary or not os.access(binary, os.X_OK):
        raise SystemExit(f"test-chart: TEST_API_SERVER={binary!r} is not the emulator executable (swift build --product TestAPIServer)")
    return binary


def check_rbac_against_record(installed: dict[str, list[dict]]) -> None:
    """The same check as check_e2e_record.py does for manifests/, on the Roles Helm installed:
    every request the operator made in the e2e suite is granted by the default install or by an
    option (remediation, allow-delete), and the default install grants nothing it never used."""
    record = os.environ.get("E2E_RECORD")
    if not record:
        print("  skip the e2e record: E2E_RECORD is not set (make test sets it after the e2e suite ran)")
        return
    log = pathlib.Path(record) / "requests.jsonl"
    if not log.exists() or log.stat().st_size == 0:
        fail(f"no requests recorded in {log} (did the e2e suite run?)")
        return
    used = check_e2e_record.used_pairs(log)
    base = check_e2e_record.rules_of(installed["default"])
    options = check_e2e_record.rules_of(installed["remediation"] + installed["allow-delete"])
    problems = check_e2e_record.rbac_problems(used, base, options, "the chart's default install")
    (fail if problems else ok)(f"RBAC: {problems or f'{len(used)} (verb, resource) pairs used, all granted; the default install grants nothing beyond them'}")


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
        print("== installed objects (Helm installs into the project's API-server emulator)")
        installer = Installer(api_server_binary(), work)
        installed: dict[str, list[dict]] = {}
        for name, (values, target) in PROFILES.items():
            # The default install is also uninstalled (Helm's deletes, its release record's too).
            objects, problems = installer.install(values, name, uninstall=name == "default")
            installed[name] = objects
            (fail if problems else ok)(f"{name}: Helm's release record {problems or 'says deployed, revision 1'}"
                                       + (" (and helm uninstall removed everything else)" if name == "default" and not problems else ""))
            namespaces = [o for o in objects if o["kind"] == "Namespace"]
            # The release namespace is made by `helm install --create-namespace`, not by the chart.
            (ok if [n["metadata"]["name"] for n in namespaces] == [NAMESPACE] else fail)(
                f"{name}: the namespaces created are {[n['metadata']['name'] for n in namespaces]}")
            problems = manifest_policy.check(objects)
            (fail if problems else ok)(f"{name}: policy {problems or 'passed'}")
            if values.get("dryRun"):
                lease = yaml.safe_load((CHART / "values.yaml").read_text())["dryRunLeaseName"]
                writes = dry_run_writes(objects, lease)
                grants = [o for o in objects if o["kind"] in ("Role", "ClusterRole")]
                (fail if writes or not grants else ok)(f"{name}: dry-run writes {writes or 'nothing but its Lease'}"
                                                       f" ({len(grants)} Roles and ClusterRoles read back)")
            if out_dir:
                (out_dir / f"{name}.yaml").write_text(yaml.safe_dump_all(objects, sort_keys=False))
            if target:
                found = differences(objects, target)
                (fail if found else ok)(f"{name}: equals kustomize {target}"
                                        + ("" if not found else ":\n         " + "\n         ".join(found[:20])))
        print("== monitoring without the Prometheus Operator's CRDs is refused, as by a real API server")
        try:
            installer.install(PROFILES["monitoring"][0], "monitoring-without-crds", prometheus_operator=False)
            fail("monitoring installed without the Prometheus Operator's CRDs")
        except RuntimeError as e:
            refused = re.search(r'no matches for kind "(ServiceMonitor|PrometheusRule)"', str(e)) is not None
            (ok if refused else fail)(f"monitoring without the CRDs: {str(e).splitlines()[0][:300]}")
        print("== the installed RBAC against what the operator did in the e2e suite")
        check_rbac_against_record(installed)
        print("== self-test: a chart that drifts from manifests/ is caught")
        drifted = chart_with({}, work, "drifted")
        template = drifted / "templates" / "deployment.yaml"
        template.write_text(template.read_text().replace("revisionHistoryLimit: 5", "revisionHistoryLimit: 6"))
        found = differences(installer.install({}, "drifted", drifted)[0], "manifests/base")
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
