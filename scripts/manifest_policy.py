"""Policy checks on one rendered kustomization of gateway-medic.

Schemas say an object is well-formed; these say the install is what docs/install.md promises:
least-privilege RBAC that follows the config (restarts and deletes only where the config turns
them on), a hardened pod with the probes and the config mount the binary expects, and a config
whose namespaces and port agree with the RBAC and the Service.
"""

from __future__ import annotations

from typing import Any, Optional

import yaml

SERVICE_ACCOUNT = ("gateway-medic", "gateway-medic")  # namespace, name
CONFIG_PATH = "/etc/gateway-medic/config.yaml"

# The config file's keys, as OperatorConfig decodes them (Sources/OperatorRuntime/Config). The
# operator refuses unknown keys at start-up; catching them here fails the build instead of the
# rollout. `remediation` is RemediationPolicy (Sources/Remediation/Planning/RemediationPolicy.swift).
CONFIG_KEYS: dict[str, Any] = {
    "fabricNamespace": None, "gatewayNamespace": None, "operatorNamespace": None, "dryRun": None,
    "health": {"startupGrace", "podGrace", "keepaliveInterval", "missedKeepalives", "applyTimeout",
               "bgpFlapThreshold", "bgpFlapWindow", "dropRatioThreshold", "heartbeatFutureTolerance",
               "switchAgentStaleAfter", "immediateFailureReasons", "peeringActivityWindow", "peeringStoppedAfter"},
    "leaderElection": {"enabled", "leaseName", "leaseDuration", "renewDeadline", "retryPeriod"},
    "queue": {"workers", "retryBaseDelay", "retryMaxDelay"},
    "events": {"burst", "refillInterval"},
    "server": {"host", "port"},
    "tickets": {"configMaps", "directory", "webhook", "alertmanager"},
    "remediation": {"enabled", "allowDelete", "cooldown", "maxRestartsPerWindow", "window", "maxInFlight",
                    "inFlightTimeout", "bgpDownRestartAfter", "ticketAfter", "ticketReopenWindow",
                    "ticketRefreshInterval", "resolvedTicketTTL"},
}


def _kind(objects: list[dict], kind: str) -> list[dict]:
    return [o for o in objects if o.get("kind") == kind]


def _ns(o: dict) -> Optional[str]:
    return (o.get("metadata") or {}).get("namespace")


def _name(o: dict) -> str:
    return (o.get("metadata") or {}).get("name", "")


def _grants(objects: list[dict]) -> list[tuple[Optional[str], dict]]:
    """(namespace or None for cluster-wide, rule) for every rule bound to gateway-medic's account."""
    roles = {("Role", _ns(r), _name(r)): r for r in _kind(objects, "Role")}
    roles.update({("ClusterRole", None, _name(r)): r for r in _kind(objects, "ClusterRole")})
    out = []
    for binding in _kind(objects, "RoleBinding") + _kind(objects, "ClusterRoleBinding"):
        subjects = binding.get("subjects") or []
        if not any(s.get("kind") == "ServiceAccount" and (s.get("namespace"), s.get("name")) == SERVICE_ACCOUNT
                   for s in subjects):
            continue
        ref = binding.get("roleRef") or {}
        scope = _ns(binding) if binding.get("kind") == "RoleBinding" else None
        key = (ref.get("kind"), _ns(binding) if ref.get("kind") == "Role" else None, ref.get("name"))
        role = roles.get(key)
        if role is None:
            continue  # reported by check()
        out.extend((scope, rule) for rule in role.get("rules") or [])
    return out


def _allows(grants: list, namespace: Optional[str], group: str, resource: str, verb: str) -> bool:
    return any((scope is None or scope == namespace) and group in rule.get("apiGroups", [])
               and resource in rule.get("resources", []) and verb in rule.get("verbs", [])
               for scope, rule in grants)


