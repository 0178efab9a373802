// Fitting from the window: the worker that carries progress to the GUI thread, the fit dialog refitting
// the seed example to the reference optimum, cancelling a long fit, and the data picker's checks.

#include "data/dataset.h"
#include "editing/datapickerdialog.h"
#include "editing/fitdialog.h"
#include "editing/fitplots.h"
#include "editing/fitworker.h"
#include "model/fitbridge.h"
#include "model/nemosfile.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>
#include <QThreadPool>
#include <QValueAxis>

#include <random>

using namespace nemoscope;

class TestFitFlow : public QObject
{
    Q_OBJECT

private slots:
    void workerDeliversEveryReportInOrder();
    void workerDropsReportsAfterCancel();
    void binsByPrediction();
    void objectivePlotKeepsAFlatRunFlat();
    void refitsSeedExampleToReference();
    void cancelReturnsAtOnce();
    void pickerPreselectsAndChecks_data();
    void pickerPreselectsAndChecks();

private:
    static model::ModelSpec loadSpec(const QString& name);
};

model::ModelSpec TestFitFlow::loadSpec(const QString& name)
{
    Result<model::NemosFile> file = model::NemosFile::load(QStringLiteral(NEMOSCOPE_TEST_DATA "/nemos/") + name);
    if (!file || !file->spec())
        qFatal("cannot load %s", qPrintable(name));
    return *file->spec();
}

void TestFitFlow::workerDeliversEveryReportInOrder()
{
    ui::FitWorker worker;
    QList<QPointF> received;
    connect(&worker, &ui::FitWorker::progress, this, [&](const QList<QPointF>& points) { received += points; });
    QSignalSpy finished(&worker, &ui::FitWorker::finished);

    worker.start([](const std::atomic<bool>*, const ui::FitWorker::Report& report) {
        for (int i = 0; i < 20000; ++i)
            report(i, 1.0 / (i + 1));
    });
    QVERIFY(worker.isRunning());
    QVERIFY(finished.wait(10000));
    QCOMPARE(finished.count(), 1);
    QVERIFY(!worker.isRunning());
    QCOMPARE(received.size(), 20000);
    for (int i = 0; i < received.size(); ++i)
        QCOMPARE(received[i].x(), double(i));
}

void TestFitFlow::workerDropsReportsAfterCancel()
{
    ui::FitWorker worker;
    int batches = 0;
    connect(&worker, &ui::FitWorker::progress, this, [&] { ++batches; });
    QSignalSpy finished(&worker, &ui::FitWorker::finished);
    QSignalSpy cancelled(&worker, &ui::FitWorker::cancelled);

    std::atomic<bool> sawCancel { false };
    worker.start([&sawCancel](const std::atomic<bool>* cancel, const ui::FitWorker::Report& report) {
        while (!cancel->load()) {
            report(0, 0);
            QThread::msleep(1);
        }
        sawCancel = true;
        report(1, 1); // after the cancel: must not arrive
    });
    QTRY_VERIFY(batches > 0);

    worker.cancel();
    QCOMPARE(cancelled.count(), 1);
    QVERIFY(!worker.isRunning());
    const int before = batches;
    QVERIFY(ui::FitWorker::pool()->waitForDone(5000));
    QVERIFY(sawCancel);
    QTest::qWait(50);
    QCOMPARE(batches, before);
    QCOMPARE(finished.count(), 0);
}

void TestFitFlow::binsByPrediction()
{
    Eigen::VectorXd predicted(6);
    predicted << 5, 1, 3, 2, 6, 4;
    Eigen::VectorXd observed(6);
    observed << 50, 10, 30, 20, 60, 40;

    const std::vector<ui::PredictionBin> bins = ui::binByPrediction(predicted, observed, 3);
    QCOMPARE(bins.size(), size_t(3));
    QCOMPARE(bins[0].predicted, 1.5);
    QCOMPARE(bins[0].observed, 15.0);
    QCOMPARE(bins[2].predicted, 5.5);
    QCOMPARE(bins[2].count, Eigen::Index(2));

    // Non-finite samples are left out; more bins than samples gives one bin per sample.
    predicted[0] = std::numeric_limits<double>::quiet_NaN();
    const std::vector<ui::PredictionBin> fine = ui::binByPrediction(predicted, observed, 100);
    QCOMPARE(fine.size(), size_t(5));
}

