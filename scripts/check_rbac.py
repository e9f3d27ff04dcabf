"""Checks that the RBAC manifests grant exactly what the operator used in the e2e suite.

The e2e tests append every API request the operator made to a JSON-lines log
(GATEWAY_MEDIC_REQUEST_LOG, set by `make test`). Each (verb, group, resource[/subresource]) pair
there must be granted by the base RBAC, or by an opt-in overlay (remediation). Every pair the
base grants must have been used, apart from the few listed in UNREACHED with the reason the e2e
suite cannot reach them in bounded time.

usage: check_rbac.py REQUEST_LOG MANIFESTS_DIR
"""
import json
import pathlib
import sys

import yaml

# Pairs granted on purpose that the e2e suite does not issue, and why.
UNREACHED = {
    ("delete", "", "configmaps"): "a resolved ticket draft expires after 7 days",
}


def rules(paths):
    pairs = set()
    for path in paths:
        for doc in yaml.safe_load_all(path.read_text()):
            if isinstance(doc, list):  # a JSON patch adding rules (the allow-delete overlay)
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


def main():
    log, manifests = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    if not log.exists() or log.stat().st_size == 0:
        print(f"check-rbac: no requests recorded in {log} (did the e2e suite run?)", file=sys.stderr)
        return 1
    used = set()
    for line in log.read_text().splitlines():
        r = json.loads(line)
        resource = r["resource"] + (f"/{r['subresource']}" if r.get("subresource") else "")
        used.add((r["verb"], r["group"], resource))
    base = rules(sorted((manifests / "base").glob("*.yaml")))
    overlays = rules(sorted((manifests / "overlays").glob("*/*.yaml")))
    problems = []
    for pair in sorted(used - base - overlays):
        problems.append("the operator issued %s %s but no Role grants it" % (pair[0], "/".join(filter(None, pair[1:]))))
    for pair in sorted(base - used - set(UNREACHED)):
        problems.append("the base grants %s %s but the operator never issued it" % (pair[0], "/".join(filter(None, pair[1:]))))
    for line in problems:
        print("check-rbac: " + line, file=sys.stderr)
    if problems:
        return 1
    print("check-rbac: %d (verb, resource) pairs used, all granted; base grants nothing beyond them (%d exempt: %s)"
          % (len(used), len(UNREACHED), "; ".join(f"{k[0]} {k[2]}: {v}" for k, v in UNREACHED.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
