#!/bin/sh
# The Python package's unittest suite (python/tests), as "N passed, N failed[, N skipped]".
# Skipped with a message when there is no python3 or no libchu.so in $BUILD, and in a sanitizer
# build (make asan): a Python process cannot load an ASan-built libchu.so, whose runtime must come
# first.
: "${BUILD:=build}"
# $PYTHON, else the first python3 on PATH, or /usr/bin/python3 when only that one has dask.distributed
# (python/tests/test_dask.py is skipped without it; Debian: python3-distributed)
py=${PYTHON:-$(command -v python3 || true)}
if [ -z "${PYTHON:-}" ] && [ -x /usr/bin/python3 ] && [ "$py" != /usr/bin/python3 ] &&
	! "${py:-false}" -c 'import distributed' 2>/dev/null && /usr/bin/python3 -c 'import distributed' 2>/dev/null; then
	py=/usr/bin/python3
fi
if [ -z "$py" ] || [ ! -f "$BUILD/libchu.so" ]; then
	echo "skip python: no python3 or no $BUILD/libchu.so"; echo "0 passed, 0 failed, 1 skipped"; exit 0
fi
if [ -n "${CHU_ASAN:-}" ]; then
	echo "skip python: $BUILD/libchu.so is built with sanitizers"; echo "0 passed, 0 failed, 1 skipped"; exit 0
fi
out=$(CHU_LIB="$BUILD/libchu.so" "$py" -m unittest discover -s python/tests 2>&1); rc=$?
ran=$(echo "$out" | sed -n 's/^Ran \([0-9]*\) test.*/\1/p')
if [ -z "$ran" ]; then # the suite did not run at all (an import failed)
	echo "FAIL python: $(echo "$out" | tail -n 5)"; echo "0 passed, 1 failed"; exit 1
fi
bad=0
for n in $(echo "$out" | sed -n 's/.*FAILED (\(.*\))/\1/p' | tr ',' '\n' | sed -n 's/.*=\([0-9]*\)/\1/p'); do
	bad=$((bad + n))
done
[ "$rc" -ne 0 ] && [ "$bad" -eq 0 ] && bad=1
[ "$rc" -ne 0 ] && echo "$out" | grep -E '^(FAIL|ERROR):' | sed 's/^ERROR/FAIL/'
# installable: pip install --no-build-isolation ./python into a fresh venv of Debian's python3
# (its setuptools and wheel), then the package works from elsewhere with its own libchu.so copy
vpass=0
if /usr/bin/python3 -c 'import venv, setuptools, wheel' 2>/dev/null; then
	v=$(mktemp -d)
	if /usr/bin/python3 -m venv --system-site-packages "$v/env" >"$v/log" 2>&1 &&
		"$v/env/bin/python" -m pip install -q --no-build-isolation --no-index ./python >>"$v/log" 2>&1; then
		got=$(cd "$v" && env -u CHU_LIB -u CHU_MODEL_DIR "$v/env/bin/python" -c '
import os, chu
here = os.path.dirname(chu.__file__)
assert here.startswith(os.path.realpath(os.path.join(os.getcwd(), "env"))) or "/env/" in here, here
assert os.path.exists(os.path.join(here, "libchu.so"))
print(chu.normalize("Ho\u0300a"), "|".join(chu.segment("Hội nghị bình đẳng giới")) if os.path.exists(os.path.join(here, "models", "seg.chm")) else "-")
' 2>&1)
		case "$got" in "Hoà Hội nghị|bình đẳng|giới" | "Hoà -") vpass=1 ;; *) echo "FAIL python: the venv install: $got"; bad=$((bad + 1)) ;; esac
	else
		echo "FAIL python: pip install ./python into a venv: $(tail -n 5 "$v/log")"; bad=$((bad + 1))
	fi
	rm -rf "$v" python/build python/chu.egg-info
else
	echo "skip python: the venv install (no python3-venv, python3-setuptools or python3-wheel)"
fi
echo "$((ran - bad + vpass)) passed, $bad failed"
[ "$rc" -eq 0 ] && [ "$bad" -eq 0 ]
