#!/bin/sh
# SPDX-License-Identifier: MIT
# Install every Debian package stbsim needs (idempotent). Usage: ci/install-deps.sh [--check]
#   --check   only report what is missing; exit 1 if anything is.
set -eu

PKGS="build-essential pkg-config make gcc meson ninja-build clang-format
libglib2.0-dev check libjson-glib-dev libfreetype-dev libcairo2-dev libpango1.0-dev
libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstrtspserver-1.0-dev
gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav
gstreamer1.0-rtsp gstreamer1.0-x
libsofia-sip-ua-glib-dev
kamailio sip-tester
python3 python3-pyqt5 fonts-dejavu-core
dbus libxml2-utils gcovr liburing-dev
iproute2 nftables procps psmisc
clang-14 libclang-rt-14-dev libpng-dev libpixman-1-dev g++ xz-utils util-linux
podman runc debootstrap uidmap iptables tcpdump tshark wireshark-common"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	[ "${1:-}" = "--check" ] || echo "install-deps: all packages present"
	exit 0
fi

if [ "${1:-}" = "--check" ]; then
	echo "install-deps: missing:$missing"
	exit 1
fi

if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
		SUDO="sudo -n"
	else
		echo "install-deps: these Debian packages are missing:$missing" >&2
		echo "install-deps: installing them needs root; run as root: apt-get install$missing" >&2
		exit 1
	fi
else
	SUDO=""
fi

echo "install-deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# wireshark-common asks whether non-root users may capture: answer it (no) non-interactively.
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
# Update the lists only when they are missing or older than a day, or when install fails.
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mtime -1 2>/dev/null | head -1)" ]; then
	$SUDO apt-get update -qq
fi
# shellcheck disable=SC2086
if ! $SUDO apt-get install -y -qq --no-install-recommends $missing; then
	$SUDO apt-get update -qq
	# shellcheck disable=SC2086
	$SUDO apt-get install -y -qq --no-install-recommends $missing
fi
# The kamailio package enables a system service; stbsim starts its own instances.
if command -v systemctl >/dev/null 2>&1; then
	$SUDO systemctl disable --now kamailio >/dev/null 2>&1 || true
fi
echo "install-deps: done"
