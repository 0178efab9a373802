#pragma once

#include "error.h"
#include "npy/ndarray.h"
#include "npy/npyheader.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace nemoscope::npy {

// Reports progress of a long read (bytes done of total); returning false cancels it.
using ProgressCallback = std::function<bool(qint64 done, qint64 total)>;

// One entry of an archive as listed: what the zip directory says and, for a .npy member, its parsed header.
struct NpzMember
{
    QString name; // the key: the entry name without `.npy` (the file name without extension for an .npy)
    QString entryName; // the entry name as stored in the zip
    bool compressed = false; // deflated (np.savez_compressed) rather than stored (np.savez)
    qint64 compressedSize = 0;
    qint64 uncompressedSize = 0;
    quint32 crc = 0;
    std::optional<NpyHeader> header; // present when the npy header parsed, even if the member is refused
    std::optional<Error> error; // why the member cannot be read (file, member and reason filled in)

    bool isReadable() const { return header.has_value() && !error.has_value(); }
};

enum class ArchiveKind
{
    Npz,
    Npy,
};

// Reads .npz archives and single .npy files safely and lazily.
//
// Opening maps the file read-only and reads the zip central directory and each member's npy header, nothing
// more (a deflated member has only its first bytes inflated). Every fault that belongs to one member (a bad
// header, an object dtype, a name with `../`, a duplicate, an unsupported compression) is recorded on that
// member and leaves the others readable; only a file that is not a zip or .npy at all fails open().
//
// read() of a stored member returns an array borrowing the mapping: no copy, memory grows only with the pages
// actually looked at. Its CRC is checked when the member is at most 64 MiB; a larger stored member is
// mapped without being read through (so that viewing a 10 GB array costs nothing); readRawNpy() and verify()
// check it. A deflated member is inflated into exactly the bytes its header promises, with its CRC checked; a stream
// that would produce more is refused. The archive stays valid while any array read from it lives (they share the
// mapping). All const methods may be called from several threads at once.
//
// Another program may truncate the file in place while it is open (np.savez does when it overwrites a file):
// a mapped page past the new end then reads as zeros instead of stopping the process (see MappingGuard), and
// pagesLost() turns true. Files replaced by rename (as atomic savers, Nemoscope's included, do) are not
// affected: the mapping keeps the old file alive.
class NpzArchive
{
public:
    ~NpzArchive();
    NpzArchive(const NpzArchive&) = delete;
    NpzArchive& operator=(const NpzArchive&) = delete;

    // Opens an .npz (zip) or .npy file, told apart by content (the zip or NumPy magic), not by extension.
    static Result<std::shared_ptr<NpzArchive>> open(const QString& path);
    // The same from bytes in memory; displayName stands for the file in errors and names an .npy's member.
    static Result<std::shared_ptr<NpzArchive>> openBytes(QByteArray bytes, const QString& displayName);

    ArchiveKind kind() const;
    // True once the file shrank under the mapping and a page past its new end was read (as zeros).
    bool pagesLost() const;
    QString path() const; // as given to open() (displayName for openBytes)
    qint64 fileSize() const;

    const std::vector<NpzMember>& members() const;
    QStringList names() const; // member names in archive order, refused ones included
    // The first member with this name (a duplicate never shadows the first), or nullptr.
    const NpzMember* member(const QString& name) const;
    // True when every member is readable.
    bool allReadable() const;
    // The readable members whose CRC read() does not check (stored members over 64 MiB, mapped without
    // being read through): a viewer verifies them with verify(), in the background.
    std::vector<qsizetype> membersUncheckedOnRead() const;

    // The member's array, or the Error recorded for it at listing or found while reading. progress (optional)
    // is called while a deflated member inflates and may cancel it.
    Result<NdArray> read(const QString& name, const ProgressCallback& progress = {}) const;
    Result<NdArray> readAt(qsizetype index, const ProgressCallback& progress = {}) const;
    // The member's .npy bytes as stored in the archive (inflated, CRC-checked), including members refused for
    // their content (object dtype, unknown header), so that a writer can carry them over unchanged. Fails
    // only for faults of the zip layer (bad name, CRC, sizes, unsupported compression).
    Result<QByteArray> readRawNpy(const QString& name) const;
    // Reads the member's bytes through once in constant memory and checks them against the zip directory: its
    // CRC (stored members of any size included) and, for a deflated member, that the stream yields exactly the
    // promised bytes and ends there. Returns the member's recorded error first if it has one. progress (bytes
    // of the member's stored or inflated size) may cancel, which returns an Error saying so.
    Result<void> verify(qsizetype index, const ProgressCallback& progress = {}) const;

private:
    NpzArchive();
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace nemoscope::npy