// A refit that starts at the optimum moves the objective by rounding only: the plot's vertical axis must
// not magnify that noise to fill the chart, while a real decrease still fills it.
void TestFitFlow::objectivePlotKeepsAFlatRunFlat()
{
    ui::ObjectivePlot plot;
    auto verticalRange = [&plot] {
        const auto axes = plot.chart()->axes(Qt::Vertical);
        const auto* axis = axes.isEmpty() ? nullptr : qobject_cast<const QValueAxis*>(axes.front());
        return axis ? std::pair { axis->min(), axis->max() } : std::pair { 0.0, 0.0 };
    };
    QList<QPointF> flat;
    for (int i = 0; i < 200; ++i)
        flat.append(QPointF(i, 0.9981718774585887 + (i % 3 - 1) * 1.1e-16));
    plot.appendPoints(flat);
    // The axis starts at 0 .. 1; the rescale follows the points within tens of milliseconds.
    QTRY_VERIFY(verticalRange().first > 0.5);
    const auto [low, high] = verticalRange();
    QVERIFY(low < 0.9981718774585887 && high > 0.9981718774585887);
    QVERIFY2(high - low > 1e-5 && high - low < 1e-3,
        qPrintable(QStringLiteral("%1 .. %2").arg(low, 0, 'g', 17).arg(high, 0, 'g', 17)));

    plot.reset();
    plot.appendPoints({ QPointF(0, 2.5), QPointF(1, 1.2), QPointF(2, 0.9981718774585887) });
    QTRY_VERIFY(verticalRange().second >= 2.5 && verticalRange().second < 3);
    QVERIFY(verticalRange().first <= 0.9981718774585887);
    QVERIFY(verticalRange().first > 0.8);
}

void TestFitFlow::refitsSeedExampleToReference()
{
    // The reference optimum of the seed example with Poisson, exp and Ridge(1.0).
    QFile json(QStringLiteral(NEMOSCOPE_TEST_DATA "/data/reference_fits.json"));
    QVERIFY(json.open(QIODevice::ReadOnly));
    QJsonObject reference;
    for (const QJsonValue& value : QJsonDocument::fromJson(json.readAll()).array()) {
        const QJsonObject c = value.toObject();
        if (c[QStringLiteral("dataset")] == QStringLiteral("seed_example")
            && c[QStringLiteral("regularizer")] == QStringLiteral("Ridge")
            && c[QStringLiteral("observation_model")] == QStringLiteral("Poisson"))
            reference = c;
    }
    QVERIFY(!reference.isEmpty());

    const model::ModelSpec spec = loadSpec(QStringLiteral("ridge_glm_params.npz"));
    Result<model::FitSetup> setup = model::fitSetup(spec);
    QVERIFY2(setup.ok(), qPrintable(setup ? QString() : setup.error().message()));
    Result<data::XYData> xy = data::loadXY(
        QStringLiteral(NEMOSCOPE_TEST_DATA "/data/seed_example.npz"), QStringLiteral("X"), QStringLiteral("counts"));
    QVERIFY(xy.ok());

    ui::FitRequest request;
    request.problem = setup->problem;
    request.options = setup->options;
    request.X = xy->X;
    request.Y = xy->Y;
    request.observedName = QStringLiteral("counts");
    request.title = QStringLiteral("seed example");
    ui::FitDialog dialog(request);
    QSignalSpy finished(&dialog, &ui::FitDialog::fitFinished);
    QSignalSpy accepted(&dialog, &ui::FitDialog::resultAccepted);
    dialog.start();
    QVERIFY(dialog.isRunning());
    QVERIFY(finished.wait(60000));

    const fit::FitResult& result = dialog.result();
    QVERIFY2(result.status == fit::FitStatus::Converged, qPrintable(fit::toString(result.status) + result.message));
    const QJsonArray coef = reference[QStringLiteral("coef")].toArray();
    QCOMPARE(result.coef.rows(), Eigen::Index(coef.size()));
    for (int i = 0; i < coef.size(); ++i)
        QVERIFY2(std::abs(result.coef(i, 0) - coef[i].toDouble()) < 1e-5,
            qPrintable(QStringLiteral("coef %1: %2 against %3").arg(i).arg(result.coef(i, 0)).arg(coef[i].toDouble())));
    const double intercept = reference[QStringLiteral("intercept")].toArray()[0].toDouble();
    QVERIFY(std::abs(result.intercept[0] - intercept) < 1e-5);
    QVERIFY(std::abs(result.objective - reference[QStringLiteral("objective")].toDouble()) < 1e-8);

    // The objective was plotted, and Apply hands the result over.
    QVERIFY(dialog.plottedObjectivePoints() > 0);
    QVERIFY(dialog.applyButton()->isEnabled());
    QTest::mouseClick(dialog.applyButton(), Qt::LeftButton);
    QCOMPARE(accepted.count(), 1);
}

