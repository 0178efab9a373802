#include "npy/npzarchive.h"

#include "logging.h"
#include "npy/inflater.h"
#include "npy/mappingguard.h"

#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QStringDecoder>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <limits>
#include <new>

// Why the zip layer is parsed here rather than through QuaZip: the reader must know where each member's data
// starts in the file to memory-map stored arrays in place, must read only the central directory and a few header
// bytes when listing, and must stop inflating at exactly the size a member promises. QuaZip (over minizip) hides
// the data offset, reads local headers through its own buffered I/O and inflates into whatever buffer it is
// given. Parsing the two zip structures needed (end record with its ZIP64 variant, central and local headers)
// with explicit bounds checks over a read-only mapping, and inflating with zlib directly, gives the safest and
// fastest reader; QuaZip stays available to the rest of the project.

namespace nemoscope::npy {

namespace {

constexpr quint32 kLocalSignature = 0x04034b50;
constexpr quint32 kCentralSignature = 0x02014b50;
constexpr quint32 kEndSignature = 0x06054b50;
constexpr quint32 kZip64EndSignature = 0x06064b50;
constexpr quint32 kZip64LocatorSignature = 0x07064b50;
constexpr qint64 kEndRecordSize = 22;
constexpr qint64 kCentralHeaderSize = 46;
constexpr qint64 kLocalHeaderSize = 30;
// Stored members up to this size have their CRC checked on read; larger ones are mapped without reading
// them through, so that viewing a huge array costs nothing (their CRC is checked by readRawNpy).
constexpr qint64 kVerifyStoredCrcUpTo = qint64(64) << 20;
// Deflate cannot expand data more than about 1032 times; a member promising more is lying.
constexpr qint64 kMaxDeflateRatio = 1100;

// The bytes of the file: a read-only mapping of it, or a buffer given to openBytes(). Arrays read from
// stored members borrow these bytes and keep this object alive.
struct Storage
{
    std::unique_ptr<QFile> file;
    // After file, so that the guard is given back before the file unmaps.
    std::unique_ptr<MappingGuard> guard;
    QByteArray buffer;
    const char* data = nullptr;
    qint64 size = 0;
};

quint16 le16(const char* p)
{
    return quint16(quint8(p[0]) | (quint8(p[1]) << 8));
}
quint32 le32(const char* p)
{
    return quint32(le16(p)) | (quint32(le16(p + 2)) << 16);
}
quint64 le64(const char* p)
{
    return quint64(le32(p)) | (quint64(le32(p + 4)) << 32);
}

// Everything the reader keeps about an entry besides what NpzMember shows.
struct EntryInfo
{
    qint64 localOffset = 0;
    qint64 dataStart = 0; // first byte of the member's (compressed) data in the file
    quint16 method = 0;
    quint16 flags = 0;
    std::optional<Error> zipError; // a fault of the zip layer: no bytes can be read at all
};

struct ZipDirectory
{
    qint64 entryCount = 0;
    qint64 directoryOffset = 0;
    qint64 directorySize = 0;
    qint64 directoryEnd = 0; // where the central directory must end (start of the end records)
};

Result<ZipDirectory> findDirectory(const char* data, qint64 size)
{
    const auto fail = [](const QString& reason) { return Error { {}, {}, reason }; };
    if (size < kEndRecordSize)
        return fail(
            QStringLiteral("truncated zip archive: %1 bytes cannot hold the end of central directory").arg(size));

    // The end record sits in the last 22 + 65535 bytes (its comment may be up to 65535 bytes).
    qint64 endPos = -1;
    const qint64 lowest = std::max<qint64>(0, size - kEndRecordSize - 0xffff);
    for (qint64 pos = size - kEndRecordSize; pos >= lowest; --pos) {
        if (le32(data + pos) == kEndSignature && pos + kEndRecordSize + le16(data + pos + 20) <= size) {
            endPos = pos;
            break;
        }
    }
    if (endPos < 0)
        return fail(QStringLiteral("truncated or damaged zip archive: the end of central directory record is missing"));

    const char* end = data + endPos;
    ZipDirectory dir;
    const quint16 disk = le16(end + 4);
    const quint16 directoryDisk = le16(end + 6);
    dir.entryCount = le16(end + 10);
    dir.directorySize = le32(end + 12);
    dir.directoryOffset = le32(end + 16);
    dir.directoryEnd = endPos;
    if (disk != 0 || directoryDisk != 0 || le16(end + 8) != le16(end + 10))
        return fail(QStringLiteral("multi-volume zip archives are not supported"));

    // ZIP64: a locator right before the end record points to the ZIP64 end record with 64-bit fields.
    if (endPos >= 20 && le32(data + endPos - 20) == kZip64LocatorSignature) {
        const qint64 locator = endPos - 20;
        const quint64 zip64EndPos = le64(data + locator + 8);
        if (zip64EndPos > quint64(locator) || quint64(locator) - zip64EndPos < 56)
            return fail(QStringLiteral("damaged zip archive: the ZIP64 end record lies outside the file"));
        const char* end64 = data + zip64EndPos;
        if (le32(end64) != kZip64EndSignature)
            return fail(QStringLiteral("damaged zip archive: the ZIP64 end record has a wrong signature"));
        const quint64 entries = le64(end64 + 32);
        const quint64 directorySize = le64(end64 + 40);
        const quint64 directoryOffset = le64(end64 + 48);
        if (le32(end64 + 16) != 0 || le32(end64 + 20) != 0)
            return fail(QStringLiteral("multi-volume zip archives are not supported"));
        if (entries > quint64(size) || directorySize > quint64(size) || directoryOffset > quint64(size))
            return fail(QStringLiteral("damaged zip archive: the ZIP64 end record points outside the file"));
        dir.entryCount = qint64(entries);
        dir.directorySize = qint64(directorySize);
        dir.directoryOffset = qint64(directoryOffset);
        dir.directoryEnd = qint64(zip64EndPos);
    } else if (dir.entryCount == 0xffff || dir.directorySize == 0xffffffff || dir.directoryOffset == 0xffffffff) {
        return fail(QStringLiteral("damaged zip archive: a ZIP64 archive without its ZIP64 end record"));
    }

    if (dir.directoryOffset + dir.directorySize > dir.directoryEnd)
        return fail(QStringLiteral(
            "truncated or damaged zip archive: the central directory (%1 bytes at %2) lies outside the file")
                        .arg(dir.directorySize)
                        .arg(dir.directoryOffset));
    if (dir.entryCount > dir.directorySize / kCentralHeaderSize)
        return fail(QStringLiteral("damaged zip archive: %1 entries cannot fit in a central directory of %2 bytes")
                        .arg(dir.entryCount)
                        .arg(dir.directorySize));
    return dir;
}

QString entryNameText(const QByteArray& raw, bool utf8Flag, bool* valid)
{
    *valid = true;
    bool ascii = true;
    for (const char c : raw)
        ascii = ascii && quint8(c) < 0x80;
    if (ascii)
        return QString::fromLatin1(raw);
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    QString text = decoder(raw);
    if (!decoder.hasError())
        return text;
    if (utf8Flag) {
        *valid = false;
        return QString::fromUtf8(raw);
    }
    // Names without the UTF-8 flag are CP437 by the zip specification; shown as Latin-1, which agrees with
    // it on ASCII and keeps every byte visible. NumPy writes only UTF-8 or ASCII names.
    return QString::fromLatin1(raw);
}

QString unsafeNameReason(const QByteArray& raw)
{
    if (raw.isEmpty())
        return QStringLiteral("the member has an empty name");
    if (raw.contains('\0'))
        return QStringLiteral("the member name contains a NUL byte");
    if (raw.startsWith('/') || raw.startsWith('\\'))
        return QStringLiteral("the member name is an absolute path");
    if (raw.size() >= 2 && raw.at(1) == ':' && std::isalpha(quint8(raw.at(0))))
        return QStringLiteral("the member name starts with a drive letter");
    QByteArray normalised = raw;
    normalised.replace('\\', '/');
    for (const QByteArray& part : normalised.split('/'))
        if (part == "..")
            return QStringLiteral("the member name climbs out of the archive with '..'");
    return QString();
}

// Whether a local header's CRC and sizes match its central directory entry. They are only checked where the
// local header states them: not with a data descriptor (flag bit 3, the values follow the data) and not for
// 32-bit sizes marked 0xffffffff (ZIP64, as NumPy writes every member; the central values are used).
bool localAgreesWithCentral(const char* local, const char* central)
{
    if (le16(local + 6) & 0x8)
        return true;
    if (le32(local + 14) != le32(central + 16))
        return false;
    for (int offset : { 18, 22 }) {
        const quint32 localSize = le32(local + offset);
        if (localSize != 0xffffffff && localSize != le32(central + offset + 2))
            return false;
    }
    return true;
}

} // namespace

struct NpzArchive::Private
{
    QString path;
    ArchiveKind kind = ArchiveKind::Npz;
    std::shared_ptr<const Storage> storage;
    std::vector<NpzMember> members;
    std::vector<EntryInfo> entries;
    QHash<QString, qsizetype> firstByName;

