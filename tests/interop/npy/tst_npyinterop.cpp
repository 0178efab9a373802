// Interoperability of the npy/npz engine with NumPy itself: every array of a dtype zoo that NumPy writes with
// np.savez, np.savez_compressed and np.save reads back bit for bit; everything Nemoscope writes, NumPy loads
// with allow_pickle=False bit for bit, and Nemoscope's .npy files equal np.save's byte for byte.

#include "npy/npzarchive.h"
#include "npy/npzwriter.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace nemoscope;
using namespace nemoscope::npy;

namespace {

struct PythonRun
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

PythonRun runPython(const QStringList& arguments)
{
    QProcess process;
    process.start(
        QStringLiteral(NEMOSCOPE_PYTHON), QStringList { QStringLiteral(NEMOSCOPE_NPY_ZOO_SCRIPT) } + arguments);
    PythonRun run;
    if (!process.waitForFinished(120000))
        return run;
    run.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    run.out = process.readAllStandardOutput();
    run.err = process.readAllStandardError();
    return run;
}

// Asserts that what Nemoscope read matches NumPy's description of the array: dtype, shape, order, bytes.
void compareWithNumpy(const NpzMember& member, const NdArray& array, const QJsonObject& expected)
{
    QVERIFY(member.header.has_value());
    QCOMPARE(member.header->dtype.descrJson(), expected.value(u"descr"));
    QJsonArray shape;
    for (const qint64 dim : array.shape())
        shape.append(double(dim));
    QCOMPARE(shape, expected.value(u"shape").toArray());
    QCOMPARE(member.header->fortranOrder, expected.value(u"fortran_order").toBool());
    QCOMPARE(array.dtype().descrJson(), expected.value(u"descr"));
    QCOMPARE(QString::fromLatin1(array.toCOrderBytes().toHex()), expected.value(u"hex").toString());
}

} // namespace

class NpyInteropTest : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void numpyWritesNemoscopeReads_data();
    void numpyWritesNemoscopeReads();
    void nemoscopeWritesNumpyReads();
    void genericFixtures_data();
    void genericFixtures();

private:
    QTemporaryDir m_dir;
    QJsonObject m_manifest;
};

void NpyInteropTest::initTestCase()
{
    QVERIFY(m_dir.isValid());
    const PythonRun made = runPython({ QStringLiteral("make"), m_dir.path() });
    QVERIFY2(made.exitCode == 0, made.err.constData());
    QFile manifest(m_dir.filePath(QStringLiteral("manifest.json")));
    QVERIFY(manifest.open(QIODevice::ReadOnly));
    m_manifest = QJsonDocument::fromJson(manifest.readAll()).object();
    QVERIFY(m_manifest.size() > 30);
}

void NpyInteropTest::numpyWritesNemoscopeReads_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("compressed");
    for (const QString& name : m_manifest.keys()) {
        QTest::addRow("savez/%s", qPrintable(name)) << QStringLiteral("zoo.npz") << name << false;
        QTest::addRow("savez_compressed/%s", qPrintable(name)) << QStringLiteral("zoo_compressed.npz") << name << true;
        QTest::addRow("save/%s", qPrintable(name)) << name + QStringLiteral(".npy") << name << false;
    }
}

void NpyInteropTest::numpyWritesNemoscopeReads()
{
    QFETCH(QString, file);
    QFETCH(QString, name);
    QFETCH(bool, compressed);

    auto archive = NpzArchive::open(m_dir.filePath(file));
    QVERIFY2(archive.ok(), archive ? "" : qPrintable(archive.error().message()));
    QCOMPARE((*archive)->kind(), file.endsWith(u".npy") ? ArchiveKind::Npy : ArchiveKind::Npz);
    const NpzMember* member = (*archive)->member(name);
    QVERIFY(member);
    QVERIFY2(!member->error, member->error ? qPrintable(member->error->message()) : "");
    QCOMPARE(member->compressed, compressed);

    auto array = (*archive)->read(name);
    QVERIFY2(array.ok(), array ? "" : qPrintable(array.error().message()));
    // Stored members are borrowed from the file mapping, never copied.
    QCOMPARE(array->isBorrowed(), !compressed);
    compareWithNumpy(*member, array.value(), m_manifest.value(name).toObject());
}

