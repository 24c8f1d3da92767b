#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Prepare a Debian 12 machine to build and test dpdk-ism. Idempotent: a second
# run installs nothing and fetches nothing.
#
#  1. installs the Debian packages the build, the tests and the s390x cross
#     build need;
#  2. makes sure apt knows deb-src entries for the Debian suites already
#     configured;
#  3. fetches Debian's source package of exactly the installed libdpdk-dev
#     version and keeps only the driver SDK headers (ethdev_driver.h and
#     friends, which libdpdk-dev does not ship) and the feature lists the
#     documentation compares net_ism with (default.ini, memif.ini) in a
#     cache outside git.
#
# Environment:
#   ISM_SDK_CACHE   cache root (default: <repo>/.cache/dpdk-sdk)
set -euo pipefail

case "${1:-}" in
-h|--help)
	sed -n '3,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
	exit 0 ;;
"") ;;
*)
	echo "setup.sh: unknown argument '$1' (it takes none; see --help)" >&2
	exit 2 ;;
esac

repo=$(cd "$(dirname "$0")/.." && pwd)
cache_root=${ISM_SDK_CACHE:-$repo/.cache/dpdk-sdk}

packages=(
	build-essential pkg-config meson ninja-build
	libdpdk-dev dpdk dpdk-dev libnuma-dev python3-pyelftools
	dpkg-dev xz-utils
	gcc-s390x-linux-gnu libc6-dev-s390x-cross qemu-user-static
	clang libclang-rt-14-dev
	python3-sphinx doxygen
	tshark
)

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null; then
		sudo "$@"
	else
		die "need root to run: $* (run this script as root or install sudo)"
	fi
}

apt_updated=0
apt_update() {
	[ $apt_updated -eq 1 ] && return 0
	say "apt-get update"
	as_root apt-get update -qq || die "apt-get update failed: check /etc/apt/sources.list*"
	apt_updated=1
}

install_packages() {
	local missing=() p
	for p in "${packages[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	apt_update
	say "installing: ${missing[*]}"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends "${missing[@]}" >/dev/null ||
		die "apt-get install ${missing[*]} failed"
}

# True when apt already has a deb-src entry for Debian's archive.
have_deb_src() {
	grep -rhsE '^[[:space:]]*(deb-src[[:space:]]|Types:.*deb-src)' \
		/etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		/etc/apt/sources.list.d/*.sources 2>/dev/null | grep -q .
}

# Mirror every enabled Debian "deb" entry as "deb-src", in the format it
# was written in (one-line .list or deb822 .sources).
add_deb_src() {
	have_deb_src && return 0
	local out_list=/etc/apt/sources.list.d/dpdk-ism-src.list
	local out_sources=/etc/apt/sources.list.d/dpdk-ism-src.sources
	local lists sources
	lists=$(grep -hsE '^[[:space:]]*deb[[:space:]]' /etc/apt/sources.list \
		/etc/apt/sources.list.d/*.list | grep -i debian |
		sed -E 's/^[[:space:]]*deb[[:space:]]/deb-src /' || true)
	sources=$(awk '
		function flush() {
			if (blk != "" && types ~ /(^| )deb( |$)/ && uris ~ /debian/ &&
			    enabled !~ /no/)
				printf "%s\n", blk
			blk = ""; types = ""; uris = ""; enabled = ""
		}
		/^[[:space:]]*$/ { flush(); next }
		/^#/ { next }
		/^Types:/ { types = $0; sub(/^Types:[[:space:]]*/, "", types)
			    blk = blk "Types: deb-src\n"; next }
		/^URIs:/ { uris = $0 }
		/^Enabled:/ { enabled = $0 }
		{ blk = blk $0 "\n" }
		END { flush() }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
	[ -n "$lists$sources" ] ||
		die "no Debian 'deb' entry in /etc/apt/sources.list*: cannot add deb-src for it"
	if [ -n "$lists" ]; then
		say "adding deb-src entries to $out_list"
		printf '%s\n' "$lists" | as_root tee "$out_list" >/dev/null
	fi
	if [ -n "$sources" ]; then
		say "adding deb-src entries to $out_sources"
		printf '%s\n' "$sources" | as_root tee "$out_sources" >/dev/null
	fi
	apt_updated=0
	apt_update
}

