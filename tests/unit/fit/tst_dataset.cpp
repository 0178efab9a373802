// Loading the data a model is fitted on: .npz and .npy through the npy engine, CSV with or without a header,
// the default choice of X and y, and the errors a user sees for unusable files.

#include "data/dataset.h"

#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

using namespace nemoscope;

class TestDataSet : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void npzDefaultsToCounts();
    void npzExplicitNames();
    void npyFiles();
    void csv_data();
    void csv();
    void csvErrors_data();
    void csvErrors();
    void choiceErrors();

private:
    QString write(const QString& name, const QByteArray& bytes);
    QTemporaryDir m_dir;
};

QString TestDataSet::write(const QString& name, const QByteArray& bytes)
{
    const QString path = m_dir.filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size())
        return {};
    return path;
}

void TestDataSet::initTestCase()
{
    QVERIFY(m_dir.isValid());
    // .npy files and an npz with a 1-D X and a 3-D member, written by NumPy itself.
    const QString script
        = QStringLiteral("import numpy as np, sys\n"
                         "d = sys.argv[1]\n"
                         "np.save(d + '/rates.npy', np.arange(6, dtype='<i4').reshape(3, 2))\n"
                         "np.save(d + '/fortran.npy', np.asfortranarray(np.arange(6.0).reshape(2, 3)))\n"
                         "np.savez(d + '/odd.npz', X=np.arange(4.0), y=np.ones(4), cube=np.zeros((2, 2, 2)),\n"
                         "         words=np.array(['a', 'b']), spikes=np.arange(8.0).reshape(4, 2))\n");
    QProcess python;
    python.start(QStringLiteral(NEMOSCOPE_PYTHON), { QStringLiteral("-c"), script, m_dir.path() });
    QVERIFY(python.waitForFinished(60000));
    QVERIFY2(python.exitCode() == 0, python.readAllStandardError().constData());
}

void TestDataSet::npzDefaultsToCounts()
{
    // The seed example holds X and counts: counts is the default y when there is no y.
    const auto set = data::loadDataFile(QStringLiteral(NEMOSCOPE_TEST_DATA "/data/seed_example.npz"));
    QVERIFY(set.ok());
    const auto names = data::defaultXY(*set);
    QVERIFY(names.ok());
    QCOMPARE(names->x, QStringLiteral("X"));
    QCOMPARE(names->y, QStringLiteral("counts"));

    const auto xy = data::selectXY(*set);
    QVERIFY(xy.ok());
    QCOMPARE(xy->X.rows(), 50);
    QCOMPARE(xy->X.cols(), 1);
    QCOMPARE(xy->Y.rows(), 50);
    QCOMPARE(xy->Y.cols(), 1);
    QVERIFY(xy->yWasOneDimensional);
    QVERIFY((xy->Y.array() >= 0).all());
}

void TestDataSet::npzExplicitNames()
{
    const auto xy = data::loadXY(
        QStringLiteral(NEMOSCOPE_TEST_DATA "/data/population_counts.npz"), QStringLiteral("X"), QStringLiteral("y"));
    QVERIFY(xy.ok());
    QCOMPARE(xy->Y.cols(), 3);
    QVERIFY(!xy->yWasOneDimensional);

    // y before spikes; a 1-D X is refused with the reshape hint.
    const QString odd = m_dir.filePath(QStringLiteral("odd.npz"));
    const auto set = data::loadDataFile(odd);
    QVERIFY(set.ok());
    QCOMPARE(data::defaultXY(*set)->y, QStringLiteral("y"));
    const auto oneD = data::selectXY(*set);
    QVERIFY(!oneD.ok());
    QCOMPARE(oneD.error().file, odd);
    QCOMPARE(oneD.error().member, QStringLiteral("X"));
    QVERIFY(oneD.error().reason.contains(QStringLiteral("reshape it to (n, 1)")));

    // A 3-D member and a text member cannot be model data.
    const auto cube = data::matrix(*set, QStringLiteral("cube"));
    QVERIFY(!cube.ok());
    QCOMPARE(cube.error().member, QStringLiteral("cube"));
    QVERIFY(cube.error().reason.contains(QStringLiteral("3-D")));
    const auto words = data::matrix(*set, QStringLiteral("words"));
    QVERIFY(!words.ok());
    QVERIFY(words.error().reason.contains(QStringLiteral("not numeric")));

    const auto spikes = data::selectXY(*set, QStringLiteral("spikes"), QStringLiteral("y"));
    QVERIFY(spikes.ok());
    QCOMPARE(spikes->X(3, 1), 7.0);
}

void TestDataSet::npyFiles()
{
    const auto set = data::loadDataFile(m_dir.filePath(QStringLiteral("rates.npy")));
    QVERIFY(set.ok());
    QCOMPARE(set->names(), QStringList { QStringLiteral("rates") });
    const auto m = data::matrix(*set, QStringLiteral("rates"));
    QVERIFY(m.ok());
    QCOMPARE(m->rows(), 3);
    QCOMPARE((*m)(2, 1), 5.0);

    const auto fortran = data::loadDataFile(m_dir.filePath(QStringLiteral("fortran.npy")));
    QVERIFY(fortran.ok());
    const auto f = data::matrix(*fortran, QStringLiteral("fortran"));
    QVERIFY(f.ok());
    QCOMPARE((*f)(1, 0), 3.0);
    QCOMPARE((*f)(0, 2), 2.0);
}