def _config(objects: list[dict], deployment: dict, problems: list[str]) -> dict:
    volumes = deployment["spec"]["template"]["spec"].get("volumes") or []
    names = [v["configMap"]["name"] for v in volumes if "configMap" in v]
    maps = [m for m in _kind(objects, "ConfigMap") if _name(m) in names and _ns(m) == _ns(deployment)]
    if len(maps) != 1 or "config.yaml" not in (maps[0].get("data") or {}):
        problems.append(f"the Deployment must mount exactly one ConfigMap holding config.yaml (found {names})")
        return {}
    try:
        config = yaml.safe_load(maps[0]["data"]["config.yaml"]) or {}
    except yaml.YAMLError as e:
        problems.append(f"config.yaml in ConfigMap {_name(maps[0])} is not YAML: {e}")
        return {}
    for key, value in config.items():
        if key not in CONFIG_KEYS:
            problems.append(f"config.yaml: unknown key {key!r} (the operator would refuse to start)")
        elif isinstance(CONFIG_KEYS[key], set):
            for sub in (value or {}):
                if sub not in CONFIG_KEYS[key]:
                    problems.append(f"config.yaml: unknown key {key}.{sub} (the operator would refuse to start)")
    return _with_flags(config, deployment, problems)


# The setting flags the manifests' components and the chart add to the container's args (flags
# override config.yaml: docs/configuration.md): flag -> (key path, value or None when it takes one).
SETTING_FLAGS: dict[str, tuple[tuple[str, ...], Any]] = {
    "--dry-run": (("dryRun",), True), "--no-dry-run": (("dryRun",), False),
    "--remediate": (("remediation", "enabled"), True), "--no-remediate": (("remediation", "enabled"), False),
    "--allow-delete": (("remediation", "allowDelete"), True),
    "--no-allow-delete": (("remediation", "allowDelete"), False),
    "--leader-elect": (("leaderElection", "enabled"), True),
    "--no-leader-elect": (("leaderElection", "enabled"), False),
    "--lease-name": (("leaderElection", "leaseName"), None),
    "--fabric-namespace": (("fabricNamespace",), None), "--gateway-namespace": (("gatewayNamespace",), None),
    "--operator-namespace": (("operatorNamespace",), None),
}


def _with_flags(config: dict, deployment: dict, problems: list[str]) -> dict:
    containers = deployment["spec"]["template"]["spec"].get("containers") or [{}]
    args = list(containers[0].get("args") or [])
    config = {k: (dict(v) if isinstance(v, dict) else v) for k, v in config.items()}
    i = 0
    while i < len(args):
        word, value = args[i], None
        if "=" in word and word.split("=", 1)[0] in SETTING_FLAGS:
            word, value = word.split("=", 1)
        if word in SETTING_FLAGS:
            path, fixed = SETTING_FLAGS[word]
            if fixed is None and value is None:
                if i + 1 >= len(args):
                    problems.append(f"container args: {word} needs a value")
                    break
                i += 1
                value = args[i]
            target = config
            for key in path[:-1]:
                target = target.setdefault(key, {})
            target[path[-1]] = fixed if fixed is not None else value
        i += 1
    return config


WRITE_VERBS = {"create", "update", "patch", "delete", "deletecollection"}


