#!/usr/bin/env bash
# Stage 1 of the server fixtures: a real Debian 12 root with the web server's packages installed
# by apt inside a chroot, no service started. Usage: base.sh DIR: the root is DIR/root, the logs
# and package lists DIR/*.log, DIR/installed-packages, DIR/failed-packages. Called by build.sh,
# which caches the result.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
meta=$1
dest=$meta/root
[ ! -e "$dest" ] || { echo "base.sh: $dest exists" >&2; exit 1; }
mkdir -p "$meta"

mirror() {
  # This machine's Debian mirror (deb822 or one-line sources), like crates/checks/tests/debian_root.
  local u
  u=$(cat /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list 2>/dev/null \
      | awk '/^URIs:/ {for (i=2;i<=NF;i++) if ($i !~ /security/) {print $i; exit}}
             /^deb / && !/security/ {for (i=2;i<=NF;i++) if ($i ~ /^http/) {print $i; exit}}' | head -n1)
  echo "${u:-http://deb.debian.org/debian}"
}
MIRROR=$(mirror)
SECURITY=${MIRROR%/debian}/debian-security

mounted=()
cleanup() {
  # Unmount in reverse order, then prove nothing under dest is still mounted.
  local i
  for ((i=${#mounted[@]}-1; i>=0; i--)); do
    umount "${mounted[$i]}" 2>/dev/null || umount -l "${mounted[$i]}" 2>/dev/null || true
  done
  mounted=()
  if grep -qF " $(realpath -m "$dest")/" /proc/mounts; then
    echo "base.sh: mounts left under $dest:" >&2
    grep -F " $(realpath -m "$dest")/" /proc/mounts >&2
    return 1
  fi
}
trap cleanup EXIT

echo "== debootstrap bookworm from $MIRROR"
debootstrap --variant=minbase bookworm "$dest" "$MIRROR" >"$meta/debootstrap.log" 2>&1 \
  || { tail -n 30 "$meta/debootstrap.log" >&2; exit 1; }

cat >"$dest/etc/apt/sources.list" <<SRC
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb $SECURITY bookworm-security main
SRC
printf '#!/bin/sh\n# fixture build: never start a service inside the chroot\nexit 101\n' \
  >"$dest/usr/sbin/policy-rc.d"
chmod 755 "$dest/usr/sbin/policy-rc.d"
echo web01 >"$dest/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tweb01.larkspur-coop.example web01\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$dest/etc/hosts"

for m in proc sys dev dev/pts; do mkdir -p "$dest/$m"; done
mount -t proc proc "$dest/proc"; mounted+=("$dest/proc")
mount -t sysfs sysfs "$dest/sys"; mounted+=("$dest/sys")
mount --bind /dev "$dest/dev"; mounted+=("$dest/dev")
mount -t devpts -o newinstance,ptmxmode=0666 devpts "$dest/dev/pts"; mounted+=("$dest/dev/pts")

in_root() { chroot "$dest" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
  DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 HOME=/root "$@"; }
APT=(apt-get -y -q -o Dpkg::Options::=--force-unsafe-io -o Dpkg::Options::=--force-confdef
     -o Dpkg::Options::=--force-confold --no-install-recommends)

grep -v '^#' "$here/preseed.txt" | in_root debconf-set-selections
in_root apt-get -q update >"$meta/apt.log" 2>&1
in_root "${APT[@]}" install debconf-utils >>"$meta/apt.log" 2>&1 || true
wanted=$(sed 's/#.*//' "$here/packages.txt" | tr -s ' \t' '\n' | sed '/^$/d' | awk '!seen[$0]++')
# One transaction first; when it fails, package by package so one bad package drops alone.
failed=()
if ! in_root "${APT[@]}" install $wanted >>"$meta/apt.log" 2>&1; then
  in_root dpkg --configure -a >>"$meta/apt.log" 2>&1 || true
  for p in $wanted; do
    in_root "${APT[@]}" install "$p" >>"$meta/apt.log" 2>&1 || { failed+=("$p"); in_root dpkg --configure -a >>"$meta/apt.log" 2>&1 || true; }
  done
fi
in_root "${APT[@]}" upgrade >>"$meta/apt.log" 2>&1 || true
in_root apt-get clean
printf '%s\n' "${failed[@]}" >"$meta/failed-packages"
in_root dpkg-query -W -f='${Package} ${Version}\n' >"$meta/installed-packages"
cleanup
rm -f "$dest/usr/sbin/policy-rc.d"
echo "== base done: $(wc -l <"$meta/installed-packages") packages; failed: ${failed[*]:-none}"
