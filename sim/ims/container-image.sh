#!/bin/sh
# SPDX-License-Identifier: MIT
# Make the stbsim IMS core container image (idempotent, cached):
#   sh sim/ims/container-image.sh [--print-tag]
# 1. Base image docker.io/library/debian:12-slim: when missing, `debootstrap --variant=minbase
#    bookworm` from the host's Debian mirror (/etc/apt/sources.list.d/debian.sources), then
#    `podman import` (no registry is reachable on our machines; ~1.5 min).
# 2. The image from sim/ims/Containerfile, tagged localhost/stbsim-ims:<hash>, where <hash> is
#    the sha256 of the Containerfile, the config template, render-config.sh, the subscribers
#    and the host's Kamailio version (the image installs exactly that version). Built only when
#    no image with that tag exists.
# Prints the image tag on the last line of stdout. Exit codes: 0 ok, 2 not root, 3 podman (or
# runc/debootstrap) missing, 4 base image failed, 5 build failed, 6 kamailio not on the host.
# Environment: STBSIM_IMS_MIRROR (override the mirror), STBSIM_IMS_IMAGE_REPO (default
# localhost/stbsim-ims).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
base=docker.io/library/debian:12-slim
repo=${STBSIM_IMS_IMAGE_REPO:-localhost/stbsim-ims}

die() {
	code=$1
	shift
	echo "container-image: $*" >&2
	exit "$code"
}
log() { echo "container-image: $*" >&2; }

[ "$(id -u)" -eq 0 ] || die 2 "must run as root (rootful podman; debootstrap needs root): run as root or use the local Kamailio (IMS=local)"
command -v podman >/dev/null 2>&1 || die 3 "podman is not installed: apt-get install podman runc debootstrap (ci/install-deps.sh)"
command -v runc >/dev/null 2>&1 || die 3 "runc is not installed (podman must run with runc here, see DESIGN.md 6): apt-get install runc"
kver=$(dpkg-query -W -f='${Version}' kamailio 2>/dev/null) || true
[ -n "$kver" ] || die 6 "kamailio is not installed on the host: the image pins the host's version (ci/install-deps.sh)"

podman_() { podman --runtime runc --cgroup-manager=cgroupfs "$@"; }

mirror() {
	if [ -n "${STBSIM_IMS_MIRROR:-}" ]; then
		echo "$STBSIM_IMS_MIRROR"
		return
	fi
	m=$(awk '/^URIs:/ && $2 !~ /security/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
	[ -n "$m" ] || m=$(awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
	echo "${m:-http://deb.debian.org/debian}"
}

make_base() {
	if podman_ image exists "$base"; then
		return 0
	fi
	command -v debootstrap >/dev/null 2>&1 || die 3 "debootstrap is not installed: apt-get install debootstrap"
	m=$(mirror)
	tmp=$(mktemp -d "${TMPDIR:-/var/tmp}/stbsim-rootfs-XXXXXX")
	trap 'rm -rf "$tmp"' EXIT INT TERM
	log "base image $base missing: debootstrap --variant=minbase bookworm from $m (~1.5 min)"
	start=$(date +%s)
	if ! debootstrap --variant=minbase bookworm "$tmp/rootfs" "$m" >"$tmp/debootstrap.log" 2>&1; then
		tail -20 "$tmp/debootstrap.log" >&2
		die 4 "debootstrap from $m failed (log above)"
	fi
	rm -rf "$tmp/rootfs/var/cache/apt/archives/"*.deb "$tmp/rootfs/var/lib/apt/lists/"*
	tar -C "$tmp/rootfs" -c . | podman_ import - "$base" >/dev/null || die 4 "podman import failed"
	rm -rf "$tmp"
	trap - EXIT INT TERM
	log "base image $base made in $(($(date +%s) - start)) s"
}

content_hash() {
	{
		cat "$here/Containerfile" "$here/kamailio.cfg.in" "$here/render-config.sh" "$here/healthcheck.sh" \
			"$root/fixtures/subscribers.csv"
		echo "kamailio=$kver"
	} | sha256sum | cut -c1-16
}

hash=$(content_hash)
tag="$repo:$hash"
if [ "${1:-}" = "--print-tag" ]; then
	echo "$tag"
	exit 0
fi
if podman_ image exists "$tag"; then
	log "image $tag is up to date (cached)"
	echo "$tag"
	exit 0
fi
make_base
log "building $tag (kamailio $kver)"
start=$(date +%s)
podman_ build --isolation=chroot --pull=never --layers=false --format docker \
	--build-arg "KAMAILIO_VERSION=$kver" --label "org.stbsim.ims.hash=$hash" \
	-t "$tag" -f "$here/Containerfile" "$root" >&2 || die 5 "podman build of $here/Containerfile failed (output above)"
podman_ tag "$tag" "$repo:latest"
log "built $tag in $(($(date +%s) - start)) s"
echo "$tag"
