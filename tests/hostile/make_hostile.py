#!/usr/bin/python3
"""Writes the hostile .npy and .npz files of Nemoscope's hostile-file suite.

usage: make_hostile.py OUTDIR [--expensive]

Every file is built byte by byte (struct, zlib and a small zip writer below), so that each
one carries exactly one fault. OUTDIR/manifest.tsv lists one case a line, tab-separated:

    file  exits  bad  reason  good

* file: the file name in OUTDIR;
* exits: the exit statuses `nemoscope inspect` may give, e.g. "3" or "2,3";
* bad: the member that must be refused, without `.npy` ("-" when the whole file is refused, "*"
  when the member's name cannot be printed as given: NUL or invalid UTF-8; names separated by
  "|" when either will do). A broken .npy file is refused whole (exit 2) or as its one member,
  named after the file;
* reason: a case-insensitive regular expression the refusal's reason must match;
* good: comma-separated members that must still list and read without error ("-" for none).

--expensive also writes the decompression bomb (a member whose .npy header promises 80 bytes
over about 600 MB of deflated zeros, in two variants) and an archive of 100,000 tiny members.
They are made at test time and never committed. Output is deterministic.

Needs NumPy (Debian's /usr/bin/python3 has it).
"""

import io
import os
import random
import struct
import sys
import zlib

import numpy as np

# ---------------------------------------------------------------- .npy building blocks

MAGIC = b"\x93NUMPY"


def npy_bytes(header, version=(1, 0), data=b"", pad=True):
    """An .npy file from a header text, padded as NumPy pads (to 64 bytes, ending in a newline)."""
    if isinstance(header, str):
        header = header.encode("latin1" if version[0] < 3 else "utf8")
    size_format = "<H" if version[0] == 1 else "<I"
    prefix = len(MAGIC) + 2 + struct.calcsize(size_format)
    if pad:
        total = prefix + len(header) + 1
        header = header + b" " * ((64 - total % 64) % 64) + b"\n"
    return MAGIC + bytes(version) + struct.pack(size_format, len(header)) + header + data


def header_text(descr="'<f8'", fortran="False", shape="(3,)"):
    return "{'descr': %s, 'fortran_order': %s, 'shape': %s, }" % (descr, fortran, shape)


def numpy_npy(array):
    """An .npy file exactly as NumPy writes it."""
    out = io.BytesIO()
    np.lib.format.write_array(out, array, allow_pickle=True)
    return out.getvalue()


GOOD_NPY = numpy_npy(np.arange(5, dtype="<i8"))
THREE_DOUBLES = np.arange(3, dtype="<f8").tobytes()

# ---------------------------------------------------------------- a zip writer that can lie


def raw_deflate(payload):
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(payload) + compressor.flush()


class Entry:
    """One zip member. Every field of its local and central headers can be overridden."""

    def __init__(self, name, payload, method=0, **overrides):
        self.name = name if isinstance(name, bytes) else name.encode("utf8")
        self.payload = payload
        self.method = method
        if "stored_bytes" in overrides:
            self.stored_bytes = overrides.pop("stored_bytes")
        else:
            self.stored_bytes = raw_deflate(payload) if method == 8 else payload
        self.crc = overrides.pop("crc", zlib.crc32(payload))
        self.usize = overrides.pop("usize", len(payload))
        self.csize = overrides.pop("csize", len(self.stored_bytes))
        self.flags = overrides.pop("flags", 0x800)
        self.local = overrides.pop("local", {})  # fields where the local header differs
        self.central = overrides.pop("central", {})  # fields where the central header differs
        self.offset = None
        assert not overrides, overrides

    def field(self, where, key):
        table = self.local if where == "local" else self.central
        return table.get(key, getattr(self, key))


def local_header(entry):
    name = entry.field("local", "name")
    return struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, entry.field("local", "flags"),
                       entry.field("local", "method"), 0, 0x21, entry.field("local", "crc"),
                       entry.field("local", "csize"), entry.field("local", "usize"), len(name), 0) + name


def central_header(entry):
    name = entry.field("central", "name")
    offset = entry.central.get("offset", entry.offset)
    return struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, entry.field("central", "flags"),
                       entry.field("central", "method"), 0, 0x21, entry.field("central", "crc"),
                       entry.field("central", "csize"), entry.field("central", "usize"), len(name), 0, 0, 0, 0,
                       0, offset) + name


