#!/usr/bin/env bash
# Logs benchmark: brute-force summary of a >= 1 GB auth.log by huoyan vs `grep -c 'Failed password'`
# on the same file, side by side; prints both times, the throughput ratio and huoyan's peak memory.
#
#   bench/logs/run.sh [SIZE_MB]      (default 1100; data goes to target/bench-logs, not the repo)
#
# Needs: python3, GNU grep, /usr/bin/time (Debian package `time`), a release build
# (cargo build --release -p huoyan).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
size=${1:-1100}
work=${BENCH_DIR:-$top/target/bench-logs}
root="$work/root"
log="$root/var/log/auth.log"
bin="$top/target/release/huoyan"
[ -x "$bin" ] || { echo "build first: cargo build --release -p huoyan" >&2; exit 1; }
mkdir -p "$root/var/log"
if [ ! -f "$log" ] || [ "$(stat -c %s "$log")" -lt $((size * 1024 * 1024)) ]; then
  echo "generating $size MB auth.log in $log ..."
  python3 "$top/bench/logs/gen_auth_log.py" "$log" "$size"
fi
bytes=$(stat -c %s "$log")
echo "file: $log ($bytes bytes)"
# Warm the page cache for both tools alike.
cat "$log" > /dev/null

best() { # best of 3 wall-clock seconds of a command
  local best=""
  for _ in 1 2 3; do
    local s e d
    s=$(date +%s.%N); "$@" > /dev/null; e=$(date +%s.%N)
    d=$(echo "$e - $s" | bc -l)
    if [ -z "$best" ] || [ "$(echo "$d < $best" | bc -l)" = 1 ]; then best=$d; fi
  done
  echo "$best"
}

count=$(LC_ALL=C grep -c 'Failed password' "$log")
tg=$(best env LC_ALL=C grep -c 'Failed password' "$log")
th=$(best "$bin" logs --root "$root" --json)
/usr/bin/time -v "$bin" logs --root "$root" --json > "$work/huoyan.jsonl" 2> "$work/time.txt"
rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
failures=$(grep -o '"failures":[0-9]*' "$work/huoyan.jsonl" | awk -F: '{s+=$2} END {print s+0}')
printf "grep -c 'Failed password': %8.2f s  (%d lines)      %7.0f MB/s\n" "$tg" "$count" "$(echo "$bytes / 1048576 / $tg" | bc -l)"
printf "huoyan logs (all checks):  %8.2f s  (%d failures in brute-force findings)  %7.0f MB/s\n" "$th" "$failures" "$(echo "$bytes / 1048576 / $th" | bc -l)"
printf "throughput ratio huoyan/grep: %.2f\n" "$(echo "$tg / $th" | bc -l)"
printf "huoyan peak memory: %d MB\n" "$((rss / 1024))"
