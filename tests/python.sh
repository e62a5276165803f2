#!/bin/sh
# The Python package's unittest suite (python/tests), as "N passed, N failed[, N skipped]".
# Skipped with a message when no python3 or no libchu.so in $BUILD.
: "${BUILD:=build}"
py=$(command -v python3 || true)
if [ -z "$py" ] || [ ! -f "$BUILD/libchu.so" ]; then
	echo "skip python: no python3 or no $BUILD/libchu.so"; echo "0 passed, 0 failed, 1 skipped"; exit 0
fi
out=$(CHU_LIB="$BUILD/libchu.so" "$py" -m unittest discover -s python/tests 2>&1); rc=$?
ran=$(echo "$out" | sed -n 's/^Ran \([0-9]*\) test.*/\1/p')
bad=$(echo "$out" | sed -n 's/.*FAILED (\(.*\))/\1/p' | tr ',' '\n' | sed -n 's/.*=\([0-9]*\)/\1/p' | paste -sd+ - | bc 2>/dev/null)
bad=${bad:-0}; [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ] && bad=1
[ "$rc" -ne 0 ] && echo "$out" | grep -E '^(FAIL|ERROR):' | sed 's/^ERROR/FAIL/'
echo "$(( ${ran:-0} - bad )) passed, $bad failed"
[ "$rc" -eq 0 ]
