#pragma once

// Builders for the npy unit tests: .npy bytes from a header text, and zip archives with every field under the
// test's control (names, sizes, CRCs, methods, flags) so that each fault can be made on purpose.

#include <QByteArray>
#include <QList>

#include <zlib.h>

#include <cstring>
#include <optional>
#include <utility>

namespace npytest {

// An .npy with the given header dict text, padded as NumPy pads it, followed by data.
inline QByteArray npyBytes(const QByteArray& dict, const QByteArray& data, int major = 1)
{
    const int lengthBytes = major == 1 ? 2 : 4;
    QByteArray header = dict;
    const int prefix = 8 + lengthBytes;
    while ((prefix + header.size() + 1) % 64 != 0)
        header.append(' ');
    header.append('\n');
    QByteArray out("\x93NUMPY", 6);
    out.append(char(major));
    out.append(char(0));
    for (int i = 0; i < lengthBytes; ++i)
        out.append(char((header.size() >> (8 * i)) & 0xff));
    return out + header + data;
}

// float64 values as little-endian bytes.
inline QByteArray doubles(std::initializer_list<double> values)
{
    QByteArray out;
    for (const double v : values)
        out.append(reinterpret_cast<const char*>(&v), sizeof v);
    return out;
}

inline QByteArray goodNpy(std::initializer_list<double> values)
{
    return npyBytes(
        "{'descr': '<f8', 'fortran_order': False, 'shape': (" + QByteArray::number(qsizetype(values.size())) + ",), }",
        doubles(values));
}

inline QByteArray rawDeflate(const QByteArray& data)
{
    z_stream z {};
    deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
    QByteArray out(qsizetype(deflateBound(&z, uLong(data.size()))) + 16, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.constData()));
    z.avail_in = uInt(data.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = uInt(out.size());
    deflate(&z, Z_FINISH);
    out.resize(qsizetype(z.total_out));
    deflateEnd(&z);
    return out;
}

struct ZipMember
{
    ZipMember(
        QByteArray name = {}, QByteArray content = {}, bool deflate = false, quint16 method = 0xffff, quint16 flags = 0)
        : name(std::move(name))
        , content(std::move(content))
        , deflate(deflate)
        , method(method)
        , flags(flags)
    { }

    QByteArray name;
    QByteArray content; // uncompressed bytes
    bool deflate = false;
    std::optional<quint32> crc; // default: the CRC of content
    std::optional<qint64> uncompressedSize; // default: content's size
    std::optional<QByteArray> compressed; // default: content, stored or deflated
    quint16 method = 0xffff; // default: 0 or 8 by deflate
    quint16 flags = 0;
    qint64 sizeExtra = 0; // claimed in both size fields beyond the bytes written: the entry overlaps the next
};

inline void put16(QByteArray& out, quint32 v)
{
    out.append(char(v & 0xff));
    out.append(char((v >> 8) & 0xff));
}

inline void put32(QByteArray& out, quint32 v)
{
    put16(out, v & 0xffff);
    put16(out, v >> 16);
}

// A plain (non-ZIP64) zip archive of the members, in order.
inline QByteArray buildZip(const QList<ZipMember>& members)
{
    QByteArray out;
    QByteArray directory;
    for (const ZipMember& m : members) {
        const QByteArray data = m.compressed ? *m.compressed : (m.deflate ? rawDeflate(m.content) : m.content);
        const quint32 crc = m.crc
            ? *m.crc
            : quint32(crc32(0, reinterpret_cast<const Bytef*>(m.content.constData()), uInt(m.content.size())));
        const quint32 size = quint32((m.uncompressedSize ? *m.uncompressedSize : m.content.size()) + m.sizeExtra);
        const quint32 dataSize = quint32(data.size() + m.sizeExtra);
        const quint16 method = m.method != 0xffff ? m.method : (m.deflate ? 8 : 0);
        const quint32 offset = quint32(out.size());

        put32(out, 0x04034b50);
        put16(out, 20);
        put16(out, m.flags);
        put16(out, method);
        put32(out, 0);
        put32(out, crc);
        put32(out, dataSize);
        put32(out, size);
        put16(out, quint32(m.name.size()));
        put16(out, 0);
        out.append(m.name);
        out.append(data);

        put32(directory, 0x02014b50);
        put16(directory, 20);
        put16(directory, 20);
        put16(directory, m.flags);
        put16(directory, method);
        put32(directory, 0);
        put32(directory, crc);
        put32(directory, dataSize);
        put32(directory, size);
        put16(directory, quint32(m.name.size()));
        put32(directory, 0);
        put32(directory, 0);
        put32(directory, 0);
        put32(directory, offset);
        directory.append(m.name);
    }
    const quint32 directoryOffset = quint32(out.size());
    out.append(directory);
    put32(out, 0x06054b50);
    put32(out, 0);
    put16(out, quint32(members.size()));
    put16(out, quint32(members.size()));
    put32(out, quint32(directory.size()));
    put32(out, directoryOffset);
    put16(out, 0);
    return out;
}

} // namespace npytest
