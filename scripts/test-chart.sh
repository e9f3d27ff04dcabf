#!/usr/bin/env bash
# Tests charts/gateway-medic with the real Helm engine (scripts/test_chart.py says what): lint for
# the default values and each profile, wrong values refused by values.schema.json, and the
# rendered objects equal to manifests/' kustomize output and passing its policy checks.
# Needs Python >= 3.12 (helm-sdkpy) and kubectl (kustomize). Installs its packages into
# .build-helm-venv/ (gitignored) on first use. Under CI=true a missing tool fails; elsewhere the
# test says what is missing and is skipped.
#
#   PYTHON_HELM  a python >= 3.12 to create the venv with [python3 if >= 3.12, else pyenv's newest 3.12+]
#   KUBECTL      kubectl to render manifests/ with [kubectl]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
venv="$root/.build-helm-venv"
kubectl="${KUBECTL:-kubectl}"

missing() {
  if [ "${CI:-}" = true ]; then echo "test-chart: FAIL: $*" >&2; exit 1; fi
  echo "test-chart: SKIPPED: $*" >&2; exit 0
}

is_312() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; }

if ! "$venv/bin/python" -c 'import helm_sdkpy, yaml' 2>/dev/null; then
  python="${PYTHON_HELM:-}"
  if [ -z "$python" ]; then
    if command -v python3 >/dev/null && is_312 python3; then
      python=python3
    else
      for candidate in $(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.* 2>/dev/null | sort -V -r); do
        if is_312 "$candidate/bin/python"; then python="$candidate/bin/python"; break; fi
      done
    fi
  fi
  [ -n "$python" ] || missing "helm-sdkpy needs Python >= 3.12 (none found; set PYTHON_HELM=...)"
  echo "test-chart: installing helm-sdkpy into .build-helm-venv/ with $python"
  rm -rf "$venv"
  "$python" -m venv "$venv" || missing "could not create a venv with $python"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$root/scripts/requirements-chart.txt" \
    || missing "pip could not install scripts/requirements-chart.txt (is PyPI reachable?)"
fi
command -v "$kubectl" >/dev/null 2>&1 && "$kubectl" kustomize --help >/dev/null 2>&1 \
  || missing "kubectl (with kustomize) is needed to compare the chart with manifests/"

# The rendered objects also go through validate-manifests' offline checks (Kubernetes schemas,
# the CRD's schema, policy), with its venv (.build-venv/, made by scripts/validate-manifests.sh).
"$root/.build-venv/bin/python" -c 'import kubernetes_validate, jsonschema, yaml' 2>/dev/null \
  || missing ".build-venv/ is missing: run scripts/validate-manifests.sh (make validate-manifests) first"
rendered="$(mktemp -d)"
trap 'rm -rf "$rendered"' EXIT
KUBECTL="$kubectl" "$venv/bin/python" "$root/scripts/test_chart.py" "$rendered"
args=()
for file in "$rendered"/*.yaml; do args+=(--rendered "chart:$(basename "$file" .yaml)=$file"); done
echo
echo "test-chart: the rendered objects through validate-manifests' checks"
"$root/.build-venv/bin/python" "$root/scripts/validate_manifests.py" --kubernetes-version "${KUBERNETES_VERSION:-1.30}" "${args[@]}"