# The driver SDK headers a bus or PMD plugin needs, as paths inside DPDK's
# source tree.
sdk_headers=(
	lib/eal/include/bus_driver.h
	lib/eal/include/dev_driver.h
	lib/ethdev/ethdev_driver.h
	lib/ethdev/ethdev_vdev.h
	drivers/bus/vdev/bus_vdev_driver.h
)

# The NIC feature lists of DPDK's documentation (doc/guides/nics/features):
# the full list of features and net_memif's, for the feature matrix of
# doc/guides/nics/overview.rst. Kept as <cache>/<version>/features/*.ini.
sdk_features=(
	doc/guides/nics/features/default.ini
	doc/guides/nics/features/memif.ini
)

# True when $1 holds every file this script keeps, of Debian version $2
# (a cache made before a file was added to the lists is fetched again).
sdk_cache_complete() {
	local f
	[ -f "$1/debian-version" ] && [ "$(cat "$1/debian-version")" = "$2" ] ||
		return 1
	for f in "${sdk_headers[@]}"; do
		[ -f "$1/include/$(basename "$f")" ] || return 1
	done
	for f in "${sdk_features[@]}"; do
		[ -f "$1/features/$(basename "$f")" ] || return 1
	done
}

fetch_sdk_headers() {
	local deb_ver up_ver dest tmp dsc h
	deb_ver=$(dpkg-query -W -f='${Version}' libdpdk-dev)
	up_ver=$(pkg-config --modversion libdpdk) ||
		die "pkg-config cannot find libdpdk although libdpdk-dev is installed"
	dest=$cache_root/$up_ver
	sdk_cache_complete "$dest" "$deb_ver" && return 0
	add_deb_src
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' RETURN
	chmod 755 "$tmp"
	say "fetching Debian source package dpdk=$deb_ver for the driver SDK headers and feature lists"
	if ! (cd "$tmp" && apt-get -qq -o APT::Sandbox::User=root source \
			--download-only "dpdk=$deb_ver" >/dev/null 2>"$tmp/err"); then
		cat "$tmp/err" >&2
		die "Debian's archive has no source package dpdk=$deb_ver, the installed libdpdk-dev version.
  Upgrade both to one version the archive has (apt-get update && apt-get install libdpdk-dev dpdk), then run this again."
	fi
	dsc=$(ls "$tmp"/dpdk_*.dsc)
	grep -q "^Version: $deb_ver\$" "$dsc" ||
		die "downloaded $(basename "$dsc") is not version $deb_ver"
	(cd "$tmp" && dpkg-source --no-check -q -x "$dsc" src >/dev/null) ||
		die "dpkg-source could not unpack $dsc"
	rm -rf "$dest.new"
	mkdir -p "$dest.new/include" "$dest.new/features"
	for h in "${sdk_headers[@]}"; do
		[ -f "$tmp/src/$h" ] || die "dpdk $deb_ver source has no $h"
		cp "$tmp/src/$h" "$dest.new/include/"
	done
	for h in "${sdk_features[@]}"; do
		[ -f "$tmp/src/$h" ] || die "dpdk $deb_ver source has no $h"
		cp "$tmp/src/$h" "$dest.new/features/"
	done
	echo "$deb_ver" >"$dest.new/debian-version"
	rm -rf "$dest"
	mv "$dest.new" "$dest"
	say "driver SDK headers of DPDK $deb_ver in $dest/include, feature lists in $dest/features"
}

install_packages
fetch_sdk_headers
