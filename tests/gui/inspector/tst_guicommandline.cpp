// The window's command line, run as a user would: --help, --version, and --screenshot of the start page
// and of files, on the offscreen platform.

#include <QImage>
#include <QProcess>
#include <QProcessEnvironment>
#include <QTemporaryDir>
#include <QTest>

class TestGuiCommandLine : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void helpNamesTheWindowAndTheHeadlessCommands();
    void versionPrintsTheVersion();
    void screenshot_data();
    void screenshot();
    void screenshotOfAnUnreadableFileShowsTheError();
    void badSizeIsRefused();

private:
    // Runs the binary on the offscreen platform, or with no display at all (a terminal over ssh).
    QProcess* run(const QStringList& arguments, bool display = true);

    QTemporaryDir m_temp;
    std::unique_ptr<QProcess> m_process;
};

void TestGuiCommandLine::initTestCase()
{
    QVERIFY(m_temp.isValid());
}

QProcess* TestGuiCommandLine::run(const QStringList& arguments, bool display)
{
    m_process = std::make_unique<QProcess>();
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    if (display) {
        environment.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    } else {
        for (const char* name : { "QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY" })
            environment.remove(QLatin1String(name));
    }
    environment.insert(QStringLiteral("XDG_CONFIG_HOME"), m_temp.filePath(QStringLiteral("config")));
    environment.insert(QStringLiteral("XDG_CACHE_HOME"), m_temp.filePath(QStringLiteral("cache")));
    m_process->setProcessEnvironment(environment);
    m_process->start(QStringLiteral(NEMOSCOPE_BINARY), arguments);
    if (!m_process->waitForFinished(90000))
        m_process->kill();
    return m_process.get();
}

void TestGuiCommandLine::helpNamesTheWindowAndTheHeadlessCommands()
{
    // Answered in a terminal without a display.
    QProcess* process = run({ QStringLiteral("--help") }, false);
    QCOMPARE(process->exitStatus(), QProcess::NormalExit);
    QCOMPARE(process->exitCode(), 0);
    const QString help = QString::fromUtf8(process->readAllStandardOutput());
    for (const char* word :
        { "--screenshot", "--version", "FILE", "nemoscope inspect", "nemoscope edit", "nemoscope fit" })
        QVERIFY2(help.contains(QLatin1String(word)), word);
}

void TestGuiCommandLine::versionPrintsTheVersion()
{
    QProcess* process = run({ QStringLiteral("--version") }, false);
    QCOMPARE(process->exitCode(), 0);
    QVERIFY(QString::fromUtf8(process->readAllStandardOutput()).contains(QStringLiteral("0.1.0")));
}

void TestGuiCommandLine::screenshot_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QSize>("size");
    QTest::newRow("start page") << QStringList() << QSize(1200, 760);
    QTest::newRow("nemos file, coef_ selected") << QStringList(
        { QStringLiteral(NEMOSCOPE_TEST_DATA "/nemos/ridge_glm_params_fitted.npz"), QStringLiteral("--select"),
            QStringLiteral("coef_") }) << QSize(1200, 760);
    QTest::newRow("plain archive, custom size") << QStringList(
        { QStringLiteral(NEMOSCOPE_TEST_DATA "/generic/dtype_zoo.npz"), QStringLiteral("--size"),
            QStringLiteral("900x600") }) << QSize(900, 600);
}

void TestGuiCommandLine::screenshot()
{
    QFETCH(QStringList, arguments);
    QFETCH(QSize, size);
    const QString png = m_temp.filePath(
        QStringLiteral("%1.png").arg(QTest::currentDataTag()).replace(QLatin1Char(' '), QLatin1Char('_')));
    QProcess* process = run(arguments + QStringList({ QStringLiteral("--screenshot"), png }));
    QVERIFY2(process->exitCode() == 0, process->readAllStandardError().constData());

    const QImage image(png);
    QVERIFY(!image.isNull());
    QCOMPARE(image.size(), size);

    // Not a blank picture: a window has many colours.
    QSet<QRgb> colours;
    for (int y = 0; y < image.height(); y += 7) {
        for (int x = 0; x < image.width(); x += 7)
            colours.insert(image.pixel(x, y));
    }
    QVERIFY2(colours.size() > 20, qPrintable(QString::number(colours.size())));
}

void TestGuiCommandLine::screenshotOfAnUnreadableFileShowsTheError()
{
    const QString png = m_temp.filePath(QStringLiteral("error.png"));
    const QString startPng = m_temp.filePath(QStringLiteral("start.png"));
    QProcess* process
        = run({ QStringLiteral(NEMOSCOPE_TEST_DATA "/malformed/not_a_zip.npz"), QStringLiteral("--screenshot"), png });
    QCOMPARE(process->exitCode(), 0);
    QVERIFY(QString::fromUtf8(process->readAllStandardError()).contains(QStringLiteral("not_a_zip.npz")));
    run({ QStringLiteral("--screenshot"), startPng });

    // The start page with the error dialog drawn over it.
    const QImage error(png);
    const QImage start(startPng);
    QCOMPARE(error.size(), start.size());
    QVERIFY(error != start);
}

void TestGuiCommandLine::badSizeIsRefused()
{
    QProcess* process = run({ QStringLiteral("--screenshot"), m_temp.filePath(QStringLiteral("x.png")),
        QStringLiteral("--size"), QStringLiteral("big") });
    QVERIFY(process->exitCode() != 0);
    QVERIFY(QString::fromUtf8(process->readAllStandardError()).contains(QStringLiteral("--size")));
}

QTEST_GUILESS_MAIN(TestGuiCommandLine)
#include "tst_guicommandline.moc"
