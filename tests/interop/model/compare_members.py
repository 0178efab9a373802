"""Compares two npz files member by member, bit for bit, as NumPy reads them (allow_pickle=False).

Usage: compare_members.py A.npz B.npz
Prints "same" when both hold the same member names with the same dtype, shape and bytes; otherwise one line
per difference.
"""

import sys

import numpy as np


def members(path):
    with np.load(path, allow_pickle=False) as data:
        return {name: data[name] for name in data.files}


def main():
    a, b = members(sys.argv[1]), members(sys.argv[2])
    problems = []
    if sorted(a) != sorted(b):
        problems.append("names differ: only in first %s, only in second %s"
                        % (sorted(set(a) - set(b)), sorted(set(b) - set(a))))
    for name in sorted(set(a) & set(b)):
        x, y = a[name], b[name]
        if x.dtype != y.dtype or x.shape != y.shape or x.tobytes() != y.tobytes():
            problems.append("%s: %s %s vs %s %s" % (name, x.dtype, x.shape, y.dtype, y.shape))
    print("\n".join(problems) if problems else "same")


if __name__ == "__main__":
    main()
