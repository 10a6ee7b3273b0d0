#!/bin/sh
# SPDX-License-Identifier: MIT
# Find a Qt/Embedded 4.8 (QWS) build for the real-Qt tests (tests/qt4/) and print its prefix
# (the directory holding include/QtGui, lib/libQtGui.so, bin/moc) on stdout.
#
#   ci/find-qt4.sh [BUILD_ROOT]      BUILD_ROOT: where to unpack the tarball (default: build/)
#
# Looks, in this order, at:
#   1. $STBSIM_QT4_DIR (an installed or unpacked Qt/Embedded 4.8 prefix);
#   2. the tarball ../shared/qt4-embedded/qt4-embedded-4.8.7-x86_64.tar.xz next to this
#      repository (or $STBSIM_QT4_TARBALL), unpacked once under BUILD_ROOT/qt4-embedded/ and
#      reused while the tarball is unchanged.
# Exit codes: 0 found (prefix on stdout); 3 not found (stderr says how to build one);
# 1 something present but broken (stderr says what).
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
build_root=${1:-$here/build}
tarball=${STBSIM_QT4_TARBALL:-$here/../shared/qt4-embedded/qt4-embedded-4.8.7-x86_64.tar.xz}

is_qt4() {
	[ -f "$1/include/QtGui/qapplication.h" ] && [ -f "$1/include/QtGui/qcopchannel_qws.h" ] &&
		[ -e "$1/lib/libQtGui.so" ] && [ -e "$1/lib/libQtCore.so" ]
}

if [ -n "${STBSIM_QT4_DIR:-}" ]; then
	if is_qt4 "$STBSIM_QT4_DIR"; then
		(cd "$STBSIM_QT4_DIR" && pwd)
		exit 0
	fi
	echo "find-qt4: STBSIM_QT4_DIR=$STBSIM_QT4_DIR is not a Qt/Embedded 4.8 prefix" \
		"(needs include/QtGui/qcopchannel_qws.h and lib/libQtGui.so)" >&2
	exit 1
fi

if [ -f "$tarball" ]; then
	dest=$build_root/qt4-embedded
	stamp=$dest/.stamp
	want=$(stat -c '%s %Y' "$tarball")
	if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && is_qt4 "$dest/qt4-embedded"; then
		echo "$dest/qt4-embedded"
		exit 0
	fi
	# unpack beside, then rename: two build directories may be configured at once
	mkdir -p "$build_root"
	tmp=$(mktemp -d "$build_root/.qt4-unpack.XXXXXX")
	if ! tar -xJf "$tarball" -C "$tmp"; then
		rm -rf "$tmp"
		echo "find-qt4: cannot unpack $tarball" >&2
		exit 1
	fi
	echo "$want" > "$tmp/.stamp"
	if ! is_qt4 "$tmp/qt4-embedded"; then
		rm -rf "$tmp"
		echo "find-qt4: $tarball does not hold qt4-embedded/ with QtGui" >&2
		exit 1
	fi
	rm -rf "$dest.old"
	[ -d "$dest" ] && mv "$dest" "$dest.old"
	mv "$tmp" "$dest"
	rm -rf "$dest.old"
	echo "$dest/qt4-embedded"
	exit 0
fi

cat >&2 <<EOF
find-qt4: no Qt/Embedded 4.8 found: STBSIM_QT4_DIR is unset and $tarball does not exist.
The real-Qt tests (tests/qt4/) are skipped. To run them, build Qt/Embedded 4.8.7 (QtCore,
QtNetwork, QtGui; about 15 min on 2 cores) from Qt's public repository with the recipe kept
beside the tarball (build-qt4-embedded.sh and qt-4.8.7-gcc12.patch):
    git clone --bare https://github.com/qt/qt.git /tmp/qt.git
    sh build-qt4-embedded.sh /tmp/qt.git /tmp/qt4src /opt/qt4-embedded
then set STBSIM_QT4_DIR=/opt/qt4-embedded and reconfigure (rm -rf build; make check).
EOF
exit 3
