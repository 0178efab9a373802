#!/bin/sh
# Builds and runs every test: first the release build with warnings as errors,
# then the whole suite again under AddressSanitizer and UndefinedBehaviorSanitizer.
# Set NEMOSCOPE_SKIP_ASAN=1 to run only the first pass.
set -eu
cd "$(dirname "$0")/.."
jobs=$(nproc)

cmake --preset ci >/dev/null
cmake --build --preset ci -j "$jobs"
if [ "${NEMOSCOPE_SKIP_ASAN:-0}" != 1 ]; then
    cmake --preset asan >/dev/null
    cmake --build --preset asan -j "$jobs"
    echo "== Test suite under AddressSanitizer and UndefinedBehaviorSanitizer"
    ctest --preset asan -j "$jobs"
fi
echo "== Test suite, release build"
ctest --preset ci -j "$jobs"
