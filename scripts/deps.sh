#!/bin/sh
# Installs the Debian packages chu builds and tests with; does nothing when they are present.
set -eu
# clang-14 and libclang-rt-14-dev: libFuzzer and the sanitizers' runtimes (make fuzz, make tsan);
# zlib1g-dev: chu index reads .gz files.
pkgs="gcc make pkg-config libutf8proc-dev libsqlite3-dev zlib1g-dev sqlite3 python3 gzip time man-db clang-14 libclang-rt-14-dev"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "chu: installing$missing" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
