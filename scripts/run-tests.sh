#!/bin/sh
# Builds and runs every test twice: under AddressSanitizer and UndefinedBehaviorSanitizer
# (the `asan` preset), then in a release build with warnings as errors (the `ci` preset).
# --no-asan (or NEMOSCOPE_ASAN=0) runs the release pass only.
set -eu
cd "$(dirname "$0")/.."
jobs=$(nproc)
asan=${NEMOSCOPE_ASAN:-1}
for option in "$@"; do
    case "$option" in
    --asan) asan=1 ;;
    --no-asan) asan=0 ;;
    *) echo "run-tests.sh: unknown option $option" >&2; exit 2 ;;
    esac
done

if [ "$asan" = 1 ]; then
    cmake --preset asan >/dev/null
    cmake --build --preset asan -j "$jobs"
    echo "== Test suite under AddressSanitizer and UndefinedBehaviorSanitizer"
    ctest --preset asan -j "$jobs"
fi

cmake --preset ci >/dev/null
cmake --build --preset ci -j "$jobs"
echo "== Test suite, release build"
ctest --preset ci -j "$jobs"
