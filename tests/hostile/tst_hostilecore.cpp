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
    QCOMPARE(bomb.error().member, QStringLiteral("bomb"));
    QVERIFY2(bomb.error().file.endsWith(file), qPrintable(bomb.error().message()));
    QVERIFY(!bomb.error().reason.isEmpty());
    const Result<QByteArray> raw = archive.value()->readRawNpy(QStringLiteral("bomb"));
    QVERIFY(!raw.ok() || raw->size() < 1024 * 1024);
    verifyGoodMember(*archive.value(), QStringLiteral("good"));

    const long grownMb = (peakRssKb() - before) / 1024;
    QVERIFY2(grownMb < 128, qPrintable(QStringLiteral("peak memory grew by %1 MB").arg(grownMb)));
    QVERIFY2(timer.elapsed() < 30000, qPrintable(QString::number(timer.elapsed())));
    qInfo("%s: %s", qPrintable(file), qPrintable(bomb.error().reason));
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
        refused << error.message();
        QCOMPARE(error.file, hostile.file);
        QVERIFY(!read.ok());
        if ((hostile.anyBadMember || hostile.badMembers.contains(member.name))
            && reason.match(error.reason).hasMatch()) {
            QCOMPARE(error.member, member.name);
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
