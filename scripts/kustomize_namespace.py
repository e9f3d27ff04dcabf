"""A user's kustomization that moves gateway-medic to another namespace with kustomize's
`namespace:`, rendered by the real kustomize (`kubectl kustomize`), as docs/install.md "Other
namespaces" tells a user to write it:

    my-install/operator/kustomization.yaml   namespace: <ns>, resources: manifests/base,
                                             components: manifests/components/without-access
    my-install/kustomization.yaml            resources: operator, components: access + options

Checks: every object of the operator moved to <ns> (the Namespace object renamed), the
RoleBindings and Roles that must live in the fabric namespace `default` and the gateway
namespace `fab` stayed there, every RoleBinding's subject is the moved ServiceAccount (none
written by hand: the access and remediation components copy it from the ServiceAccount), the
ServiceMonitor watches <ns>, and the result passes the same policy checks as manifests/
(scripts/manifest_policy.py) with <ns> as the operator's namespace. Then the naive layout
(`namespace:` over manifests/base) must be the mistake the docs say it is: the bindings move.

usage: kustomize_namespace.py   (KUBECTL: kubectl to render with [kubectl]). Exit 0 when all pass.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import manifest_policy  # noqa: E402

MOVED_TO = "gm-ops"
STAYS = {("RoleBinding", "gateway-medic-fabric"): "default", ("Role", "gateway-medic-pods"): "fab",
         ("RoleBinding", "gateway-medic-pods"): "fab", ("Role", "gateway-medic-remediation"): "fab",
         ("RoleBinding", "gateway-medic-remediation"): "fab"}
CLUSTER_SCOPED = {"Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding"}

failures: list[str] = []


def check(condition: bool, message: str) -> None:
    print(("  ok   " if condition else "  FAIL ") + message)
    if not condition:
        failures.append(message)


def write(path: pathlib.Path, document: dict) -> None:
    path.mkdir(parents=True, exist_ok=True)
    (path / "kustomization.yaml").write_text(yaml.safe_dump(document, sort_keys=False))


def rel(target: str, start: pathlib.Path) -> str:
    # kustomize refuses absolute paths to other kustomizations; a relative one may leave the root.
    return os.path.relpath(ROOT / target, start)


def render(path: pathlib.Path) -> list[dict]:
    out = subprocess.run([os.environ.get("KUBECTL", "kubectl"), "kustomize", str(path)],
                         check=True, capture_output=True, text=True, timeout=60).stdout
    return [d for d in yaml.safe_load_all(out) if d]


def where(objects: list[dict]) -> dict[tuple[str, str], str | None]:
    return {(o["kind"], o["metadata"]["name"]): o["metadata"].get("namespace") for o in objects}


def main() -> int:
    work = pathlib.Path(tempfile.mkdtemp(prefix="kustomize-namespace-"))
    try:
        top, operator = work / "my-install", work / "my-install" / "operator"
        write(operator, {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization", "namespace": MOVED_TO,
                         "resources": [rel("manifests/base", operator)],
                         "components": [rel("manifests/components/without-access", operator)]})
        write(top, {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization", "resources": ["operator"],
                    "components": [rel(c, top) for c in ("manifests/components/access", "manifests/components/remediation",
                                                         "manifests/monitoring")]})
        print(f"== a user's install in namespace {MOVED_TO} (kustomize's namespace:, docs/install.md)")
        objects = render(top)
        places = where(objects)
        for (kind, name), namespace in sorted(places.items(), key=str):
            if kind in CLUSTER_SCOPED:
                continue
            expected = STAYS.get((kind, name), MOVED_TO)
            check(namespace == expected, f"{kind} {name} in {namespace} (expected {expected})")
        check(set(STAYS) <= set(places), f"every binding outside the operator's namespace is there: {sorted(set(STAYS) - set(places))}")
        namespaces = [o["metadata"]["name"] for o in objects if o["kind"] == "Namespace"]
        check(namespaces == [MOVED_TO], f"the Namespace object is {namespaces}")
        for binding in (o for o in objects if o["kind"] == "RoleBinding"):
            subjects = [(s.get("kind"), s.get("namespace"), s.get("name")) for s in binding.get("subjects") or []]
            check(subjects == [("ServiceAccount", MOVED_TO, "gateway-medic")],
                  f"RoleBinding {binding['metadata'].get('namespace')}/{binding['metadata']['name']} binds {subjects}")
        monitors = [o for o in objects if o["kind"] == "ServiceMonitor"]
        check(len(monitors) == 1 and monitors[0]["spec"]["namespaceSelector"]["matchNames"] == [MOVED_TO],
              f"the ServiceMonitor watches {[m['spec'].get('namespaceSelector') for m in monitors]}")
        manifest_policy.SERVICE_ACCOUNT = (MOVED_TO, "gateway-medic")
        problems = manifest_policy.check(objects)
        check(not problems, f"policy: {problems or 'passed'}")

        print("== the naive layout (namespace: over manifests/base) moves the bindings, as docs/install.md warns")
        naive = work / "naive"
        write(naive, {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization", "namespace": MOVED_TO,
                      "resources": [rel("manifests/base", naive)]})
        check(where(render(naive)).get(("RoleBinding", "gateway-medic-fabric")) == MOVED_TO,
              "namespace: over the base moves the fabric RoleBinding (why without-access and access exist)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print()
    if failures:
        print(f"kustomize-namespace: {len(failures)} failed", file=sys.stderr)
        return 1
    print("kustomize-namespace: all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
