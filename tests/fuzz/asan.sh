#!/usr/bin/env bash
# Runs a command (the fuzzer) with genetlink's compiled walk built under AddressSanitizer and
# UndefinedBehaviorSanitizer: a copy of the package in build/asan whose _cwalk is the
# sanitized build, first on PYTHONPATH; libasan preloaded (the interpreter is not built with
# it) and PYTHONMALLOC=malloc, so that every Python object, the bytes being decoded included,
# is a malloc block ASan guards. Without gcc's libasan the command runs as it is, and says so.
#   tests/fuzz/asan.sh .venv/bin/python tests/fuzz/run.py --seconds 60
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PY="${PY:-$ROOT/.venv/bin/python}"
CC="${CC:-gcc}"
libasan="$("$CC" -print-file-name=libasan.so 2>/dev/null || true)"
if [[ "$libasan" != /* || ! -e "$libasan" ]]; then
    echo "fuzz: no libasan for $CC: the compiled walk is fuzzed without AddressSanitizer" >&2
    exec "$@"
fi
out="$ROOT/build/asan"
rm -rf "$out"
mkdir -p "$out"
cp -r "$ROOT/src/genetlink" "$out/"
find "$out" \( -name '*.so' -o -name '*.pyc' \) -delete
include="$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')"
suffix="$("$PY" -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')"
"$CC" -shared -fPIC -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
    -fno-sanitize-recover=undefined -Wall -I"$include" \
    -o "$out/genetlink/codec/_cwalk$suffix" "$ROOT/src/genetlink/codec/_cwalk.c"
export LD_PRELOAD="$libasan" PYTHONMALLOC=malloc PYTHONPATH="$out${PYTHONPATH:+:$PYTHONPATH}"
# leaks: the interpreter's own at exit are not ours; a sanitizer report ends the process
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:${UBSAN_OPTIONS:-}"
unset GENETLINK_PURE
"$PY" -c 'import genetlink.codec.native as n, sys; m = n.accelerator()
sys.exit(0 if m is not None and "/build/asan/" in m.__file__ else
         f"fuzz: the sanitized walk did not load ({m})")'
echo "fuzz: the compiled walk under AddressSanitizer ($out)" >&2
exec "$@"
