#!/usr/bin/env python3
"""Offline validation of gateway-medic's manifests. Run by scripts/validate-manifests.sh.

For each rendered kustomization (or, without kubectl, the raw YAML files):
  1. every built-in object against the Kubernetes OpenAPI schemas bundled in the
     `kubernetes-validate` package (strict: unknown fields are errors);
  2. GatewayHealth objects against the CRD's own openAPIV3Schema (crd_schema.py);
  3. policy: least-privilege RBAC that matches the config (restarts and deletes only where the
     config turns them on), the pod hardening and probes, config namespaces and port matching the
     RBAC and Service, leader election whenever there is more than one replica.
Then the GatewayHealth samples in manifests/tests: valid/ must pass, invalid/ must be rejected
for the reasons each one names.

Exit status 0 only when everything passed; every failure is printed with where it is.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any, Iterable

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import crd_schema  # noqa: E402
import manifest_policy  # noqa: E402

EXPECT_ANNOTATION = "validate.gatewaymedic.io/expected-errors"


def load_documents(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d]


def describe(obj: dict) -> str:
    meta = obj.get("metadata", {}) or {}
    ns = f"{meta['namespace']}/" if meta.get("namespace") else ""
    return f"{obj.get('kind', '?')} {ns}{meta.get('name', '?')}"


class Report:
    def __init__(self) -> None:
        self.failures: list[str] = []
        self.passed = 0

    def fail(self, where: str, message: str) -> None:
        self.failures.append(f"{where}: {message}")
        print(f"  FAIL {where}: {message}")

    def ok(self, where: str) -> None:
        self.passed += 1
        print(f"  ok   {where}")


def prometheus_operator_problems(obj: dict) -> list[str]:
    """The Prometheus Operator's kinds have no bundled schema: check the fields Prometheus needs."""
    spec = obj.get("spec") or {}
    problems = []
    if obj["kind"] == "PrometheusRule":
        groups = spec.get("groups")
        if not isinstance(groups, list) or not groups:
            return ["spec.groups: a non-empty list is required"]
        for i, group in enumerate(groups):
            if not isinstance(group, dict) or not group.get("name") or not isinstance(group.get("rules"), list):
                problems.append(f"spec.groups.{i}: name and rules are required")
                continue
            for j, rule in enumerate(group["rules"]):
                if not isinstance(rule, dict) or not isinstance(rule.get("expr"), str) or not (rule.get("alert") or rule.get("record")):
                    problems.append(f"spec.groups.{i}.rules.{j}: expr and alert (or record) are required")
    elif obj["kind"] == "ServiceMonitor":
        if not isinstance(spec.get("selector"), dict):
            problems.append("spec.selector is required")
        endpoints = spec.get("endpoints")
        if not isinstance(endpoints, list) or not endpoints or not all(isinstance(e, dict) and e.get("port") for e in endpoints):
            problems.append("spec.endpoints: a non-empty list of endpoints with a port is required")
    return problems


def validate_builtin(obj: dict, version: str, report: Report, where: str) -> None:
    import kubernetes_validate

    if obj.get("apiVersion") == "monitoring.coreos.com/v1" and obj.get("kind") in ("PrometheusRule", "ServiceMonitor"):
        problems = prometheus_operator_problems(obj)
        for p in problems:
            report.fail(where, p)
        if not problems:
            report.ok(where + " (Prometheus Operator fields)")
        return

    try:
        kubernetes_validate.validate(obj, version, strict=True)
        report.ok(where)
    except kubernetes_validate.ValidationError as e:
        path = ".".join(str(p) for p in e.path)
        report.fail(where, f"{path or '(root)'}: {e.message} (Kubernetes {e.version} schema)")
    except kubernetes_validate.SchemaNotFoundError as e:
        report.fail(where, f"no Kubernetes {version} schema for {obj.get('apiVersion')} {obj.get('kind')}: {e.message}")


def validate_objects(label: str, objects: list[dict], version: str, crds: list[crd_schema.CRDValidator],
                     report: Report) -> None:
    for obj in objects:
        where = f"{label}: {describe(obj)}"
        if not isinstance(obj, dict) or "apiVersion" not in obj or "kind" not in obj:
            report.fail(where, "not a Kubernetes object (apiVersion and kind are required)")
            continue
        custom = next((c for c in crds if c.handles(obj)), None)
        if custom is not None:
            problems = custom.problems(obj)
            for p in problems:
                report.fail(where, str(p))
            if not problems:
                report.ok(where + " (CRD schema)")
            continue
        validate_builtin(obj, version, report, where)
        if obj.get("kind") == "CustomResourceDefinition":
            for problem in crd_schema.structural_problems(obj):
                report.fail(where, problem)


