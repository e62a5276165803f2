#!/bin/sh
# `make install` into a scratch prefix: the files land where pkg-config, man and the linker look,
# and a program built with `pkg-config --cflags --libs chu` runs against the installed library.
pass=0 fail=0
if [ -n "${CHU_ASAN:-}" ]; then
	echo "skip: install test (the sanitizer build is not installed)"; echo "0 passed, 0 failed, 1 skipped"; exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL install.sh: $*"; }
if make -s install PREFIX="$tmp/p" BUILD="${BUILD:-build}" >"$tmp/log" 2>&1; then ok; else bad "make install: $(tail -5 "$tmp/log")"; fi
for f in bin/chu lib/libchu.a lib/libchu.so lib/libchu.so.0 include/chu.h lib/pkgconfig/chu.pc share/man/man1/chu.1; do
	[ -e "$tmp/p/$f" ] && ok || bad "missing $f"
done
"$tmp/p/bin/chu" --version | grep -q '^chu ' && ok || bad "installed chu --version"
[ -e "$tmp/p/lib/chu_sqlite.so" ] && ok || bad "missing lib/chu_sqlite.so"
if [ -r models/seg.chm ]; then
	# the installed command finds the installed model by itself
	printf 'Hội nghị bình đẳng giới\n' | "$tmp/p/bin/chu" seg | grep -q '^Hội_nghị ' && ok || bad "installed chu seg"
fi
if [ -r models/pos.chm ] && [ -r models/ner.chm ] && [ -r models/accent.chm ]; then
	# and the taggers' and the accent restorer's
	printf 'Ông An tới Hà Nội.\n' | "$tmp/p/bin/chu" pos | grep -q 'Hà_Nội/Np' && ok || bad "installed chu pos"
	printf 'Ông An tới Hà Nội.\n' | "$tmp/p/bin/chu" ner | grep -q "$(printf 'Hà_Nội\tB-LOC')" && ok || bad "installed chu ner"
	printf 'Thu truong Bo Ngoai giao\n' | "$tmp/p/bin/chu" accent | grep -q '^Thứ trưởng Bộ Ngoại giao$' && ok ||
		bad "installed chu accent"
fi
man -l "$tmp/p/share/man/man1/chu.1" 2>/dev/null | grep -q 'tone' && ok || { command -v man >/dev/null || ok; command -v man >/dev/null && bad "man page does not render"; }
cat >"$tmp/t.c" <<'C'
#include <chu.h>
#include <stdio.h>
#include <string.h>
int main(void)
{
	chu_ctx *ctx;
	if (chu_ctx_new(NULL, &ctx) != CHU_OK)
		return 1;
	const char *out;
	size_t n;
	const char *in = "Ho\xcc\x80" "a b\xc3\xacnh";
	int rc = chu_norm(ctx, in, strlen(in), &out, &n);
	printf("%s\n", rc == CHU_OK ? out : chu_strerror(rc));
	chu_ctx_free(ctx);
	return 0;
}
C
export PKG_CONFIG_PATH="$tmp/p/lib/pkgconfig"
if cc -o "$tmp/t" "$tmp/t.c" $(pkg-config --cflags --libs chu) 2>"$tmp/log"; then ok; else bad "build against installed chu: $(cat "$tmp/log")"; fi
[ "$(LD_LIBRARY_PATH="$tmp/p/lib" "$tmp/t")" = "Hoà bình" ] && ok || bad "program against libchu.so printed '$(LD_LIBRARY_PATH="$tmp/p/lib" "$tmp/t")'"
# the static library, with the private libraries pkg-config names for it
if cc -o "$tmp/ts" "$tmp/t.c" $(pkg-config --cflags chu) "$tmp/p/lib/libchu.a" $(pkg-config --static --libs-only-l chu | sed 's/-lchu//') 2>"$tmp/log"; then
	[ "$("$tmp/ts")" = "Hoà bình" ] && ok || bad "static program"
else
	bad "static link: $(cat "$tmp/log")"
fi
# the Python package, where the system python3 looks under the prefix, finds the installed
# library and models by itself (_paths.py)
if [ -x /usr/bin/python3 ]; then
	pydir=$(ls -d "$tmp"/p/lib/python3*/dist-packages 2>/dev/null | head -n 1)
	if [ -n "$pydir" ] && [ -f "$pydir/chu/__init__.py" ]; then ok; else bad "no Python package under $tmp/p/lib"; fi
	got=$(cd "$tmp" && env -u CHU_LIB -u CHU_MODEL_DIR PYTHONPATH="$pydir" /usr/bin/python3 -c '
import chu, sys
assert chu.__file__.startswith(sys.argv[1]), chu.__file__
print(chu.normalize("Ho\u0300a b\u00ecnh"), "|".join(chu.segment("Hội nghị bình đẳng giới")) if sys.argv[2] == "1" else "")
' "$pydir" "$([ -r models/seg.chm ] && echo 1 || echo 0)" 2>&1)
	case "$got" in "Hoà bình Hội nghị|bình đẳng|giới" | "Hoà bình ") ok ;; *) bad "installed Python package: $got" ;; esac
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
