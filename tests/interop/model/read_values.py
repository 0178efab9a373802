"""Prints the named members of an npz as NumPy reads them (allow_pickle=False): "name dtype shape value",
or "name missing". With --names, prints every member name instead.

Usage: read_values.py FILE.npz NAME... | read_values.py FILE.npz --names
"""

import sys

import numpy as np


def main():
    with np.load(sys.argv[1], allow_pickle=False) as data:
        if sys.argv[2:] == ["--names"]:
            print("\n".join(data.files))
            return
        for name in sys.argv[2:]:
            if name not in data.files:
                print(name, "missing")
                continue
            value = data[name]
            shown = repr(value.item()) if value.ndim == 0 else repr(value.tolist())
            print(name, value.dtype.str, value.shape, shown)


if __name__ == "__main__":
    main()
