// The archive reader against malformed input: one named row per kind of fault. Each asserts that the error
// names the file, the member and the reason, and that the archive's good member still reads correctly.

#include "npy/npzarchive.h"
#include "npy/npzwriter.h"

#include "npytestutil.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <cstring>

using namespace nemoscope;
using namespace nemoscope::npy;
using npytest::buildZip;
using npytest::goodNpy;
using npytest::npyBytes;
using npytest::ZipMember;

Q_DECLARE_METATYPE(QList<npytest::ZipMember>)

namespace {

const QString kArchiveName = QStringLiteral("faults.npz");

ZipMember good()
{
    return { "good.npy", goodNpy({ 1.5, -2.0, 3.25 }) };
}

void verifyGoodMember(const NpzArchive& archive)
{
    auto array = archive.read(QStringLiteral("good"));
    QVERIFY2(array.ok(), array ? "" : qPrintable(array.error().message()));
    QCOMPARE(array->size(), qint64(3));
    QCOMPARE(array->toDouble(0), 1.5);
    QCOMPARE(array->toDouble(1), -2.0);
    QCOMPARE(array->toDouble(2), 3.25);
}

} // namespace

class NpzArchiveTest : public QObject
{
    Q_OBJECT

private slots:
    void memberFaults_data();
    void memberFaults();
    void archiveFaults_data();
    void archiveFaults();
    void unopenableFiles();
    void malformedFixtures_data();
    void malformedFixtures();
    void emptyZipHasNoMembers();
    void npyFileIsOneMember();
    void truncatedWhileOpenReadsZeros();
    void duplicatesKeepTheFirst();
    void deflateBombIsRefusedWithoutInflating();
    void rawBytesOfRefusedMembers();
    void progressAndCancel();
    void survivesMutations_data();
    void survivesMutations();
};

