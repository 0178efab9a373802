#!/usr/bin/python3
"""Rebuilds the seed corpus of the fuzz harnesses from the test fixtures and the hostile files.

usage: tests/fuzz/make_corpus.py        (from anywhere; writes tests/fuzz/corpus/<target>/)

* npyheader: every .npy of tests/data and every member of its archives (first 4 KB of each),
  and the small hostile .npy files;
* npz: the archives and .npy files of tests/data under 40 KB, and the small hostile files;
* nemos: the member names of every nemos fixture, one a line, each after a letter for its
  leaf (see fuzz_nemos.cpp).
libFuzzer adds what it finds to its own working corpus (tests/fuzz/findings, not committed); a
coverage-minimal subset of it is committed as corpus/<target>/found-<sha1>, made with
`fuzz_<target> -merge=1 NEWDIR tests/fuzz/corpus/<target> tests/fuzz/findings/<target>/corpus`.
"""

import glob
import os
import subprocess
import sys
import tempfile
import zipfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data")
HOSTILE = os.path.join(HERE, "..", "hostile", "make_hostile.py")


def write(target, name, data):
    folder = os.path.join(HERE, "corpus", target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as fh:
        fh.write(data)


def leaf_letter(value):
    if value.ndim > 0:
        return "a"
    if value.dtype.kind == "f" and np.isnan(value):
        return "n"
    return {"f": "f", "i": "i", "u": "i", "b": "b", "U": "s"}.get(value.dtype.kind, "x")


def main():
    # Seeds are rewritten; found-* files (inputs the fuzzers found, merged with -merge=1) are kept.
    for target in ("npyheader", "npz", "nemos"):
        for path in glob.glob(os.path.join(HERE, "corpus", target, "*")):
            if not os.path.basename(path).startswith("found-"):
                os.remove(path)

    for path in sorted(glob.glob(os.path.join(DATA, "*", "*.np[yz]"))):
        label = os.path.basename(os.path.dirname(path)) + "-" + os.path.basename(path)
        blob = open(path, "rb").read()
        if path.endswith(".npy"):
            write("npyheader", label, blob[:4096])
        else:
            try:
                with zipfile.ZipFile(path) as zf:
                    for info in zf.infolist():
                        write("npyheader", label + "-" + info.filename.replace("/", "_"), zf.read(info)[:4096])
            except (zipfile.BadZipFile, EOFError):
                pass
        if len(blob) < 40000:
            write("npz", label, blob)

    for path in sorted(glob.glob(os.path.join(DATA, "nemos", "*.npz"))):
        with np.load(path, allow_pickle=False) as archive:
            lines = [leaf_letter(archive[key]) + key for key in archive.files]
        write("nemos", os.path.basename(path)[:-4] + ".txt", ("\n".join(lines) + "\n").encode())

    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, HOSTILE, tmp], check=True)
        for path in sorted(glob.glob(os.path.join(tmp, "*.np[yz]"))):
            blob = open(path, "rb").read()
            if len(blob) > 16384:
                continue
            if path.endswith(".npy"):
                write("npyheader", "hostile-" + os.path.basename(path), blob)
            write("npz", "hostile-" + os.path.basename(path), blob)


if __name__ == "__main__":
    main()
