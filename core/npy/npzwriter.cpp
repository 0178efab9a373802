#include "npy/npzwriter.h"

#include "logging.h"
#include "npy/inflater.h"
#include "npy/npyheader.h"

#include <QDateTime>
#include <QSaveFile>
#include <QSet>

#include <zlib.h>

#include <algorithm>
#include <cstring>

// The zip layer is written here with zlib rather than QuaZip so that the archive matches what NumPy's savez
// produces entry for entry (ZIP64 local headers on every member, Python's version fields and attributes), with
// data streamed from memory-mapped arrays in bounded chunks and the whole file committed atomically by QSaveFile.

namespace nemoscope::npy {

namespace {

constexpr qint64 kChunk = qint64(4) << 20;
// Python's zipfile switches the central directory to ZIP64 fields above this.
constexpr qint64 kZip64Limit = (qint64(1) << 31) - 1;
constexpr quint16 kZip64Version = 45;

void put16(QByteArray& out, quint32 v)
{
    out.append(char(v & 0xff));
    out.append(char((v >> 8) & 0xff));
}
void put32(QByteArray& out, quint32 v)
{
    put16(out, v & 0xffff);
    put16(out, v >> 16);
}
void put64(QByteArray& out, quint64 v)
{
    put32(out, quint32(v & 0xffffffff));
    put32(out, quint32(v >> 32));
}

// A member's .npy bytes as a sequence of spans: the header, then the array's bytes.
struct NpySource
{
    QByteArray header;
    QByteArray ownedData; // when the array had to be copied into C order
    const char* data = nullptr;
    qint64 dataSize = 0;

    qint64 size() const { return header.size() + dataSize; }
};

NpySource npySource(const NdArray& array)
{
    NpySource source;
    const bool fortran = array.ndim() > 1 && array.isFContiguous() && !array.isCContiguous();
    source.header = serializeNpyHeader(array.dtype(), fortran, array.shape());
    source.dataSize = array.size() * array.dtype().itemSize();
    if (fortran || array.isCContiguous()) {
        source.data = array.constData();
    } else {
        source.ownedData = array.toCOrderBytes();
        source.data = source.ownedData.constData();
    }
    return source;
}

struct DosTime
{
    quint16 time = 0;
    quint16 date = 0;
};

DosTime dosNow()
{
    const QDateTime now = QDateTime::currentDateTime();
    DosTime t;
    t.time = quint16((now.time().hour() << 11) | (now.time().minute() << 5) | (now.time().second() / 2));
    t.date = quint16(((std::max(now.date().year(), 1980) - 1980) << 9) | (now.date().month() << 5) | now.date().day());
    return t;
}

struct WrittenEntry
{
    QByteArray name;
    quint32 crc = 0;
    qint64 compressedSize = 0;
    qint64 uncompressedSize = 0;
    qint64 localOffset = 0;
    bool utf8 = false;
};

class ZipWriter
{
public:
    ZipWriter(QSaveFile& file, Compression compression)
        : m_file(file)
        , m_compression(compression)
        , m_time(dosNow())
    { }

    Result<void> addMember(const QString& entryName, const QByteArray& headerBytes, const char* data, qint64 dataSize)
    {
        WrittenEntry entry;
        entry.name = entryName.toUtf8();
        bool ascii = true;
        for (const char c : entry.name)
            ascii = ascii && quint8(c) < 0x80;
        entry.utf8 = !ascii;
        entry.localOffset = m_file.pos();
        entry.uncompressedSize = headerBytes.size() + dataSize;

        // Local header with ZIP64 sizes (NumPy's savez forces ZIP64 on every member); patched once known.
        if (!write(localHeader(entry)))
            return failure();
        const qint64 dataStart = m_file.pos();

        if (m_compression == Compression::Stored) {
            entry.crc = crc32Of(0, headerBytes.constData(), headerBytes.size());
            if (!write(headerBytes))
                return failure();
            for (qint64 done = 0; done < dataSize; done += kChunk) {
                const qint64 n = std::min(kChunk, dataSize - done);
                entry.crc = crc32Of(entry.crc, data + done, n);
                if (m_file.write(data + done, n) != n)
                    return failure();
            }
        } else {
            auto deflated = deflateMember(entry, headerBytes, data, dataSize);
            if (!deflated)
                return deflated;
        }
        entry.compressedSize = m_file.pos() - dataStart;

        const qint64 end = m_file.pos();
        if (!m_file.seek(entry.localOffset) || !write(localHeader(entry)) || !m_file.seek(end))
            return failure();
        m_entries.push_back(entry);
        return {};
    }

