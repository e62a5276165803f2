#!/bin/sh
# chu serve: every API endpoint and error path, facets against chu annotate, the embedded page and
# nothing else, HTTP/1.0, pipelining, cut-short and slow clients, a document indexed while serving
# (tests/serve.py, on a free loopback port; the server is stopped after). Under make asan the same
# runs against the sanitized server.
: "${CHU:=build/chu}"
py=$(command -v python3 || true)
if [ -z "$py" ]; then
	echo "skip serve: no python3"; echo "0 passed, 0 failed, 1 skipped"; exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$py" tests/serve.py "$CHU" "$work"
