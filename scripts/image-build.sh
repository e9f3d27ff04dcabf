#!/usr/bin/env bash
# Builds the gateway-medic image from the Dockerfile with buildah (`--isolation chroot`: no
# container engine or daemon needed) and tags it gateway-medic:<the version the binary reports>.
# `make image` runs it after `make release`. Where a registry cannot be reached, it makes what it
# cannot pull:
#   - the runtime base (debian:bookworm-slim): a Debian bookworm `minbase` root made with
#     debootstrap from Debian's mirror, trimmed like the slim image, cached as a tarball in
#     .build-image/ and imported into buildah's storage as $LOCAL_BASE;
#   - the Swift build image: the build stage then takes the binary `make release` built
#     (the Dockerfile's BINARY_FROM=prebuilt) instead of compiling it in the Swift image.
#
#   IMAGE_BINARY   source | prebuilt | auto     [auto: source when the Swift image can be had]
#   IMAGE_BASE     pull | debootstrap | auto    [auto: pull when the runtime base can be pulled]
#   BINARY         the release binary           [the release build's gateway-medic]
#   PULL_TIMEOUT   seconds to wait for a registry before making the base here [60]
#   DEBIAN_MIRROR  [http://deb.debian.org/debian]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
die() { echo "image-build: $*" >&2; exit 1; }
say() { echo "image-build: $*"; }

work="$root/.build-image"
LOCAL_BASE=localhost/gateway-medic-base:bookworm-minbase
IMAGE_BINARY="${IMAGE_BINARY:-auto}"
IMAGE_BASE="${IMAGE_BASE:-auto}"
PULL_TIMEOUT="${PULL_TIMEOUT:-60}"
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

command -v buildah >/dev/null || die "buildah is needed (Debian: apt-get install buildah; make image installs it as root)"
[ "$(id -u)" = 0 ] || die "run as root: buildah --isolation chroot and debootstrap need it here (no rootless setup)"

binary="${BINARY:-}"
if [ -z "$binary" ]; then
  bin_dir="$(${SWIFT:-swift} build -c release --static-swift-stdlib --show-bin-path 2>/dev/null)" \
    || die "could not ask swift for the release bin path; set BINARY=path/to/gateway-medic"
  binary="$bin_dir/gateway-medic"
fi
[ -x "$binary" ] || die "no release binary at $binary: run 'make release' first (make image does)"
version="$("$binary" version | awk '$1 == "gateway-medic" { print $2 }')"
[ -n "$version" ] || die "$binary version printed no version"
tag="gateway-medic:$version"

# The Dockerfile's defaults: what `docker build .` uses elsewhere.
dockerfile_arg() { sed -n "s/^ARG $1=//p" Dockerfile | head -n 1; }
swift_image="$(dockerfile_arg SWIFT_IMAGE)"
runtime_image="$(dockerfile_arg RUNTIME_IMAGE)"
[ -n "$swift_image" ] && [ -n "$runtime_image" ] || die "Dockerfile lacks ARG SWIFT_IMAGE= or ARG RUNTIME_IMAGE="
have_image() { buildah inspect --type image "$1" >/dev/null 2>&1; }

