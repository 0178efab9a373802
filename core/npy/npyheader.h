#pragma once

#include "error.h"
#include "npy/dtype.h"

#include <QByteArray>
#include <QByteArrayView>

#include <vector>

namespace nemoscope::npy {

// Headers longer than this are refused, as NumPy does by default (its max_header_size).
inline constexpr qint64 kMaxNpyHeaderLength = 10000;

// The decoded preamble of an .npy file: magic, version, header length and the header dict.
struct NpyHeader
{
    int majorVersion = 1; // 1, 2 or 3
    int minorVersion = 0;
    DType dtype;
    bool fortranOrder = false;
    std::vector<qint64> shape;
    qint64 dataOffset = 0; // bytes from the start of the .npy to the first data byte

    // The product of shape (1 for a 0-d array). parseNpyHeader guarantees it and dataBytes() fit in qint64.
    qint64 elementCount() const;
    qint64 dataBytes() const;
};

// How many bytes the preamble of an .npy occupies (magic, version, length, header), read from its first
// 12 bytes (fewer give an Error). Lets a reader fetch or inflate exactly the header before parsing it.
Result<qint64> npyPreambleSize(QByteArrayView prefix);

// Parses the preamble at the start of bytes (which may hold more: the data). Strict: the magic, a known
// version, a header within kMaxNpyHeaderLength, a Python dict literal with exactly the keys descr,
// fortran_order and shape (any order, trailing commas, `L` suffixes allowed), non-negative dimensions whose
// product times the itemsize fits in qint64. Nothing is evaluated. The Error carries only the reason (with
// the byte offset where it helps); callers fill in file and member.
Result<NpyHeader> parseNpyHeader(QByteArrayView bytes);

// The preamble NumPy's np.save writes for this array: dict keys in the order descr, fortran_order, shape,
// NumPy's spare room for growing the shape, padded with spaces to a multiple of 64 bytes and ended by a
// newline; version 1.0 when the header fits, else 2.0, and 3.0 when it holds text Latin-1 cannot encode.
QByteArray serializeNpyHeader(const DType& dtype, bool fortranOrder, const std::vector<qint64>& shape);

} // namespace nemoscope::npy