def end_record(count, cd_size, cd_offset, comment=b"", comment_length=None):
    if comment_length is None:
        comment_length = len(comment)
    return struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, cd_size, cd_offset, comment_length) + comment


def build_zip(entries, end=None, tail=b""):
    """Local headers and data, then the central directory, then the end record (or `end(...)`)."""
    out = bytearray()
    for entry in entries:
        if entry.offset is None:
            entry.offset = len(out)
            out += local_header(entry) + entry.stored_bytes
    cd_offset = len(out)
    for entry in entries:
        out += central_header(entry)
    cd_size = len(out) - cd_offset
    if end is None and len(entries) > 0xFFFF:
        # Too many members for the classic end record: a ZIP64 end record and its locator come first.
        zip64_offset = len(out)
        out += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, len(entries), len(entries), cd_size,
                           cd_offset)
        out += struct.pack("<IIQI", 0x07064B50, 0, zip64_offset, 1)
        out += end_record(0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF)
    elif end is None:
        out += end_record(len(entries), cd_size, cd_offset)
    else:
        out += end(len(entries), cd_size, cd_offset)
    return bytes(out + tail)


def with_good(bad_entry):
    return build_zip([bad_entry, Entry("good.npy", GOOD_NPY)])


# ---------------------------------------------------------------- the cases

class Cases:
    def __init__(self, outdir):
        self.outdir = outdir
        self.rows = []

    def add(self, file, data, exits, bad, reason, good="-"):
        with open(os.path.join(self.outdir, file), "wb") as fh:
            fh.write(data)
        self.rows.append((file, exits, bad, reason, good))

    def npy_fault(self, name, data, reason, deflated_too=False):
        """A broken .npy, alone and as the member `bad` of an archive next to a good member."""
        self.add("npy_%s.npy" % name, data, "2,3", "npy_" + name, reason)
        self.add("npy_%s.npz" % name, with_good(Entry("bad.npy", data)), "3", "bad", reason, "good")
        if deflated_too:
            self.add("npy_%s_deflated.npz" % name, with_good(Entry("bad.npy", data, method=8)), "3", "bad", reason,
                     "good")

    def write_manifest(self):
        with open(os.path.join(self.outdir, "manifest.tsv"), "w") as fh:
            for row in self.rows:
                fh.write("\t".join(row) + "\n")


