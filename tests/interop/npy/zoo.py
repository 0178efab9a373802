"""Builds the dtype zoo for Nemoscope's npy interop test and checks files written by Nemoscope.

  zoo.py make OUTDIR      writes zoo.npz (np.savez), zoo_compressed.npz (np.savez_compressed), one .npy per
                          array (np.save) and manifest.json: for every array its descr, shape, fortran_order
                          and C-order bytes in hex.
  zoo.py dump FILE        prints the same manifest for an existing .npz/.npy (fixtures).
  zoo.py check OUTDIR     loads Nemoscope's written files with allow_pickle=False and compares them bit for bit
                          with the zoo; exits 1 listing every difference.
"""
import json
import os
import sys

import numpy as np
import numpy.lib.format as fmt


def zoo():
    rng = np.random.default_rng(11)
    padded = np.dtype({"names": ["a", "b"], "formats": ["<i2", "<f8"], "offsets": [0, 8], "itemsize": 24})
    nested = np.dtype([("pos", [("x", "<f4"), ("y", "<f4")]), ("tag", "S3"), ("m", "<i4", (2, 3))])
    arrays = {
        "bool": rng.uniform(size=7) > 0.5,
        "int8": rng.integers(-128, 127, size=9, dtype=np.int8),
        "int16": rng.integers(-30000, 30000, size=(3, 4), dtype=np.int16),
        "int32_be": rng.integers(-2**31, 2**31 - 1, size=5, dtype=np.int32).astype(">i4"),
        "int64": rng.integers(-2**62, 2**62, size=6, dtype=np.int64),
        "uint8": rng.integers(0, 255, size=10, dtype=np.uint8),
        "uint16": rng.integers(0, 65535, size=4, dtype=np.uint16),
        "uint32": rng.integers(0, 2**32 - 1, size=4, dtype=np.uint32),
        "uint64": np.array([0, 1, 2**64 - 1, 2**63], dtype=np.uint64),
        "float16": np.linspace(-3, 3, 13).astype(np.float16),
        "float32": rng.normal(size=(2, 3, 4)).astype(np.float32),
        "float64": rng.normal(size=(5, 3)),
        "float64_be": rng.normal(size=4).astype(">f8"),
        "float64_special": np.array([np.nan, np.inf, -np.inf, -0.0, 5e-324, 1.7976931348623157e308]),
        "complex64": (rng.normal(size=3) + 1j * rng.normal(size=3)).astype(np.complex64),
        "complex128": rng.normal(size=(2, 2)) + 1j * rng.normal(size=(2, 2)),
        "datetime_D": np.arange("2026-01-01", "2026-01-05", dtype="datetime64[D]"),
        "datetime_ns": np.array(["2026-12-03T16:35:01.123456789", "NaT", "1969-07-20T20:17:40"], dtype="datetime64[ns]"),
        "datetime_ms_be": np.array(["2001-02-03T04:05:06.007"], dtype=">M8[ms]"),
        "timedelta_s": np.array([1, -5, 86400], dtype="timedelta64[s]"),
        "unicode": np.array(["alpha", "βeta", "", "ünï©ødé"]),
        "unicode_be": np.array(["ab", "c"], dtype=">U2"),
        "bytes": np.array([b"raw", b"by\x00tes", b""]),
        "void": np.array([b"\x01\x02\x03\x04"], dtype="V4").repeat(3),
        "structured": np.array([(1.0, 2.0, 7), (3.0, 4.5, 9)], dtype=[("x", "<f8"), ("y", "<f4"), ("id", "<i2")]),
        "structured_padded": np.array([(1, 2.5), (3, 4.5)], dtype=padded),
        "structured_nested": np.array([((1.5, 2.5), b"ab", np.arange(6).reshape(2, 3))], dtype=nested),
        "structured_aligned": np.zeros(3, dtype=np.dtype([("c", "u1"), ("d", "<f8")], align=True)),
        "fortran_2d": np.asfortranarray(rng.normal(size=(3, 5))),
        "fortran_3d": np.asfortranarray(np.arange(24, dtype=np.int32).reshape(2, 3, 4)),
        "scalar_f8": np.array(2.5),
        "scalar_i8": np.array(-42, dtype=np.int64),
        "scalar_str": np.array("LBFGS"),
        "empty": np.zeros((0, 5)),
        "empty_3d": np.zeros((2, 0, 3), dtype=np.int16),
        "big_growth": np.arange(100000, dtype=np.float64).reshape(1000, 100),
    }
    return arrays


def describe(array):
    descr = fmt.dtype_to_descr(array.dtype)
    fortran = bool(array.flags.f_contiguous and not array.flags.c_contiguous)
    return {
        "descr": descr,
        "shape": list(array.shape),
        "fortran_order": fortran,
        "hex": np.ascontiguousarray(array).tobytes().hex(),
    }


def make(outdir):
    arrays = zoo()
    np.savez(os.path.join(outdir, "zoo.npz"), **arrays)
    np.savez_compressed(os.path.join(outdir, "zoo_compressed.npz"), **arrays)
    for name, array in arrays.items():
        np.save(os.path.join(outdir, name + ".npy"), array)
    manifest = {name: describe(array) for name, array in arrays.items()}
    with open(os.path.join(outdir, "manifest.json"), "w") as fh:
        json.dump(manifest, fh)


def dump(path):
    if path.endswith(".npy"):
        arrays = {os.path.splitext(os.path.basename(path))[0]: np.load(path, allow_pickle=False)}
    else:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
    print(json.dumps({name: describe(array) for name, array in arrays.items()}))


def same_bytes(got, want):
    # Structured arrays compare field by field: NumPy's npz loader copies records field-wise, so the padding
    # bytes between fields carry no value.
    if want.dtype.names:
        return all(same_bytes(got[field], want[field]) for field in want.dtype.names)
    return np.ascontiguousarray(got).tobytes() == np.ascontiguousarray(want).tobytes()


def check(outdir):
    arrays = zoo()
    problems = []

    def compare(where, name, got):
        want = arrays[name]
        if got.dtype != want.dtype:
            problems.append(f"{where}: {name}: dtype {got.dtype} != {want.dtype}")
        elif got.shape != want.shape:
            problems.append(f"{where}: {name}: shape {got.shape} != {want.shape}")
        elif not same_bytes(got, want):
            problems.append(f"{where}: {name}: bytes differ")

    for archive in ("written.npz", "written_compressed.npz"):
        with np.load(os.path.join(outdir, archive), allow_pickle=False) as npz:
            if sorted(npz.files) != sorted(arrays):
                problems.append(f"{archive}: members {sorted(npz.files)}")
            for name in npz.files:
                if name in arrays:
                    compare(archive, name, npz[name])
    for name in arrays:
        path = os.path.join(outdir, "written_" + name + ".npy")
        compare(path, name, np.load(path, allow_pickle=False))
        # The .npy must be byte-identical to np.save's.
        with open(path, "rb") as fh:
            ours = fh.read()
        with open(os.path.join(outdir, name + ".npy"), "rb") as fh:
            theirs = fh.read()
        if ours != theirs:
            problems.append(f"{name}.npy: bytes differ from np.save ({len(ours)} vs {len(theirs)} bytes; "
                            f"headers {ours[:128]!r} vs {theirs[:128]!r})")
    for p in problems:
        print(p)
    print("checked", len(arrays), "arrays,", len(problems), "problems")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    command, target = sys.argv[1], sys.argv[2]
    {"make": make, "dump": dump, "check": check}[command](target)
