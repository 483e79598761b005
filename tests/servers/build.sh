#!/usr/bin/env bash
# Builds the two server fixtures: OUT_DIR/clean (a realistic clean Debian 12 web server root) and
# OUT_DIR/compromised (its twin after the intrusion told in PLANTED.md). Idempotent and cached:
#   stage 1  base.sh: debootstrap + apt in a chroot   cache: base-<sha256 of base.sh, packages.txt, preseed.txt>
#   stage 2  life.py, attack.py                        cache: servers-<sha256 of every file in tests/servers/>
# The cache lives in ${HUOYAN_SERVER_CACHE:-/var/cache/huoyan-servers} (outside the clone); OUT_DIR
# gets symlinks to the cached roots. Builds go to *.partial and are renamed when complete; a
# flock makes concurrent callers build once. Needs root (chroot, chown) and debootstrap.
# Usage: build.sh [OUT_DIR]   (default OUT_DIR: the cache itself; prints the two roots)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${HUOYAN_SERVER_CACHE:-/var/cache/huoyan-servers}
out=${1:-$cache}
[ "$(id -u)" -eq 0 ] || { echo "build.sh: needs root (debootstrap, chroot, file owners)" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "build.sh: debootstrap missing (apt-get install debootstrap)" >&2; exit 1; }
export PYTHONDONTWRITEBYTECODE=1
PY=${PYTHON:-python3}
[ -x /usr/bin/python3 ] && PY=${PYTHON:-/usr/bin/python3}
mkdir -p "$cache" "$out"

hash_files() { (cd "$here" && sha256sum "$@" | sha256sum | cut -c1-16); }
base_key=$(hash_files base.sh packages.txt preseed.txt)
all_key=$(hash_files $(cd "$here" && find . -type f ! -name '*.pyc' ! -path './__pycache__/*' | LC_ALL=C sort))
base=$cache/base-$base_key
servers=$cache/servers-$all_key

exec 9>"$cache/.lock"
flock 9

t0=$(date +%s)
if [ ! -d "$base" ]; then
  rm -rf "$base.partial"
  echo "build.sh: stage 1 (debootstrap + apt, ~5 min) into $base" >&2
  bash "$here/base.sh" "$base.partial" >&2
  mv "$base.partial" "$base"
fi
if [ ! -d "$servers" ]; then
  rm -rf "$servers.partial"
  mkdir -p "$servers.partial"
  echo "build.sh: stage 2 (life and attack) into $servers" >&2
  cp -a "$base/root" "$servers.partial/clean"
  "$PY" "$here/life.py" "$servers.partial/clean" >&2
  cp -a "$servers.partial/clean" "$servers.partial/compromised"
  "$PY" "$here/attack.py" "$servers.partial/compromised" >&2
  cp "$base/installed-packages" "$base/failed-packages" "$servers.partial/"
  mv "$servers.partial" "$servers"
  # Older stage-2 builds are dropped (the base stays: it is the slow part).
  for old in "$cache"/servers-*; do
    [ "$old" = "$servers" ] || rm -rf "$old"
  done
fi
for v in clean compromised; do
  if [ "$(readlink -f "$out/$v" 2>/dev/null)" != "$servers/$v" ]; then
    ln -sfn "$servers/$v" "$out/.$v.new" && mv -T "$out/.$v.new" "$out/$v"
  fi
done
echo "build.sh: ready in $(( $(date +%s) - t0 ))s" >&2
echo "$servers/clean"
echo "$servers/compromised"
