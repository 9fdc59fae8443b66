#!/usr/bin/env bash
# Benchmarks: ours vs pyroute2 vs the kernel's ynl vs C (libmnl). Needs root (network namespaces).
#   bench/run.sh [--quick] [--only NAME,...] [--sides ours,pyroute2,ynl,c] [--keep-netns]
# Installs what it needs (apt: libmnl-dev, iproute2, gcc), builds bench/c/*.c into
# bench/build/, makes bench/.venv with pyroute2 (latest) and this checkout, then runs run.py.
set -euo pipefail
BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$BENCH")"
BUILD="$BENCH/build"
VENV="$BENCH/.venv"
PYTHON="${PYTHON:-python3}"

[ "$(id -u)" -eq 0 ] || { echo "bench/run.sh: needs root (network namespaces)" >&2; exit 1; }

missing=()
[ -f /usr/include/libmnl/libmnl.h ] || missing+=(libmnl-dev)
command -v ip >/dev/null || missing+=(iproute2)
command -v gcc >/dev/null || missing+=(gcc)
if [ ${#missing[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 || {
        apt-get update -q >/dev/null
        apt-get install -y -q "${missing[@]}" >/dev/null
    }
fi

mkdir -p "$BUILD"
for src in "$BENCH"/c/*.c; do
    out="$BUILD/$(basename "$src" .c)"
    stale=0
    for header in "$BENCH"/c/*.h; do [ "$header" -nt "$out" ] && stale=1; done
    if [ ! -x "$out" ] || [ "$src" -nt "$out" ] || [ "$stale" = 1 ]; then
        gcc -O2 -Wall -o "$out" "$src" -lmnl
    fi
done

if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
fi
stamp="$VENV/.installed"
if [ ! -f "$stamp" ] || [ "$ROOT/pyproject.toml" -nt "$stamp" ]; then
    "$VENV/bin/pip" install -q --disable-pip-version-check --upgrade pyroute2
    "$VENV/bin/pip" install -q --disable-pip-version-check -e "$ROOT"
    touch "$stamp"
fi

# -- the kernel's ynl (fourth side): its Python library and the specs the workloads use, from
# Debian's linux-source-6.12 tarball, extracted into bench/build/ynl (nothing enters the repo).
YNL_TAR=/usr/src/linux-source-6.12.tar.xz
YNL="$BUILD/ynl"
if [ ! -f "$YNL/.extracted" ]; then
    if [ ! -f "$YNL_TAR" ]; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y -q linux-source-6.12 >/dev/null 2>&1 || {
            apt-get update -q >/dev/null
            apt-get install -y -q linux-source-6.12 >/dev/null
        }
    fi
    rm -rf "$YNL" && mkdir -p "$YNL"
    top=linux-source-6.12
    tar -xJf "$YNL_TAR" -C "$YNL" --strip-components=1 "$top/tools/net/ynl/lib" \
        $(for s in rt_link rt_addr rt_route nlctrl netdev ethtool; do
              echo "$top/Documentation/netlink/specs/$s.yaml"; done)
    touch "$YNL/.extracted"
fi
# ynl's lib needs PyYAML (installed with this checkout); its specs are not validated against
# the jsonschema (ynl_bench.py passes schema=""), so jsonschema is not needed.

exec "$VENV/bin/python" "$BENCH/run.py" "$@"