def _check_rbac(objects: list[dict], config: dict, problems: list[str]) -> None:
    for role in _kind(objects, "Role") + _kind(objects, "ClusterRole"):
        for rule in role.get("rules") or []:
            for field in ("apiGroups", "resources", "verbs"):
                if "*" in (rule.get(field) or []):
                    problems.append(f"{role['kind']} {_name(role)}: wildcard in {field}")
            if "secrets" in (rule.get("resources") or []):
                problems.append(f"{role['kind']} {_name(role)}: gateway-medic needs no access to Secrets")
    roles = {(r["kind"], _ns(r) if r["kind"] == "Role" else None, _name(r))
             for r in _kind(objects, "Role") + _kind(objects, "ClusterRole")}
    for binding in _kind(objects, "RoleBinding") + _kind(objects, "ClusterRoleBinding"):
        ref = binding.get("roleRef") or {}
        key = (ref.get("kind"), _ns(binding) if ref.get("kind") == "Role" else None, ref.get("name"))
        if key not in roles:
            problems.append(f"{binding['kind']} {_name(binding)} refers to {ref.get('kind')} {ref.get('name')}, "
                            "which these manifests do not define")
        if binding.get("kind") == "ClusterRoleBinding":
            problems.append(f"ClusterRoleBinding {_name(binding)}: gateway-medic reads and writes three namespaces; "
                            "bind with RoleBindings there instead")

    grants = _grants(objects)
    fabric = config.get("fabricNamespace", "default")
    pods_ns = config.get("gatewayNamespace", "fab")
    own_ns = config.get("operatorNamespace") or SERVICE_ACCOUNT[0]
    dry_run = bool(config.get("dryRun"))
    needed = [
        (fabric, "gwint.githedgehog.com", "gatewayagents", ["list", "watch"]),
        (fabric, "gateway.githedgehog.com", "gateways", ["list", "watch"]),
        (fabric, "gateway.githedgehog.com", "gatewaypeerings", ["list", "watch"]),
        (fabric, "agent.githedgehog.com", "agents", ["list", "watch"]),
        (fabric, "gatewaymedic.io", "gatewayhealths", ["list", "watch", "create"]),
        (fabric, "gatewaymedic.io", "gatewayhealths/status", ["patch"]),
        (fabric, "", "events", ["create", "patch"]),
        (pods_ns, "", "pods", ["list", "watch"]),
        (own_ns, "", "configmaps", ["list", "create", "patch", "delete"]),
        (own_ns, "coordination.k8s.io", "leases", ["create"]),
    ]
    if dry_run:  # reads only (and its Lease, checked below)
        needed = [(ns, g, r, verbs if r == "leases" else [v for v in verbs if v not in WRITE_VERBS])
                  for ns, g, r, verbs in needed]
    for namespace, group, resource, verbs in needed:
        for verb in verbs:
            if not _allows(grants, namespace, group, resource, verb):
                problems.append(f"RBAC: gateway-medic cannot {verb} {resource}.{group or 'core'} "
                                f"in namespace {namespace} (the config says it works there)")
    lease = (config.get("leaderElection") or {}).get("leaseName", "gateway-medic")
    for verb in ("get", "update"):
        ok = any((scope is None or scope == own_ns) and "coordination.k8s.io" in r.get("apiGroups", [])
                 and "leases" in r.get("resources", []) and verb in r.get("verbs", [])
                 and (not r.get("resourceNames") or lease in r["resourceNames"]) for scope, r in grants)
        if not ok:
            problems.append(f"RBAC: gateway-medic cannot {verb} its Lease {own_ns}/{lease}")

    if dry_run:
        for scope, rule in grants:
            writes = sorted(WRITE_VERBS & set(rule.get("verbs", [])))
            lease_only = rule.get("resources") == ["leases"] and rule.get("apiGroups") == ["coordination.k8s.io"] \
                and scope == own_ns and (writes == ["create"] or rule.get("resourceNames") == [lease])
            if writes and not lease_only:
                problems.append(f"RBAC: dry-run grants {', '.join(writes)} on {', '.join(rule.get('resources', []))} "
                                f"in {scope or 'the cluster'} (dry-run may write only its Lease {own_ns}/{lease})")
        return

    remediation = config.get("remediation") or {}
    evicts = _allows(grants, pods_ns, "", "pods/eviction", "create")
    deletes = _allows(grants, pods_ns, "", "pods", "delete")
    if bool(remediation.get("enabled")) != evicts:
        problems.append(f"RBAC/config mismatch: remediation.enabled is {bool(remediation.get('enabled'))} "
                        f"but pods/eviction create is {'granted' if evicts else 'not granted'} in {pods_ns}")
    wants_delete = bool(remediation.get("enabled")) and bool(remediation.get("allowDelete"))
    if wants_delete != deletes:
        problems.append(f"RBAC/config mismatch: remediation.allowDelete is {bool(remediation.get('allowDelete'))} "
                        f"but pod delete is {'granted' if deletes else 'not granted'} in {pods_ns}")
    for scope, rule in grants:
        if "pods" in rule.get("resources", []) and "delete" in rule.get("verbs", []) and scope != pods_ns:
            problems.append(f"RBAC: pod delete granted outside the gateway namespace ({scope or 'cluster-wide'})")