# ---- the runtime base ------------------------------------------------------------------------
# debootstrap's minbase is what debian:*-slim is made from (debuerreotype); the slim image also
# leaves out documentation, man pages and locales, and has the updates and security suites.
make_local_base() {
  local tarball="$work/debian-bookworm-minbase.tar" fresh=""
  if [ ! -s "$tarball" ]; then
    fresh=1
    command -v debootstrap >/dev/null || die "debootstrap is needed (Debian: apt-get install debootstrap; make image installs it as root)"
    local rootfs="$work/rootfs"
    rm -rf "$rootfs" && mkdir -p "$work"
    say "making the runtime base: debootstrap --variant=minbase bookworm from $DEBIAN_MIRROR (cached in $tarball)"
    debootstrap --variant=minbase bookworm "$rootfs" "$DEBIAN_MIRROR" >"$work/debootstrap.log" 2>&1 \
      || { tail -n 20 "$work/debootstrap.log" >&2; die "debootstrap failed (log: $work/debootstrap.log)"; }
    cat >"$rootfs/etc/apt/sources.list" <<SOURCES
deb $DEBIAN_MIRROR bookworm main
deb $DEBIAN_MIRROR bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
SOURCES
    cat >"$rootfs/etc/dpkg/dpkg.cfg.d/slim" <<'SLIM'
# As debian:*-slim: no documentation (copyright files aside), man pages or translations.
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
SLIM
    # As debian:*-slim: apt keeps no package caches or downloaded packages in the image.
    cat >"$rootfs/etc/apt/apt.conf.d/docker-clean" <<'CLEAN'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
CLEAN
    echo 'Acquire::Languages "none";' >"$rootfs/etc/apt/apt.conf.d/docker-no-languages"
    # Security updates published since the point release; then the same trimming for what
    # debootstrap already unpacked.
    chroot "$rootfs" /bin/sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get upgrade -y -qq >/dev/null && apt-get clean' >>"$work/debootstrap.log" 2>&1 \
      || die "apt-get upgrade in the new root failed"
    find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
    find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete
    rm -rf "$rootfs"/usr/share/{man,info,groff,lintian,linda,locale}/* "$rootfs"/var/lib/apt/lists/* \
           "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/log/*.log "$rootfs"/dev/*
    tar --numeric-owner -C "$rootfs" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
    rm -rf "$rootfs"
  fi
  if [ -n "$fresh" ] || ! have_image "$LOCAL_BASE"; then
    say "importing $tarball as $LOCAL_BASE"
    local ctr
    ctr="$(buildah from scratch)"
    buildah add --quiet "$ctr" "$tarball" / >/dev/null
    buildah config --cmd '["bash"]' --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      --os linux --arch "$(dpkg --print-architecture 2>/dev/null || echo amd64)" "$ctr"
    buildah commit --quiet --rm "$ctr" "$LOCAL_BASE" >/dev/null
  fi
}

base="$runtime_image"
case "$IMAGE_BASE" in
  pull) ;;
  debootstrap) base="$LOCAL_BASE" ;;
  auto)
    if have_image "$runtime_image" || timeout "$PULL_TIMEOUT" buildah pull --quiet "$runtime_image" >/dev/null 2>&1; then
      say "runtime base: $runtime_image"
    else
      say "runtime base: $runtime_image cannot be pulled; making it here"
      base="$LOCAL_BASE"
    fi ;;
  *) die "IMAGE_BASE must be pull, debootstrap or auto (got '$IMAGE_BASE')" ;;
esac
[ "$base" = "$LOCAL_BASE" ] && make_local_base

# ---- the binary ------------------------------------------------------------------------------
from="$IMAGE_BINARY"
if [ "$from" = auto ]; then
  # A manifest look-up: cheap, where pulling the 1.3 GB image to find out would not be.
  if have_image "$swift_image" || timeout "$PULL_TIMEOUT" buildah manifest inspect "$swift_image" >/dev/null 2>&1; then
    from=source
  else
    say "build stage: $swift_image cannot be pulled; taking the release binary $binary"
    from=prebuilt
  fi
fi
context="$root"
case "$from" in
  source) ;;
  prebuilt)
    # A context of its own holding only the binary: the repository's .dockerignore keeps
    # .build* out, and nothing else is needed. DWARF is dropped as in the source stage.
    context="$work/context"
    rm -rf "$context" && mkdir -p "$context"
    cp "$binary" "$context/gateway-medic"
    strip --strip-debug "$context/gateway-medic" ;;
  *) die "IMAGE_BINARY must be source, prebuilt or auto (got '$IMAGE_BINARY')" ;;
esac

say "buildah bud --isolation chroot (binary: $from, runtime base: $base) -> $tag"
mkdir -p "$work"
# Layers are cached (a new binary rebuilds from its COPY on). --force-rm: buildah 1.28 otherwise
# keeps the working container of the binary-${BINARY_FROM} stage.
buildah bud --isolation chroot --layers --force-rm --quiet -f "$root/Dockerfile" \
  --build-arg BINARY_FROM="$from" --build-arg RUNTIME_IMAGE="$base" -t "$tag" "$context" \
  >"$work/bud.log" 2>&1 || { tail -n 30 "$work/bud.log" >&2; die "buildah bud failed (log: $work/bud.log)"; }
rm -rf "$work/context"
say "built $tag: $(buildah images --noheading --format '{{.Size}}' "$tag" | head -n 1)"
