#!/usr/bin/env bash
# Validates manifests/ offline: renders every kustomization (base and each overlay) with
# `kubectl kustomize`, checks each object against the Kubernetes schemas bundled in the PyPI
# package kubernetes-validate, GatewayHealth objects and the samples in manifests/tests against
# the CRD's own schema, and the install's policy (least-privilege RBAC matching the config, pod
# hardening, probes), and a user's install moved to another namespace with kustomize's `namespace:`
# (scripts/kustomize_namespace.py). Needs python3 with venv and pip; installs its two Python packages into
# .build-venv/ (gitignored) on first use. Exits non-zero on any problem.
#
#   KUBERNETES_VERSION  schema version to check against [1.30]
#   KUBECTL             kubectl to render with [kubectl]
#   PYTHON              python3 to create the venv with [python3]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
manifests="manifests"
venv="$root/.build-venv"
version="${KUBERNETES_VERSION:-1.30}"
kubectl="${KUBECTL:-kubectl}"
python="${PYTHON:-python3}"

die() { echo "validate-manifests: $*" >&2; exit 1; }

# --- Python environment -----------------------------------------------------------------
if ! "$venv/bin/python" -c 'import kubernetes_validate, jsonschema, yaml' 2>/dev/null; then
  command -v "$python" >/dev/null || die "python3 is needed (set PYTHON=...)"
  echo "validate-manifests: installing kubernetes-validate and jsonschema into .build-venv/"
  rm -rf "$venv"
  "$python" -m venv "$venv" || die "could not create a venv (on Debian/Ubuntu: apt-get install python3-venv)"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
      -r "$root/scripts/requirements-validate.txt" \
    || die "pip could not install scripts/requirements-validate.txt (is PyPI reachable?)"
fi

# --- Render -----------------------------------------------------------------------------
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
args=()
kustomizations=()
while IFS= read -r file; do
  # A kustomize Component (manifests/monitoring) is rendered inside the overlays that use it.
  grep -q '^kind: Component' "$file" && continue
  kustomizations+=("$(dirname "$file")")
done < <(find "$manifests" -name kustomization.yaml -not -path '*/tests/*' | sort)
[ "${#kustomizations[@]}" -gt 0 ] || die "no kustomization.yaml under $manifests/"

if command -v "$kubectl" >/dev/null 2>&1 && "$kubectl" kustomize --help >/dev/null 2>&1; then
  for dir in "${kustomizations[@]}"; do
    out="$work/$(echo "$dir" | tr '/' '_').yaml"
    if ! "$kubectl" kustomize "$dir" >"$out" 2>"$work/err"; then
      cat "$work/err" >&2
      die "kubectl kustomize $dir failed"
    fi
    args+=(--rendered "$dir=$out")
  done
  rendered_with_kubectl=1
else
  echo "validate-manifests: NOTE: kubectl not found; validating the YAML files as written, without"
  echo "  kustomize rendering (overlays' patches and generated ConfigMaps are not checked)."
  while IFS= read -r file; do
    args+=(--raw "$file")
  done < <(find "$manifests" \( -name '*.yaml' -o -name '*.yml' \) -not -type l -not -path '*/tests/*' \
             -not -name kustomization.yaml -not -name 'config.yaml' -not -name '*-patch.yaml' | sort)
fi

"$venv/bin/python" "$root/scripts/validate_manifests.py" --kubernetes-version "$version" \
    --samples "$manifests/tests" "${args[@]}"

# --- A user's install in another namespace (kustomize's `namespace:`) ----------------------
if [ -n "${rendered_with_kubectl:-}" ]; then
  echo
  KUBECTL="$kubectl" "$venv/bin/python" "$root/scripts/kustomize_namespace.py"
fi

