#!/bin/sh
# Installs the Debian 12 packages Nemoscope needs. Run as root after `apt-get update`.
#   scripts/install-deps.sh           build and run the application
#   scripts/install-deps.sh --tests   also everything the test suite uses
#   scripts/install-deps.sh --bench   also the peers the benchmarks compare against
#   scripts/install-deps.sh --fuzz    also clang and libFuzzer for the fuzz harnesses
set -eu

packages="cmake ninja-build g++ pkg-config qt6-base-dev qt6-charts-dev libqt6opengl6-dev libqt6svg6 libquazip1-qt6-dev
    libeigen3-dev zlib1g-dev libgl-dev qt6-qpa-plugins fonts-dejavu-core"
tests="xvfb xauth desktop-file-utils appstream shared-mime-info python3-numpy clang-format file dpkg-dev"
bench="python3-numpy python3-sklearn python3-statsmodels python3-scipy libopenblas0-pthread time"
fuzz="clang libclang-rt-14-dev libfuzzer-14-dev"

for option in "$@"; do
    case "$option" in
    --tests) packages="$packages $tests" ;;
    --bench) packages="$packages $bench" ;;
    --fuzz) packages="$packages $fuzz" ;;
    *) echo "install-deps.sh: unknown option $option" >&2; exit 2 ;;
    esac
done

# Install only what is missing, so that a configured machine is left alone.
missing=""
for package in $packages; do
    status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
    [ "$status" = "install ok installed" ] || missing="$missing $package"
done
if [ -n "$missing" ]; then
    echo "Installing:$missing"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing
fi
