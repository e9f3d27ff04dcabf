#!/usr/bin/env bash
# Validates manifests/ offline: renders every kustomization (base and each overlay) with
# `kubectl kustomize`, checks each object against the Kubernetes schemas bundled in the PyPI
# package kubernetes-validate, GatewayHealth objects and the samples in manifests/tests against
# the CRD's own schema, and the install's policy (least-privilege RBAC matching the config, pod
# hardening, probes). Needs python3 with venv and pip; installs its two Python packages into
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
