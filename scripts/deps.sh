#!/bin/sh
# Installs the Debian packages chu builds and tests with; does nothing when they are present.
set -eu
# clang-14 and libclang-rt-14-dev: libFuzzer and the sanitizers' runtimes (make fuzz, make tsan);
# zlib1g-dev: chu index reads .gz files; libmicrohttpd-dev: chu serve; chromium: the page's
# browser test (driven by playwright-core from npm, which tests/browser.sh installs under build/);
# wrk: make bench-serve; postgresql-15 and postgresql-server-dev-15: ext/postgres and its tests;
# python3-venv, python3-setuptools: the Python package's install test; python3-distributed: Dask.
pkgs="gcc make pkg-config libutf8proc-dev libsqlite3-dev zlib1g-dev sqlite3 python3 gzip time man-db clang-14 libclang-rt-14-dev
 libmicrohttpd-dev chromium wrk postgresql-15 postgresql-server-dev-15 python3-venv python3-setuptools python3-wheel python3-distributed
 python3-dask curl"
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
