#!/usr/bin/env bash
# Builds the benign-apps set: the Debian 12 packages named in packages.txt (real PHP and JSP
# applications and libraries: WordPress, MediaWiki, phpMyAdmin, Roundcube, DokuWiki, Cacti,
# Zabbix, Icinga Web, Symfony, Laravel, Horde, Doctrine …) unpacked into one root, as dpkg
# would have installed them, with a dpkg database (status, *.list, *.md5sums) written from the
# packages' own control data. tests/benign_apps.rs scans it.
#
#   bash crates/web/tests/benign-apps/fetch.sh      # idempotent; prints the root
#
# Cached outside the clone in ${HUOYAN_BENIGN_CACHE:-/var/cache/huoyan-benign-apps}:
#   debs/       the downloaded .deb files (kept: a rebuild needs no network)
#   root/       the unpacked files (usr/share/wordpress …) and root/var/lib/dpkg
#   manifest    package, version, architecture of every package unpacked
#   stamp       sha256 of packages.txt and this script: a matching stamp means "done"
# Needs apt-get (Debian 12 sources, `apt-get update` is run once when a download fails) and
# dpkg-deb; no root needed when the debs are already cached, root for apt-get otherwise.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${HUOYAN_BENIGN_CACHE:-/var/cache/huoyan-benign-apps}
list="$here/packages.txt"
want_stamp=$(cat "$list" "$0" | sha256sum | cut -d' ' -f1)
if [ -f "$cache/stamp" ] && [ "$(cat "$cache/stamp")" = "$want_stamp" ] && [ -d "$cache/root" ]; then
  echo "$cache/root"
  exit 0
fi
mkdir -p "$cache/debs"
names=$(sed 's/#.*//' "$list" | tr -s ' \t' '\n' | sed '/^$/d' | sort -u)

# Download what is missing. apt-get download fails whole on one unknown name, so fall back to
# one name at a time; a name Debian no longer has is reported and skipped.
missing=()
for p in $names; do
  compgen -G "$cache/debs/${p}_*.deb" >/dev/null || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  cd "$cache/debs"
  # apt's download sandbox user cannot write a root-owned cache.
  dl=(apt-get download -qq -o APT::Sandbox::User=root)
  if ! "${dl[@]}" "${missing[@]}" >/dev/null 2>&1; then
    apt-get update -qq >/dev/null 2>&1 || true
    for p in "${missing[@]}"; do
      compgen -G "$cache/debs/${p}_*.deb" >/dev/null && continue
      "${dl[@]}" "$p" >/dev/null 2>&1 || echo "fetch.sh: $p not available, skipped" >&2
    done
  fi
  cd - >/dev/null
fi

# Unpack into a fresh root, and write the dpkg database from each package's control data.
rm -rf "$cache/root.new"
root="$cache/root.new"
info="$root/var/lib/dpkg/info"
mkdir -p "$info"
: >"$root/var/lib/dpkg/status"
: >"$cache/manifest.new"
ctrl=$(mktemp -d)
trap 'rm -rf "$ctrl"' EXIT
for p in $names; do
  # The newest cached version of the package (sorted by dpkg's version order).
  deb=""
  for d in "$cache"/debs/"${p}"_*.deb; do
    [ -e "$d" ] || continue
    if [ -z "$deb" ] || dpkg --compare-versions "$(dpkg-deb -f "$d" Version)" gt "$(dpkg-deb -f "$deb" Version)"; then
      deb=$d
    fi
  done
  [ -n "$deb" ] || continue
  pkg=$(dpkg-deb -f "$deb" Package)
  ver=$(dpkg-deb -f "$deb" Version)
  arch=$(dpkg-deb -f "$deb" Architecture)
  dpkg-deb -x "$deb" "$root"
  rm -rf "${ctrl:?}"/*
  dpkg-deb -e "$deb" "$ctrl"
  [ -f "$ctrl/md5sums" ] && cp "$ctrl/md5sums" "$info/$pkg.md5sums"
  dpkg-deb --fsys-tarfile "$deb" | tar -t | sed -e 's#^\./#/#' -e 's#/$##' -e 's#^\.$#/.#' >"$info/$pkg.list"
  {
    echo "Package: $pkg"
    echo "Status: install ok installed"
    echo "Architecture: $arch"
    echo "Version: $ver"
    if [ -s "$ctrl/conffiles" ]; then
      echo "Conffiles:"
      while read -r c; do
        [ -f "$root$c" ] && echo " $c $(md5sum <"$root$c" | cut -d' ' -f1)"
      done <"$ctrl/conffiles"
    fi
    echo
  } >>"$root/var/lib/dpkg/status"
  printf '%s\t%s\t%s\n' "$pkg" "$ver" "$arch" >>"$cache/manifest.new"
done

# A web server that serves the applications (as their Debian packages document it), so
# `huoyan web --root "$cache/root"` finds the roots itself.
mkdir -p "$root/etc/nginx/sites-enabled"
{
  echo "user www-data;"
  echo "http {"
  echo "  include /etc/nginx/sites-enabled/*;"
  echo "}"
} >"$root/etc/nginx/nginx.conf"
{
  for r in /usr/share/wordpress /usr/share/mediawiki /usr/share/phpmyadmin /var/lib/roundcube/public_html \
    /usr/share/roundcube /usr/share/dokuwiki /usr/share/cacti/site /usr/share/zabbix /usr/share/icingaweb2/public \
    /usr/share/postfixadmin/public /usr/share/tt-rss/www /usr/share/adminer /usr/share/gosa/html \
    /usr/share/phpldapadmin/htdocs /usr/share/phpliteadmin /usr/share/phpsysinfo; do
    [ -e "$root$r" ] || continue
    echo "server { listen 80; server_name $(basename "$(dirname "$r")")-$(basename "$r").example; root $r; index index.php; }"
  done
} >"$root/etc/nginx/sites-enabled/benign-apps"

rm -rf "$cache/root"
mv "$root" "$cache/root"
mv "$cache/manifest.new" "$cache/manifest"
echo "$want_stamp" >"$cache/stamp"
echo "$cache/root"
