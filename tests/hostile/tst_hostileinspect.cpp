// `nemoscope inspect` on every hostile file of make_hostile.py: it ends on its own within seconds
// with status 2 or 3, names the refused member and the reason, keeps the good members of the same
// archive readable, and its peak memory stays under 512 MB. Memory is the child's own peak
// resident size, read with wait4() by the hostile_rusage wrapper.
#include "hostilefiles.h"

#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using nemoscope::hostile::HostileCase;

namespace {

#ifdef NEMOSCOPE_SANITIZED
// AddressSanitizer's shadow memory and quarantine roughly triple what a process keeps resident.
constexpr long kMemoryLimitKb = 3 * 512 * 1024;
#else
constexpr long kMemoryLimitKb = 512 * 1024;
#endif
constexpr int kHangGuardSeconds = 60;

struct Run
{
    int exitCode = -1;
    int signal = 0;
    long maxRssKb = 0;
    qint64 milliseconds = 0;
    QByteArray out;
    QByteArray err;
};

Run runInspect(const QString& file, const QString& reportPath, bool json)
{
    QStringList arguments { reportPath, QString::number(kHangGuardSeconds), QStringLiteral(NEMOSCOPE_BINARY),
        QStringLiteral("inspect"), file };
    if (json)
        arguments << QStringLiteral("--json");

    Run run;
    QElapsedTimer timer;
    timer.start();
    QProcess process;
    process.start(QStringLiteral(NEMOSCOPE_HOSTILE_RUSAGE), arguments);
    process.waitForFinished((kHangGuardSeconds + 30) * 1000);
    run.milliseconds = timer.elapsed();
    run.out = process.readAllStandardOutput();
    run.err = process.readAllStandardError();

    QFile report(reportPath);
    if (report.open(QIODevice::ReadOnly)) {
        for (const QByteArray& line : report.readAll().split('\n')) {
            const QList<QByteArray> words = line.split(' ');
            if (words.size() != 2)
                continue;
            if (words[0] == "maxrss_kb")
                run.maxRssKb = words[1].toLong();
            else if (words[0] == "exit")
                run.exitCode = words[1].toInt();
            else if (words[0] == "signal")
                run.signal = words[1].toInt();
        }
    }
    return run;
}

QJsonObject memberNamed(const QJsonArray& members, const QString& name)
{
    for (const QJsonValue& member : members) {
        if (member.toObject().value(QStringLiteral("name")).toString() == name)
            return member.toObject();
    }
    return {};
}

} // namespace

class TestHostileInspect : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void inspectRefusesCleanly_data();
    void inspectRefusesCleanly();
    void textModeNamesMemberAndReason_data();
    void textModeNamesMemberAndReason();
    void textOutputEscapesControlCharacters();
    void manyMembersList();

private:
    QTemporaryDir m_dir;
    QList<HostileCase> m_cases;
};

void TestHostileInspect::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY(QFileInfo::exists(QStringLiteral(NEMOSCOPE_BINARY)));
    QString error;
    m_cases = nemoscope::hostile::generateHostileFiles(m_dir.path(), true, &error);
    QVERIFY2(!m_cases.isEmpty(), qPrintable(error));
}

void TestHostileInspect::inspectRefusesCleanly_data()
{
    QTest::addColumn<HostileCase>("hostile");
    for (const HostileCase& c : std::as_const(m_cases)) {
        if (c.exits != QList<int> { 0 })
            QTest::newRow(qPrintable(QFileInfo(c.file).fileName())) << c;
    }
}

void TestHostileInspect::inspectRefusesCleanly()
{
    QFETCH(HostileCase, hostile);
    const Run run = runInspect(hostile.file, m_dir.filePath(QStringLiteral("report.txt")), true);
    const QString err = QString::fromUtf8(run.err);

    // It ends by itself, quickly, without a crash, and within the memory bound.
    QVERIFY2(run.signal == 0,
        qPrintable(QStringLiteral("ended by signal %1 after %2 ms; stderr: %3")
                       .arg(run.signal)
                       .arg(run.milliseconds)
                       .arg(err.left(2000))));
    QVERIFY2(hostile.exits.contains(run.exitCode),
        qPrintable(QStringLiteral("exit %1; stderr: %2").arg(run.exitCode).arg(err.left(2000))));
    QVERIFY2(run.maxRssKb > 0 && run.maxRssKb < kMemoryLimitKb,
        qPrintable(QStringLiteral("peak memory %1 MB").arg(run.maxRssKb / 1024)));

    const QRegularExpression reason(hostile.reason, QRegularExpression::CaseInsensitiveOption);
    if (run.exitCode == 2) {
        // The one-line error names the file and says why.
        QVERIFY2(err.contains(QFileInfo(hostile.file).fileName()), qPrintable(err));
        QVERIFY2(reason.match(err).hasMatch(), qPrintable(err));
        return;
    }

    const QJsonDocument document = QJsonDocument::fromJson(run.out);
    QVERIFY2(document.isObject(), run.out.left(2000).constData());
    const QJsonArray members = document.object().value(QStringLiteral("members")).toArray();

    // One of the expected members (or, for unprintable names, some member) is refused for the reason.
    QStringList refused;
    bool found = false;
    for (const QJsonValue& value : members) {
        const QJsonObject member = value.toObject();
        const QString name = member.value(QStringLiteral("name")).toString();
        const QString error = member.value(QStringLiteral("error")).toString();
        if (member.value(QStringLiteral("error")).isNull())
            continue;
        refused << name + QStringLiteral(": ") + error;
        if ((hostile.anyBadMember || hostile.badMembers.contains(name)) && reason.match(error).hasMatch())
            found = true;
    }
    if (run.exitCode == 0) {
        // Allowed only where the fault shows when data is read (a CRC): nothing may be refused then.
        QVERIFY2(refused.isEmpty(), qPrintable(refused.join(QStringLiteral("; "))));
    } else if (!hostile.badMembers.isEmpty() || hostile.anyBadMember) {
        QVERIFY2(found, qPrintable(QStringLiteral("refused: ") + refused.join(QStringLiteral("; "))));
    } else if (run.exitCode == 3) {
        // A fault of the archive itself, reported next to members that are still listed.
        QVERIFY2(!refused.isEmpty() && reason.match(refused.join(QLatin1Char('\n'))).hasMatch(),
            qPrintable(refused.join(QStringLiteral("; "))));
    }

    // The well-formed members of the same archive are still there, without error.
    for (const QString& good : std::as_const(hostile.goodMembers)) {
        const QJsonObject member = memberNamed(members, good);
        QVERIFY2(!member.isEmpty(), qPrintable(good + QStringLiteral(" is not listed")));
        QVERIFY2(member.value(QStringLiteral("error")).isNull(),
            qPrintable(good + QStringLiteral(": ") + member.value(QStringLiteral("error")).toString()));
    }
}

