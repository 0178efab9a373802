// The archive reader (NpzArchive) on every hostile file of make_hostile.py: a file that is not an archive
// at all fails open() with the file named; a bad member is refused with its name and reason while every
// good member of the same archive still reads, with the right values. The decompression bomb is refused
// without inflating it, and 100,000 members list.
#include "hostilefiles.h"
#include "npy/npzarchive.h"

#include <QElapsedTimer>
#include <QFileInfo>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <sys/resource.h>

using namespace nemoscope;
using nemoscope::hostile::HostileCase;

namespace {

long peakRssKb()
{
    rusage usage {};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
}

// good.npy in every hostile archive holds np.arange(5, dtype='<i8').
void verifyGoodMember(const npy::NpzArchive& archive, const QString& name)
{
    const npy::NpzMember* member = archive.member(name);
    QVERIFY2(member, qPrintable(name + QStringLiteral(" is not listed")));
    QVERIFY2(member->isReadable(), qPrintable(member->error ? member->error->message() : name));
    const Result<npy::NdArray> array = archive.read(name);
    QVERIFY2(array.ok(), array.ok() ? "" : qPrintable(array.error().message()));
    if (name != QLatin1String("good"))
        return;
    QCOMPARE(array->shape(), std::vector<qint64> { 5 });
    for (qint64 i = 0; i < 5; ++i)
        QCOMPARE(array->toInt64(i), i);
}

} // namespace

class TestHostileCore : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void bombIsRefusedWithoutInflating_data();
    void bombIsRefusedWithoutInflating();
    void hostileFile_data();
    void hostileFile();
    void exactReasons_data();
    void exactReasons();
    void manyMembers();

private:
    QTemporaryDir m_dir;
    QList<HostileCase> m_cases;
};

void TestHostileCore::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QString error;
    m_cases = hostile::generateHostileFiles(m_dir.path(), true, &error);
    QVERIFY2(!m_cases.isEmpty(), qPrintable(error));
}

void TestHostileCore::bombIsRefusedWithoutInflating_data()
{
    QTest::addColumn<QString>("file");
    QTest::newRow("zip sizes honest") << QStringLiteral("bomb_honest_sizes.npz");
    QTest::newRow("zip sizes lie") << QStringLiteral("bomb_lying_sizes.npz");
}

void TestHostileCore::bombIsRefusedWithoutInflating()
{
    QFETCH(QString, file);
    const long before = peakRssKb();
    QElapsedTimer timer;
    timer.start();

    // 80 promised bytes over 600 MB of zeros: listed, refused on reading (or at listing), and the good
    // member next to it reads. Memory must not grow by anything like the inflated size.
    const Result<std::shared_ptr<npy::NpzArchive>> archive = npy::NpzArchive::open(m_dir.filePath(file));
    QVERIFY2(archive.ok(), archive.ok() ? "" : qPrintable(archive.error().message()));
    const Result<npy::NdArray> bomb = archive.value()->read(QStringLiteral("bomb"));
    QVERIFY(!bomb.ok());
    QCOMPARE(bomb.error().member, QStringLiteral("bomb.npy"));
    QVERIFY2(bomb.error().file.endsWith(file), qPrintable(bomb.error().message()));
    QVERIFY(!bomb.error().reason.isEmpty());
    verifyGoodMember(*archive.value(), QStringLiteral("good"));

    const long grownMb = (peakRssKb() - before) / 1024;
    QVERIFY2(grownMb < 128, qPrintable(QStringLiteral("peak memory grew by %1 MB").arg(grownMb)));
    QVERIFY2(timer.elapsed() < 30000, qPrintable(QString::number(timer.elapsed())));
    qInfo("%s: %s", qPrintable(file), qPrintable(bomb.error().reason));

    // The raw bytes (what a save carries over) stop where the zip headers say the member ends. When they
    // lie, the stream running past them is refused; when they are honest, the 600 MB are what the member
    // holds, and reading them raw is bounded by deflate's ratio, not refused.
    if (file.contains(QLatin1String("lying"))) {
        const Result<QByteArray> raw = archive.value()->readRawNpy(QStringLiteral("bomb"));
        QVERIFY(!raw.ok());
        QVERIFY2(raw.error().reason.contains(QLatin1String("runs past")), qPrintable(raw.error().message()));
    }
}

void TestHostileCore::hostileFile_data()
{
    QTest::addColumn<HostileCase>("hostile");
    for (const HostileCase& c : std::as_const(m_cases)) {
        if (c.exits != QList<int> { 0 } && !QFileInfo(c.file).fileName().startsWith(QLatin1String("bomb")))
            QTest::newRow(qPrintable(QFileInfo(c.file).fileName())) << c;
    }
}

