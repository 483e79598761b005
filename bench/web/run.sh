#!/usr/bin/env bash
# huoyan web bench: webshell-scan throughput against the yara CLI (libyara 4, Debian package
# `yara`) with the same rules over the same tree (benign-web + webshells-tennc), then access-log
# lines/s on a generated ≥ 1 GiB log. Everything is written under $WORK (default /tmp), never into
# the repository. Prints one line per measurement and the ratios.
#
#   bench/web/run.sh            # build release if needed, unpack corpora, run
#   WORK=/tmp/x LOG_MB=1024 bench/web/run.sh
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
work=${WORK:-/tmp/huoyan-bench-web}
log_mb=${LOG_MB:-1100}
corpora="$top/../shared/corpora"
bin="$top/target/release/huoyan"
[ -x "$bin" ] || (cd "$top" && cargo build --release -p huoyan)
command -v yara >/dev/null || { echo "yara CLI missing: apt-get install yara" >&2; exit 1; }
mkdir -p "$work"

# The tree: both corpora under one fake web root.
source "$top/bench/web/tree.sh"
cores=$(nproc)

rules=("$top"/rules/yara/*.yar)
nrules=$(cat "${rules[@]}" | grep -cE '^\s*(private\s+)?rule\s')

# Warm the page cache so both read from memory.
cat $(find "$tree/var/www" -type f) > /dev/null 2>&1 || true

t0=$(date +%s.%N)
yara -r -p "$cores" -w "${rules[@]}" "$tree/var/www" > "$work/yara.out" 2>/dev/null || true
t1=$(date +%s.%N)
"$bin" web --root "$tree" --json > "$work/huoyan.out" 2> "$work/huoyan.err" || true
t2=$(date +%s.%N)

yara_s=$(echo "$t1 - $t0" | bc -l)
huoyan_s=$(echo "$t2 - $t1" | bc -l)
printf 'tree: %d files, %.1f MB; %d rules; %d cores\n' "$files" "$(echo "$bytes/1000000" | bc -l)" "$nrules" "$cores"
printf 'yara CLI : %6.2f s  %8.0f files/s  %7.1f MB/s  (%d matches)\n' "$yara_s" "$(echo "$files/$yara_s" | bc -l)" "$(echo "$bytes/1000000/$yara_s" | bc -l)" "$(wc -l < "$work/yara.out")"
printf 'huoyan   : %6.2f s  %8.0f files/s  %7.1f MB/s  (YARA + heuristics + file hunt; %s)\n' "$huoyan_s" "$(echo "$files/$huoyan_s" | bc -l)" "$(echo "$bytes/1000000/$huoyan_s" | bc -l)" "$(tail -1 "$work/huoyan.err")"
printf 'ratio huoyan/yara throughput: %.2f\n' "$(echo "$yara_s/$huoyan_s" | bc -l)"

# Access log lines/s on a generated log.
logroot="$work/logroot"
log="$logroot/var/log/nginx/access.log"
if [ ! -s "$log" ] || [ "$(stat -c %s "$log")" -lt $((log_mb * 1000000)) ]; then
  mkdir -p "$(dirname "$log")"
  python3 "$top/bench/web/gen_access_log.py" "$log" $((log_mb * 1000000)) "$work/payloads"  \
    2>/dev/null || { mkdir -p "$work/payloads"; tar -xzf "$corpora/web-payloads.tar.gz" -C "$work/payloads"; \
    python3 "$top/bench/web/gen_access_log.py" "$log" $((log_mb * 1000000)) "$work/payloads"; }
fi
lines=$(wc -l < "$log")
cat "$log" > /dev/null
t3=$(date +%s.%N)
timed=()
[ -x /usr/bin/time ] && timed=(/usr/bin/time -f 'peak RSS %M KB' -o "$work/logs.rss")
"${timed[@]}" "$bin" web --root "$logroot" --json > "$work/logs.out" 2> "$work/logs.err" || true
t4=$(date +%s.%N)
grep_s0=$(date +%s.%N)
# Into a file: GNU grep stops at the first match when its output is /dev/null.
grep -ciE 'union.*select|<script|\.\./|jndi:' "$log" > "$work/grep.out" || true
grep_s1=$(date +%s.%N)
log_s=$(echo "$t4 - $t3" | bc -l)
g_s=$(echo "$grep_s1 - $grep_s0" | bc -l)
printf 'access log: %d lines, %.0f MB: huoyan %.2f s = %.0f lines/s (%.1f MB/s); grep -ciE of 4 patterns %.2f s\n' \
  "$lines" "$(echo "$(stat -c %s "$log")/1000000" | bc -l)" "$log_s" "$(echo "$lines/$log_s" | bc -l)" \
  "$(echo "$(stat -c %s "$log")/1000000/$log_s" | bc -l)" "$g_s"
if [ -s "$work/logs.rss" ]; then echo "access log: huoyan $(tail -1 "$work/logs.rss")"; fi