def make_npy_cases(c):
    good = header_text()
    c.npy_fault("bad_magic", npy_bytes(good, data=THREE_DOUBLES).replace(b"NUMPY", b"NUMPX", 1), "magic")
    c.npy_fault("short_magic", MAGIC[:4], "magic|short|truncat|too small|end of")
    c.npy_fault("magic_only", MAGIC + b"\x01", "short|truncat|too small|end of|version")
    c.npy_fault("version_0_0", npy_bytes(good, (0, 0), THREE_DOUBLES), "version")
    c.npy_fault("version_4_0", npy_bytes(good, (4, 0), THREE_DOUBLES), "version")
    c.npy_fault("version_1_7", npy_bytes(good, (1, 7), THREE_DOUBLES), "version")

    # The header length fields claim far more bytes than the file holds.
    body = npy_bytes(good, data=THREE_DOUBLES)
    c.npy_fault("header_length_beyond_file", body[:8] + struct.pack("<H", 65000) + body[10:], "header")
    body2 = npy_bytes(good, (2, 0), THREE_DOUBLES)
    c.npy_fault("header_length_4gb", body2[:8] + struct.pack("<I", 0xFFFFFFF0) + body2[12:], "header")

    # Headers over NumPy's default limit of 10000 bytes, as version 2.0 allows writing them.
    long_header = "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), %s}" % (" " * 12000)
    c.npy_fault("header_over_limit", npy_bytes(long_header, (2, 0), THREE_DOUBLES), "10000|limit|too long|large")

    # Headers that are not literals, or that contain calls.
    c.npy_fault("call_in_descr", npy_bytes(header_text(descr="__import__('os').system('true')"), data=THREE_DOUBLES),
                "descr|literal|unexpected|expected|syntax|invalid")
    c.npy_fault("name_in_descr", npy_bytes(header_text(descr="np.float64"), data=THREE_DOUBLES),
                "descr|literal|unexpected|expected|syntax|invalid")
    c.npy_fault("call_in_shape", npy_bytes(header_text(shape="range(3)"), data=THREE_DOUBLES),
                "shape|literal|unexpected|expected|syntax|invalid")
    c.npy_fault("lambda_header", npy_bytes("(lambda: 1)()", data=THREE_DOUBLES),
                "dict|literal|unexpected|expected|syntax|invalid")
    c.npy_fault("list_not_dict", npy_bytes("['descr', '<f8']", data=THREE_DOUBLES),
                "dict|literal|unexpected|expected|syntax|invalid")
    c.npy_fault("unterminated_dict", npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (3,)",
                                               data=THREE_DOUBLES), "dict|unexpected|expected|syntax|end|invalid|\\}")
    c.npy_fault("unterminated_string", npy_bytes("{'descr': '<f8, 'fortran_order': False, 'shape': (3,)}",
                                                 data=THREE_DOUBLES), "string|quote|unexpected|expected|syntax|invalid")
    deep = "{'descr': " + "[" * 4000 + "]" * 4000 + ", 'fortran_order': False, 'shape': (3,)}"
    c.npy_fault("deep_nesting", npy_bytes(deep, (2, 0), THREE_DOUBLES), "nest|deep|depth|descr|dtype|field|invalid")
    c.npy_fault("latin1_garbage_header", npy_bytes(b"{'descr': '<f8\xff\xfe', 'fortran_order': False, 'shape': (3,)}",
                                                   data=THREE_DOUBLES), "descr|dtype|type")
    c.npy_fault("invalid_utf8_v3", npy_bytes(b"{'descr': [('\xff\xfe', '<f8')], 'fortran_order': False, 'shape': (3,)}",
                                             (3, 0), THREE_DOUBLES), "utf-?8|encod|invalid")

    # Missing, extra or duplicate keys; keys of the wrong type.
    c.npy_fault("missing_shape", npy_bytes("{'descr': '<f8', 'fortran_order': False}", data=THREE_DOUBLES), "shape")
    c.npy_fault("missing_descr", npy_bytes("{'fortran_order': False, 'shape': (3,)}", data=THREE_DOUBLES), "descr")
    c.npy_fault("extra_key", npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), 'evil': 1}",
                                       data=THREE_DOUBLES), "evil|extra|unexpected|unknown")
    c.npy_fault("duplicate_key", npy_bytes("{'descr': '<f8', 'descr': '<i8', 'fortran_order': False, 'shape': (3,)}",
                                           data=THREE_DOUBLES), "duplicate|twice|descr|repeat")
    c.npy_fault("fortran_not_bool", npy_bytes(header_text(fortran="'yes'"), data=THREE_DOUBLES), "fortran")
    c.npy_fault("shape_not_tuple", npy_bytes(header_text(shape="3"), data=THREE_DOUBLES), "shape")

    # Unknown and absurd dtypes.
    c.npy_fault("unknown_dtype", npy_bytes(header_text(descr="'<q9'"), data=THREE_DOUBLES), "descr|dtype|type")
    c.npy_fault("dtype_not_string", npy_bytes(header_text(descr="42"), data=THREE_DOUBLES), "descr|dtype|type")
    c.npy_fault("huge_void_itemsize", npy_bytes(header_text(descr="'|V9223372036854775807'"), data=THREE_DOUBLES),
                "descr|dtype|size|large|overflow|big")
    c.npy_fault("huge_unicode_itemsize", npy_bytes(header_text(descr="'<U4611686018427387904'", shape="(1,)"),
                                                   data=THREE_DOUBLES), "descr|dtype|size|large|overflow|big")
    c.npy_fault("overflowing_itemsize", npy_bytes(header_text(descr="'|S99999999999999999999999'", shape="(1,)"),
                                                  data=THREE_DOUBLES), "descr|dtype|size|large|overflow|big")
    c.npy_fault("huge_subarray", npy_bytes(header_text(descr="[('x', '<f8', (4294967296, 4294967296))]", shape="(1,)"),
                                           data=THREE_DOUBLES), "size|large|overflow|big|field|shape")

    # Dims: negative, not integers, overflowing, or whose product times the itemsize overflows.
    c.npy_fault("negative_dim", npy_bytes(header_text(shape="(-1,)"), data=THREE_DOUBLES), "shape|negative|dim")
    c.npy_fault("float_dim", npy_bytes(header_text(shape="(2.5,)"), data=THREE_DOUBLES), "shape|integer|dim")
    c.npy_fault("string_dim", npy_bytes(header_text(shape="('3',)"), data=THREE_DOUBLES), "shape|integer|dim")
    c.npy_fault("overflowing_dim", npy_bytes(header_text(shape="(99999999999999999999999,)"), data=THREE_DOUBLES),
                "shape|overflow|large|dim|big|range")
    c.npy_fault("dims_product_overflow", npy_bytes(header_text(shape="(4294967296, 4294967296, 4)"),
                                                   data=THREE_DOUBLES), "shape|overflow|large|big|size")
    c.npy_fault("dims_times_itemsize_overflow", npy_bytes(header_text(shape="(2305843009213693952,)"),
                                                          data=THREE_DOUBLES), "shape|overflow|large|big|size")
    c.npy_fault("empty_with_huge_dims", npy_bytes(header_text(shape="(4294967, 296, 4294967296, 0)")),
                "shape|overflow|large|big|size")
    c.npy_fault("huge_promise", npy_bytes(header_text(shape="(1000000000000,)"), data=THREE_DOUBLES),
                "promise|holds|short|truncat|bytes|size", deflated_too=True)

    # Data one byte short, and data with bytes after the array.
    c.npy_fault("data_one_byte_short", npy_bytes(good, data=THREE_DOUBLES[:-1]), "promise|holds|short|truncat|bytes",
                deflated_too=True)
    c.npy_fault("trailing_data", npy_bytes(good, data=THREE_DOUBLES + b"\x00"),
                "promise|holds|trailing|extra|bytes|long", deflated_too=True)

    # Object arrays hold a pickle: listed with the reason, never unpickled.
    pickled = numpy_npy(np.array([{"a": 1}, None], dtype=object))
    c.npy_fault("object_dtype", pickled, "pickle|object", deflated_too=True)


