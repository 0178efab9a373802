"""Nemoscope's npz engine against NumPy, side by side, in one run.

Builds a ~1 GB archive of a few hundred members (one 500 MB member among many small ones), once stored
(np.savez) and once deflated (np.savez_compressed), then measures each operation in a fresh process for
Nemoscope (the npz_bench driver) and for NumPy, and prints the times, peak memory and ratios.

    /usr/bin/python3 tests/benchmarks/npz/bench_npz.py --driver build/tests/benchmarks/npz/npz_bench

Every file is read once before timing, so all tools read from a warm page cache. Wall and CPU times are both
shown: on a busy machine the wall time includes waiting for a core. Nemoscope's CPU time of a deflated read
includes the CRC, computed on a second thread while inflating.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import zipfile

import numpy as np

BIG = "big"
BIG_ELEMENTS = 500 * 1000 * 1000 // 8  # 500 MB of float64
SMALL_MEMBERS = 299
SMALL_ELEMENTS = 500 * 1000 * 1000 // 8 // SMALL_MEMBERS


def build(folder):
    rng = np.random.default_rng(3)
    # Values rounded to 3 decimals: typical measured data, and compressible enough for deflate to matter.
    arrays = {BIG: np.round(rng.normal(size=BIG_ELEMENTS), 3)}
    kinds = [np.float64, np.float32, np.int32, np.int64]
    for i in range(SMALL_MEMBERS):
        dtype = kinds[i % len(kinds)]
        size = SMALL_ELEMENTS * 8 // np.dtype(dtype).itemsize // 8 * 8
        data = np.round(rng.normal(size=size) * 100, 2).astype(dtype)
        arrays[f"member_{i:03d}"] = data.reshape(-1, 8) if i % 3 == 0 else data
    stored = os.path.join(folder, "bench_stored.npz")
    deflated = os.path.join(folder, "bench_deflated.npz")
    t = time.perf_counter()
    np.savez(stored, **arrays)
    print(f"  np.savez            {time.perf_counter() - t:7.2f} s  {os.path.getsize(stored) / 1e9:.2f} GB")
    t = time.perf_counter()
    np.savez_compressed(deflated, **arrays)
    print(f"  np.savez_compressed {time.perf_counter() - t:7.2f} s  {os.path.getsize(deflated) / 1e9:.2f} GB")
    return stored, deflated


NUMPY_SNIPPETS = {
    # np.load plus each member's shape: NumPy has no lazy header listing, so each member is loaded.
    "list_npload": """
        with np.load(path) as z:
            info = [(k, z[k].dtype, z[k].shape) for k in z.files]
    """,
    # NumPy's own fastest header-only path: zipfile plus read_array_header for every member.
    "list_headers": """
        import zipfile
        info = []
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                with zf.open(name) as fh:
                    version = np.lib.format.read_magic(fh)
                    info.append(np.lib.format._read_array_header(fh, version))
    """,
    "read": """
        with np.load(path) as z:
            a = z[name]
    """,
    "read_touch": """
        with np.load(path) as z:
            a = z[name]
            s = float(a.sum())
    """,
    # np.load(mmap_mode) ignores mmap for npz members; this is what NumPy offers for a stored member.
    "read_mmap_npy": """
        a = np.load(path, mmap_mode="r")
    """,
}


def run_numpy(snippet, path, name=""):
    code = textwrap.dedent(f"""
        import json, resource, time
        import numpy as np
        path, name = {path!r}, {name!r}
        t = time.perf_counter()
        cpu = time.process_time()
    """) + textwrap.dedent(NUMPY_SNIPPETS[snippet]) + textwrap.dedent("""
        seconds = time.perf_counter() - t
        cpu = time.process_time() - cpu
        status = dict(line.split(":", 1) for line in open("/proc/self/status") if ":" in line)
        kb = lambda key: int(status[key].split()[0]) * 1024
        print(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "peak_rss": kb("VmHWM"), "rss_anon": kb("RssAnon"),
                          "rss_file": kb("RssFile")}))
    """)
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def run_driver(driver, *args):
    out = subprocess.run([driver, *args], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def best(runs, fn):
    results = [fn() for _ in range(runs)]
    return min(results, key=lambda r: r["seconds"])


def member_span(path, member):
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(member)
    with open(path, "rb") as fh:
        fh.seek(info.header_offset)
        local = fh.read(30)
    name_len = int.from_bytes(local[26:28], "little")
    extra_len = int.from_bytes(local[28:30], "little")
    return info.header_offset + 30 + name_len + extra_len, info.compress_size, info.file_size


def warm(path):
    with open(path, "rb") as fh:
        while fh.read(64 << 20):
            pass


def mb(n):
    return f"{n / 1e6:8.1f} MB"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--driver", required=True, help="path of the built npz_bench executable")
    parser.add_argument("--workdir", help="folder for the archives (default: a temporary folder, removed after)")
    parser.add_argument("--runs", type=int, default=3, help="repetitions of the fast measurements (best is kept)")
    args = parser.parse_args()
    driver = os.path.abspath(args.driver)

    folder = args.workdir or tempfile.mkdtemp(prefix="npz-bench-")
    os.makedirs(folder, exist_ok=True)
    try:
        print(f"numpy {np.__version__}; building the archives in {folder}")
        stored = os.path.join(folder, "bench_stored.npz")
        deflated = os.path.join(folder, "bench_deflated.npz")
        if not (os.path.exists(stored) and os.path.exists(deflated)):
            stored, deflated = build(folder)
        big_npy = os.path.join(folder, "big.npy")
        if not os.path.exists(big_npy):
            with np.load(stored) as z:
                np.save(big_npy, z[BIG])
        for path in (stored, deflated, big_npy):
            warm(path)
        members = len(zipfile.ZipFile(stored).namelist())
        print(f"{members} members, {os.path.getsize(stored) / 1e9:.2f} GB stored, "
              f"{os.path.getsize(deflated) / 1e9:.2f} GB deflated\n")

        rows = []

        def row(what, ours, theirs, label):
            ratio = theirs["seconds"] / max(ours["seconds"], 1e-9)
            rows.append((what, ours, theirs, label, ratio))

        for path, kind in ((stored, "stored"), (deflated, "deflated")):
            ours = best(args.runs, lambda: run_driver(driver, "list", path))
            row(f"list {members} members ({kind})", ours, run_numpy("list_npload", path), "np.load + shape")
            row(f"list {members} members ({kind})", ours, best(args.runs, lambda: run_numpy("list_headers", path)),
                "zipfile + read_array_header")

        ours_view = best(args.runs, lambda: run_driver(driver, "read", stored, BIG))
        ours_touch = best(1, lambda: run_driver(driver, "read", stored, BIG, "touch"))
        numpy_read = best(1, lambda: run_numpy("read", stored, BIG))
        numpy_touch = best(1, lambda: run_numpy("read_touch", stored, BIG))
        numpy_mmap = best(args.runs, lambda: run_numpy("read_mmap_npy", big_npy))
        row("read 500 MB stored member", ours_view, numpy_read, "np.load(npz)[name]")
        row("read 500 MB stored member + sum", ours_touch, numpy_touch, "np.load(npz)[name].sum()")
        row("read 500 MB stored member", ours_view, numpy_mmap, "np.load(.npy, mmap_mode='r')")

        ours_inflate = best(1, lambda: run_driver(driver, "read", deflated, BIG))
        numpy_inflate = best(1, lambda: run_numpy("read", deflated, BIG))
        offset, csize, usize = member_span(deflated, BIG + ".npy")
        zlib_raw = best(1, lambda: run_driver(driver, "zlib", deflated, str(offset), str(csize), str(usize)))
        row("inflate 500 MB deflated member", ours_inflate, numpy_inflate, "np.load(npz)[name]")
        row("inflate 500 MB deflated member", ours_inflate, zlib_raw, "raw zlib inflate (no CRC)")

        print(f"{'':36} {'--------------- Nemoscope ---------------':42}   {'---------------- other -----------------':42}")
        print(f"{'operation':36} {'wall':>9} {'CPU':>9} {'peak RSS':>11} {'anon RSS':>11}   "
              f"{'wall':>9} {'CPU':>9} {'peak RSS':>11} {'anon RSS':>11}  {'wall x':>7} {'CPU x':>7}  other tool")
        for what, ours, theirs, label, ratio in rows:
            cpu_ratio = theirs["cpu_seconds"] / max(ours["cpu_seconds"], 1e-9)
            print(f"{what:36} {ours['seconds']:8.4f}s {ours['cpu_seconds']:8.4f}s {mb(ours['peak_rss'])} "
                  f"{mb(ours['rss_anon'])}   {theirs['seconds']:8.4f}s {theirs['cpu_seconds']:8.4f}s "
                  f"{mb(theirs['peak_rss'])} {mb(theirs['rss_anon'])}  {ratio:6.1f}x {cpu_ratio:6.1f}x  {label}")
        print()
        for clock, key in (("wall", "seconds"), ("CPU", "cpu_seconds")):
            print(f"deflate throughput ({clock}): Nemoscope {usize / ours_inflate[key] / 1e6:.0f} MB/s, "
                  f"NumPy {usize / numpy_inflate[key] / 1e6:.0f} MB/s, "
                  f"raw zlib {usize / zlib_raw[key] / 1e6:.0f} MB/s "
                  f"(Nemoscope at {100 * zlib_raw[key] / ours_inflate[key]:.0f}% of zlib's speed, CRC included)")
        print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
              "(wall times on a shared machine include waiting for a core; CPU times do not)")
    finally:
        if not args.workdir:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
