"""Checks the manifests against what the operator really did in the e2e suite.

The e2e tests record (GATEWAY_MEDIC_E2E_RECORD, set by `make test`) every API request the
operator made (requests.jsonl) and every GatewayHealth it produced (gatewayhealths.jsonl).
- RBAC: each (verb, group, resource[/subresource]) pair used must be granted by the base RBAC or
  by an opt-in overlay (remediation); every pair the base grants must have been used, apart from
  the few in UNREACHED with the reason the e2e suite cannot reach them in bounded time.
- CRD: every GatewayHealth the suite produced must be valid under the CRD's schema (nothing
  pruned, nothing rejected).
- Secrets: no token or webhook secret the suite handed out appears in any output it recorded
  (logs, Events, tickets, statuses, CLI output, webhook bodies); see secret_scan.py.

usage: check_e2e_record.py RECORD_DIR MANIFESTS_DIR
"""
import json
import pathlib
import sys

import yaml

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

# Pairs granted on purpose that the e2e suite does not issue, and why.
UNREACHED = {
    ("delete", "", "configmaps"): "a resolved ticket draft expires after 7 days",
}


def rules(paths):
    return rules_of(doc for path in paths for doc in yaml.safe_load_all(path.read_text()))


def rules_of(docs):
    """(verb, group, resource) granted by Roles and ClusterRoles (or JSON patches adding rules)."""
    pairs = set()
    for doc in docs:
        if isinstance(doc, list):  # a JSON patch adding rules (the allow-delete component)
            found = [op.get("value") for op in doc if isinstance(op, dict) and isinstance(op.get("value"), dict)]
        elif isinstance(doc, dict) and doc.get("kind") in ("Role", "ClusterRole"):
            found = doc.get("rules", [])
        else:
            continue
        for rule in found:
            for group in rule.get("apiGroups", []):
                for resource in rule.get("resources", []):
                    for verb in rule.get("verbs", []):
                        pairs.add((verb, group, resource))
    return pairs


def used_pairs(log):
    """(verb, group, resource[/subresource]) of every request in requests.jsonl."""
    used = set()
    for line in log.read_text().splitlines():
        r = json.loads(line)
        resource = r["resource"] + (f"/{r['subresource']}" if r.get("subresource") else "")
        used.add((r["verb"], r["group"], resource))
        # An informer syncs with a streaming list (a watch with sendInitialEvents=true) and falls
        # back to LIST where the server refuses or ignores it (docs/reliability.md): every watched
        # resource needs list too, whether or not this run's emulator served streaming lists.
        if r["verb"] == "watch":
            used.add(("list", r["group"], resource))
    return used


def rbac_problems(used, base, options, what="the base"):
    """Every pair used is granted (by the base or an option); the base grants nothing unused."""
    problems = []
    for pair in sorted(used - base - options):
        problems.append("the operator issued %s %s but no Role grants it" % (pair[0], "/".join(filter(None, pair[1:]))))
    for pair in sorted(base - used - set(UNREACHED)):
        problems.append("%s grants %s %s but the operator never issued it" % (what, pair[0], "/".join(filter(None, pair[1:]))))
    return problems


def check_healths(path, manifests):
    if not path.exists() or path.stat().st_size == 0:
        print(f"check-crd: no GatewayHealth recorded in {path} (did the e2e suite run?)", file=sys.stderr)
        return 1
    import crd_schema  # here, not at the top: test_chart.py reuses the RBAC check in a venv without jsonschema
    crd = yaml.safe_load((manifests / "base" / "gatewayhealth-crd.yaml").read_text())
    validator = crd_schema.CRDValidator(crd)
    count, failures = 0, 0
    for line in path.read_text().splitlines():
        obj = json.loads(line)
        count += 1
        for problem in validator.problems(obj):
            failures += 1
            print(f"check-crd: GatewayHealth {obj.get('metadata', {}).get('name')}: {problem}", file=sys.stderr)
    if failures:
        return 1
    print(f"check-crd: {count} GatewayHealth objects from the e2e suite are valid under the CRD schema")
    return 0


def check_secrets(record):
    import secret_scan
    problems, summary = secret_scan.check(record)
    for line in problems:
        print("check-secrets: " + line, file=sys.stderr)
    if problems:
        return 1
    print("check-secrets: " + summary)
    return 0


def main():
    record, manifests = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    crd_result = check_healths(record / "gatewayhealths.jsonl", manifests) | check_secrets(record)
    log = record / "requests.jsonl"
    if not log.exists() or log.stat().st_size == 0:
        print(f"check-rbac: no requests recorded in {log} (did the e2e suite run?)", file=sys.stderr)
        return 1
    used = used_pairs(log)
    # The base: its own files and the access component it lists (the fabric and gateway namespaces).
    base = rules(sorted((manifests / "base").glob("*.yaml")) + sorted((manifests / "components" / "access").glob("*.yaml")))
    # The options: restarts (pods/eviction) and allow-delete (pod delete) are granted by components.
    overlays = rules(sorted(p for p in (manifests / "components").glob("*/*.yaml") if p.parent.name != "access"))
    problems = rbac_problems(used, base, overlays)
    for line in problems:
        print("check-rbac: " + line, file=sys.stderr)
    if problems:
        return 1
    if crd_result:
        return crd_result
    print("check-rbac: %d (verb, resource) pairs used, all granted; base grants nothing beyond them (%d exempt: %s)"
          % (len(used), len(UNREACHED), "; ".join(f"{k[0]} {k[2]}: {v}" for k, v in UNREACHED.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