void TestHostileCore::hostileFile()
{
    QFETCH(HostileCase, hostile);
    const QRegularExpression reason(hostile.reason, QRegularExpression::CaseInsensitiveOption);
    const Result<std::shared_ptr<npy::NpzArchive>> opened = npy::NpzArchive::open(hostile.file);

    // Not an archive at all: open() fails, naming the file and the reason.
    if (!opened.ok()) {
        QVERIFY2(hostile.exits.contains(2), qPrintable(opened.error().message()));
        QCOMPARE(opened.error().file, hostile.file);
        QVERIFY2(reason.match(opened.error().reason).hasMatch(), qPrintable(opened.error().message()));
        return;
    }
    QVERIFY2(hostile.exits.contains(3) || hostile.exits.contains(0),
        qPrintable(QStringLiteral("opened, but only these exits are expected: %1").arg(hostile.exits.size())));
    const npy::NpzArchive& archive = *opened.value();

    // The refused member carries its name, the file and the reason; reading it fails the same way.
    QStringList refused;
    bool found = false;
    for (qsizetype i = 0; i < qsizetype(archive.members().size()); ++i) {
        const npy::NpzMember& member = archive.members()[size_t(i)];
        const Result<npy::NdArray> read = archive.readAt(i);
        if (!member.error && read.ok())
            continue;
        const Error error = member.error ? *member.error : read.error();
        refused << error.member + QStringLiteral(": ") + error.reason;
        QCOMPARE(error.file, hostile.file);
        QVERIFY(!read.ok());
        if ((hostile.anyBadMember || hostile.badMembers.contains(member.name))
            && reason.match(error.reason).hasMatch()) {
            QCOMPARE(error.member, member.entryName);
            found = true;
        }
    }
    if (hostile.anyBadMember || !hostile.badMembers.isEmpty())
        QVERIFY2(found, qPrintable(QStringLiteral("refused: ") + refused.join(QStringLiteral("; "))));
    else if (!hostile.exits.contains(0))
        QVERIFY2(!refused.isEmpty() && reason.match(refused.join(QLatin1Char('\n'))).hasMatch(),
            qPrintable(refused.join(QStringLiteral("; "))));

    // The good members of the same archive read, with their values.
    for (const QString& good : std::as_const(hostile.goodMembers))
        verifyGoodMember(archive, good);
}

