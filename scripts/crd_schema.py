"""Validates custom resources against a CRD's structural openAPIV3Schema, offline.

The API server validates custom resources with the CRD's schema (an OpenAPI v3 subset with
Kubernetes extensions) and then prunes every field the schema does not declare. This module
does both with the `jsonschema` package:

- the schema is converted to plain JSON Schema: `x-kubernetes-*` extensions are dropped
  (except the ones that change what is valid, handled below), `nullable` becomes a null type,
  `x-kubernetes-int-or-string` becomes integer-or-string;
- formats the API server checks (`date-time`, `int32`, `int64`) are checked;
- `x-kubernetes-list-type: map` (keys unique) and `set` (items unique) are checked;
- a field the schema does not declare, under an object without
  `x-kubernetes-preserve-unknown-fields`, is reported: the server would silently drop it.
"""

from __future__ import annotations

import copy
import datetime
import re
from typing import Any, Iterator

import jsonschema

RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
INT_RANGES = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}


class Problem:
    """One validation failure: a dotted path inside the object and what is wrong there."""

    def __init__(self, path: list, message: str):
        self.path = ".".join(str(p) for p in path)
        self.message = message

    def __str__(self) -> str:
        return f"{self.path or '(root)'}: {self.message}"


def is_date_time(value: Any) -> bool:
    if not isinstance(value, str):
        return True  # formats apply to strings only
    m = RFC3339.match(value)
    if not m:
        return False
    try:
        datetime.datetime(*(int(m.group(i)) for i in range(1, 7)))
    except ValueError:
        return False
    return True


def format_checker() -> jsonschema.FormatChecker:
    checker = jsonschema.FormatChecker(formats=())
    checker.checks("date-time")(is_date_time)
    for name, (low, high) in INT_RANGES.items():
        def check(value: Any, low: int = low, high: int = high) -> bool:
            return not isinstance(value, int) or isinstance(value, bool) or low <= value <= high
        checker.checks(name)(check)
    return checker


