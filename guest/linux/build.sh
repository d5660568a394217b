#!/usr/bin/env bash
# build.sh OUT_DIR - what `make linux` makes: OUT_DIR/vmlinuz (Debian's Linux for Malta, a
# link into the download cache of fetch.sh) and OUT_DIR/initrd.gz (build-initramfs.sh with
# Debian's busybox). Fetches the packages first (fetch.sh: cached, so only the first run
# downloads). Exit status 0, or 1 with fetch.sh's or build-initramfs.sh's message.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 OUT_DIR" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
out=$1
cache=${TLBVISOR_LINUX_CACHE:-$HOME/.cache/tlbvisor/linux}
bash "$here/fetch.sh" "$cache"
mkdir -p "$out"
ln -sf "$cache/vmlinuz" "$out/vmlinuz"
bash "$here/build-initramfs.sh" "$cache/busybox" "$out/initrd.gz"
cp "$cache/VERSIONS" "$out/VERSIONS"
echo "linux: $out/vmlinuz $out/initrd.gz ($(head -n 1 "$out/VERSIONS" | cut -d' ' -f2-))"
