#!/usr/bin/env bash
# build-initramfs.sh BUSYBOX OUT - the initramfs of tlbvisor's Linux runs: a gzipped cpio
# (newc) archive holding /bin/busybox, /init and /workloads.sh from this directory, and the
# directories init mounts on. Reproducible: the same inputs give the same bytes (fixed
# file times and owners, inode numbers in order, no gzip timestamp).
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 BUSYBOX OUT" >&2; exit 2; }
busybox=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)
command -v cpio >/dev/null || { echo "build-initramfs.sh: cpio not found (apt-get install cpio)" >&2; exit 1; }
[ -s "$busybox" ] || { echo "build-initramfs.sh: $busybox: no such file" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
mkdir -p "$root/bin" "$root/dev" "$root/proc" "$root/sys" "$root/tmp"
cp "$busybox" "$root/bin/busybox"
cp "$here/init" "$root/init"
cp "$here/workloads.sh" "$root/workloads.sh"
chmod 755 "$root/bin/busybox" "$root/init"
chmod 644 "$root/workloads.sh"
find "$root" -exec touch -h -d @0 {} +
mkdir -p "$(dirname "$out")"
( cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
	cpio --quiet -o -H newc -R 0:0 --reproducible ) | gzip -9 -n > "$out.new"
mv "$out.new" "$out"