void NpzArchiveTest::memberFaults_data()
{
    QTest::addColumn<QList<ZipMember>>("members");
    QTest::addColumn<int>("badIndex");
    QTest::addColumn<QString>("entryName");
    QTest::addColumn<bool>("atListing"); // found while listing (else only when read)
    QTest::addColumn<QString>("reason");

    const QByteArray header3 = "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }";
    const QByteArray data3 = npytest::doubles({ 1, 2, 3 });
    const auto bad = [&](const QByteArray& content, bool deflate = false) {
        return ZipMember { "w.npy", content, deflate };
    };

    QByteArray badMagic = goodNpy({ 1 });
    badMagic[0] = 'X';
    QTest::newRow("bad magic") << QList<ZipMember> { bad(badMagic), good() } << 0 << "w.npy" << true << "NumPy magic";
    QByteArray badVersion = goodNpy({ 1 });
    badVersion[6] = 9;
    QTest::newRow("bad version") << QList<ZipMember> { good(), bad(badVersion) } << 1 << "w.npy" << true
                                 << "unsupported .npy format version 9.0";
    QTest::newRow("header too long") << QList<ZipMember> { bad(npyBytes(header3 + QByteArray(11000, ' '), data3)),
        good() } << 0 << "w.npy" << true
                                     << "exceeds the limit of 10000 bytes";
    QTest::newRow("not a literal") << QList<ZipMember> {
        bad(npyBytes("{'descr': '<f8' 'x', 'fortran_order': False, 'shape': (3,)}", data3)), good()
    } << 0 << "w.npy" << true << "not a valid Python literal";
    QTest::newRow("call in header") << QList<ZipMember> {
        bad(npyBytes("{'descr': eval('1'), 'fortran_order': False, 'shape': (3,)}", data3)), good()
    } << 0 << "w.npy" << true << "a name or call (eval)";
    QTest::newRow("missing key") << QList<ZipMember> { bad(npyBytes("{'descr': '<f8', 'shape': (3,)}", data3)), good() }
                                 << 0 << "w.npy" << true << "lacks the key 'fortran_order'";
    QTest::newRow("extra key") << QList<ZipMember> {
        bad(npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), "
                     "'x': 0}",
            data3)),
        good()
    } << 0 << "w.npy" << true << "unexpected key 'x'";
    QTest::newRow("negative shape") << QList<ZipMember> {
        bad(npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (-3,)}", data3)), good()
    } << 0 << "w.npy" << true << "negative dimension -3";
    QTest::newRow("overflowing shape") << QList<ZipMember> {
        bad(npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': "
                     "(4611686018427387904, 4)}",
            data3)),
        good()
    } << 0 << "w.npy" << true << "overflows 64 bits";
    QTest::newRow("data too short") << QList<ZipMember> {
        bad(npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (4,)}", data3 + QByteArray(7, '\0'))), good()
    } << 0 << "w.npy" << true << "header promises 32 bytes of data, the member holds 31";
    QTest::newRow("trailing data") << QList<ZipMember> { bad(npyBytes(header3, data3 + "xx")), good() } << 0 << "w.npy"
                                   << true << "holds 2 bytes after the 24 bytes of data";
    QTest::newRow("data too short deflated") << QList<ZipMember> { bad(npyBytes(header3, data3.left(20)), true),
        good() } << 0 << "w.npy" << true << "header promises 24 bytes of data, the member holds 20";
    QTest::newRow("object dtype") << QList<ZipMember> {
        bad(npyBytes("{'descr': '|O', 'fortran_order': False, 'shape': (3,)}", data3)), good()
    } << 0 << "w.npy" << true << "Python pickle";
    QTest::newRow("object dtype deflated") << QList<ZipMember> { good(),
        bad(npyBytes("{'descr': '|O', 'fortran_order': False, "
                     "'shape': (3,)}",
                data3),
            true) } << 1 << "w.npy" << true << "Python pickle";

    ZipMember crcStored = bad(goodNpy({ 1, 2 }));
    crcStored.crc = 0x12345678;
    QTest::newRow("CRC mismatch stored") << QList<ZipMember> { crcStored, good() } << 0 << "w.npy" << false
                                         << "CRC mismatch";
    ZipMember crcDeflated = bad(goodNpy({ 1, 2 }), true);
    crcDeflated.crc = 0x12345678;
    QTest::newRow("CRC mismatch deflated")
        << QList<ZipMember> { good(), crcDeflated } << 1 << "w.npy" << false << "CRC mismatch";

    QTest::newRow("non-npy member") << QList<ZipMember> { { "notes.txt", "hello" }, good() } << 0 << "notes.txt" << true
                                    << "not an .npy member";
    QTest::newRow("duplicate name") << QList<ZipMember> { good(), { "good.npy", goodNpy({ 9 }) } } << 1 << "good.npy"
                                    << true << "duplicate member name";
    QTest::newRow("parent directory name") << QList<ZipMember> { { "../evil.npy", goodNpy({ 1 }) }, good() } << 0
                                           << "../evil.npy" << true << "climbs out of the archive";
    QTest::newRow("nested parent directory name") << QList<ZipMember> { good(), { "a/../../evil.npy", goodNpy({ 1 }) } }
                                                  << 1 << "a/../../evil.npy" << true << "climbs out of the archive";
    QTest::newRow("absolute name") << QList<ZipMember> { { "/etc/evil.npy", goodNpy({ 1 }) }, good() } << 0
                                   << "/etc/evil.npy" << true << "absolute path";
    QTest::newRow("NUL in name") << QList<ZipMember> { { QByteArray("a\0b.npy", 7), goodNpy({ 1 }) }, good() } << 0
                                 << QString::fromLatin1("a\0b.npy", 7) << true << "NUL byte";
    QTest::newRow("invalid UTF-8 name") << QList<ZipMember> { ZipMember(
                                                                  "\xff\xfe.npy", goodNpy({ 1 }), false, 0xffff, 0x800),
        good() } << 0 << QString::fromUtf8("\xff\xfe.npy")
                                        << true << "not valid UTF-8";
    QTest::newRow("unsupported compression") << QList<ZipMember> { ZipMember("w.npy", goodNpy({ 1 }), false, 12),
        good() } << 0 << "w.npy" << true << "compression method 12";
    QTest::newRow("encrypted") << QList<ZipMember> { ZipMember("w.npy", goodNpy({ 1 }), false, 0xffff, 0x1), good() }
                               << 0 << "w.npy" << true << "encrypted";
    ZipMember overlapping("a.npy", goodNpy({ 1 }));
    overlapping.sizeExtra = 10;
    QTest::newRow("overlapping entries") << QList<ZipMember> { overlapping, bad(goodNpy({ 2 })), good() } << 1
                                         << "w.npy" << true << "overlaps member 'a.npy'";
    ZipMember sizes = bad(goodNpy({ 1 }));
    sizes.uncompressedSize = 500;
    QTest::newRow("stored sizes disagree")
        << QList<ZipMember> { sizes, good() } << 0 << "w.npy" << true << "sizes disagree";

    // The zip says 16 + 24 bytes and so does the header, but the stream holds a megabyte more.
    const QByteArray promised = npyBytes(header3, data3);
    ZipMember past = bad(promised + QByteArray(1 << 20, '\0'), true);
    past.uncompressedSize = promised.size();
    past.crc = quint32(crc32(0, reinterpret_cast<const Bytef*>(promised.constData()), uInt(promised.size())));
    QTest::newRow("deflated member inflates past its promise")
        << QList<ZipMember> { past, good() } << 0 << "w.npy" << false << "runs past the";
    QByteArray ramp;
    for (int i = 0; i < 4096; ++i)
        ramp += npytest::doubles({ i * 1.1 });
    const QByteArray long4096 = npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (4096,), }", ramp);
    ZipMember cut = bad(long4096, true);
    const QByteArray stream = npytest::rawDeflate(long4096);
    cut.compressed = stream.left(stream.size() * 2 / 3);
    QTest::newRow("deflate stream truncated")
        << QList<ZipMember> { good(), cut } << 1 << "w.npy" << false << "deflate stream";
}

