#!/bin/sh
# Formats every C++ source in place with the project's .clang-format.
cd "$(dirname "$0")/.." || exit 1
find app core ui tests \( -name '*.cpp' -o -name '*.h' \) -print0 | xargs -0 clang-format -i
