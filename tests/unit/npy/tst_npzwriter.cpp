// The writer: what it writes reads back identically (stored, deflated, Fortran order, views, raw members kept),
// ZIP64 end records for very many members, and failed saves that leave the original file untouched.

#include "npy/npyheader.h"
#include "npy/npzarchive.h"
#include "npy/npzwriter.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace nemoscope;
using namespace nemoscope::npy;

Q_DECLARE_METATYPE(nemoscope::npy::Compression)

namespace {

QByteArray fileBytes(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

NdArray ramp(const std::vector<qint64>& shape, bool fortran = false)
{
    const qint64 count = checkedElementCount(shape).value();
    QByteArray bytes;
    for (qint64 i = 0; i < count; ++i) {
        const double value = double(i) + 0.25;
        bytes.append(reinterpret_cast<const char*>(&value), sizeof value);
    }
    return NdArray::fromBytes(DType::float64(), shape, bytes, fortran).value();
}

} // namespace

class NpzWriterTest : public QObject
{
    Q_OBJECT

private slots:
    void encodeNpyMatchesHeader();
    void roundTrip_data();
    void roundTrip();
    void keepsRawMembers();
    void manyMembersUseZip64();
    void failedSaveLeavesOriginal_data();
    void failedSaveLeavesOriginal();
    void unwritableTarget();
};

void NpzWriterTest::encodeNpyMatchesHeader()
{
    const NdArray array = ramp({ 2, 3 });
    const QByteArray npy = encodeNpy(array);
    auto header = parseNpyHeader(npy);
    QVERIFY(header.ok());
    QCOMPARE(header->dataOffset, qint64(128));
    QCOMPARE(header->shape, (std::vector<qint64> { 2, 3 }));
    QVERIFY(!header->fortranOrder);
    QCOMPARE(npy.mid(header->dataOffset), array.toCOrderBytes());
    QVERIFY(npy.startsWith(
        QByteArray("\x93NUMPY\x01\x00\x76\x00{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", 67)));

    // Fortran-contiguous arrays keep their layout, as np.save does.
    const QByteArray fortran = encodeNpy(ramp({ 2, 3 }, true));
    QVERIFY(parseNpyHeader(fortran)->fortranOrder);
}

void NpzWriterTest::roundTrip_data()
{
    QTest::addColumn<Compression>("compression");
    QTest::newRow("stored") << Compression::Stored;
    QTest::newRow("deflated") << Compression::Deflated;
}

void NpzWriterTest::roundTrip()
{
    QFETCH(Compression, compression);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("model.npz"));

    const NdArray cube = ramp({ 2, 3, 4 });
    const NdArray slice = cube.view2D(2, 0, { 0, 1, 0 }).value(); // strided: written in C order
    std::vector<NpzEntry> entries {
        { QStringLiteral("coef_"), ramp({ 5, 3 }), {} },
        { QStringLiteral("fortran"), ramp({ 3, 2 }, true), {} },
        { QStringLiteral("slice"), slice, {} },
        { QStringLiteral("solver_name"), NdArray::fromString(QStringLiteral("LBFGS")), {} },
        { QStringLiteral("dict::strkey:regularizer"), NdArray::fromDouble(0.5), {} },
        { QStringLiteral("empty"), ramp({ 0, 4 }), {} },
    };
    auto written = writeNpz(path, entries, compression);
    QVERIFY2(written.ok(), written ? "" : qPrintable(written.error().message()));

    auto archive = NpzArchive::open(path);
    QVERIFY(archive.ok());
    QCOMPARE((*archive)->names(),
        (QStringList { QStringLiteral("coef_"), QStringLiteral("fortran"), QStringLiteral("slice"),
            QStringLiteral("solver_name"), QStringLiteral("dict::strkey:regularizer"), QStringLiteral("empty") }));
    QVERIFY((*archive)->allReadable());
    for (const NpzEntry& entry : entries) {
        const NpzMember* member = (*archive)->member(entry.name);
        QCOMPARE(member->entryName, entry.name + QStringLiteral(".npy"));
        QCOMPARE(member->compressed, compression == Compression::Deflated);
        auto array = (*archive)->read(entry.name);
        QVERIFY2(array.ok(), array ? "" : qPrintable(array.error().message()));
        QVERIFY2(array.value() == entry.array, qPrintable(entry.name));
    }
    QVERIFY((*archive)->member(QStringLiteral("fortran"))->header->fortranOrder);
    QCOMPARE((*archive)->read(QStringLiteral("slice"))->shape(), (std::vector<qint64> { 4, 2 }));
    QCOMPARE((*archive)->read(QStringLiteral("slice"))->toDouble(1), 12 + 4 + 0.25);