void NpzArchiveTest::memberFaults()
{
    QFETCH(QList<ZipMember>, members);
    QFETCH(int, badIndex);
    QFETCH(QString, entryName);
    QFETCH(bool, atListing);
    QFETCH(QString, reason);

    auto opened = NpzArchive::openBytes(buildZip(members), kArchiveName);
    QVERIFY2(opened.ok(), opened ? "" : qPrintable(opened.error().message()));
    const NpzArchive& archive = *opened.value();
    QCOMPARE(archive.members().size(), std::size_t(members.size()));
    QVERIFY(!archive.allReadable() || !atListing);

    const NpzMember& member = archive.members().at(badIndex);
    QCOMPARE(member.entryName, entryName);
    QCOMPARE(member.error.has_value(), atListing);
    auto read = archive.readAt(badIndex);
    QVERIFY(!read.ok());
    const Error& error = read.error();
    QCOMPARE(error.file, kArchiveName);
    QCOMPARE(error.member, entryName);
    QVERIFY2(error.reason.contains(reason), qPrintable(error.reason));
    QVERIFY(error.message().startsWith(kArchiveName + QStringLiteral(": ") + entryName + QStringLiteral(": ")));
    if (atListing)
        QCOMPARE(member.error->reason, error.reason);

    // Reading the member through without keeping it (what `inspect` does) finds the same fault.
    auto verified = archive.verify(badIndex);
    QVERIFY(!verified.ok());
    QCOMPARE(verified.error().member, entryName);
    QVERIFY2(verified.error().reason.contains(reason), qPrintable(verified.error().reason));

    // The good member of the same archive still loads, and passes the same check.
    verifyGoodMember(archive);
    for (qsizetype i = 0; i < qsizetype(archive.members().size()); ++i) {
        if (&archive.members()[size_t(i)] == archive.member(QStringLiteral("good")))
            QVERIFY(archive.verify(i).ok());
    }
}

void NpzArchiveTest::archiveFaults_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("reason");

    const QByteArray zip = buildZip({ good(), { "other.npy", goodNpy({ 4, 5 }) } });
    QTest::newRow("empty file") << QByteArray() << "empty (0 bytes)";
    QTest::newRow("text file") << QByteArray("this is a text file that someone renamed to .npz\n")
                               << "neither the zip nor the NumPy magic";
    QTest::newRow("random noise") << QByteArray::fromHex("8b1f0000deadbeef00112233445566778899aabbccddeeff")
                                  << "neither the zip";
    QTest::newRow("truncated archive") << zip.left(zip.size() / 2) << "end of central directory record is missing";
    QTest::newRow("truncated to the signature") << zip.left(4) << "cannot hold the end of central directory";
    QByteArray outside = zip;
    // End record: central directory offset pushed beyond the file.
    const qsizetype end = outside.lastIndexOf(QByteArray("PK\x05\x06", 4));
    outside[end + 16] = char(0xff);
    outside[end + 17] = char(0xff);
    QTest::newRow("directory outside the file") << outside << "lies outside the file";
    QByteArray corrupt = zip;
    const qsizetype directory = corrupt.indexOf(QByteArray("PK\x01\x02", 4));
    corrupt[directory + 2] = 'X';
    QTest::newRow("corrupt directory entry") << corrupt << "central directory entry 1 of 2 is corrupt";
}