    Error error(const NpzMember& member, const QString& reason) const
    {
        return Error { path, member.entryName, reason };
    }

    Result<void> detectAndList();
    Result<void> listZip();
    void listNpy();
    void readHeader(NpzMember& member, const EntryInfo& info) const;
    Result<NdArray> readMember(qsizetype index, const ProgressCallback& progress) const;
};

NpzArchive::NpzArchive()
    : d(std::make_unique<Private>())
{ }

NpzArchive::~NpzArchive() = default;

Result<void> NpzArchive::Private::detectAndList()
{
    const char* data = storage->data;
    const qint64 size = storage->size;
    if (size >= 6 && std::memcmp(data, "\x93NUMPY", 6) == 0) {
        kind = ArchiveKind::Npy;
        listNpy();
        return {};
    }
    if (size >= 4 && (le32(data) == kLocalSignature || le32(data) == kEndSignature))
        return listZip();
    return Error { {}, {},
        QStringLiteral("not an .npz or .npy file: it starts with neither the zip nor the NumPy magic") };
}

Result<std::shared_ptr<NpzArchive>> NpzArchive::open(const QString& path)
{
    auto storage = std::make_shared<Storage>();
    storage->file = std::make_unique<QFile>(path);
    if (!storage->file->open(QIODevice::ReadOnly))
        return Error { path, {}, QStringLiteral("cannot open the file: %1").arg(storage->file->errorString()) };
    storage->size = storage->file->size();
    if (storage->size == 0)
        return Error { path, {}, QStringLiteral("the file is empty (0 bytes): not an .npz or .npy") };
    const uchar* mapped = storage->file->map(0, storage->size);
    if (!mapped)
        return Error { path, {},
            QStringLiteral("cannot map the file into memory: %1").arg(storage->file->errorString()) };
    storage->data = reinterpret_cast<const char*>(mapped);
    storage->guard = std::make_unique<MappingGuard>(mapped, storage->size);
    if (!storage->guard->active())
        qCWarning(lcNpy) << "no guard against truncation for the mapping of" << path;

    std::shared_ptr<NpzArchive> archive(new NpzArchive);
    archive->d->path = path;
    archive->d->storage = std::move(storage);
    if (auto listed = archive->d->detectAndList(); !listed)
        return Error { path, {}, listed.error().reason };
    return archive;
}

Result<std::shared_ptr<NpzArchive>> NpzArchive::openBytes(QByteArray bytes, const QString& displayName)
{
    auto storage = std::make_shared<Storage>();
    storage->buffer = std::move(bytes);
    storage->data = storage->buffer.constData();
    storage->size = storage->buffer.size();
    if (storage->size == 0)
        return Error { displayName, {}, QStringLiteral("the file is empty (0 bytes): not an .npz or .npy") };

    std::shared_ptr<NpzArchive> archive(new NpzArchive);
    archive->d->path = displayName;
    archive->d->storage = std::move(storage);
    if (auto listed = archive->d->detectAndList(); !listed)
        return Error { displayName, {}, listed.error().reason };
    return archive;
}

void NpzArchive::Private::listNpy()
{
    const QFileInfo info(path);
    NpzMember member;
    member.entryName = info.fileName();
    member.name = info.suffix().compare(u"npy", Qt::CaseInsensitive) == 0 ? info.completeBaseName() : info.fileName();
    member.compressedSize = storage->size;
    member.uncompressedSize = storage->size;

    EntryInfo entry;
    entry.dataStart = 0;
    readHeader(member, entry);
    members.push_back(std::move(member));
    entries.push_back(entry);
    firstByName.insert(members.back().name, 0);
}

Result<void> NpzArchive::Private::listZip()
{
    const char* data = storage->data;
    const qint64 size = storage->size;
    auto found = findDirectory(data, size);
    if (!found)
        return found.error();
    const ZipDirectory dir = found.value();
    kind = ArchiveKind::Npz;

    QHash<QByteArray, qsizetype> seenNames;
    qint64 pos = dir.directoryOffset;
    const qint64 directoryEnd = dir.directoryOffset + dir.directorySize;
    members.reserve(size_t(dir.entryCount));
    entries.reserve(size_t(dir.entryCount));
    for (qint64 i = 0; i < dir.entryCount; ++i) {
        // A central directory that breaks mid-way makes every later entry unknowable: the archive is refused.
        if (pos + kCentralHeaderSize > directoryEnd || le32(data + pos) != kCentralSignature)
            return Error { {}, {},
                QStringLiteral("damaged zip archive: central directory entry %1 of %2 is corrupt")
                    .arg(i + 1)
                    .arg(dir.entryCount) };
        const char* h = data + pos;
        const qint64 nameLength = le16(h + 28);
        const qint64 extraLength = le16(h + 30);
        const qint64 commentLength = le16(h + 32);
        const qint64 next = pos + kCentralHeaderSize + nameLength + extraLength + commentLength;
        if (next > directoryEnd)
            return Error { {}, {},
                QStringLiteral("damaged zip archive: central directory entry %1 runs past the directory").arg(i + 1) };

        NpzMember member;
        EntryInfo entry;
        entry.flags = le16(h + 8);
        entry.method = le16(h + 10);
        member.crc = le32(h + 16);
        quint64 compressedSize = le32(h + 20);
        quint64 uncompressedSize = le32(h + 24);
        quint64 localOffset = le32(h + 42);
        const QByteArray rawName(h + kCentralHeaderSize, nameLength);
        bool validName = true;
        member.entryName = entryNameText(rawName, entry.flags & 0x800, &validName);
        member.compressed = entry.method == 8;
        const auto refuse = [&](const QString& reason) {
            if (!entry.zipError)
                entry.zipError = Error { path, member.entryName, reason };
        };

        // ZIP64 extra field: 64-bit values for those the header marks with 0xffffffff, in this order.
        const bool needUncompressed = uncompressedSize == 0xffffffff;
        const bool needCompressed = compressedSize == 0xffffffff;
        const bool needOffset = localOffset == 0xffffffff;
        if (needUncompressed || needCompressed || needOffset) {
            bool found64 = false;
            const char* extra = h + kCentralHeaderSize + nameLength;
            qint64 at = 0;
            while (at + 4 <= extraLength) {
                const quint16 id = le16(extra + at);
                const qint64 length = le16(extra + at + 2);
                if (at + 4 + length > extraLength)
                    break;
                if (id == 0x0001) {
                    const char* field = extra + at + 4;
                    const qint64 needed = 8 * (int(needUncompressed) + int(needCompressed) + int(needOffset));
                    if (length >= needed) {
                        found64 = true;
                        if (needUncompressed) {
                            uncompressedSize = le64(field);
                            field += 8;
                        }
                        if (needCompressed) {
                            compressedSize = le64(field);
                            field += 8;
                        }
                        if (needOffset)
                            localOffset = le64(field);
                    }
                    break;
                }
                at += 4 + length;
            }
            if (!found64)
                refuse(QStringLiteral("the ZIP64 sizes of the member are missing from its directory entry"));
        }
        if (compressedSize > quint64(size) || localOffset > quint64(size)
            || uncompressedSize > quint64(std::numeric_limits<qint64>::max()))
            refuse(QStringLiteral("the member's directory entry points outside the file"));
        member.compressedSize = qint64(std::min<quint64>(compressedSize, quint64(size)));
        member.uncompressedSize
            = qint64(std::min<quint64>(uncompressedSize, quint64(std::numeric_limits<qint64>::max())));
        entry.localOffset = qint64(std::min<quint64>(localOffset, quint64(size)));

        // Name: safe, decodable, unique.
        const QString unsafe = unsafeNameReason(rawName);
        if (!unsafe.isEmpty())
            refuse(unsafe);
        if (!validName)
            refuse(QStringLiteral("the member name is not valid UTF-8"));
        member.name = member.entryName.endsWith(u".npy") ? member.entryName.chopped(4) : member.entryName;

        if (entry.flags & 0x1)
            refuse(QStringLiteral("the member is encrypted, which is not supported"));
        if (entry.method != 0 && entry.method != 8)
            refuse(
                QStringLiteral("compression method %1 is not supported (only stored and deflated)").arg(entry.method));
        if (entry.method == 0 && member.compressedSize != member.uncompressedSize && !entry.zipError)
            refuse(QStringLiteral("stored member sizes disagree (%1 stored, %2 promised)")
                       .arg(member.compressedSize)
                       .arg(member.uncompressedSize));
        if (entry.method == 8 && member.uncompressedSize > kMaxDeflateRatio * std::max<qint64>(member.compressedSize, 1)
            && member.uncompressedSize > (qint64(1) << 20))
            refuse(
                QStringLiteral("the member promises %1 bytes from %2 compressed bytes, more than deflate can produce")
                    .arg(member.uncompressedSize)
                    .arg(member.compressedSize));

        // The local header must agree with the central one and the data must lie before the directory.
        if (!entry.zipError) {
            const qint64 local = entry.localOffset;
            if (local + kLocalHeaderSize > dir.directoryOffset || le32(data + local) != kLocalSignature) {
                refuse(QStringLiteral("the member's local header is missing or damaged (truncated archive?)"));
            } else {
                const qint64 localName = le16(data + local + 26);
                const qint64 localExtra = le16(data + local + 28);
                entry.dataStart = local + kLocalHeaderSize + localName + localExtra;
                if (localName != nameLength || entry.dataStart > dir.directoryOffset
                    || std::memcmp(data + local + kLocalHeaderSize, rawName.constData(), size_t(nameLength)) != 0)
                    refuse(QStringLiteral("the member's local and central headers disagree on its name"));
                else if (le16(data + local + 8) != entry.method)
                    refuse(QStringLiteral("the member's local and central headers disagree on its compression"));
                else if (!localAgreesWithCentral(data + local, h))
                    refuse(QStringLiteral("the member's local and central headers disagree on its CRC or sizes"));
                else if (member.compressedSize > dir.directoryOffset - entry.dataStart)
                    refuse(QStringLiteral(
                        "the member's %1 bytes of data run past the end of the archive's data (truncated archive?)")
                               .arg(member.compressedSize));
            }
        }

        const auto seen = seenNames.constFind(rawName);
        if (seen != seenNames.constEnd())
            member.error = Error { path, member.entryName,
                QStringLiteral("duplicate member name: the member at position %1 has the same name and is the one read")
                    .arg(seen.value() + 1) };
        else
            seenNames.insert(rawName, qsizetype(members.size()));

        if (entry.zipError)
            member.error = entry.zipError;
        else if (!member.entryName.endsWith(u".npy") && !member.error)
            member.error
                = Error { path, member.entryName, QStringLiteral("not an .npy member: it holds no NumPy array") };

        members.push_back(std::move(member));
        entries.push_back(entry);
        pos = next;
    }

    // Entries whose data overlap another's are refused: well-formed archives never share bytes between members.
    std::vector<qsizetype> order;
    for (qsizetype i = 0; i < qsizetype(entries.size()); ++i)
        if (!entries[i].zipError)
            order.push_back(i);
    std::sort(order.begin(), order.end(),
        [&](qsizetype a, qsizetype b) { return entries[a].localOffset < entries[b].localOffset; });
    // The furthest end seen so far catches an entry overlapping any earlier one, not only its neighbour.
    qint64 furthestEnd = 0;
    qsizetype furthest = -1;
    for (const qsizetype k : order) {
        EntryInfo& entry = entries[k];
        if (furthest >= 0 && furthestEnd > entry.localOffset) {
            NpzMember& member = members[k];
            entry.zipError = Error { path, member.entryName,
                QStringLiteral("the member's data overlaps member '%1'").arg(members[furthest].entryName) };
            member.error = entry.zipError;
            continue;
        }
        const qint64 end = entry.dataStart + members[k].compressedSize;
        if (end > furthestEnd) {
            furthestEnd = end;
            furthest = k;
        }
    }

    // Headers of the members still standing.
    for (qsizetype i = 0; i < qsizetype(members.size()); ++i) {
        NpzMember& member = members[i];
        if (!entries[i].zipError && member.entryName.endsWith(u".npy"))
            readHeader(member, entries[i]);
        if (!firstByName.contains(member.name))
            firstByName.insert(member.name, i);
    }
    qCDebug(lcNpz) << path << "lists" << members.size() << "entries";
    return {};
}

void NpzArchive::Private::readHeader(NpzMember& member, const EntryInfo& info) const
{
    const char* data = storage->data + info.dataStart;
    const auto fail = [&](const QString& reason) {
        if (!member.error)
            member.error = Error { path, member.entryName, reason };
    };

    // The preamble: straight from the mapping when stored, the first bytes of the stream when deflated.
    QByteArray inflated;
    QByteArrayView preamble;
    if (member.compressed) {
        Inflater inflater(data, member.compressedSize);
        const qint64 first = std::min<qint64>(member.uncompressedSize, 12);
        inflated.resize(first);
        if (auto ok = inflater.read(inflated.data(), first); !ok)
            return fail(ok.error().reason);
        auto needed = npyPreambleSize(inflated);
        if (!needed)
            return fail(needed.error().reason);
        const qint64 total = std::min(needed.value(), member.uncompressedSize);
        inflated.resize(total);
        if (auto ok = inflater.read(inflated.data() + first, total - first); !ok)
            return fail(ok.error().reason);
        preamble = inflated;
    } else {
        const qint64 available = member.compressedSize;
        auto needed = npyPreambleSize(QByteArrayView(data, std::min<qint64>(available, 12)));
        if (!needed)
            return fail(needed.error().reason);
        preamble = QByteArrayView(data, std::min(available, needed.value()));
    }

    auto header = parseNpyHeader(preamble);
    if (!header)
        return fail(header.error().reason);
    member.header = header.value();

    // An unreadable dtype (an object array's pickle) has no meaningful data size: its reason comes first.
    if (!header->dtype.isReadable())
        return fail(header->dtype.unreadableReason());

    const qint64 promised = header->dataBytes();
    const qint64 held = member.uncompressedSize - header->dataOffset;
    if (held < promised)
        return fail(QStringLiteral("header promises %1 bytes of data, the member holds %2")
                        .arg(promised)
                        .arg(std::max<qint64>(held, 0)));
    if (held > promised)
        return fail(QStringLiteral("the member holds %1 bytes after the %2 bytes of data its header promises")
                        .arg(held - promised)
                        .arg(promised));
}

ArchiveKind NpzArchive::kind() const
{
    return d->kind;
}
bool NpzArchive::pagesLost() const
{
    return d->storage->guard && d->storage->guard->pagesLost();
}
QString NpzArchive::path() const
{
    return d->path;
}
qint64 NpzArchive::fileSize() const
{
    return d->storage->size;
}
const std::vector<NpzMember>& NpzArchive::members() const
{
    return d->members;
}

QStringList NpzArchive::names() const
{
    QStringList list;
    for (const NpzMember& member : d->members)
        list << member.name;
    return list;
}

const NpzMember* NpzArchive::member(const QString& name) const
{
    const auto it = d->firstByName.constFind(name);
    return it == d->firstByName.constEnd() ? nullptr : &d->members[it.value()];
}

bool NpzArchive::allReadable() const
{
    return std::all_of(d->members.begin(), d->members.end(), [](const NpzMember& m) { return m.isReadable(); });
}

std::vector<qsizetype> NpzArchive::membersUncheckedOnRead() const
{
    std::vector<qsizetype> unchecked;
    if (d->kind != ArchiveKind::Npz)
        return unchecked;
    for (qsizetype i = 0; i < qsizetype(d->members.size()); ++i) {
        const NpzMember& member = d->members[size_t(i)];
        if (member.isReadable() && !member.compressed && member.compressedSize > kVerifyStoredCrcUpTo)
            unchecked.push_back(i);
    }
    return unchecked;
}

Result<NdArray> NpzArchive::read(const QString& name, const ProgressCallback& progress) const
{
    const auto it = d->firstByName.constFind(name);
    if (it == d->firstByName.constEnd())
        return Error { d->path, name, QStringLiteral("no such member") };
    return d->readMember(it.value(), progress);
}

Result<NdArray> NpzArchive::readAt(qsizetype index, const ProgressCallback& progress) const
{
    if (index < 0 || index >= qsizetype(d->members.size()))
        return Error { d->path, {}, QStringLiteral("no member at position %1").arg(index) };
    return d->readMember(index, progress);
}

Result<NdArray> NpzArchive::Private::readMember(qsizetype index, const ProgressCallback& progress) const
{
    const NpzMember& member = members[index];
    const EntryInfo& info = entries[index];
    if (member.error)
        return *member.error;
    if (!member.header)
        return error(member, QStringLiteral("the member has no .npy header"));
    const NpyHeader& header = *member.header;
    const char* data = storage->data + info.dataStart;

    if (!member.compressed) {
        if (kind == ArchiveKind::Npz && member.compressedSize <= kVerifyStoredCrcUpTo
            && crc32Of(0, data, member.compressedSize) != member.crc)
            return error(member, QStringLiteral("CRC mismatch: the member's bytes are damaged"));
        auto array = NdArray::fromBorrowed(
            header.dtype, header.shape, header.fortranOrder, data + header.dataOffset, header.dataBytes(), storage);
        if (!array)
            return error(member, array.error().reason);
        return array;
    }

    // Deflated: the header bytes first, then the data straight into the array's buffer, then proof that the
    // stream ends where the member said and that its CRC matches.
    Inflater inflater(data, member.compressedSize);
    QByteArray skipped(header.dataOffset, Qt::Uninitialized);
    if (auto ok = inflater.read(skipped.data(), header.dataOffset); !ok)
        return error(member, ok.error().reason);

    QByteArray bytes;
    try {
        bytes = QByteArray(header.dataBytes(), Qt::Uninitialized);
    } catch (const std::bad_alloc&) {
        return error(member, QStringLiteral("not enough memory for %1 bytes of data").arg(header.dataBytes()));
    }
    if (bytes.size() != header.dataBytes())
        return error(member, QStringLiteral("not enough memory for %1 bytes of data").arg(header.dataBytes()));
    std::function<bool(qint64)> report;
    if (progress)
        report = [&](qint64 done) { return progress(done, header.dataBytes()); };
    if (auto ok = inflater.read(bytes.data(), bytes.size(), report); !ok)
        return error(member, ok.error().reason);
    auto ended = inflater.atEnd();
    if (!ended)
        return error(member, ended.error().reason);
    if (!ended.value())
        return error(member,
            QStringLiteral("the deflate stream runs past the %1 bytes the member promises: refused")
                .arg(member.uncompressedSize));
    if (inflater.crc() != member.crc)
        return error(member, QStringLiteral("CRC mismatch: the inflated bytes are damaged"));

    auto array = NdArray::fromBytes(header.dtype, header.shape, std::move(bytes), header.fortranOrder);
    if (!array)
        return error(member, array.error().reason);
    return array;
}

Result<QByteArray> NpzArchive::readRawNpy(const QString& name) const
{
    const auto it = d->firstByName.constFind(name);
    if (it == d->firstByName.constEnd())
        return Error { d->path, name, QStringLiteral("no such member") };
    const NpzMember& member = d->members[it.value()];
    const EntryInfo& info = d->entries[it.value()];
    if (info.zipError)
        return *info.zipError;
    const char* data = d->storage->data + info.dataStart;

    if (!member.compressed) {
        if (d->kind == ArchiveKind::Npz && crc32Of(0, data, member.compressedSize) != member.crc)
            return d->error(member, QStringLiteral("CRC mismatch: the member's bytes are damaged"));
        return QByteArray(data, member.compressedSize);
    }

    QByteArray bytes;
    try {
        bytes = QByteArray(member.uncompressedSize, Qt::Uninitialized);
    } catch (const std::bad_alloc&) {
        return d->error(member, QStringLiteral("not enough memory for %1 bytes").arg(member.uncompressedSize));
    }
    Inflater inflater(data, member.compressedSize);
    if (auto ok = inflater.read(bytes.data(), bytes.size()); !ok)
        return d->error(member, ok.error().reason);
    auto ended = inflater.atEnd();
    if (!ended)
        return d->error(member, ended.error().reason);
    if (!ended.value())
        return d->error(member,
            QStringLiteral("the deflate stream runs past the %1 bytes the member promises: refused")
                .arg(member.uncompressedSize));
    if (inflater.crc() != member.crc)
        return d->error(member, QStringLiteral("CRC mismatch: the inflated bytes are damaged"));
    return bytes;
}

Result<void> NpzArchive::verify(qsizetype index, const ProgressCallback& progress) const
{
    if (index < 0 || index >= qsizetype(d->members.size()))
        return Error { d->path, {}, QStringLiteral("no member at position %1").arg(index) };
    const NpzMember& member = d->members[index];
    const EntryInfo& info = d->entries[index];
    if (member.error)
        return *member.error;
    if (info.zipError)
        return *info.zipError;
    const char* data = d->storage->data + info.dataStart;
    constexpr qint64 chunk = qint64(4) << 20;
    const Error cancelled = d->error(member, QStringLiteral("verification cancelled"));

    if (!member.compressed) {
        // A lone .npy file has no checksum; its sizes were checked when it was listed.
        if (d->kind != ArchiveKind::Npz)
            return {};
        quint32 crc = 0;
        for (qint64 done = 0; done < member.compressedSize; done += chunk) {
            crc = crc32Of(crc, data + done, std::min(chunk, member.compressedSize - done));
            if (progress && !progress(std::min(done + chunk, member.compressedSize), member.compressedSize))
                return cancelled;
        }
        if (crc != member.crc)
            return d->error(member, QStringLiteral("CRC mismatch: the member's bytes are damaged"));
        return {};
    }

    Inflater inflater(data, member.compressedSize);
    QByteArray scratch(int(std::min(chunk, std::max<qint64>(member.uncompressedSize, 1))), Qt::Uninitialized);
    for (qint64 done = 0; done < member.uncompressedSize;) {
        const qint64 step = std::min<qint64>(scratch.size(), member.uncompressedSize - done);
        if (auto ok = inflater.read(scratch.data(), step); !ok)
            return d->error(member, ok.error().reason);
        done += step;
        if (progress && !progress(done, member.uncompressedSize))
            return cancelled;
    }
    auto ended = inflater.atEnd();
    if (!ended)
        return d->error(member, ended.error().reason);
    if (!ended.value())
        return d->error(member,
            QStringLiteral("the deflate stream runs past the %1 bytes the member promises: refused")
                .arg(member.uncompressedSize));
    if (inflater.crc() != member.crc)
        return d->error(member, QStringLiteral("CRC mismatch: the inflated bytes are damaged"));
    return {};
}

} // namespace nemoscope::npy