    // Writing over an existing file replaces it whole.
    auto again = writeNpz(path, { { QStringLiteral("only"), NdArray::fromInt64(7), {} } }, compression);
    QVERIFY(again.ok());
    auto replaced = NpzArchive::open(path);
    QCOMPARE((*replaced)->names(), QStringList { QStringLiteral("only") });
    QCOMPARE((*replaced)->read(QStringLiteral("only"))->scalarInt(), qint64(7));
}

void NpzWriterTest::keepsRawMembers()
{
    // A member Nemoscope refuses to read (a pickle) is carried over byte for byte and still refused.
    auto source = NpzArchive::open(QStringLiteral(NEMOSCOPE_TEST_DATA "/malformed/pickled_object.npz"));
    QVERIFY(source.ok());
    auto raw = (*source)->readRawNpy(QStringLiteral("payload"));
    QVERIFY(raw.ok());

    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("kept.npz"));
    auto written = writeNpz(path,
        { { QStringLiteral("payload"), NdArray(), raw.value() },
            { QStringLiteral("ok"), (*source)->read(QStringLiteral("ok")).value(), {} } },
        Compression::Deflated);
    QVERIFY(written.ok());
    auto kept = NpzArchive::open(path);
    QVERIFY(kept.ok());
    QVERIFY((*kept)->member(QStringLiteral("payload"))->error->reason.contains(u"pickle"));
    QCOMPARE((*kept)->readRawNpy(QStringLiteral("payload")).value(), raw.value());
    QCOMPARE((*kept)->read(QStringLiteral("ok"))->toDouble(2), 2.0);
}

void NpzWriterTest::manyMembersUseZip64()
{
    // More than 65535 members need the ZIP64 end record; reading it back finds every one.
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("many.npz"));
    std::vector<NpzEntry> entries;
    const int count = 70000;
    for (int i = 0; i < count; ++i)
        entries.push_back({ QStringLiteral("m%1").arg(i), NdArray::fromInt64(i), {} });
    QVERIFY(writeNpz(path, entries).ok());

    auto archive = NpzArchive::open(path);
    QVERIFY2(archive.ok(), archive ? "" : qPrintable(archive.error().message()));
    QCOMPARE(int((*archive)->members().size()), count);
    QVERIFY((*archive)->allReadable());
    QCOMPARE((*archive)->read(QStringLiteral("m69999"))->scalarInt(), qint64(69999));
}

void NpzWriterTest::failedSaveLeavesOriginal_data()
{
    QTest::addColumn<std::vector<NpzEntry>>("entries");
    QTest::addColumn<QString>("member");
    QTest::addColumn<QString>("reason");
    QTest::newRow("duplicate names") << std::vector<NpzEntry> { { QStringLiteral("a"), NdArray::fromInt64(1), {} },
        { QStringLiteral("a"), NdArray::fromInt64(2), {} } }
                                     << "a"
                                     << "two members have this name";
    QTest::newRow("empty name") << std::vector<NpzEntry> { { QString(), NdArray::fromInt64(1), {} } } << ""
                                << "empty name";
    QTest::newRow("nothing to write") << std::vector<NpzEntry> { { QStringLiteral("b"), NdArray(), {} } } << "b"
                                      << "neither an array nor .npy bytes";
}

void NpzWriterTest::failedSaveLeavesOriginal()
{
    QFETCH(std::vector<NpzEntry>, entries);
    QFETCH(QString, member);
    QFETCH(QString, reason);

    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("original.npz"));
    QVERIFY(writeNpz(path, { { QStringLiteral("keep"), ramp({ 3 }), {} } }).ok());
    const QByteArray before = fileBytes(path);

    auto written = writeNpz(path, entries);
    QVERIFY(!written.ok());
    QCOMPARE(written.error().file, path);
    QCOMPARE(written.error().member, member);
    QVERIFY2(written.error().reason.contains(reason), qPrintable(written.error().reason));
    QCOMPARE(fileBytes(path), before);
}

void NpzWriterTest::unwritableTarget()
{
    QTemporaryDir dir;
    const QString missing = dir.filePath(QStringLiteral("no/such/folder/out.npz"));
    auto written = writeNpz(missing, { { QStringLiteral("a"), NdArray::fromInt64(1), {} } });
    QVERIFY(!written.ok());
    QCOMPARE(written.error().file, missing);
    QVERIFY(written.error().reason.startsWith(u"cannot write the file"));
    QVERIFY(!QFile::exists(missing));

    // A folder where the file should be.
    auto folder = writeNpy(dir.path(), NdArray::fromInt64(1));
    QVERIFY(!folder.ok());
    QCOMPARE(folder.error().file, dir.path());
    QVERIFY(!writeNpy(dir.filePath(QStringLiteral("x.npy")), NdArray()).ok());
}

QTEST_GUILESS_MAIN(NpzWriterTest)
#include "tst_npzwriter.moc"