void NpzArchiveTest::archiveFaults()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, reason);

    // Through a real file, as a user opens it.
    QTemporaryDir dir;
    const QString path = dir.filePath(kArchiveName);
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(bytes);
    file.close();

    auto archive = NpzArchive::open(path);
    QVERIFY(!archive.ok());
    QCOMPARE(archive.error().file, path);
    QVERIFY2(archive.error().reason.contains(reason), qPrintable(archive.error().reason));
}

void NpzArchiveTest::unopenableFiles()
{
    QTemporaryDir dir;
    const QString missing = dir.filePath(QStringLiteral("missing.npz"));
    auto absent = NpzArchive::open(missing);
    QVERIFY(!absent.ok());
    QCOMPARE(absent.error().file, missing);
    QVERIFY2(absent.error().reason.startsWith(u"cannot open the file"), qPrintable(absent.error().reason));

    auto folder = NpzArchive::open(dir.path());
    QVERIFY(!folder.ok());
    QCOMPARE(folder.error().file, dir.path());
    QVERIFY(!folder.error().reason.isEmpty());
}

void NpzArchiveTest::malformedFixtures_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("badMember");
    QTest::addColumn<QString>("reason");
    QTest::addColumn<QString>("goodMember");
    QTest::newRow("code in header") << "code_in_header.npz"
                                    << "weights.npy"
                                    << "a name or call (__import__)"
                                    << "fine";
    QTest::newRow("pickled object") << "pickled_object.npz"
                                    << "payload.npy"
                                    << "Python pickle"
                                    << "ok";
}

void NpzArchiveTest::malformedFixtures()
{
    QFETCH(QString, file);
    QFETCH(QString, badMember);
    QFETCH(QString, reason);
    QFETCH(QString, goodMember);

    const QString path = QStringLiteral(NEMOSCOPE_TEST_DATA "/malformed/") + file;
    auto archive = NpzArchive::open(path);
    QVERIFY2(archive.ok(), archive ? "" : qPrintable(archive.error().message()));
    const NpzMember* bad = (*archive)->member(badMember.chopped(4));
    QVERIFY(bad && bad->error);
    QCOMPARE(bad->error->file, path);
    QCOMPARE(bad->error->member, badMember);
    QVERIFY2(bad->error->reason.contains(reason), qPrintable(bad->error->reason));

    auto array = (*archive)->read(goodMember);
    QVERIFY2(array.ok(), array ? "" : qPrintable(array.error().message()));
    QCOMPARE(array->size(), qint64(3));
    for (qint64 i = 0; i < 3; ++i)
        QCOMPARE(array->toDouble(i), double(i));

    auto notZip = NpzArchive::open(QStringLiteral(NEMOSCOPE_TEST_DATA "/malformed/not_a_zip.npz"));
    QVERIFY(!notZip.ok());
    QVERIFY(notZip.error().reason.contains(u"neither the zip nor the NumPy magic"));
}

void NpzArchiveTest::emptyZipHasNoMembers()
{
    // np.savez with no arrays writes a zip holding only its end record: valid, with no members.
    auto archive = NpzArchive::openBytes(buildZip({}), kArchiveName);
    QVERIFY2(archive.ok(), archive ? "" : qPrintable(archive.error().message()));
    QVERIFY((*archive)->members().empty());
    QVERIFY((*archive)->allReadable());
    QVERIFY(!(*archive)->read(QStringLiteral("x")).ok());
}

void NpzArchiveTest::npyFileIsOneMember()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("weights.v2.npy"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(goodNpy({ 7, 8 }));
    file.close();

    auto archive = NpzArchive::open(path);
    QVERIFY(archive.ok());
    QCOMPARE((*archive)->kind(), ArchiveKind::Npy);
    QCOMPARE((*archive)->names(), QStringList { QStringLiteral("weights.v2") });
    auto array = (*archive)->read(QStringLiteral("weights.v2"));
    QVERIFY(array.ok());
    QVERIFY(array->isBorrowed());
    QCOMPARE(array->toDouble(1), 8.0);

    // A truncated .npy opens (its magic is there) with the member refused and the reason.
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write(goodNpy({ 7, 8 }).chopped(1));
    file.close();
    auto truncated = NpzArchive::open(path);
    QVERIFY(truncated.ok());
    const NpzMember& member = (*truncated)->members().front();
    QVERIFY(member.error);
    QCOMPARE(member.error->member, QStringLiteral("weights.v2.npy"));
    QVERIFY(member.error->reason.contains(u"header promises 16 bytes of data, the member holds 15"));
}

