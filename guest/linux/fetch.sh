#!/usr/bin/env bash
# fetch.sh [CACHE_DIR] - Debian's Linux for Malta and a static busybox, from the archive.
#
# Downloads, with apt (so the archive's signatures and hashes are checked), whatever
# versions the configured Debian archive holds of
#   linux-image-4kc-malta:mipsel   (a metapackage: the kernel package it depends on)
#   busybox-static:mipsel
# and extracts them into CACHE_DIR (default: $TLBVISOR_LINUX_CACHE, else
# ~/.cache/tlbvisor/linux), which is outside the source tree and survives `make clean`:
#   CACHE_DIR/vmlinuz     the kernel, an ELF that boots as QEMU's -kernel does
#   CACHE_DIR/busybox     busybox, statically linked (mipsel)
#   CACHE_DIR/VERSIONS    "kernel PACKAGE VERSION" and "busybox VERSION"
# A second run with the same archive versions downloads nothing.
#
# The mipsel architecture is added to dpkg (dpkg --add-architecture mipsel) and the package
# lists are refreshed when they lack it; that needs root (or sudo). Nothing is installed.
# Exit status: 0 with the files in place, 1 with a message naming what failed (no network,
# no such package, a broken download).
set -euo pipefail

cache=${1:-${TLBVISOR_LINUX_CACHE:-$HOME/.cache/tlbvisor/linux}}
die() { echo "fetch.sh: $*" >&2; exit 1; }

sudo_=""
[ "$(id -u)" = 0 ] || sudo_=sudo
command -v apt-get >/dev/null || die "apt-get not found (a Debian system is needed)"
command -v dpkg-deb >/dev/null || die "dpkg-deb not found"

# The mipsel package lists: architecture added, lists fetched.
if ! dpkg --print-foreign-architectures | grep -qx mipsel; then
	echo "fetch.sh: adding the mipsel architecture to dpkg" >&2
	$sudo_ dpkg --add-architecture mipsel || die "cannot add the mipsel architecture (root needed)"
fi
candidate() { apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: //p'; }
if [ -z "$(candidate busybox-static:mipsel)" ] || [ "$(candidate busybox-static:mipsel)" = "(none)" ]; then
	echo "fetch.sh: apt-get update (mipsel package lists)" >&2
	$sudo_ apt-get update -qq || die "apt-get update failed: is the Debian archive (deb.debian.org) reachable?"
fi

# The kernel package the metapackage names, and both versions.
meta=linux-image-4kc-malta:mipsel
kpkg=$(apt-cache show --no-all-versions "$meta" 2>/dev/null |
	sed -n 's/^Depends: \(linux-image-[^ ,]*\).*/\1/p' | head -n 1)
[ -n "$kpkg" ] || die "no $meta in the package lists (apt-cache show $meta)"
kver=$(candidate "$kpkg:mipsel")
bver=$(candidate busybox-static:mipsel)
{ [ -n "$kver" ] && [ "$kver" != "(none)" ]; } || die "no candidate version of $kpkg:mipsel"
{ [ -n "$bver" ] && [ "$bver" != "(none)" ]; } || die "no candidate version of busybox-static:mipsel"
want="kernel $kpkg $kver
busybox $bver"

mkdir -p "$cache" || die "cannot create $cache"
if [ -f "$cache/VERSIONS" ] && [ "$(cat "$cache/VERSIONS")" = "$want" ] &&
	[ -s "$cache/vmlinuz" ] && [ -s "$cache/busybox" ]; then
	echo "fetch.sh: $kpkg $kver and busybox $bver already in $cache" >&2
	exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "fetch.sh: downloading $kpkg $kver and busybox-static $bver" >&2
( cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root \
	"$kpkg:mipsel=$kver" "busybox-static:mipsel=$bver" >/dev/null ) ||
	die "apt-get download failed: is the Debian archive (deb.debian.org) reachable?"

for deb in "$tmp"/*.deb; do
	dpkg-deb -x "$deb" "$tmp/root" || die "cannot unpack $(basename "$deb")"
done
vmlinuz=$(ls "$tmp"/root/boot/vmlinuz-* 2>/dev/null | head -n 1)
[ -n "$vmlinuz" ] || die "no /boot/vmlinuz-* in $kpkg"
[ -x "$tmp/root/bin/busybox" ] || die "no /bin/busybox in busybox-static"
# Both must be little-endian MIPS ELF executables.
for f in "$vmlinuz" "$tmp/root/bin/busybox"; do
	head -c 20 "$f" | od -An -tx1 | tr -d ' \n' | grep -q '^7f454c46010101.\{22\}0800' ||
		die "$(basename "$f") is not a 32-bit little-endian MIPS ELF"
done
cp "$vmlinuz" "$cache/vmlinuz.new" && mv "$cache/vmlinuz.new" "$cache/vmlinuz"
cp "$tmp/root/bin/busybox" "$cache/busybox.new" && mv "$cache/busybox.new" "$cache/busybox"
chmod 755 "$cache/busybox"
printf '%s\n' "$want" > "$cache/VERSIONS"
echo "fetch.sh: $cache/vmlinuz ($kpkg $kver), $cache/busybox ($bver)" >&2
