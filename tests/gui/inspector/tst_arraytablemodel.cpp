// The array viewer's table model, statistics, copy, export and plots, over arrays built in the test and
// over a memory-mapped array of 10^8 elements.

#include "arraystatistics.h"
#include "arraytablemodel.h"
#include "arrayviewer.h"
#include "heatmapview.h"
#include "npy/npyheader.h"
#include "npy/npzarchive.h"
#include "plotpanel.h"
#include "testsupport.h"

#include <QAbstractItemModelTester>
#include <QChart>
#include <QClipboard>
#include <QFile>
#include <QHeaderView>
#include <QScrollBar>
#include <QTableView>
#include <QTemporaryDir>

#include <cmath>
#include <cstring>
#include <unistd.h>

using namespace nemoscope;
using namespace nemoscope::ui;

namespace {

npy::NdArray doubles(const std::vector<double>& values, const std::vector<qint64>& shape)
{
    QByteArray bytes(reinterpret_cast<const char*>(values.data()), qsizetype(values.size() * sizeof(double)));
    auto array = npy::NdArray::fromBytes(npy::DType::float64(), shape, bytes);
    Q_ASSERT(array.ok());
    return array.value();
}

npy::NdArray countingInts(const std::vector<qint64>& shape)
{
    qint64 count = 1;
    for (qint64 dim : shape)
        count *= dim;
    std::vector<qint32> values(static_cast<size_t>(count));
    for (qint64 i = 0; i < count; ++i)
        values[size_t(i)] = qint32(i);
    QByteArray bytes(reinterpret_cast<const char*>(values.data()), qsizetype(values.size() * sizeof(qint32)));
    return npy::NdArray::fromBytes(npy::DType::int32(), shape, bytes).value();
}

npy::NdArray member(const QString& file, const QString& name)
{
    auto archive = npy::NpzArchive::open(testData(file));
    if (!archive)
        qFatal("%s", qPrintable(archive.error().message()));
    auto array = archive.value()->read(name);
    if (!array)
        qFatal("%s", qPrintable(array.error().message()));
    return array.value();
}

// Resident memory of this process, in bytes.
qint64 residentBytes()
{
    QFile statm(QStringLiteral("/proc/self/statm"));
    if (!statm.open(QIODevice::ReadOnly))
        return -1;
    const QList<QByteArray> fields = statm.readAll().split(' ');
    return fields.size() > 1 ? fields[1].toLongLong() * sysconf(_SC_PAGESIZE) : -1;
}

} // namespace

class TestArrayTableModel : public QObject
{
    Q_OBJECT

private slots:
    void oneDimensionalShowsNumPyTextAndMarksNonFinite();
    void complexAsAPlusBj();
    void slicerPicksAxesAndIndices();
    void slicerRefusesBadSlices();
    void structuredFieldsAreColumns();
    void stringsAndDatesAsText_data();
    void stringsAndDatesAsText();
    void modelTesterOverSlices();
    void memoryMappedArrayReadsOnlyVisibleCells();
    void statisticsCountsAndMoments();
    void statisticsPanelRunsOffTheGuiThreadAndCancels();
    void copyAsTabSeparatedAndNumPyLiteral();
    void exportCsvAndNpy();
    void plotKindsFollowTheArray();
    void longSeriesAreReduced();

private:
    QTemporaryDir m_temp;
};

void TestArrayTableModel::oneDimensionalShowsNumPyTextAndMarksNonFinite()
{
    ArrayTableModel model;
    model.setArray(doubles({ 1.5, std::nan(""), INFINITY, -2.0 }, { 4 }));
    QCOMPARE(model.rowCount(), 4);
    QCOMPARE(model.columnCount(), 1);
    QCOMPARE(model.index(0, 0).data().toString(), QStringLiteral("1.5"));
    QCOMPARE(model.index(1, 0).data().toString(), QStringLiteral("nan"));
    QCOMPARE(model.index(2, 0).data().toString(), QStringLiteral("inf"));
    QVERIFY(!model.index(0, 0).data(ArrayTableModel::NonFiniteRole).toBool());
    QVERIFY(model.index(1, 0).data(ArrayTableModel::NonFiniteRole).toBool());
    QVERIFY(model.index(2, 0).data(ArrayTableModel::NonFiniteRole).toBool());
    QVERIFY(model.index(1, 0).data(Qt::BackgroundRole).isValid());
    QVERIFY(!model.index(3, 0).data(Qt::BackgroundRole).isValid());
    QCOMPARE(model.index(3, 0).data(ArrayTableModel::ValueRole).toDouble(), -2.0);
}