def make_zip_cases(c):
    good_zip = build_zip([Entry("a.npy", numpy_npy(np.arange(6.0))), Entry("good.npy", GOOD_NPY)])

    # Whole-file faults: nothing to list.
    c.add("zip_zero_bytes.npz", b"", "2", "-", "empty|zip|archive|end of central|not")
    c.add("zip_truncated_half.npz", good_zip[: len(good_zip) // 2], "2", "-", "zip|archive|central|end|truncat")
    c.add("zip_missing_end_record.npz", good_zip[:-22], "2", "-", "zip|archive|central|end|truncat")
    rng = random.Random(20261203)
    c.add("zip_random_noise.npz", bytes(rng.getrandbits(8) for _ in range(4096)), "2", "-", "zip|archive|central|end")
    c.add("zip_not_a_zip.npz", b"this is a text file that someone renamed to .npz\n" * 20, "2", "-",
          "zip|archive|central|end")
    c.add("zip_noise_with_pk.npz", b"PK\x03\x04" + bytes(rng.getrandbits(8) for _ in range(2000)) + b"PK\x05\x06",
          "2", "-", "zip|archive|central|end")

    # End records and central directories that point at the wrong place.
    def duplicated_end(count, size, offset):
        return end_record(count, size, offset) + end_record(count, size + 7, offset + 3)
    c.add("zip_duplicated_end_record.npz", build_zip([Entry("a.npy", GOOD_NPY), Entry("good.npy", GOOD_NPY)],
                                                     end=duplicated_end), "2,3", "-", "zip|archive|central|end|header")
    c.add("zip_cd_outside_file.npz", build_zip([Entry("good.npy", GOOD_NPY)],
                                               end=lambda n, size, off: end_record(n, size, off + 1000000)),
          "2", "-", "zip|archive|central|end|outside|beyond")
    c.add("zip_cd_size_huge.npz", build_zip([Entry("good.npy", GOOD_NPY)],
                                            end=lambda n, size, off: end_record(n, 0xFFFFFFF0, off)),
          "2", "-", "zip|archive|central|end|outside|beyond")
    c.add("zip_entry_count_lies.npz", build_zip([Entry("good.npy", GOOD_NPY)],
                                                end=lambda n, size, off: end_record(65000, size, off)),
          "2,3", "-", "zip|archive|central|end|entr|member")
    c.add("zip_comment_length_lies.npz", build_zip([Entry("good.npy", GOOD_NPY)],
                                                   end=lambda n, size, off: end_record(n, size, off, b"",
                                                                                      65535)),
          "0,2,3", "-", "zip|archive|central|end|comment")
    c.add("zip64_locator_outside.npz",
          build_zip([Entry("good.npy", GOOD_NPY)],
                    end=lambda n, size, off: struct.pack("<IIQI", 0x07064B50, 0, 0x7FFFFFFFFFFF, 1)
                    + end_record(0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF)),
          "2", "-", "zip|archive|central|end|outside|beyond|64")
    c.add("zip_local_offset_outside.npz",
          build_zip([Entry("bad.npy", GOOD_NPY, central={"offset": 0x7FFFFFF0}), Entry("good.npy", GOOD_NPY)]),
          "2,3", "bad", "local|header|offset|outside|beyond|truncat|zip")

    # Local and central headers that disagree.
    c.add("zip_headers_disagree_name.npz", with_good(Entry("bad.npy", GOOD_NPY, local={"name": b"other.npy"})),
          "2,3", "bad", "local|name|disagree|match|differ|header")
    c.add("zip_headers_disagree_size.npz",
          with_good(Entry("bad.npy", GOOD_NPY, method=8, local={"csize": 5, "usize": 7})),
          "2,3", "bad", "local|size|disagree|match|differ|header")
    c.add("zip_headers_disagree_method.npz", with_good(Entry("bad.npy", GOOD_NPY, local={"method": 8})),
          "2,3", "bad", "local|method|disagree|match|differ|header|compress")

    # Member content faults.
    # A CRC is checked when the member's data is read, not when the archive is listed (listing reads headers
    # only, so that listing a 10 GB archive stays cheap): `inspect` may list these as readable.
    c.add("zip_crc_mismatch.npz", with_good(Entry("bad.npy", GOOD_NPY, crc=zlib.crc32(GOOD_NPY) ^ 0x5A5A)),
          "3", "bad", "crc|checksum", "good")
    c.add("zip_crc_mismatch_deflated.npz",
          with_good(Entry("bad.npy", GOOD_NPY, method=8, crc=zlib.crc32(GOOD_NPY) ^ 0x5A5A)), "3", "bad",
          "crc|checksum", "good")
    c.add("zip_escape_sequence_name.npz", with_good(Entry("\x1b]0;pwned\x07\x1b[2J\u202eevil.npy", GOOD_NPY)), "0,3",
          "-", "-", "good")
    c.add("zip_duplicate_names.npz", build_zip([Entry("twin.npy", GOOD_NPY), Entry("twin.npy", numpy_npy(np.ones(2))),
                                                Entry("good.npy", GOOD_NPY)]),
          "2,3", "twin", "duplicate|twice|same name|more than once")
    c.add("zip_dotdot_name.npz", with_good(Entry("../../evil.npy", GOOD_NPY)), "3", "../../evil",
          "name|path|\\.\\.|unsafe|invalid")
    c.add("zip_absolute_name.npz", with_good(Entry("/etc/evil.npy", GOOD_NPY)), "3", "/etc/evil",
          "name|path|absolute|unsafe|invalid")
    c.add("zip_nul_name.npz", with_good(Entry(b"nul\x00name.npy", GOOD_NPY)), "3", "*", "name|nul|invalid|unsafe")
    c.add("zip_invalid_utf8_name.npz", with_good(Entry(b"bad\xff\xfe.npy", GOOD_NPY)), "3", "*",
          "name|utf-?8|invalid|encod")
    c.add("zip_non_npy_members.npz",
          build_zip([Entry("readme.txt", b"hello\n"), Entry("good.npy", GOOD_NPY)]), "3", "readme.txt",
          "npy|not|magic")
    c.add("zip_fake_npy_member.npz", with_good(Entry("bad.npy", b"#!/bin/sh\necho hello\n")), "3", "bad",
          "magic|npy|not")
    c.add("zip_method_bzip2.npz", with_good(Entry("bad.npy", GOOD_NPY, method=12)), "3", "bad",
          "compress|method|unsupported|12|bzip")
    c.add("zip_method_unknown.npz", with_good(Entry("bad.npy", GOOD_NPY, method=99)), "3", "bad",
          "compress|method|unsupported|99|encrypt")
    c.add("zip_encrypted.npz", with_good(Entry("bad.npy", GOOD_NPY, flags=0x801)), "3", "bad",
          "encrypt|password")
    c.add("zip_encrypted_deflated.npz", with_good(Entry("bad.npy", GOOD_NPY, method=8, flags=0x801)), "3", "bad",
          "encrypt|password")

    # Overlapping entries: the second member's local header and data lie inside the first member's data.
    inner = Entry("inner.npy", GOOD_NPY)
    inner.offset = 0
    inner_bytes = local_header(inner) + inner.stored_bytes
    outer_payload = npy_bytes(header_text(descr="'|u1'", shape="(%d,)" % len(inner_bytes)))
    outer_header_len = len(local_header(Entry("outer.npy", b"")))
    inner.offset = outer_header_len + len(outer_payload)
    outer = Entry("outer.npy", outer_payload + inner_bytes)
    outer.offset = 0
    data = bytearray(local_header(outer) + outer.stored_bytes)
    good = Entry("good.npy", GOOD_NPY)
    good.offset = len(data)
    data += local_header(good) + good.stored_bytes
    cd_offset = len(data)
    for entry in (outer, inner, good):
        data += central_header(entry)
    data += end_record(3, len(data) - cd_offset, cd_offset)
    c.add("zip_overlapping_entries.npz", bytes(data), "2,3", "inner|outer", "overlap")


def make_expensive_cases(c):
    # The bomb: an .npy header that promises 80 bytes, followed by about 600 MB of zeros, deflated.
    head = npy_bytes(header_text(descr="'<f8'", shape="(10,)"))
    zeros = 600 * 1024 * 1024
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = bytes(16 * 1024 * 1024)
    parts = [compressor.compress(head)]
    crc = zlib.crc32(head)
    for _ in range(zeros // len(chunk)):
        parts.append(compressor.compress(chunk))
        crc = zlib.crc32(chunk, crc)
    parts.append(compressor.flush())
    stream = b"".join(parts)
    total = len(head) + zeros
    honest = Entry("bomb.npy", b"", method=8, stored_bytes=stream, crc=crc, usize=total)
    c.add("bomb_honest_sizes.npz", build_zip([honest, Entry("good.npy", GOOD_NPY)]), "3", "bomb",
          "promise|holds|size|bytes|past|more|large|ratio")
    # The same stream, but the zip headers claim the member is only as long as its .npy header promises.
    promised = head + bytes(80)
    lying = Entry("bomb.npy", b"", method=8, stored_bytes=stream, crc=zlib.crc32(promised), usize=len(promised))
    # Listing sees sizes that agree with the header; the stream running past them shows when inspect reads
    # the member through.
    c.add("bomb_lying_sizes.npz", build_zip([lying, Entry("good.npy", GOOD_NPY)]), "3", "bomb",
          "promise|holds|size|bytes|past|more|beyond|long|stream|end")

    # An archive of 100,000 tiny well-formed members, built directly (zipfile is slow at this size).
    tiny = numpy_npy(np.array([1.5]))
    entries = [Entry("m%06d.npy" % i, tiny) for i in range(100000)]
    c.add("many_members.npz", build_zip(entries), "0", "-", "-", "m000000,m099999")


def main():
    if len(sys.argv) < 2 or sys.argv[1].startswith("-"):
        sys.exit(__doc__)
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    cases = Cases(outdir)
    make_npy_cases(cases)
    make_zip_cases(cases)
    if "--expensive" in sys.argv[2:]:
        make_expensive_cases(cases)
    cases.write_manifest()


if __name__ == "__main__":
    main()