def to_json_schema(node: Any) -> Any:
    """The structural schema as plain JSON Schema (draft 2020-12 keywords)."""
    if isinstance(node, list):
        return [to_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out: dict = {}
    for key, value in node.items():
        if key in ("properties", "patternProperties", "definitions"):
            out[key] = {k: to_json_schema(v) for k, v in value.items()}
        elif key == "x-kubernetes-list-type" and value == "set":
            out["uniqueItems"] = True
        elif key.startswith("x-kubernetes-") or key in ("nullable", "example", "externalDocs"):
            continue  # extensions: handled separately or not part of validation
        else:
            out[key] = to_json_schema(value)
    if node.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if node.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    return out


def list_map_problems(schema: dict, value: Any, path: list) -> Iterator[Problem]:
    """Duplicate keys in `x-kubernetes-list-type: map` lists, anywhere in `value`."""
    if not isinstance(schema, dict):
        return
    if isinstance(value, list):
        keys = schema.get("x-kubernetes-list-map-keys")
        if schema.get("x-kubernetes-list-type") == "map" and keys:
            seen: dict = {}
            for i, item in enumerate(value):
                if isinstance(item, dict):
                    key = tuple(item.get(k) for k in keys)
                    if key in seen:
                        yield Problem(path + [i], f"duplicate entry for list-map key {dict(zip(keys, key))} "
                                                  f"(first at index {seen[key]})")
                    seen.setdefault(key, i)
        for i, item in enumerate(value):
            yield from list_map_problems(schema.get("items", {}), item, path + [i])
    elif isinstance(value, dict):
        props = schema.get("properties", {})
        for k, v in value.items():
            sub = props.get(k, schema.get("additionalProperties"))
            if isinstance(sub, dict):
                yield from list_map_problems(sub, v, path + [k])


def pruned_fields(schema: dict, value: Any, path: list) -> Iterator[Problem]:
    """Fields the API server would prune: not declared, not under preserve-unknown-fields."""
    if not isinstance(schema, dict) or schema.get("x-kubernetes-preserve-unknown-fields"):
        return
    if isinstance(value, dict):
        props = schema.get("properties")
        extra = schema.get("additionalProperties")
        if path == ["metadata"]:
            return  # ObjectMeta is validated (and never pruned) by the server itself
        props = props or {}
        for k, v in value.items():
            if k in props:
                yield from pruned_fields(props[k], v, path + [k])
            elif isinstance(extra, dict):
                yield from pruned_fields(extra, v, path + [k])
            elif path == [] and k in ("apiVersion", "kind", "metadata"):
                continue
            else:
                yield Problem(path + [k], "field not declared in the CRD schema: the API server would prune it")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from pruned_fields(schema.get("items", {}), item, path + [i])


class CRDValidator:
    """Validates objects of one CRD (all its served versions)."""

    def __init__(self, crd: dict):
        spec = crd.get("spec", {})
        self.group = spec.get("group", "")
        self.kind = spec.get("names", {}).get("kind", "")
        self.schemas = {}
        for version in spec.get("versions", []):
            if version.get("served"):
                raw = version.get("schema", {}).get("openAPIV3Schema", {})
                self.schemas[f"{self.group}/{version['name']}"] = raw
        self.checker = format_checker()

    def handles(self, obj: dict) -> bool:
        return obj.get("kind") == self.kind and str(obj.get("apiVersion", "")).split("/")[0] == self.group

    def problems(self, obj: dict) -> list[Problem]:
        api_version = obj.get("apiVersion")
        raw = self.schemas.get(api_version)
        if raw is None:
            return [Problem(["apiVersion"], f"{api_version!r} is not a served version of {self.kind} "
                                            f"(served: {', '.join(sorted(self.schemas))})")]
        found: list[Problem] = []
        if not str(obj.get("metadata", {}).get("name", "")):
            found.append(Problem(["metadata", "name"], "required"))
        validator = jsonschema.Draft202012Validator(to_json_schema(raw), format_checker=self.checker)
        for error in validator.iter_errors(obj):
            found.append(Problem(list(error.absolute_path), error.message))
        found.extend(list_map_problems(raw, obj, []))
        found.extend(pruned_fields(raw, obj, []))
        return sorted(found, key=lambda p: p.path)


def structural_problems(crd: dict) -> list[str]:
    """Checks on the CRD itself that the API server (or kubectl) would only report on apply or
    at read time: types everywhere, list-map keys required, printer columns that resolve."""
    found: list[str] = []
    versions = crd.get("spec", {}).get("versions", [])
    if sum(1 for v in versions if v.get("storage")) != 1:
        found.append("exactly one version must have storage: true")

    def walk(node: Any, where: str) -> None:
        if not isinstance(node, dict):
            return
        if "type" not in node and not (node.get("x-kubernetes-preserve-unknown-fields")
                                       or node.get("x-kubernetes-int-or-string")) and where.count(".") > 0:
            found.append(f"{where}: no type (a structural schema needs one)")
        if node.get("x-kubernetes-list-type") == "map":
            item = node.get("items", {})
            for key in node.get("x-kubernetes-list-map-keys", []):
                if key not in item.get("required", []) and "default" not in item.get("properties", {}).get(key, {}):
                    found.append(f"{where}: list-map key {key!r} must be required or defaulted")
        for name, sub in node.get("properties", {}).items():
            walk(sub, f"{where}.{name}")
        if isinstance(node.get("items"), dict):
            walk(node["items"], f"{where}[]")
        if isinstance(node.get("additionalProperties"), dict):
            walk(node["additionalProperties"], f"{where}{{}}")

    for version in versions:
        schema = version.get("schema", {}).get("openAPIV3Schema")
        if not isinstance(schema, dict):
            found.append(f"version {version.get('name')}: no openAPIV3Schema")
            continue
        walk(schema, version.get("name", "?"))
        for column in version.get("additionalPrinterColumns", []):
            path = column.get("jsonPath", "")
            if path.startswith(".metadata."):
                continue
            node: Any = schema
            for part in path.strip(".").split("."):
                node = (node or {}).get("properties", {}).get(part)
            if node is None:
                found.append(f"version {version.get('name')}: printer column {column.get('name')!r} "
                             f"reads {path}, which the schema does not declare (it would always be empty)")
    return found


def strip_test_annotations(obj: dict, prefix: str) -> dict:
    """A copy of `obj` without the test-only annotations (they are not part of the resource)."""
    clean = copy.deepcopy(obj)
    annotations = clean.get("metadata", {}).get("annotations") or {}
    for key in [k for k in annotations if k.startswith(prefix)]:
        del annotations[key]
    if "annotations" in clean.get("metadata", {}) and not annotations:
        del clean["metadata"]["annotations"]
    return clean
