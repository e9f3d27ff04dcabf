#!/usr/bin/env python3
"""Leaves out of a behaviour-probe record (scripts/compare-behaviour.sh) what one side adds on
purpose, so that a before/after diff shows only what should not have changed.

    leave_out.py RECORD_DIR OUT_DIR

Settings (environment, space-separated):
  LEAVE_OUT_CONDITIONS  condition types: dropped from every GatewayHealth status and from
                        `check -o json` (e.g. the conditions a later issue added);
  LEAVE_OUT_EVENTS      Event reasons: those Events dropped from objects.txt, and their creation
                        requests cannot be told apart from others' (the path names no reason), so
                        requests.txt keeps them: see the note the script prints;
  LEAVE_OUT_FIELDS      status fields as dotted paths (memory.peeringRises, evidence.agentVersion):
                        dropped from GatewayHealth statuses and check's JSON.
A step of objects.txt whose objects are then the same as the step before is dropped too.
"""
import json
import os
import sys

conditions = set(os.environ.get("LEAVE_OUT_CONDITIONS", "").split())
events = set(os.environ.get("LEAVE_OUT_EVENTS", "").split())
fields = [f.split(".") for f in os.environ.get("LEAVE_OUT_FIELDS", "").split()]


def drop_path(obj, path):
    for key in path[:-1]:
        if not isinstance(obj, dict) or key not in obj:
            return
        obj = obj[key]
    if isinstance(obj, dict):
        obj.pop(path[-1], None)


def clean_status(status):
    if not isinstance(status, dict):
        return
    if isinstance(status.get("conditions"), list):
        status["conditions"] = [c for c in status["conditions"] if c.get("type") not in conditions]
    for path in fields:
        drop_path(status, path)


def walk(value):
    """check -o json: every object with `conditions` is a gateway's status-like record."""
    if isinstance(value, dict):
        if "conditions" in value:
            clean_status(value)
        for v in value.values():
            walk(v)
    elif isinstance(value, list):
        for v in value:
            walk(v)


def objects(src, dst):
    out, step, lines, last = [], None, [], None

    def flush():
        nonlocal last
        if step is not None and lines != last:
            out.append(step)
            out.extend(lines)
            last = list(lines)

    for raw in open(src, encoding="utf-8"):
        raw = raw.rstrip("\n")
        if raw.startswith("# "):
            flush()
            step, lines = raw, []
            continue
        kind, _, text = raw.partition(" ")
        obj = json.loads(text)
        if kind == "events" and obj.get("reason") in events:
            continue
        if kind == "gatewayhealths":
            clean_status(obj.get("status"))
        lines.append(kind + " " + json.dumps(obj, sort_keys=True, separators=(",", ":")))
    flush()
    with open(dst, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + ("\n" if out else ""))


def main():
    src, dst = sys.argv[1], sys.argv[2]
    os.makedirs(dst, exist_ok=True)
    for name in sorted(os.listdir(src)):
        path = os.path.join(src, name)
        if name == "objects.txt":
            objects(path, os.path.join(dst, name))
        elif name.startswith("check-"):
            text = open(path, encoding="utf-8").read()
            head, _, document = text.partition("\n")
            stderr, _, document = document.partition("\n")
            try:
                parsed = json.loads(document)
                walk(parsed)
                document = json.dumps(parsed, sort_keys=True, separators=(",", ":")) + "\n"
            except ValueError:
                pass
            open(os.path.join(dst, name), "w", encoding="utf-8").write(head + "\n" + stderr + "\n" + document)
        else:
            open(os.path.join(dst, name), "w", encoding="utf-8").write(open(path, encoding="utf-8").read())


if __name__ == "__main__":
    main()