// np.savez overwrites a file in place: truncated to nothing, then written again. An array read from the file
// before (borrowing its mapping) must not end the process when its pages are touched in between: pages past
// the new end read as zeros, and the archive says that it lost pages. Pages before the new end still read the
// file.
void NpzArchiveTest::truncatedWhileOpenReadsZeros()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("rates.npy"));
    const qint64 count = 1 << 20; // 8 MB of data, 2048 pages
    QByteArray data(count * 8, Qt::Uninitialized);
    for (qint64 i = 0; i < count; ++i) {
        const double value = double(i) + 0.5;
        std::memcpy(data.data() + i * 8, &value, 8);
    }
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (1048576,), }", data));
    file.close();

    auto archive = NpzArchive::open(path);
    QVERIFY(archive.ok());
    auto array = (*archive)->read(QStringLiteral("rates"));
    QVERIFY(array.ok());
    QVERIFY(array->isBorrowed());
    QVERIFY(!(*archive)->pagesLost());

    QVERIFY(file.resize(65536));
    QCOMPARE(array->toDouble(10), 10.5);
    QCOMPARE(array->toDouble(count / 2), 0.0);
    QCOMPARE(array->toDouble(count - 1), 0.0);
    QVERIFY((*archive)->pagesLost());
    // The page the guard replaced keeps reading zeros; the file's own pages are untouched.
    QCOMPARE(array->toDouble(count / 2 + 1), 0.0);
    QCOMPARE(array->toDouble(100), 100.5);
}

void NpzArchiveTest::duplicatesKeepTheFirst()
{
    auto archive = NpzArchive::openBytes(buildZip({ good(), { "good.npy", goodNpy({ 9 }) } }), kArchiveName);
    QVERIFY(archive.ok());
    QCOMPARE((*archive)->names(), (QStringList { QStringLiteral("good"), QStringLiteral("good") }));
    QVERIFY(!(*archive)->members().front().error);
    QCOMPARE((*archive)->member(QStringLiteral("good")), &(*archive)->members().front());
    verifyGoodMember(*archive.value());
}

void NpzArchiveTest::deflateBombIsRefusedWithoutInflating()
{
    // A header promising 80 bytes over 64 MB of deflated zeros: the zip's own size gives it away at listing.
    const QByteArray header = "{'descr': '<f8', 'fortran_order': False, 'shape': (10,), }";
    const QByteArray content = npyBytes(header, QByteArray(64 << 20, '\0'));
    ZipMember bomb { "bomb.npy", content, true };
    auto archive = NpzArchive::openBytes(buildZip({ bomb, good() }), kArchiveName);
    QVERIFY(archive.ok());
    const NpzMember& member = (*archive)->members().front();
    QVERIFY(member.error);
    QVERIFY2(member.error->reason.contains(u"after the 80 bytes of data its header promises"),
        qPrintable(member.error->reason));
    verifyGoodMember(*archive.value());

    // The same stream with a zip size that lies (as small as the header says): reading stops at the promise.
    ZipMember liar = bomb;
    liar.uncompressedSize = 128 + 80;
    liar.crc = 0;
    auto lying = NpzArchive::openBytes(buildZip({ liar, good() }), kArchiveName);
    QVERIFY(lying.ok());
    QVERIFY(!(*lying)->members().front().error);
    auto read = (*lying)->readAt(0);
    QVERIFY(!read.ok());
    QVERIFY2(
        read.error().reason.contains(u"runs past the 208 bytes the member promises"), qPrintable(read.error().reason));

    // A zip size beyond what deflate can produce from the stream is refused at listing.
    ZipMember impossible = { "huge.npy", goodNpy({ 1 }), true };
    impossible.uncompressedSize = qint64(3) << 30;
    auto refused = NpzArchive::openBytes(buildZip({ impossible, good() }), kArchiveName);
    QVERIFY(refused.ok());
    QVERIFY((*refused)->members().front().error->reason.contains(u"more than deflate can produce"));
    verifyGoodMember(*refused.value());
}