void TestHostileCore::exactReasons_data()
{
    // The reason a user reads, word for word, for one case of each kind. An empty member: open() fails.
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("member");
    QTest::addColumn<QString>("reason");

    QTest::newRow("not a zip") << "zip_not_a_zip.npz"
                               << ""
                               << "not an .npz or .npy file: it starts with neither the zip nor the NumPy magic";
    QTest::newRow("zero bytes") << "zip_zero_bytes.npz"
                                << ""
                                << "the file is empty (0 bytes): not an .npz or .npy";
    QTest::newRow("truncated") << "zip_truncated_half.npz"
                               << ""
                               << "truncated or damaged zip archive: the end of central directory record is missing";
    QTest::newRow("central directory outside")
        << "zip_cd_outside_file.npz"
        << ""
        << "truncated or damaged zip archive: the central directory (54 bytes at 1000206) lies outside the file";
    QTest::newRow("entry count lies")
        << "zip_entry_count_lies.npz"
        << ""
        << "damaged zip archive: 65000 entries cannot fit in a central directory of 54 bytes";
    QTest::newRow("bad magic") << "npy_bad_magic.npz"
                               << "bad.npy"
                               << "not an .npy: the NumPy magic \\x93NUMPY is missing";
    QTest::newRow("version 4.0") << "npy_version_4_0.npz"
                                 << "bad.npy"
                                 << "unsupported .npy format version 4.0 (1.0, 2.0 and 3.0 are known)";
    QTest::newRow("header over the limit") << "npy_header_over_limit.npz"
                                           << "bad.npy"
                                           << "header of 12084 bytes exceeds the limit of 10000 bytes";
    QTest::newRow("call in header")
        << "npy_call_in_descr.npz"
        << "bad.npy"
        << "header is not a valid Python literal at character 10: a name or call (__import__) is not a literal";
    QTest::newRow("extra key") << "npy_extra_key.npz"
                               << "bad.npy"
                               << "header has an unexpected key 'evil' (expected descr, fortran_order and shape)";
    QTest::newRow("duplicate key") << "npy_duplicate_key.npz"
                                   << "bad.npy"
                                   << "header has the key 'descr' twice";
    QTest::newRow("huge itemsize")
        << "npy_huge_void_itemsize.npz"
        << "bad.npy"
        << "dtype '|V9223372036854775807' is not understood: an item size over 2147483647 bytes";
    QTest::newRow("negative dim") << "npy_negative_dim.npz"
                                  << "bad.npy"
                                  << "shape holds the negative dimension -1";
    QTest::newRow("dims times itemsize overflow") << "npy_dims_times_itemsize_overflow.npz"
                                                  << "bad.npy"
                                                  << "2305843009213693952 elements of 8 bytes overflow 64 bits";
    QTest::newRow("one byte short") << "npy_data_one_byte_short_deflated.npz"
                                    << "bad.npy"
                                    << "header promises 24 bytes of data, the member holds 23";
    QTest::newRow("trailing data") << "npy_trailing_data.npz"
                                   << "bad.npy"
                                   << "the member holds 1 bytes after the 24 bytes of data its header promises";
    QTest::newRow("object dtype, deflated") << "npy_object_dtype_deflated.npz"
                                            << "bad.npy"
                                            << "object array: it holds a Python pickle, which Nemoscope does not run";
    QTest::newRow("CRC mismatch") << "zip_crc_mismatch.npz"
                                  << "bad.npy"
                                  << "CRC mismatch: the member's bytes are damaged";
    QTest::newRow("headers disagree on sizes") << "zip_headers_disagree_size.npz"
                                               << "bad.npy"
                                               << "the member's local and central headers disagree on its CRC or sizes";
    QTest::newRow("dot-dot name") << "zip_dotdot_name.npz"
                                  << "../../evil.npy"
                                  << "the member name climbs out of the archive with '..'";
    QTest::newRow("bzip2") << "zip_method_bzip2.npz"
                           << "bad.npy"
                           << "compression method 12 is not supported (only stored and deflated)";
    QTest::newRow("encrypted") << "zip_encrypted.npz"
                               << "bad.npy"
                               << "the member is encrypted, which is not supported";
    QTest::newRow("overlapping") << "zip_overlapping_entries.npz"
                                 << "inner.npy"
                                 << "the member's data overlaps member 'outer.npy'";
}

void TestHostileCore::exactReasons()
{
    QFETCH(QString, file);
    QFETCH(QString, member);
    QFETCH(QString, reason);

    const QString path = m_dir.filePath(file);
    const Result<std::shared_ptr<npy::NpzArchive>> opened = npy::NpzArchive::open(path);
    if (member.isEmpty()) {
        QVERIFY(!opened.ok());
        QCOMPARE(opened.error().file, path);
        QCOMPARE(opened.error().reason, reason);
        return;
    }

    QVERIFY2(opened.ok(), opened.ok() ? "" : qPrintable(opened.error().message()));
    const npy::NpzArchive& archive = *opened.value();
    // Refused at listing, or (a CRC, checked only when the data is read) on reading.
    const auto it = std::find_if(archive.members().begin(), archive.members().end(),
        [&](const npy::NpzMember& m) { return m.entryName == member && (m.error || !archive.read(m.name).ok()); });
    QVERIFY2(it != archive.members().end(), qPrintable(member + QStringLiteral(" is not refused")));
    const Error error = it->error ? *it->error : archive.read(it->name).error();
    QCOMPARE(error.file, path);
    QCOMPARE(error.member, member);
    QCOMPARE(error.reason, reason);
    QCOMPARE(error.message(), path + QStringLiteral(": ") + member + QStringLiteral(": ") + reason);
}

void TestHostileCore::manyMembers()
{
    QElapsedTimer timer;
    timer.start();
    const Result<std::shared_ptr<npy::NpzArchive>> archive
        = npy::NpzArchive::open(m_dir.filePath(QStringLiteral("many_members.npz")));
    QVERIFY2(archive.ok(), archive.ok() ? "" : qPrintable(archive.error().message()));
    QCOMPARE(archive.value()->members().size(), size_t(100000));
    QVERIFY(archive.value()->allReadable());
    QCOMPARE(archive.value()->names().last(), QStringLiteral("m099999"));
    const Result<npy::NdArray> last = archive.value()->read(QStringLiteral("m099999"));
    QVERIFY(last.ok());
    QCOMPARE(last->toDouble(qint64(0)), 1.5);

    // A hang guard, not a speed test (the benchmark measures speed).
    QVERIFY2(timer.elapsed() < 30000, qPrintable(QString::number(timer.elapsed())));
}

QTEST_GUILESS_MAIN(TestHostileCore)
#include "tst_hostilecore.moc"
