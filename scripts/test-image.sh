#!/usr/bin/env bash
# Runs the built image's filesystem the way a pod runs it and checks that the operator in it works
# (Tests/GatewayMedicBinaryTests/ImageRunTests.swift): `make image` first, and `swift build --build-tests`
# (both done by `make test`). It mounts gateway-medic:<version> (buildah from + mount), makes a
# read-only view of it (readOnlyRootFilesystem) with /proc, /dev, a tmpfs at /tmp (the pod's
# emptyDir) and a tmpfs for the service-account volume, and hands that to the test, which starts
# the emulator over TLS with a simulated fabric and runs the image's entrypoint in it as uid 65532
# in in-cluster mode. Everything mounted is unmounted and the working container removed at exit.
# Needs root (buildah, mount, chroot); without it the test is skipped, except under CI=true.
# Runs `make image` first (buildah's cached layers make that quick when nothing changed).
#
#   BINARY   the release binary whose version names the image [the release build's gateway-medic]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
die() { echo "test-image: $*" >&2; exit 1; }
unable() {
  if [ "${CI:-}" = true ]; then die "$* (CI=true: the image test must run)"; fi
  echo "test-image: $*: image run test skipped"; exit 0
}
[ "$(id -u)" = 0 ] || unable "needs root (buildah, mount, chroot)"
command -v buildah >/dev/null || command -v apt-get >/dev/null || unable "buildah is not installed and this is no Debian (apt-get) machine"
${MAKE:-make} -s -C "$root" image    # installs buildah and debootstrap when missing
for tool in buildah mount umount chroot; do command -v "$tool" >/dev/null || die "$tool is not installed"; done

binary="${BINARY:-}"
if [ -z "$binary" ]; then
  binary="$(${SWIFT:-swift} build -c release --static-swift-stdlib --show-bin-path 2>/dev/null)/gateway-medic" \
    || die "could not ask swift for the release bin path; set BINARY=path/to/gateway-medic"
fi
[ -x "$binary" ] || die "no release binary at $binary: run 'make image' first"
tag="gateway-medic:$("$binary" version | awk '$1 == "gateway-medic" { print $2 }')"
buildah inspect --type image "$tag" >/dev/null 2>&1 || die "no image $tag: run 'make image' first"

work="$(mktemp -d /tmp/gateway-medic-image-test.XXXXXX)"
ctr=""
cleanup() {
  umount -R "$work/root" 2>/dev/null || true
  if [ -n "$ctr" ]; then buildah umount "$ctr" >/dev/null 2>&1 || true; buildah rm "$ctr" >/dev/null 2>&1 || true; fi
  # Never recurse into what is still mounted there (the host's /dev is bound in).
  if mountpoint -q "$work/root" 2>/dev/null; then
    echo "test-image: $work/root is still mounted; left in place (umount -R it)" >&2
  else
    rm -rf --one-file-system "$work"
  fi
}
trap cleanup EXIT

ctr="$(buildah from --pull-never "$tag")"
mnt="$(buildah mount "$ctr")"
# Where the kubelet mounts the service-account volume, as the container resolves the path.
chroot "$mnt" /bin/mkdir -p /var/run/secrets/kubernetes.io/serviceaccount
sa="$(chroot "$mnt" /bin/readlink -f /var/run/secrets/kubernetes.io/serviceaccount)"
mkdir -p "$work/root"
mount --bind "$mnt" "$work/root"
mount -o remount,bind,ro "$work/root"
mount -t proc proc "$work/root/proc"
mount --bind /dev "$work/root/dev"
mount -t tmpfs -o mode=1777,size=64m tmpfs "$work/root/tmp"
mount -t tmpfs -o mode=0755,size=1m tmpfs "$work/root$sa"
buildah inspect --type image "$tag" >"$work/image.json"   # its OCIv1.config: Entrypoint, Cmd, User, Env

echo "test-image: running $tag's filesystem (read-only, uid from its config) against the emulator"
status=0
GATEWAY_MEDIC_IMAGE_ROOT="$work/root" GATEWAY_MEDIC_IMAGE_CONFIG="$work/image.json" \
  ${SWIFT:-swift} test --skip-build --filter ImageRunTests 2>&1 | tee "$work/test.log" || status=$?
[ "$status" = 0 ] || die "ImageRunTests failed (exit $status)"
# A filter that matched nothing, or a suite that did not enable itself, must not pass silently.
grep -q 'theImageRunsInClusterModeAsUid65532AndWritesGatewayHealths.*passed' "$work/test.log" \
  || die "ImageRunTests did not run (not built? run swift build --build-tests)"