def _check_pod(deployment: dict, config: dict, problems: list[str]) -> None:
    spec = deployment["spec"]
    pod = spec["template"]["spec"]
    where = f"Deployment {_name(deployment)}"
    replicas = spec.get("replicas", 1)
    leader = (config.get("leaderElection") or {}).get("enabled", True)
    if replicas > 1 and not leader:
        problems.append(f"{where}: {replicas} replicas without leader election would all write")
    if pod.get("serviceAccountName") != SERVICE_ACCOUNT[1] or _ns(deployment) != SERVICE_ACCOUNT[0]:
        problems.append(f"{where}: must run as ServiceAccount {SERVICE_ACCOUNT[0]}/{SERVICE_ACCOUNT[1]}")
    psc = pod.get("securityContext") or {}
    if (psc.get("seccompProfile") or {}).get("type") != "RuntimeDefault":
        problems.append(f"{where}: pod seccompProfile must be RuntimeDefault")
    containers = pod.get("containers") or []
    if len(containers) != 1:
        problems.append(f"{where}: expected one container, found {len(containers)}")
        return
    c = containers[0]
    sc = c.get("securityContext") or {}
    if not (sc.get("runAsNonRoot") or psc.get("runAsNonRoot")):
        problems.append(f"{where}: runAsNonRoot must be true")
    checks = [
        (sc.get("readOnlyRootFilesystem") is True, "readOnlyRootFilesystem must be true"),
        (sc.get("allowPrivilegeEscalation") is False, "allowPrivilegeEscalation must be false"),
        ((sc.get("capabilities") or {}).get("drop") == ["ALL"], "capabilities must drop ALL"),
        ("privileged" not in sc or sc["privileged"] is False, "must not be privileged"),
    ]
    problems.extend(f"{where}: {message}" for good, message in checks if not good)
    resources = c.get("resources") or {}
    for part in ("requests", "limits"):
        for res in ("cpu", "memory"):
            if res not in (resources.get(part) or {}):
                problems.append(f"{where}: resources.{part}.{res} is not set")
    args = c.get("args") or []
    if args[:1] != ["run"] or "--config" not in args or args[args.index("--config") + 1:][:1] != [CONFIG_PATH]:
        problems.append(f"{where}: args must be `run --config {CONFIG_PATH}` (found {args})")
    mounts = {m["mountPath"]: m for m in c.get("volumeMounts") or []}
    config_mount = mounts.get(CONFIG_PATH.rsplit("/", 1)[0])
    if not config_mount or not config_mount.get("readOnly"):
        problems.append(f"{where}: the config must be mounted read-only at {CONFIG_PATH.rsplit('/', 1)[0]}")
    env = {e["name"]: e for e in c.get("env") or []}
    if ((env.get("POD_NAMESPACE") or {}).get("valueFrom") or {}).get("fieldRef", {}).get("fieldPath") != "metadata.namespace":
        problems.append(f"{where}: POD_NAMESPACE must come from the downward API (metadata.namespace)")
    port = (config.get("server") or {}).get("port", 8080)
    ports = {p.get("name"): p.get("containerPort") for p in c.get("ports") or []}
    if port not in ports.values():
        problems.append(f"{where}: config server.port {port} is not a containerPort ({ports})")
    for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
        get = (c.get(probe) or {}).get("httpGet") or {}
        target = ports.get(get.get("port"), get.get("port"))
        if get.get("path") != path or target != port:
            problems.append(f"{where}: {probe} must GET {path} on port {port} (found {get})")


def _check_service(objects: list[dict], deployment: dict, config: dict, problems: list[str]) -> None:
    port = (config.get("server") or {}).get("port", 8080)
    labels = deployment["spec"]["template"]["metadata"].get("labels") or {}
    services = [s for s in _kind(objects, "Service") if _ns(s) == _ns(deployment)
                and s["spec"].get("selector") and all(labels.get(k) == v for k, v in s["spec"]["selector"].items())]
    if not services:
        problems.append("no Service selects the operator's pods (Prometheus needs one for /metrics)")
    for s in services:
        notes = (s.get("metadata") or {}).get("annotations") or {}
        if notes.get("prometheus.io/scrape") != "true" or notes.get("prometheus.io/port") != str(port) \
                or notes.get("prometheus.io/path", "/metrics") != "/metrics":
            problems.append(f"Service {_name(s)}: prometheus.io annotations must say scrape=true, port={port}, "
                            "path=/metrics")


def check(objects: list[dict]) -> list[str]:
    problems: list[str] = []
    deployments = [d for d in _kind(objects, "Deployment") if _name(d) == "gateway-medic"]
    if len(deployments) != 1:
        return [f"expected one Deployment gateway-medic, found {len(deployments)}"]
    deployment = deployments[0]
    if not any(_name(n) == _ns(deployment) for n in _kind(objects, "Namespace")):
        problems.append(f"Namespace {_ns(deployment)} is not created by these manifests")
    if not any(_name(s) == SERVICE_ACCOUNT[1] and _ns(s) == SERVICE_ACCOUNT[0] for s in _kind(objects, "ServiceAccount")):
        problems.append("ServiceAccount gateway-medic/gateway-medic is missing")
    config = _config(objects, deployment, problems)
    _check_rbac(objects, config, problems)
    _check_pod(deployment, config, problems)
    _check_service(objects, deployment, config, problems)
    return problems
