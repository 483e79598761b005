#!/usr/bin/env bash
# The webshell-scan half of bench/web/run.sh only, repeated: the yara CLI and `huoyan web` take
# turns over the same tree (benign-web + webshells-tennc, same rules), RUNS times each, and the
# best wall time and the best CPU time (user + sys) of each tool are printed with the ratios.
# (huoyan exits non-zero when it finds something; the time line is the last one.)
# On a shared machine single runs swing by ±30 %; compare best-of-N from one invocation.
#
#   bench/web/scan.sh                      # RUNS=5, tree from bench/web/run.sh (unpacked if missing)
#   RUNS=9 HUOYAN=/tmp/other-build bench/web/scan.sh
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
work=${WORK:-/tmp/huoyan-bench-web}
runs=${RUNS:-5}
bin=${HUOYAN:-$top/target/release/huoyan}
corpora="$top/../shared/corpora"
[ -x "$bin" ] || (cd "$top" && cargo build --release -p huoyan)
command -v yara >/dev/null || { echo "yara CLI missing: apt-get install yara" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time missing: apt-get install time" >&2; exit 1; }

# The tree: both corpora under one fake web root.
source "$top/bench/web/tree.sh"
rules=("$top"/rules/yara/*.yar)
cat $(find "$tree/var/www" -type f) > /dev/null 2>&1 || true

best() { sort -g | head -1; }
: > "$work/scan.yara" ; : > "$work/scan.huoyan"
for _ in $(seq "$runs"); do
  /usr/bin/time -f '%e %U %S' -o "$work/t" yara -r -p "$(nproc)" -w "${rules[@]}" "$tree/var/www" > /dev/null 2>&1 || true
  tail -1 "$work/t" >> "$work/scan.yara"
  /usr/bin/time -f '%e %U %S' -o "$work/t" "$bin" web --root "$tree" --json > /dev/null 2>&1 || true
  tail -1 "$work/t" >> "$work/scan.huoyan"
done
yw=$(awk '{print $1}' "$work/scan.yara" | best); yc=$(awk '{print $2+$3}' "$work/scan.yara" | best)
hw=$(awk '{print $1}' "$work/scan.huoyan" | best); hc=$(awk '{print $2+$3}' "$work/scan.huoyan" | best)
printf 'tree: %d files, %.1f MB; best of %d runs each, taking turns\n' "$files" "$(echo "$bytes/1000000" | bc -l)" "$runs"
printf 'yara CLI : %5.2f s wall (%6.0f files/s, %6.1f MB/s), %5.2f CPU-s\n' "$yw" "$(echo "$files/$yw" | bc -l)" "$(echo "$bytes/1000000/$yw" | bc -l)" "$yc"
printf 'huoyan   : %5.2f s wall (%6.0f files/s, %6.1f MB/s), %5.2f CPU-s\n' "$hw" "$(echo "$files/$hw" | bc -l)" "$(echo "$bytes/1000000/$hw" | bc -l)" "$hc"
printf 'ratio huoyan/yara throughput: %.2f (wall), %.2f (CPU)\n' "$(echo "$yw/$hw" | bc -l)" "$(echo "$yc/$hc" | bc -l)"
