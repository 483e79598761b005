#!/bin/bash
# Nightly backup of the web sites: databases and uploads, kept 7 days here, copied to backup01.
set -euo pipefail
day=$(date +%F)
dest=/var/backups/sites
mkdir -p "$dest"
for db in wordpress wikidb roundcube; do
  mysqldump --single-transaction --routines "$db" | gzip >"$dest/$db-$day.sql.gz"
done
tar czf "$dest/uploads-$day.tar.gz" -C /var/lib/wordpress/wp-content uploads
tar czf "$dest/wiki-images-$day.tar.gz" -C /var/lib/mediawiki images
find "$dest" -type f -mtime +7 -delete
rsync -a -e "ssh -i /root/.ssh/backup_ed25519 -o BatchMode=yes" "$dest/" backup@backup01.larkspur-coop.example:web01/
echo "$(date '+%F %T') backup-sites: done"