void TestFitFlow::cancelReturnsAtOnce()
{
    // A fit that would run for a very long time: a tolerance of zero and a huge iteration budget.
    const Eigen::Index n = 100000;
    const Eigen::Index p = 40;
    std::mt19937 generator(7);
    std::normal_distribution<double> normal(0.0, 0.3);
    ui::FitRequest request;
    request.X.resize(n, p);
    for (Eigen::Index j = 0; j < p; ++j) {
        for (Eigen::Index i = 0; i < n; ++i)
            request.X(i, j) = normal(generator);
    }
    request.Y.resize(n, 1);
    for (Eigen::Index i = 0; i < n; ++i) {
        std::poisson_distribution<int> poisson(std::exp(0.2 * request.X(i, 0) + 0.1));
        request.Y(i, 0) = poisson(generator);
    }
    request.problem.penalty = fit::Penalty::Ridge;
    request.problem.strength = 0.1;
    request.options.solver = fit::Solver::GradientDescent;
    request.options.tol = 0.0;
    request.options.maxIter = 100000000;
    request.title = QStringLiteral("long fit");

    ui::FitDialog dialog(request);
    QSignalSpy cancelled(&dialog, &ui::FitDialog::fitCancelled);
    dialog.start();
    QTRY_VERIFY_WITH_TIMEOUT(dialog.plottedObjectivePoints() > 0, 30000);
    QVERIFY(dialog.isRunning());

    QElapsedTimer timer;
    timer.start();
    QTest::mouseClick(dialog.cancelButton(), Qt::LeftButton);
    const qint64 returned = timer.elapsed();
    QCOMPARE(cancelled.count(), 1);
    QVERIFY(!dialog.isRunning());
    // Cancel only raises a flag and updates the dialog; the bound leaves room for a loaded test machine.
    QVERIFY2(returned < 250, qPrintable(QStringLiteral("cancel took %1 ms").arg(returned)));
    QVERIFY(!dialog.applyButton()->isEnabled());

    // The engine stops on its thread soon after (it polls the flag); allow for a loaded machine.
    QVERIFY(ui::FitWorker::pool()->waitForDone(5000));
}

void TestFitFlow::pickerPreselectsAndChecks_data()
{
    QTest::addColumn<QString>("model");
    QTest::addColumn<QString>("data");
    QTest::addColumn<QString>("x");
    QTest::addColumn<QString>("y");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<QString>("reason");

    QTest::newRow("seed example: X and counts") << "ridge_glm_params.npz"
                                                << "seed_example.npz"
                                                << "X"
                                                << "counts" << true << "";
    QTest::newRow("fitted model, too few features") << "negbin_ridge_fitted.npz"
                                                    << "seed_example.npz"
                                                    << "X"
                                                    << "counts" << false << "4 features";
    QTest::newRow("PopulationGLM given a 1-D y") << "population_ridge_fitted.npz"
                                                 << "seed_example.npz"
                                                 << "X"
                                                 << "counts" << false << "2-D y";
    QTest::newRow("GLM given a 2-D y") << "ridge_glm_params.npz"
                                       << "population_counts.npz"
                                       << "X"
                                       << "y" << false << "1-D y";
    QTest::newRow("Gamma given counts with zeros") << "gamma_ridge_fitted.npz"
                                                   << "negbin_overdispersed.npz"
                                                   << "X"
                                                   << "y" << false << "fitting engine";
    QTest::newRow("Bernoulli on its own data") << "bernoulli_lasso_fitted.npz"
                                               << "bernoulli_choices.npz"
                                               << "X"
                                               << "y" << true << "";
}

void TestFitFlow::pickerPreselectsAndChecks()
{
    QFETCH(QString, model);
    QFETCH(QString, data);
    QFETCH(QString, x);
    QFETCH(QString, y);
    QFETCH(bool, valid);
    QFETCH(QString, reason);

    const model::ModelSpec spec = loadSpec(model);
    Result<model::FitSetup> setup = model::fitSetup(spec);
    QVERIFY2(setup.ok(), qPrintable(setup ? QString() : setup.error().message()));
    Result<data::DataSet> dataSet = data::loadDataFile(QStringLiteral(NEMOSCOPE_TEST_DATA "/data/") + data);
    QVERIFY(dataSet.ok());

    ui::DataExpectations expected { setup->problem, setup->expectedFeatures, model::toString(spec.modelKind()) };
    ui::DataPickerDialog dialog(*dataSet, expected);
    QCOMPARE(dialog.xName(), x);
    QCOMPARE(dialog.yName(), y);
    QCOMPARE(dialog.selectionValid(), valid);

    const std::vector<ui::DataCheck> checks = ui::checkSelection(*dataSet, x, y, expected);
    QVERIFY(!checks.empty());
    QCOMPARE(checks.back().passed, valid);
    if (!valid)
        QVERIFY2(checks.back().text.contains(reason), qPrintable(checks.back().text));
    if (valid) {
        Result<data::XYData> selection = dialog.selection();
        QVERIFY(selection.ok());
        QCOMPARE(selection->X.rows(), selection->Y.rows());
    }
}

QTEST_MAIN(TestFitFlow)
#include "tst_fitflow.moc"