void TestArrayTableModel::complexAsAPlusBj()
{
    const std::vector<double> parts = { 1.0, 2.0, -0.5, -3.0 };
    QByteArray bytes(reinterpret_cast<const char*>(parts.data()), qsizetype(parts.size() * sizeof(double)));
    ArrayTableModel model;
    model.setArray(npy::NdArray::fromBytes(npy::DType::complex128(), { 2 }, bytes).value());
    QCOMPARE(model.index(0, 0).data().toString(), QStringLiteral("1+2j"));
    QCOMPARE(model.index(1, 0).data().toString(), QStringLiteral("-0.5-3j"));
}

void TestArrayTableModel::slicerPicksAxesAndIndices()
{
    ArrayTableModel model;
    model.setArray(countingInts({ 2, 3, 4 }));

    // Default: rows along axis 0, columns along axis 1, axis 2 at 0.
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.columnCount(), 3);
    QCOMPARE(model.index(1, 2).data().toString(), QString::number(1 * 12 + 2 * 4));

    // Rows along axis 1, columns along axis 2, axis 0 at 1.
    QVERIFY(model.setSlice(1, 2, { 1, 0, 0 }).ok());
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.columnCount(), 4);
    QCOMPARE(model.index(2, 3).data().toString(), QString::number(12 + 2 * 4 + 3));

    // Transposed: rows along axis 2, columns along axis 0, axis 1 at 2.
    QVERIFY(model.setSlice(2, 0, { 0, 2, 0 }).ok());
    QCOMPARE(model.rowCount(), 4);
    QCOMPARE(model.columnCount(), 2);
    QCOMPARE(model.index(3, 1).data().toString(), QString::number(12 + 2 * 4 + 3));
}

void TestArrayTableModel::slicerRefusesBadSlices()
{
    ArrayTableModel model;
    model.setArray(countingInts({ 2, 3, 4 }));
    const Result<void> sameAxis = model.setSlice(1, 1, { 0, 0, 0 });
    QVERIFY(!sameAxis.ok());
    const Result<void> outside = model.setSlice(1, 2, { 5, 0, 0 });
    QVERIFY(!outside.ok());
    QVERIFY(outside.error().reason.contains(QStringLiteral("outside axis 0")));
    // The table still shows the slice it showed before.
    QCOMPARE(model.rowAxis(), 0);
    QCOMPARE(model.columnAxis(), 1);
    QCOMPARE(model.index(1, 2).data().toString(), QStringLiteral("20"));
}

void TestArrayTableModel::structuredFieldsAreColumns()
{
    ArrayTableModel model;
    model.setArray(member(QStringLiteral("generic/dtype_zoo.npz"), QStringLiteral("structured_points")));
    QVERIFY(model.showsFields());
    QCOMPARE(model.fieldNames(), QStringList({ QStringLiteral("x"), QStringLiteral("y"), QStringLiteral("id") }));
    QCOMPARE(model.columnCount(), 3);
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.headerData(1, Qt::Horizontal).toString(), QStringLiteral("y"));
    QCOMPARE(model.index(1, 1).data().toString(), QStringLiteral("4.5"));
    QCOMPARE(model.index(1, 2).data().toString(), QStringLiteral("9"));
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
}

void TestArrayTableModel::stringsAndDatesAsText_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<int>("row");
    QTest::addColumn<QString>("text");
    QTest::newRow("unicode") << QStringLiteral("unicode_names") << 0 << QStringLiteral("alpha");
    QTest::newRow("bytes") << QStringLiteral("bytes_tags") << 0 << QStringLiteral("raw");
    QTest::newRow("datetime64[D]") << QStringLiteral("datetime_days") << 0 << QStringLiteral("2026-01-01");
}

void TestArrayTableModel::stringsAndDatesAsText()
{
    QFETCH(QString, name);
    QFETCH(int, row);
    QFETCH(QString, text);
    ArrayTableModel model;
    model.setArray(member(QStringLiteral("generic/dtype_zoo.npz"), name));
    QCOMPARE(model.index(row, 0).data().toString(), text);
    QCOMPARE(model.index(row, 0).data(Qt::TextAlignmentRole).toInt() & Qt::AlignLeft, int(Qt::AlignLeft));
}

