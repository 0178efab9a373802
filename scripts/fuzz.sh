#!/bin/sh
# Runs one libFuzzer harness for a given time:
#
#   scripts/fuzz.sh TARGET SECONDS [extra libFuzzer options...]
#
# TARGET is npyheader (the .npy header parser), npz (the archive reader on in-memory archives)
# or nemos (the nemos tree decoder). The script configures and builds the `fuzz` preset
# (clang with -fsanitize=fuzzer,address,undefined; install clang and libFuzzer with
# scripts/install-deps.sh --fuzz), then fuzzes at low priority (nice -n 10) starting from the
# committed seeds in tests/fuzz/corpus/TARGET, with the dictionary tests/fuzz/TARGET.dict.
#
# What it finds goes to tests/fuzz/findings/TARGET/ (not committed): corpus/ grows with new
# coverage, crash-*, leak-*, timeout-* and oom-* files are inputs that broke something, and
# fuzz.log ends with libFuzzer's "Done N runs in S second(s)". Copy each crash input, once fixed,
# to tests/fuzz/crashes/TARGET/: ctest's fuzz_replay_TARGET then replays it in every build.
# A single allocation over 512 MB counts as a finding (-malloc_limit_mb), as does an input that
# takes more than 10 seconds.
set -eu
cd "$(dirname "$0")/.."

if [ $# -lt 2 ]; then
    sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi
target=$1
seconds=$2
shift 2
case "$target" in
npyheader | npz | nemos) ;;
*) echo "fuzz.sh: unknown target $target (npyheader, npz or nemos)" >&2; exit 2 ;;
esac

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz --target "fuzz_$target"

findings="tests/fuzz/findings/$target"
mkdir -p "$findings/corpus"
echo "fuzz.sh: fuzzing $target for $seconds s; log in $findings/fuzz.log"
set +e
nice -n 10 "build/fuzz/tests/fuzz/fuzz_$target" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=512 -max_len=65536 \
    -dict="tests/fuzz/$target.dict" -artifact_prefix="$findings/" -print_final_stats=1 "$@" \
    "$findings/corpus" "tests/fuzz/corpus/$target" >"$findings/fuzz.log" 2>&1
status=$?
set -e
grep -E '^(Done|stat::number_of_executed_units|==[0-9]+==ERROR|SUMMARY)' "$findings/fuzz.log" || true
ls "$findings" | grep -E '^(crash|leak|timeout|oom|slow-unit)-' || echo "fuzz.sh: no crash inputs"
exit $status
