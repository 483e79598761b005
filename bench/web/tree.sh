# Sourced by bench/web/run.sh and bench/web/scan.sh (needs $work and $corpora): the bench tree,
# benign-web and webshells-tennc under one fake web root, unpacked once; sets $tree, $files and
# $bytes.
tree="$work/root"
if [ ! -d "$tree/var/www" ]; then
  mkdir -p "$tree/var/www/benign" "$tree/var/www/tennc"
  tar -xzf "$corpora/benign-web.tar.gz" -C "$tree/var/www/benign"
  tar -xzf "$corpora/webshells-tennc.tar.gz" -C "$tree/var/www/tennc"
fi
files=$(find "$tree/var/www" -type f | wc -l)
bytes=$(find "$tree/var/www" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