void TestDataSet::csv_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QString>("yName");
    QTest::addColumn<int>("xColumns");
    QTest::addColumn<double>("lastY");
    QTest::newRow("comma with header") << QByteArray("a,b,counts\n1,2,3\n4,5,6\n") << "counts" << 2 << 6.0;
    QTest::newRow("semicolon, CRLF") << QByteArray("a;y;b\r\n1;0;2\r\n4;1;5\r\n") << "y" << 2 << 1.0;
    QTest::newRow("tab with comment") << QByteArray("# rates\nx1\tx2\tspikes\n1\t2\t3\n4\t5\t7\n") << "spikes" << 2
                                      << 7.0;
    QTest::newRow("no header: last column is y") << QByteArray("1,2,3\n4,5,9\n") << "y" << 2 << 9.0;
    QTest::newRow("quoted header, NaN cell") << QByteArray("\"f\",\"y\"\n1,nan\n,2\n") << "y" << 1 << 2.0;
}

void TestDataSet::csv()
{
    QFETCH(QByteArray, text);
    QFETCH(QString, yName);
    QFETCH(int, xColumns);
    QFETCH(double, lastY);

    const QString path = write(QStringLiteral("table.csv"), text);
    const auto set = data::loadDataFile(path);
    QVERIFY2(set.ok(), qPrintable(set.ok() ? QString() : set.error().message()));
    QVERIFY(set->find(QStringLiteral("table")));
    const auto xy = data::selectXY(*set);
    QVERIFY2(xy.ok(), qPrintable(xy.ok() ? QString() : xy.error().message()));
    QCOMPARE(xy->yName, yName);
    QCOMPARE(xy->X.cols(), xColumns);
    QCOMPARE(xy->X.rows(), 2);
    QCOMPARE(xy->Y(1, 0), lastY);
    QVERIFY(xy->yWasOneDimensional);
}

void TestDataSet::csvErrors_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QString>("member");
    QTest::addColumn<QString>("reason");
    QTest::newRow("a word among numbers") << QByteArray("a,b\n1,2\n3,x7\n") << "line 3, column 2"
                                          << "'x7' is not a number";
    QTest::newRow("ragged row") << QByteArray("1,2,3\n4,5\n") << "line 2"
                                << "has 2 cells, expected 3";
    QTest::newRow("empty file") << QByteArray("\n\n") << ""
                                << "holds no data";
    QTest::newRow("header only") << QByteArray("X,y\n") << ""
                                 << "no data rows";
    QTest::newRow("binary") << QByteArray("ab\0cd", 5) << "line 1"
                            << "NUL byte";
    QTest::newRow("duplicate column") << QByteArray("y,y\n1,2\n") << "line 1"
                                      << "names the column 'y' twice";
}

void TestDataSet::csvErrors()
{
    QFETCH(QByteArray, text);
    QFETCH(QString, member);
    QFETCH(QString, reason);
    const QString path = write(QStringLiteral("bad.csv"), text);
    const auto set = data::loadDataFile(path);
    QVERIFY(!set.ok());
    QCOMPARE(set.error().file, path);
    QCOMPARE(set.error().member, member);
    QVERIFY2(set.error().reason.contains(reason), qPrintable(set.error().reason));
}

void TestDataSet::choiceErrors()
{
    // No y, counts or spikes: the error lists what the file holds.
    const QString path = write(QStringLiteral("noy.csv"), QByteArray("X\n1\n2\n"));
    const auto set = data::loadDataFile(path);
    QVERIFY(set.ok());
    const auto xy = data::selectXY(*set);
    QVERIFY(!xy.ok());
    QCOMPARE(xy.error().member, QStringLiteral("y"));
    QVERIFY(xy.error().reason.contains(QStringLiteral("X, table")));

    // A missing file names itself; an unknown member lists the names present.
    const auto missing = data::loadDataFile(m_dir.filePath(QStringLiteral("absent.npz")));
    QVERIFY(!missing.ok());
    QVERIFY(missing.error().file.endsWith(QStringLiteral("absent.npz")));
    const auto unknown = data::matrix(*set, QStringLiteral("rates"));
    QVERIFY(!unknown.ok());
    QCOMPARE(unknown.error().member, QStringLiteral("rates"));
    QVERIFY(unknown.error().reason.contains(QStringLiteral("X")));

    // A refused npz member keeps its reason; the others stay usable.
    const auto pickled = data::loadDataFile(QStringLiteral(NEMOSCOPE_TEST_DATA "/malformed/pickled_object.npz"));
    if (pickled.ok() && !pickled->refused.empty()) {
        const QString name = pickled->refused.front().first;
        const auto refused = data::matrix(*pickled, name);
        QVERIFY(!refused.ok());
        QVERIFY(!refused.error().reason.isEmpty());
    }
}

QTEST_GUILESS_MAIN(TestDataSet)
#include "tst_dataset.moc"
