#!/usr/bin/env bash
# Full package verification, side by side: `huoyan verify-packages` vs `dpkg --verify` on this
# host. Both read every packaged file; each run starts from the same page-cache state (caches
# dropped first when run as root, then one warm-up of each so both are measured warm as well).
# Prints wall times and the ratio. Usage: bench/integrity/run.sh [path/to/huoyan]
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
huoyan=${1:-$top/target/release/huoyan}
[ -x "$huoyan" ] || (cd "$top" && cargo build --release -p huoyan)
command -v dpkg >/dev/null || { echo "dpkg not found: a Debian host is needed" >&2; exit 1; }

now() { date +%s.%N; }
drop_caches() { if [ "$(id -u)" -eq 0 ]; then sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true; fi; }

run_dpkg() { dpkg --verify >/dev/null 2>&1 || true; }
run_huoyan() { "$huoyan" verify-packages --json >/dev/null 2>&1 || true; }

measure() { local t0 t1; t0=$(now); "$@"; t1=$(now); echo "$t1 - $t0" | bc -l; }

echo "host: $(nproc) cores, $(dpkg-query -W -f='${binary:Package}\n' | wc -l) packages"
drop_caches; cold_dpkg=$(measure run_dpkg)
drop_caches; cold_huoyan=$(measure run_huoyan)
warm_dpkg=$(measure run_dpkg)
warm_huoyan=$(measure run_huoyan)
printf '%-28s %10s %10s\n' "" "cold (s)" "warm (s)"
printf '%-28s %10.2f %10.2f\n' "dpkg --verify" "$cold_dpkg" "$warm_dpkg"
printf '%-28s %10.2f %10.2f\n' "huoyan verify-packages" "$cold_huoyan" "$warm_huoyan"
printf 'ratio (dpkg / huoyan): cold %.2fx, warm %.2fx\n' \
  "$(echo "$cold_dpkg / $cold_huoyan" | bc -l)" "$(echo "$warm_dpkg / $warm_huoyan" | bc -l)"