void TestArrayTableModel::modelTesterOverSlices()
{
    ArrayTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setArray(countingInts({ 3, 4, 5 }));
    QVERIFY(model.setSlice(2, 1, { 2, 0, 0 }).ok());
    model.setArray(doubles({ 7.0 }, {}));
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.columnCount(), 1);
    QCOMPARE(model.index(0, 0).data().toString(), QStringLiteral("7.0"));
    model.setArray(npy::NdArray());
    QCOMPARE(model.rowCount(), 0);
}

void TestArrayTableModel::memoryMappedArrayReadsOnlyVisibleCells()
{
    // A float64 .npy of 10^8 elements (800 MB) written as a sparse file: a header, then a hole, then one
    // value at the very end. Reading it all would make 800 MB resident.
    constexpr qint64 count = 100'000'000;
    const QString path = m_temp.filePath(QStringLiteral("big.npy"));
    {
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        const QByteArray header = npy::serializeNpyHeader(npy::DType::float64(), false, { count });
        QCOMPARE(file.write(header), header.size());
        QVERIFY(file.resize(header.size() + count * qint64(sizeof(double))));
        QVERIFY(file.seek(header.size() + (count - 1) * qint64(sizeof(double))));
        const double last = 42.5;
        QCOMPARE(file.write(reinterpret_cast<const char*>(&last), sizeof last), qint64(sizeof last));
    }

    auto archive = npy::NpzArchive::open(path);
    QVERIFY2(archive.ok(), qPrintable(archive ? QString() : archive.error().message()));
    auto array = archive.value()->read(QStringLiteral("big"));
    QVERIFY(array.ok());
    QVERIFY(array->isBorrowed());
    QCOMPARE(array->size(), count);

    const qint64 residentBefore = residentBytes();
    ArrayViewer viewer;
    viewer.resize(900, 700);
    viewer.setArray(array.value(), ArrayContext { QStringLiteral("big"), {}, {}, {}, false, false, {} });
    viewer.show();
    QVERIFY(QTest::qWaitForWindowExposed(&viewer));
    QApplication::processEvents();

    ArrayTableModel* model = viewer.tableModel();
    QCOMPARE(model->totalRows(), count);
    QCOMPARE(model->rowCount(), int(ArrayTableModel::pageRows));
    const qint64 shownFirst = model->cellReads();
    QVERIFY2(shownFirst > 0 && shownFirst < 5000, qPrintable(QString::number(shownFirst)));

    // Scroll through the page, then jump to the middle and to the end of the array.
    QTableView* table = viewer.tableView();
    table->verticalScrollBar()->setValue(table->verticalScrollBar()->maximum() / 2);
    QApplication::processEvents();
    viewer.goToRow(count / 2);
    QApplication::processEvents();
    QCOMPARE(table->currentIndex().data().toString(), QStringLiteral("0.0"));
    QCOMPARE(model->headerData(table->currentIndex().row(), Qt::Vertical).toLongLong(), count / 2);
    viewer.goToRow(count - 1);
    QApplication::processEvents();
    QCOMPARE(table->currentIndex().data().toString(), QStringLiteral("42.5"));
    QCOMPARE(model->headerData(table->currentIndex().row(), Qt::Vertical).toLongLong(), count - 1);
    const qint64 reads = model->cellReads();
    QVERIFY2(reads < 20000, qPrintable(QString::number(reads)));

    // Memory stays flat: far below the 800 MB the array holds.
    const qint64 tableGrowth = residentBytes() - residentBefore;
    QVERIFY2(tableGrowth < 64 * 1024 * 1024,
        qPrintable(QStringLiteral("resident memory grew by %1 bytes").arg(tableGrowth)));

    // Plots preview the array from runs of it. Each run costs a page or two and the kernel maps the pages
    // around it too, so they cost more than the table, but still a fraction of the array.
    viewer.tabs()->setCurrentWidget(viewer.plotPanel());
    QCOMPARE(viewer.plotPanel()->kind(), PlotPanel::Kind::Line);
    QCOMPARE(viewer.plotPanel()->chart()->series().size(), 1);
    viewer.plotPanel()->setKind(PlotPanel::Kind::Histogram);
    QCOMPARE(viewer.plotPanel()->chart()->series().size(), 1);

    const qint64 plotGrowth = residentBytes() - residentBefore;
#ifdef NEMOSCOPE_SANITIZED
    const qint64 plotBound = 3 * 160LL * 1024 * 1024; // shadow memory and quarantine of the sanitizers
#else
    const qint64 plotBound = 160LL * 1024 * 1024;
#endif
    QVERIFY2(plotGrowth < plotBound, qPrintable(QStringLiteral("resident memory grew by %1 bytes").arg(plotGrowth)));
}