void TestHostileInspect::textModeNamesMemberAndReason_data()
{
    // The plain-text listing of archives with one refused member whose name prints as given.
    QTest::addColumn<HostileCase>("hostile");
    for (const HostileCase& c : std::as_const(m_cases)) {
        if (c.exits == QList<int> { 3 } && c.badMembers.size() == 1)
            QTest::newRow(qPrintable(QFileInfo(c.file).fileName())) << c;
    }
}

void TestHostileInspect::textModeNamesMemberAndReason()
{
    QFETCH(HostileCase, hostile);
    const Run run = runInspect(hostile.file, m_dir.filePath(QStringLiteral("report.txt")), false);
    QCOMPARE(run.signal, 0);
    QCOMPARE(run.exitCode, 3);

    // Some line of the output names the member and gives the reason.
    const QRegularExpression reason(hostile.reason, QRegularExpression::CaseInsensitiveOption);
    const QString output = QString::fromUtf8(run.out + '\n' + run.err);
    bool found = false;
    for (const QString& line : output.split(QLatin1Char('\n'))) {
        if (line.contains(hostile.badMembers.first()) && reason.match(line).hasMatch())
            found = true;
    }
    QVERIFY2(found, qPrintable(output.left(3000)));
}

void TestHostileInspect::textOutputEscapesControlCharacters()
{
    // A member named with terminal commands (set the title, clear the screen) and a right-to-left override:
    // listed, but written out as escapes so that the terminal neither obeys nor reorders them.
    const QString file = m_dir.filePath(QStringLiteral("zip_escape_sequence_name.npz"));
    const Run run = runInspect(file, m_dir.filePath(QStringLiteral("report.txt")), false);
    QCOMPARE(run.signal, 0);
    QVERIFY2(run.exitCode == 0 || run.exitCode == 3, qPrintable(QString::number(run.exitCode)));
    const QByteArray output = run.out + run.err;
    QVERIFY2(!output.contains('\x1b') && !output.contains('\x07'), output.toHex(' ').constData());
    QVERIFY(!QString::fromUtf8(output).contains(QChar(0x202e)));
    QVERIFY2(output.contains("\\x1b]0;pwned\\x07"), output.constData());
}

void TestHostileInspect::manyMembersList()
{
    const QString file = m_dir.filePath(QStringLiteral("many_members.npz"));
    QVERIFY(QFileInfo::exists(file));

    // A hang guard, not a speed test: listing 100,000 members must end well within this bound
    // even under the sanitizers. Speed itself is measured by the benchmark.
    const Run run = runInspect(file, m_dir.filePath(QStringLiteral("report.txt")), true);
    QCOMPARE(run.signal, 0);
    QCOMPARE(run.exitCode, 0);
    QVERIFY2(run.milliseconds < 30000, qPrintable(QString::number(run.milliseconds)));
    QVERIFY2(run.maxRssKb < kMemoryLimitKb, qPrintable(QString::number(run.maxRssKb / 1024)));

    const QJsonArray members = QJsonDocument::fromJson(run.out).object().value(QStringLiteral("members")).toArray();
    QCOMPARE(members.size(), 100000);
    QCOMPARE(members.first().toObject().value(QStringLiteral("name")).toString(), QStringLiteral("m000000"));
    QCOMPARE(members.last().toObject().value(QStringLiteral("name")).toString(), QStringLiteral("m099999"));
    for (const QJsonValue& member : members)
        QVERIFY(member.toObject().value(QStringLiteral("error")).isNull());
}

QTEST_GUILESS_MAIN(TestHostileInspect)
#include "tst_hostileinspect.moc"
