#!/usr/bin/env bash
# Tests charts/gateway-medic with the real Helm engine (scripts/test_chart.py says what): lint for
# the default values and each profile, wrong values refused by values.schema.json, and a real
# install of each profile into the project's API-server emulator (the TestAPIServer executable,
# built here), whose stored objects must equal manifests/' kustomize output and pass its policy
# checks (and, with E2E_RECORD, the RBAC check against the e2e suite's requests).
# Needs Python >= 3.12 (helm-sdkpy), kubectl (kustomize), openssl and swift. Installs its packages
# into .build-helm-venv/ (gitignored) on first use. Under CI=true a missing tool fails; elsewhere
# the test says what is missing and is skipped.
#
#   PYTHON_HELM  a python >= 3.12 to create the venv with [python3 if >= 3.12, else pyenv's newest 3.12+]
#   KUBECTL      kubectl to render manifests/ with [kubectl]
#   E2E_RECORD   the e2e suite's record folder (make test passes .build/e2e-record) [unset: that check is skipped]
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

command -v openssl >/dev/null 2>&1 || missing "openssl is needed to make the emulator's test certificates"
command -v "${SWIFT:-swift}" >/dev/null 2>&1 || missing "swift is needed to build the emulator (TestAPIServer)"
"${SWIFT:-swift}" build --product TestAPIServer >/dev/null || { echo "test-chart: FAIL: swift build --product TestAPIServer" >&2; exit 1; }
export TEST_API_SERVER="$("${SWIFT:-swift}" build --show-bin-path)/TestAPIServer"

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