# --- Self-test: each check must catch the mistake it exists for --------------------------
# Copies manifests/, breaks one thing, and expects the validator to fail naming it.
[ -n "${rendered_with_kubectl:-}" ] || exit 0
echo
echo "validate-manifests: self-test (each mutation must be rejected)"
mutate() {  # name, kustomization to render, expected message, shell command run in the copy
  local name="$1" target="$2" expected="$3" command="$4" copy="$work/selftest" out
  rm -rf "$copy" && mkdir -p "$copy" && cp -R "$manifests" "$copy/"
  (cd "$copy" && eval "$command")
  "$kubectl" kustomize "$copy/$target" >"$work/mutant.yaml" 2>"$work/err" || { cat "$work/err"; die "self-test $name: render failed"; }
  if out="$("$venv/bin/python" "$root/scripts/validate_manifests.py" --kubernetes-version "$version" \
              --samples "$copy/$manifests/tests" --rendered "$target=$work/mutant.yaml" 2>&1)"; then
    die "self-test $name: the broken manifests passed validation"
  fi
  grep -qF -- "$expected" <<<"$out" || { echo "$out" | tail -20; die "self-test $name: no '$expected' in the report"; }
  echo "  ok   $name"
}
mutate "pod delete in base" manifests/base "pod delete is granted" \
  "sed -i 's/verbs: \[list, watch\]/verbs: [list, watch, delete]/' manifests/components/access/rbac-gateway-pods.yaml"
mutate "allow-delete without the RBAC" manifests/overlays/remediation-allow-delete "pod delete is not granted" \
  "sed -i '/rbac-delete-patch.yaml/,/name: gateway-medic-remediation}/d' manifests/components/allow-delete/kustomization.yaml"
mutate "dry-run that writes" manifests/overlays/dry-run "dry-run grants create on configmaps" \
  "sed -i 's/^            verbs: \\[list\\]$/            verbs: [list, create]/' manifests/components/dry-run/kustomization.yaml"
mutate "dry-run combined with remediation keeps evictions" manifests/overlays/dry-run-remediation "dry-run grants create on pods/eviction" \
  "sed -i '/name: gateway-medic-remediation}/,/value: \\[\\]/d' manifests/components/dry-run/kustomization.yaml"
mutate "eviction without remediation" manifests/base "pods/eviction create is granted" \
  "sed -i 's/resources: \[pods\]/resources: [pods, pods\/eviction]/; s/verbs: \[list, watch\]/verbs: [list, watch, create]/' manifests/components/access/rbac-gateway-pods.yaml"
mutate "config key typo" manifests/base "unknown key 'fabricNamspace'" \
  "sed -i 's/^fabricNamespace:/fabricNamspace:/' manifests/base/config.yaml"
mutate "two writers" manifests/base "without leader election" \
  "sed -i 's/^  enabled: true /  enabled: false/' manifests/base/config.yaml"
mutate "writable root filesystem" manifests/base "readOnlyRootFilesystem must be true" \
  "sed -i 's/readOnlyRootFilesystem: true/readOnlyRootFilesystem: false/' manifests/base/deployment.yaml"
mutate "RBAC in the wrong fabric namespace" manifests/base "cannot list gatewayagents" \
  "sed -i 's/^  namespace: default$/  namespace: fabric/' manifests/components/access/rbac-fabric.yaml"
mutate "schema misses a field the code writes" manifests/base "status.agentGeneration: field not declared" \
  "sed -i 's/^                agentGeneration:$/                agentGenerationRenamed:/' manifests/base/gatewayhealth-crd.yaml"
mutate "an invalid sample that is valid" manifests/base "should be rejected" \
  "cp manifests/tests/valid/gatewayhealth-up.yaml manifests/tests/invalid/up.yaml && sed -i 's/^  namespace: default$/  namespace: default\n  annotations: {validate.gatewaymedic.io\/expected-errors: status.state}/' manifests/tests/invalid/up.yaml"
mutate "unknown field in a built-in object" manifests/base "Additional properties are not allowed" \
  "sed -i 's/^  replicas: 2$/  replicas: 2\n  replica: 3/' manifests/base/deployment.yaml"
echo "validate-manifests: self-test passed"