    Result<void> finish()
    {
        const qint64 directoryOffset = m_file.pos();
        QByteArray directory;
        for (const WrittenEntry& entry : m_entries) {
            QByteArray extra;
            quint32 compressed = quint32(entry.compressedSize);
            quint32 uncompressed = quint32(entry.uncompressedSize);
            quint32 offset = quint32(entry.localOffset);
            if (entry.uncompressedSize > kZip64Limit || entry.compressedSize > kZip64Limit) {
                put64(extra, quint64(entry.uncompressedSize));
                put64(extra, quint64(entry.compressedSize));
                compressed = uncompressed = 0xffffffff;
            }
            if (entry.localOffset > kZip64Limit) {
                put64(extra, quint64(entry.localOffset));
                offset = 0xffffffff;
            }
            if (!extra.isEmpty()) {
                QByteArray field;
                put16(field, 1);
                put16(field, quint32(extra.size()));
                extra.prepend(field);
            }

            put32(directory, 0x02014b50);
            put16(directory, kZip64Version | (3 << 8)); // made by: unix, ZIP64-capable
            put16(directory, kZip64Version);
            put16(directory, entry.utf8 ? 0x800 : 0);
            put16(directory, m_compression == Compression::Stored ? 0 : 8);
            put16(directory, m_time.time);
            put16(directory, m_time.date);
            put32(directory, entry.crc);
            put32(directory, compressed);
            put32(directory, uncompressed);
            put16(directory, quint32(entry.name.size()));
            put16(directory, quint32(extra.size()));
            put16(directory, 0); // comment
            put16(directory, 0); // disk
            put16(directory, 0); // internal attributes
            put32(directory, 0600u << 16); // external attributes: rw------- as Python writes
            put32(directory, offset);
            directory.append(entry.name);
            directory.append(extra);
        }
        if (!write(directory))
            return failure();

        const qint64 count = qint64(m_entries.size());
        const qint64 directorySize = directory.size();
        QByteArray end;
        if (count > 0xffff || directoryOffset > kZip64Limit || directorySize > kZip64Limit) {
            const qint64 zip64End = m_file.pos();
            put32(end, 0x06064b50);
            put64(end, 44);
            put16(end, kZip64Version);
            put16(end, kZip64Version);
            put32(end, 0);
            put32(end, 0);
            put64(end, quint64(count));
            put64(end, quint64(count));
            put64(end, quint64(directorySize));
            put64(end, quint64(directoryOffset));
            put32(end, 0x07064b50);
            put32(end, 0);
            put64(end, quint64(zip64End));
            put32(end, 1);
        }
        put32(end, 0x06054b50);
        put16(end, 0);
        put16(end, 0);
        put16(end, quint32(std::min<qint64>(count, 0xffff)));
        put16(end, quint32(std::min<qint64>(count, 0xffff)));
        put32(end, quint32(std::min<qint64>(directorySize, 0xffffffff)));
        put32(end, quint32(std::min<qint64>(directoryOffset, 0xffffffff)));
        put16(end, 0);
        if (!write(end))
            return failure();
        return {};
    }

    QString errorString() const { return m_file.errorString(); }

private:
    QByteArray localHeader(const WrittenEntry& entry) const
    {
        QByteArray h;
        put32(h, 0x04034b50);
        put16(h, kZip64Version);
        put16(h, entry.utf8 ? 0x800 : 0);
        put16(h, m_compression == Compression::Stored ? 0 : 8);
        put16(h, m_time.time);
        put16(h, m_time.date);
        put32(h, entry.crc);
        put32(h, 0xffffffff);
        put32(h, 0xffffffff);
        put16(h, quint32(entry.name.size()));
        put16(h, 20);
        h.append(entry.name);
        put16(h, 1);
        put16(h, 16);
        put64(h, quint64(entry.uncompressedSize));
        put64(h, quint64(entry.compressedSize));
        return h;
    }

    bool write(const QByteArray& bytes) { return m_file.write(bytes) == bytes.size(); }

    Error failure() const
    {
        return Error { m_file.fileName(), {}, QStringLiteral("cannot write: %1").arg(m_file.errorString()) };
    }