void TestArrayTableModel::statisticsCountsAndMoments()
{
    const ArrayStatistics stats = computeStatistics(doubles({ 1.0, 2.0, std::nan(""), -INFINITY, 0.0 }, { 5 }));
    QCOMPARE(stats.count, 5);
    QCOMPARE(stats.nanCount, 1);
    QCOMPARE(stats.infCount, 1);
    QCOMPARE(stats.zeroCount, 1);
    QCOMPARE(stats.finiteCount, 3);
    QCOMPARE(stats.min, 0.0);
    QCOMPARE(stats.max, 2.0);
    QCOMPARE(stats.mean, 1.0);
    QVERIFY(std::abs(stats.std - std::sqrt(2.0 / 3.0)) < 1e-15);
    QVERIFY(!stats.cancelled);

    const ArrayStatistics text
        = computeStatistics(member(QStringLiteral("generic/dtype_zoo.npz"), QStringLiteral("unicode_names")));
    QCOMPARE(text.count, 0);
}

void TestArrayTableModel::statisticsPanelRunsOffTheGuiThreadAndCancels()
{
    StatisticsPanel panel;
    panel.setArray(countingInts({ 1000 }));
    QTRY_VERIFY(!panel.isRunning());
    QCOMPARE(panel.statistics().count, 1000);
    QCOMPARE(panel.statistics().mean, 499.5);
    QCOMPARE(panel.statistics().max, 999.0);

    // 5 * 10^7 elements take long enough to be cancelled part way.
    std::vector<double> many(50'000'000, 1.0);
    panel.setArray(doubles(many, { qint64(many.size()) }));
    QVERIFY(panel.isRunning());
    panel.cancel();
    QTRY_VERIFY_WITH_TIMEOUT(!panel.isRunning(), 20000);
    QVERIFY(panel.statistics().cancelled);
    QVERIFY(panel.statistics().count < qint64(many.size()));
}

void TestArrayTableModel::copyAsTabSeparatedAndNumPyLiteral()
{
    ArrayViewer viewer;
    viewer.setArray(countingInts({ 2, 3 }));
    QCOMPARE(viewer.selectionText(ArrayViewer::CopyFormat::TabSeparated), QStringLiteral("0\t1\t2\n3\t4\t5\n"));
    QCOMPARE(viewer.selectionText(ArrayViewer::CopyFormat::NumPyLiteral),
        QStringLiteral("np.array([[0, 1, 2],\n          [3, 4, 5]])"));

    // A selection copies its bounding rectangle.
    QTableView* table = viewer.tableView();
    table->selectionModel()->select(viewer.tableModel()->index(0, 1), QItemSelectionModel::Select);
    table->selectionModel()->select(viewer.tableModel()->index(1, 2), QItemSelectionModel::Select);
    QCOMPARE(viewer.selectionText(ArrayViewer::CopyFormat::TabSeparated), QStringLiteral("1\t2\n4\t5\n"));

    // Ctrl+C in the table copies the selection, not only the current cell.
    QApplication::clipboard()->clear();
    QTest::keySequence(table, QKeySequence::Copy);
    QCOMPARE(QApplication::clipboard()->text(), QStringLiteral("1\t2\n4\t5\n"));

    viewer.setArray(doubles({ 0.5, std::nan(""), -INFINITY }, { 3 }));
    QCOMPARE(viewer.selectionText(ArrayViewer::CopyFormat::NumPyLiteral),
        QStringLiteral("np.array([0.5, np.nan, -np.inf])"));
}

