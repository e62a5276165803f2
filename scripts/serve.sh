#!/bin/sh
# The main job: indexes an archive into an SQLite file and serves the search page over it.
#   sh scripts/serve.sh [PATH…]   PATH: files or directories chu index reads (default: examples/)
# Environment: CHU_DB (the index, default build/archive.db), CHU_HOST (127.0.0.1), CHU_PORT (8080).
# A second run adds what changed to the same index and serves it again.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
[ -x "$root/build/chu" ] || make -C "$root" -j2
db=${CHU_DB:-$root/build/archive.db}
[ $# -gt 0 ] || set -- "$root/examples"
# exit status 1: a file was skipped (named on stderr); what could be read is indexed
"$root/build/chu" index --threads 2 "$db" "$@" || [ $? -eq 1 ]
exec "$root/build/chu" serve "$db" --host "${CHU_HOST:-127.0.0.1}" --port "${CHU_PORT:-8080}"