void NpzArchiveTest::rawBytesOfRefusedMembers()
{
    const QString path = QStringLiteral(NEMOSCOPE_TEST_DATA "/malformed/pickled_object.npz");
    auto archive = NpzArchive::open(path);
    QVERIFY(archive.ok());
    auto raw = (*archive)->readRawNpy(QStringLiteral("payload"));
    QVERIFY2(raw.ok(), raw ? "" : qPrintable(raw.error().message()));
    QVERIFY(raw->startsWith("\x93NUMPY"));
    QCOMPARE(qint64(raw->size()), (*archive)->member(QStringLiteral("payload"))->uncompressedSize);

    // Zip-level faults refuse even the raw bytes.
    ZipMember crc = { "w.npy", goodNpy({ 1 }) };
    crc.crc = 1;
    auto damaged = NpzArchive::openBytes(buildZip({ crc }), kArchiveName);
    QVERIFY(damaged.ok());
    QVERIFY((*damaged)->readRawNpy(QStringLiteral("w")).error().reason.contains(u"CRC mismatch"));
}

void NpzArchiveTest::progressAndCancel()
{
    const QByteArray header = "{'descr': '<f8', 'fortran_order': False, 'shape': (8388608,), }";
    const QByteArray content = npyBytes(header, QByteArray(64 << 20, '\x01'));
    auto archive = NpzArchive::openBytes(buildZip({ { "big.npy", content, true }, good() }), kArchiveName);
    QVERIFY(archive.ok());

    qint64 calls = 0;
    auto read = (*archive)->read(QStringLiteral("big"), [&](qint64 done, qint64 total) {
        ++calls;
        return done < total / 2;
    });
    QVERIFY(!read.ok());
    QVERIFY(read.error().reason.contains(u"cancelled"));
    QVERIFY(calls >= 2);

    auto full = (*archive)->read(QStringLiteral("big"), [](qint64, qint64) { return true; });
    QVERIFY(full.ok());
    QCOMPARE(full->size(), qint64(8388608));
    verifyGoodMember(*archive.value());

    // Checking the member through reports progress over its inflated size and can be cancelled too.
    qint64 last = 0;
    auto stopped = (*archive)->verify(0, [&](qint64 done, qint64 total) {
        last = done;
        return done < total / 2;
    });
    QVERIFY(!stopped.ok());
    QVERIFY(stopped.error().reason.contains(u"cancelled"));
    QVERIFY(last >= content.size() / 2 && last < content.size());
    QVERIFY((*archive)->verify(0).ok());
}

void NpzArchiveTest::survivesMutations_data()
{
    QTest::addColumn<QString>("file");
    QTest::newRow("stored zoo") << "generic/dtype_zoo.npz";
    QTest::newRow("deflated zoo") << "generic/dtype_zoo_compressed.npz";
    QTest::newRow("npy version 3") << "generic/version3_utf8_fields.npy";
}

void NpzArchiveTest::survivesMutations()
{
    // Damaged copies of real files (bytes overwritten, cut short, grown) never crash the reader: each opens
    // with its faults on the members or fails with a reason, and whatever reads has the size its header says.
    QFETCH(QString, file);
    QFile source(QStringLiteral(NEMOSCOPE_TEST_DATA "/") + file);
    QVERIFY(source.open(QIODevice::ReadOnly));
    const QByteArray original = source.readAll();

    quint32 state = 12345;
    const auto next = [&state] {
        state = state * 1664525u + 1013904223u;
        return state >> 8;
    };
    int opened = 0;
    for (int round = 0; round < 400; ++round) {
        QByteArray bytes = original;
        const int edits = 1 + int(next() % 4);
        for (int e = 0; e < edits; ++e) {
            const qsizetype at = qsizetype(next() % quint32(bytes.size()));
            switch (next() % 4) {
            case 0:
                bytes[at] = char(next());
                break;
            case 1:
                bytes[at] = char(bytes[at] ^ (1 << (next() % 8)));
                break;
            case 2:
                bytes.truncate(qMax<qsizetype>(1, at));
                break;
            default:
                bytes[at] = char(0xff);
                break;
            }
        }
        auto archive = NpzArchive::openBytes(bytes, kArchiveName);
        if (!archive) {
            QCOMPARE(archive.error().file, kArchiveName);
            QVERIFY(!archive.error().reason.isEmpty());
            continue;
        }
        ++opened;
        for (qsizetype i = 0; i < qsizetype((*archive)->members().size()); ++i) {
            auto array = (*archive)->readAt(i);
            if (!array) {
                QCOMPARE(array.error().file, kArchiveName);
                QVERIFY(!array.error().reason.isEmpty());
                continue;
            }
            QCOMPARE(array->size(), (*archive)->members()[i].header->elementCount());
            if (array->size() > 0)
                array->displayText(array->size() - 1);
        }
    }
    QVERIFY(opened > 0);
}

QTEST_GUILESS_MAIN(NpzArchiveTest)
#include "tst_npzarchive.moc"