void TestArrayTableModel::exportCsvAndNpy()
{
    ArrayViewer viewer;
    const npy::NdArray array = countingInts({ 2, 3, 2 });
    viewer.setArray(array);
    QVERIFY(viewer.setSlice(0, 1, { 0, 0, 1 }));

    const QString csv = m_temp.filePath(QStringLiteral("slice.csv"));
    QVERIFY(viewer.exportCsv(csv).ok());
    QFile file(csv);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(file.readAll(), QByteArray("1,3,5\n7,9,11\n"));

    const QString npyPath = m_temp.filePath(QStringLiteral("whole.npy"));
    QVERIFY(viewer.exportNpy(npyPath).ok());
    auto archive = npy::NpzArchive::open(npyPath);
    QVERIFY(archive.ok());
    auto back = archive.value()->read(QStringLiteral("whole"));
    QVERIFY(back.ok());
    QVERIFY(back.value() == array);

    const Result<void> refused = viewer.exportCsv(m_temp.filePath(QStringLiteral("missing/folder/x.csv")));
    QVERIFY(!refused.ok());
    QVERIFY(refused.error().file.endsWith(QStringLiteral("x.csv")));
}

void TestArrayTableModel::plotKindsFollowTheArray()
{
    PlotPanel panel;
    ArrayTableModel model;

    // A GLM's coefficients: a stem plot with the intercept marked.
    model.setArray(doubles({ 0.5, -0.25, 1.0 }, { 3 }));
    ArrayContext coefficients;
    coefficients.title = QStringLiteral("coef_");
    coefficients.coefficients = true;
    coefficients.intercept = doubles({ 0.1 }, { 1 });
    panel.setData(model.view(), coefficients);
    QCOMPARE(panel.kind(), PlotPanel::Kind::Stem);
    QCOMPARE(panel.chart()->series().size(), 3);
    QVERIFY(panel.chart()->series().last()->name().startsWith(QStringLiteral("intercept_")));

    // A PopulationGLM's coefficients: features by neurons as a heatmap.
    model.setArray(countingInts({ 5, 3 }));
    coefficients.population = true;
    panel.setData(model.view(), coefficients);
    QCOMPARE(panel.kind(), PlotPanel::Kind::Heatmap);
    QCOMPARE(panel.heatmap()->image().size(), QSize(3, 5));
    QCOMPARE(panel.heatmap()->maximum(), 14.0);

    // Any 2-D array: lines for chosen columns, histogram, heatmap.
    panel.setData(model.view(), ArrayContext {});
    QCOMPARE(panel.availableKinds(),
        QList<PlotPanel::Kind>({ PlotPanel::Kind::Line, PlotPanel::Kind::Histogram, PlotPanel::Kind::Heatmap }));
    panel.setLineSelection(true, QStringLiteral("0, 2"));
    QCOMPARE(panel.chart()->series().size(), 2);
    panel.setKind(PlotPanel::Kind::Histogram);
    QCOMPARE(panel.chart()->series().size(), 1);

    // Text cannot be plotted.
    model.setArray(member(QStringLiteral("generic/dtype_zoo.npz"), QStringLiteral("unicode_names")));
    panel.setData(model.view(), ArrayContext {});
    QVERIFY(panel.availableKinds().isEmpty());
}

void TestArrayTableModel::longSeriesAreReduced()
{
    qint64 reads = 0;
    const auto at = [&reads](qint64 i) {
        ++reads;
        return i == 777'777 ? 1e6 : std::sin(double(i) / 1000.0);
    };
    const QList<QPointF> points = PlotPanel::reduceSeries(at, 1'000'000, 2000, 1000);
    QVERIFY(points.size() <= 4000);
    QVERIFY(reads <= 1'000'000);
    const auto peak
        = std::max_element(points.cbegin(), points.cend(), [](QPointF a, QPointF b) { return a.y() < b.y(); });
    QCOMPARE(peak->y(), 1e6);
    QCOMPARE(peak->x(), 777777.0);

    // 10^8 elements: a run per bucket, never the whole series.
    reads = 0;
    const QList<QPointF> preview = PlotPanel::reduceSeries(at, 100'000'000);
    QVERIFY(preview.size() <= 4000);
    QVERIFY(reads <= 1000 * 64);
}

NEMOSCOPE_GUI_TEST_MAIN(TestArrayTableModel)
#include "tst_arraytablemodel.moc"