void NpyInteropTest::nemoscopeWritesNumpyReads()
{
    auto archive = NpzArchive::open(m_dir.filePath(QStringLiteral("zoo.npz")));
    QVERIFY(archive.ok());
    std::vector<NpzEntry> entries;
    for (const NpzMember& member : (*archive)->members()) {
        auto array = (*archive)->read(member.name);
        QVERIFY2(array.ok(), array ? "" : qPrintable(array.error().message()));
        entries.push_back({ member.name, array.value(), {} });
        auto single = writeNpy(m_dir.filePath(QStringLiteral("written_%1.npy").arg(member.name)), array.value());
        QVERIFY2(single.ok(), single ? "" : qPrintable(single.error().message()));
    }
    auto stored = writeNpz(m_dir.filePath(QStringLiteral("written.npz")), entries, Compression::Stored);
    QVERIFY2(stored.ok(), stored ? "" : qPrintable(stored.error().message()));
    auto deflated = writeNpz(m_dir.filePath(QStringLiteral("written_compressed.npz")), entries, Compression::Deflated);
    QVERIFY2(deflated.ok(), deflated ? "" : qPrintable(deflated.error().message()));

    const PythonRun checked = runPython({ QStringLiteral("check"), m_dir.path() });
    QVERIFY2(checked.exitCode == 0, QByteArray(checked.out + checked.err).constData());
    QVERIFY(checked.out.contains(" 0 problems"));

    // And Nemoscope reads its own deflated output back identically.
    auto reread = NpzArchive::open(m_dir.filePath(QStringLiteral("written_compressed.npz")));
    QVERIFY(reread.ok());
    for (const NpzEntry& entry : entries) {
        auto array = (*reread)->read(entry.name);
        QVERIFY2(array.ok(), array ? "" : qPrintable(array.error().message()));
        QVERIFY2(array.value() == entry.array, qPrintable(entry.name));
    }
}

void NpyInteropTest::genericFixtures_data()
{
    QTest::addColumn<QString>("path");
    const QDir generic(QStringLiteral(NEMOSCOPE_TEST_DATA "/generic"));
    const QStringList files
        = generic.entryList({ QStringLiteral("*.npz"), QStringLiteral("*.npy") }, QDir::Files, QDir::Name);
    QVERIFY(files.size() >= 8);
    for (const QString& file : files)
        QTest::newRow(qPrintable(file)) << generic.filePath(file);
}

void NpyInteropTest::genericFixtures()
{
    QFETCH(QString, path);
    const PythonRun dumped = runPython({ QStringLiteral("dump"), path });
    QVERIFY2(dumped.exitCode == 0, dumped.err.constData());
    const QJsonObject expected = QJsonDocument::fromJson(dumped.out).object();
    QVERIFY(!expected.isEmpty());

    auto archive = NpzArchive::open(path);
    QVERIFY2(archive.ok(), archive ? "" : qPrintable(archive.error().message()));
    QCOMPARE((*archive)->members().size(), std::size_t(expected.size()));
    QVERIFY((*archive)->allReadable());
    for (const QString& name : expected.keys()) {
        const NpzMember* member = (*archive)->member(name);
        QVERIFY2(member, qPrintable(name));
        auto array = (*archive)->read(name);
        QVERIFY2(array.ok(), array ? "" : qPrintable(array.error().message()));
        compareWithNumpy(*member, array.value(), expected.value(name).toObject());
        if (QTest::currentTestFailed())
            qWarning() << "member" << name;
    }
}

QTEST_GUILESS_MAIN(NpyInteropTest)
#include "tst_npyinterop.moc"