def validate_samples(samples_dir: str, crds: list[crd_schema.CRDValidator], report: Report) -> None:
    for expect_valid, sub in ((True, "valid"), (False, "invalid")):
        folder = os.path.join(samples_dir, sub)
        files = sorted(f for f in os.listdir(folder) if f.endswith((".yaml", ".yml"))) if os.path.isdir(folder) else []
        if not files:
            report.fail(folder, "no samples (each of valid/ and invalid/ needs at least one)")
        for name in files:
            path = os.path.join(folder, name)
            try:
                docs = load_documents(path)
            except yaml.YAMLError as e:
                report.fail(path, f"not YAML: {e}")
                continue
            for index, raw in enumerate(docs):
                where = f"{path}#{index} {describe(raw)}"
                validator = next((c for c in crds if c.handles(raw)), None)
                if validator is None:
                    report.fail(where, "no CRD in the manifests defines this kind")
                    continue
                expected = [p.strip() for p in str(((raw.get("metadata") or {}).get("annotations") or {})
                                                   .get(EXPECT_ANNOTATION, "")).split(",") if p.strip()]
                problems = validator.problems(crd_schema.strip_test_annotations(raw, "validate.gatewaymedic.io/"))
                if expect_valid:
                    for p in problems:
                        report.fail(where, f"should be valid, but {p}")
                    if not problems:
                        report.ok(where + " accepted")
                    continue
                if not expected:
                    report.fail(where, f"invalid sample without the {EXPECT_ANNOTATION} annotation")
                    continue
                paths = [p.path for p in problems]
                missing = [e for e in expected if not any(p == e or p.startswith(e + ".") for p in paths)]
                if missing:
                    report.fail(where, f"should be rejected at {', '.join(missing)}; reported: "
                                       + ("; ".join(str(p) for p in problems) or "nothing"))
                else:
                    report.ok(where + " rejected: " + "; ".join(str(p) for p in problems))


def main(argv: Iterable[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kubernetes-version", default="1.30")
    parser.add_argument("--rendered", action="append", default=[], metavar="NAME=FILE",
                        help="output of `kubectl kustomize NAME`, saved in FILE")
    parser.add_argument("--raw", action="append", default=[], metavar="FILE",
                        help="a manifest file validated as-is (no kustomize available)")
    parser.add_argument("--samples", help="folder with valid/ and invalid/ GatewayHealth samples")
    args = parser.parse_args(list(argv))

    report = Report()
    rendered: list[tuple[str, list[dict]]] = []
    for item in args.rendered:
        name, _, path = item.partition("=")
        rendered.append((name, load_documents(path)))
    raw_objects: list[tuple[str, list[dict]]] = []
    for path in args.raw:
        try:
            raw_objects.append((path, load_documents(path)))
        except yaml.YAMLError as e:
            report.fail(path, f"not YAML: {e}")

    every = [o for _, objs in rendered + raw_objects for o in objs if isinstance(o, dict)]
    crds = [crd_schema.CRDValidator(o) for o in every if o.get("kind") == "CustomResourceDefinition"]
    unique_crds = {(c.group, c.kind): c for c in crds}
    crds = list(unique_crds.values())
    if not crds:
        report.fail("manifests", "no CustomResourceDefinition found (the GatewayHealth CRD belongs in base/)")

    for name, objects in rendered + raw_objects:
        print(f"== {name}: {len(objects)} objects, Kubernetes {args.kubernetes_version} schemas")
        validate_objects(name, objects, args.kubernetes_version, crds, report)
    for name, objects in rendered:
        print(f"== {name}: policy")
        problems = manifest_policy.check(objects)
        for problem in problems:
            report.fail(name, problem)
        if not problems:
            report.ok(f"{name}: RBAC, pod hardening, probes, config/RBAC/Service consistency")
    if args.samples:
        print(f"== samples in {args.samples}")
        validate_samples(args.samples, crds, report)

    if report.failures:
        print(f"\nvalidate-manifests: {len(report.failures)} problem(s), {report.passed} check(s) passed:")
        for failure in report.failures:
            print(f"  - {failure}")
        return 1
    print(f"\nvalidate-manifests: all {report.passed} checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