    Result<void> deflateMember(WrittenEntry& entry, const QByteArray& headerBytes, const char* data, qint64 dataSize)
    {
        z_stream z {};
        // Raw deflate at zlib's default level, as Python's zipfile writes ZIP_DEFLATED members.
        if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
            return Error { m_file.fileName(), {}, QStringLiteral("cannot start the deflate compressor") };
        QByteArray out(kChunk, Qt::Uninitialized);

        const auto pump = [&](const char* input, qint64 size, int flush) -> bool {
            z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input));
            z.avail_in = uInt(size);
            do {
                z.next_out = reinterpret_cast<Bytef*>(out.data());
                z.avail_out = uInt(out.size());
                const int status = deflate(&z, flush);
                if (status == Z_STREAM_ERROR)
                    return false;
                const qint64 produced = out.size() - qint64(z.avail_out);
                if (m_file.write(out.constData(), produced) != produced)
                    return false;
            } while (z.avail_out == 0 || (flush == Z_FINISH && z.avail_in > 0));
            return true;
        };

        bool ok = true;
        entry.crc = crc32Of(0, headerBytes.constData(), headerBytes.size());
        ok = pump(headerBytes.constData(), headerBytes.size(), dataSize == 0 ? Z_FINISH : Z_NO_FLUSH);
        for (qint64 done = 0; ok && done < dataSize; done += kChunk) {
            const qint64 n = std::min(kChunk, dataSize - done);
            entry.crc = crc32Of(entry.crc, data + done, n);
            ok = pump(data + done, n, done + n == dataSize ? Z_FINISH : Z_NO_FLUSH);
        }
        deflateEnd(&z);
        if (!ok)
            return failure();
        return {};
    }

    QSaveFile& m_file;
    Compression m_compression;
    DosTime m_time;
    std::vector<WrittenEntry> m_entries;
};

Error saveError(const QString& path, const QString& member, const QString& reason)
{
    return Error { path, member, reason };
}

} // namespace

QByteArray encodeNpy(const NdArray& array)
{
    const NpySource source = npySource(array);
    QByteArray out = source.header;
    out.append(source.data, source.dataSize);
    return out;
}

Result<void> writeNpz(const QString& path, const std::vector<NpzEntry>& entries, Compression compression)
{
    // Check everything before touching the disk.
    QSet<QString> names;
    for (const NpzEntry& entry : entries) {
        if (entry.name.isEmpty())
            return saveError(path, {}, QStringLiteral("a member has an empty name"));
        if (entry.name.contains(QChar(0)))
            return saveError(path, entry.name, QStringLiteral("the member name contains a NUL character"));
        if (names.contains(entry.name))
            return saveError(path, entry.name, QStringLiteral("two members have this name"));
        names.insert(entry.name);
        if (entry.array.isNull() && entry.rawNpy.isEmpty())
            return saveError(path, entry.name, QStringLiteral("the member has neither an array nor .npy bytes"));
    }

    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return saveError(path, {}, QStringLiteral("cannot write the file: %1").arg(file.errorString()));

    ZipWriter writer(file, compression);
    for (const NpzEntry& entry : entries) {
        Result<void> added;
        if (!entry.array.isNull()) {
            const NpySource source = npySource(entry.array);
            added = writer.addMember(entry.name + QStringLiteral(".npy"), source.header, source.data, source.dataSize);
        } else {
            added = writer.addMember(entry.name + QStringLiteral(".npy"), entry.rawNpy, nullptr, 0);
        }
        if (!added) {
            file.cancelWriting();
            return saveError(path, entry.name + QStringLiteral(".npy"), added.error().reason);
        }
    }
    if (auto finished = writer.finish(); !finished) {
        file.cancelWriting();
        return saveError(path, {}, finished.error().reason);
    }
    if (!file.commit())
        return saveError(path, {}, QStringLiteral("cannot save the file: %1").arg(file.errorString()));
    qCDebug(lcNpz) << "wrote" << entries.size() << "members to" << path;
    return {};
}

Result<void> writeNpy(const QString& path, const NdArray& array)
{
    if (array.isNull())
        return saveError(path, {}, QStringLiteral("there is no array to save"));
    const NpySource source = npySource(array);
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return saveError(path, {}, QStringLiteral("cannot write the file: %1").arg(file.errorString()));
    bool ok = file.write(source.header) == source.header.size();
    for (qint64 done = 0; ok && done < source.dataSize; done += kChunk) {
        const qint64 n = std::min(kChunk, source.dataSize - done);
        ok = file.write(source.data + done, n) == n;
    }
    if (!ok) {
        const QString reason = file.errorString();
        file.cancelWriting();
        return saveError(path, {}, QStringLiteral("cannot write: %1").arg(reason));
    }
    if (!file.commit())
        return saveError(path, {}, QStringLiteral("cannot save the file: %1").arg(file.errorString()));
    return {};
}

} // namespace nemoscope::npy
