// The fitting engine against the reference optima of tests/data/data/reference_fits.json (every case with
// every solver its regularizer allows), the data checks, cancellation, progress, PopulationGLM feature masks,
// solver_kwargs, scale_ and dof_resid_.
//
// NEMOSCOPE_FIT_QUICK=1 (set for the sanitizer pass) keeps, per reference case, the regularizer's default
// solver and Newton only; the release pass runs the full grid.

#include "data/dataset.h"
#include "fit/glm.h"
#include "fit/kernels.h"
#include "fit/loss.h"

#include <Eigen/Dense>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <thread>

using namespace nemoscope;
using namespace nemoscope::fit;

namespace {

QString dataPath(const QString& name)
{
    return QStringLiteral(NEMOSCOPE_TEST_DATA "/data/") + name;
}

bool quickMode()
{
    return qEnvironmentVariableIntValue("NEMOSCOPE_FIT_QUICK") != 0;
}

// How long a cancel may take to be honoured: 100 ms as promised, more under the sanitizers' slowdown.
int cancelBudgetMs()
{
    return qEnvironmentVariableIsSet("NEMOSCOPE_FIT_QUICK") ? 1000 : 100;
}

Eigen::MatrixXd toMatrix(const QJsonArray& rows)
{
    Eigen::MatrixXd m(rows.size(), rows.isEmpty() ? 0 : rows[0].toArray().size());
    for (qsizetype i = 0; i < rows.size(); ++i) {
        const QJsonArray row = rows[i].toArray();
        for (qsizetype j = 0; j < row.size(); ++j)
            m(i, j) = row[j].toDouble();
    }
    return m;
}

// Poisson counts from a known model: X (n, p) standard normal, rates exp(X w + b).
void simulatePoisson(
    Eigen::Index n, Eigen::Index p, Eigen::Index outputs, unsigned seed, Eigen::MatrixXd& X, Eigen::MatrixXd& Y)
{
    std::mt19937_64 random(seed);
    std::normal_distribution<double> normal;
    X.resize(n, p);
    for (Eigen::Index i = 0; i < X.size(); ++i)
        X.data()[i] = normal(random);
    Eigen::MatrixXd W(p, outputs);
    for (Eigen::Index i = 0; i < W.size(); ++i)
        W.data()[i] = 0.3 * normal(random) / std::sqrt(double(p));
    Y.resize(n, outputs);
    const Eigen::MatrixXd eta = X * W;
    for (Eigen::Index i = 0; i < n; ++i)
        for (Eigen::Index c = 0; c < outputs; ++c)
            Y(i, c) = double(std::poisson_distribution<int>(std::exp(eta(i, c) + 0.2))(random));
}

// The reference coefficients as (n_features, n_outputs): a flat list for one output, nested lists otherwise.
Eigen::MatrixXd referenceCoef(const QJsonArray& coef, Eigen::Index features, Eigen::Index outputs)
{
    Eigen::MatrixXd W(features, outputs);
    for (qsizetype j = 0; j < coef.size(); ++j) {
        if (coef[j].isArray()) {
            const QJsonArray row = coef[j].toArray();
            for (qsizetype k = 0; k < row.size(); ++k)
                W(j, k) = row[k].toDouble();
        } else {
            W(j, 0) = coef[j].toDouble();
        }
    }
    return W;
}

GlmProblem problemOf(const QJsonObject& c, Eigen::Index outputs)
{
    GlmProblem problem;
    problem.observation = *observationFromString(c[QStringLiteral("observation_model")].toString());
    problem.link = *linkFromString(c[QStringLiteral("link")].toString());
    problem.penalty = *penaltyFromString(c[QStringLiteral("regularizer")].toString());
    problem.strength = c[QStringLiteral("strength")].toDouble(0);
    problem.ratio = c[QStringLiteral("ratio")].toDouble(0.5);
    problem.observationScale = c[QStringLiteral("scale")].toDouble(1);
    problem.population = outputs > 1;
    if (c.contains(QStringLiteral("mask")))
        problem.groupMask = toMatrix(c[QStringLiteral("mask")].toArray());
    return problem;
}

// The rows of a test that runs once per instruction set of the fit kernels.
void addInstructionSetRows()
{
    QTest::addColumn<QString>("set");
    QTest::newRow("portable") << QStringLiteral("portable");
    QTest::newRow("avx2") << QStringLiteral("avx2");
    QTest::newRow("avx512") << QStringLiteral("avx512");
}

// Selects an instruction set of the fit kernels for one test and restores the previous one when it ends.
class InstructionSetScope
{
public:
    explicit InstructionSetScope(const QString& set)
        : m_previous(detail::kernels::instructionSet())
        , m_selected(detail::kernels::useInstructionSet(set.toStdString()))
    { }
    ~InstructionSetScope() { detail::kernels::useInstructionSet(m_previous); }
    InstructionSetScope(const InstructionSetScope&) = delete;
    InstructionSetScope& operator=(const InstructionSetScope&) = delete;

    // False when the processor lacks the set (then the previous one stays).
    bool selected() const { return m_selected; }

private:
    std::string m_previous;
    bool m_selected;
};

} // namespace

class TestFitEngine : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void referenceFits_data();
    void referenceFits();
    void objectiveMatchesReference_data();
    void objectiveMatchesReference();
    void dataErrors_data();
    void dataErrors();
    void nonFiniteXEverySolver_data();
    void nonFiniteXEverySolver();
    void dropInvalidRows();
    void solverRules();
    void names();
    void solverKwargs_data();
    void solverKwargs();
    void userToleranceHonoured();
    void toleranceBelowPrecisionStops();
    void populationFeatureMask();
    void scaleAndDof();
    void categorical();
    void divergenceIsTyped();
    void progressCallback();
    void cancellation_data();
    void cancellation();
    void hessianMatchesElementLoss_data();
    void hessianMatchesElementLoss();
    void canonicalLossesMatchElementLoss_data();
    void canonicalLossesMatchElementLoss();
    void kernelsMatchEigen_data();
    void kernelsMatchEigen();
    void lossKernelsMatchElementLoss_data();
    void lossKernelsMatchElementLoss();
    void sampledNewtonReachesTheOptimum_data();
    void sampledNewtonReachesTheOptimum();
    void warmStartOutsideTheDomain();

private:
    QJsonArray m_cases;
};

void TestFitEngine::initTestCase()
{
    QFile file(dataPath(QStringLiteral("reference_fits.json")));
    QVERIFY(file.open(QIODevice::ReadOnly));
    m_cases = QJsonDocument::fromJson(file.readAll()).array();
    QVERIFY(m_cases.size() >= 10);
}

void TestFitEngine::referenceFits_data()
{
    QTest::addColumn<int>("index");
    QTest::addColumn<int>("solver");
    for (qsizetype i = 0; i < m_cases.size(); ++i) {
        const QJsonObject c = m_cases[i].toObject();
        const Penalty penalty = *penaltyFromString(c[QStringLiteral("regularizer")].toString());
        for (Solver solver : allowedSolvers(penalty)) {
            if (quickMode() && solver != defaultSolver(penalty) && solver != Solver::Newton)
                continue;
            const QString name
                = QStringLiteral("%1 %2 %3 %4 %5 / %6")
                      .arg(i)
                      .arg(c[QStringLiteral("dataset")].toString(), c[QStringLiteral("observation_model")].toString(),
                          c[QStringLiteral("link")].toString(), c[QStringLiteral("regularizer")].toString(),
                          toString(solver));
            QTest::newRow(qPrintable(name)) << int(i) << int(solver);
        }
    }
}

void TestFitEngine::referenceFits()
{
    QFETCH(int, index);
    QFETCH(int, solver);
    const QJsonObject c = m_cases[index].toObject();

    const auto data = data::loadXY(dataPath(c[QStringLiteral("dataset")].toString() + QStringLiteral(".npz")));
    QVERIFY2(data.ok(), qPrintable(data.ok() ? QString() : data.error().message()));
    const GlmProblem problem = problemOf(c, data->Y.cols());

    SolverOptions options;
    options.solver = Solver(solver);
    const FitResult result = fitGlm(problem, options, data->X, data->Y);
    QVERIFY2(result.converged(), qPrintable(toString(result.status) + QStringLiteral(": ") + result.message));

    const double reference = c[QStringLiteral("objective")].toDouble();
    QVERIFY2(std::abs(result.objective - reference) <= 1e-8 * std::abs(reference),
        qPrintable(
            QStringLiteral("objective %1, reference %2").arg(result.objective, 0, 'g', 17).arg(reference, 0, 'g', 17)));

    const Eigen::MatrixXd W = referenceCoef(c[QStringLiteral("coef")].toArray(), data->X.cols(), data->Y.cols());
    QCOMPARE(result.coef.rows(), W.rows());
    QCOMPARE(result.coef.cols(), W.cols());
    const double coefError = (result.coef - W).cwiseAbs().maxCoeff();
    QVERIFY2(coefError <= 1e-5, qPrintable(QStringLiteral("coefficients off by %1").arg(coefError)));
    const QJsonArray intercept = c[QStringLiteral("intercept")].toArray();
    for (qsizetype k = 0; k < intercept.size(); ++k)
        QVERIFY(std::abs(result.intercept(k) - intercept[k].toDouble()) <= 1e-5);
    QVERIFY(!result.objectiveHistory.empty());
    QVERIFY(result.seconds >= 0);
}

void TestFitEngine::objectiveMatchesReference_data()
{
    QTest::addColumn<int>("index");
    for (qsizetype i = 0; i < m_cases.size(); ++i)
        QTest::newRow(qPrintable(QStringLiteral("case %1").arg(i))) << int(i);
}

// objective() at the reference parameters gives the reference value: the formula itself, apart from solvers.
void TestFitEngine::objectiveMatchesReference()
{
    QFETCH(int, index);
    const QJsonObject c = m_cases[index].toObject();
    const auto data = data::loadXY(dataPath(c[QStringLiteral("dataset")].toString() + QStringLiteral(".npz")));
    QVERIFY(data.ok());

    const GlmProblem problem = problemOf(c, data->Y.cols());
    const Eigen::MatrixXd W = referenceCoef(c[QStringLiteral("coef")].toArray(), data->X.cols(), data->Y.cols());
    const QJsonArray intercept = c[QStringLiteral("intercept")].toArray();
    Eigen::VectorXd b(intercept.size());
    for (qsizetype k = 0; k < intercept.size(); ++k)
        b(k) = intercept[k].toDouble();

    const double value = objective(problem, data->X, data->Y, W, b);
    const double reference = c[QStringLiteral("objective")].toDouble();
    QVERIFY2(std::abs(value - reference) <= 1e-12 * std::abs(reference),
        qPrintable(QStringLiteral("%1 vs %2").arg(value, 0, 'g', 17).arg(reference, 0, 'g', 17)));
}

// Each data fault is refused before fitting, naming X or y and the reason.
enum class Fault
{
    LengthMismatch,
    NaNRows,
    InfInY,
    NegativeCounts,
    BernoulliOutside,
    GammaZero,
    EmptyData,
    NoFeatures,
    FeatureCountMismatch,
    GlmWithTwoOutputs,
    FeatureMaskShape,
    ElasticNetRatio,
    GroupMaskWidth,
    CategoricalLabel,
    LinkMismatch,
};

void TestFitEngine::dataErrors_data()
{
    QTest::addColumn<int>("fault");
    QTest::addColumn<QString>("member");
    QTest::addColumn<QString>("reason");
    QTest::newRow("X and y of different lengths") << int(Fault::LengthMismatch) << "y"
                                                  << "X has 40 samples but y has 39";
    QTest::newRow("NaN in X: counted rows") << int(Fault::NaNRows) << "X"
                                            << "3 of 40 samples hold NaN or Inf";
    QTest::newRow("Inf in y") << int(Fault::InfInY) << "y"
                              << "1 of 40 samples hold NaN or Inf";
    QTest::newRow("negative Poisson counts") << int(Fault::NegativeCounts) << "y"
                                             << "Poisson counts must be >= 0";
    QTest::newRow("Bernoulli y outside [0, 1]") << int(Fault::BernoulliOutside) << "y"
                                                << "must lie in [0, 1]";
    QTest::newRow("Gamma y of zero") << int(Fault::GammaZero) << "y"
                                     << "Gamma observations must be > 0";
    QTest::newRow("empty data") << int(Fault::EmptyData) << "X"
                                << "no samples";
    QTest::newRow("no features") << int(Fault::NoFeatures) << "X"
                                 << "no features";
    QTest::newRow("feature count against the fitted model") << int(Fault::FeatureCountMismatch) << "X"
                                                            << "X has 3 features but the model's coefficients expect 4";
    QTest::newRow("GLM given two outputs") << int(Fault::GlmWithTwoOutputs) << "y"
                                           << "use a PopulationGLM";
    QTest::newRow("feature_mask of the wrong shape") << int(Fault::FeatureMaskShape) << "feature_mask"
                                                     << "(2, 2)";
    QTest::newRow("ElasticNet ratio 0") << int(Fault::ElasticNetRatio) << "regularizer_strength"
                                        << "(0, 1]";
    QTest::newRow("GroupLasso mask width") << int(Fault::GroupMaskWidth) << "regularizer.mask"
                                           << "has 5 columns";
    QTest::newRow("Categorical label not an integer") << int(Fault::CategoricalLabel) << "y"
                                                      << "Categorical labels must be integers";
    QTest::newRow("log_softmax for Poisson") << int(Fault::LinkMismatch) << "inverse_link_function"
                                             << "Categorical";
}

void TestFitEngine::dataErrors()
{
    QFETCH(int, fault);
    QFETCH(QString, member);
    QFETCH(QString, reason);

    Eigen::MatrixXd X, Y;
    simulatePoisson(40, 3, 1, 7, X, Y);
    GlmProblem problem;
    std::optional<Eigen::Index> expected;
    switch (Fault(fault)) {
    case Fault::LengthMismatch:
        Y.conservativeResize(39, 1);
        break;
    case Fault::NaNRows:
        X(0, 0) = X(5, 2) = X(9, 1) = std::numeric_limits<double>::quiet_NaN();
        X(9, 2) = std::numeric_limits<double>::infinity();
        break;
    case Fault::InfInY:
        Y(3, 0) = std::numeric_limits<double>::infinity();
        break;
    case Fault::NegativeCounts:
        Y(2, 0) = -1;
        break;
    case Fault::BernoulliOutside:
        problem.observation = Observation::Bernoulli;
        problem.link = InverseLink::Logistic;
        Y = Y.cwiseMin(1.0);
        Y(4, 0) = 2;
        break;
    case Fault::GammaZero:
        problem.observation = Observation::Gamma;
        problem.link = InverseLink::OneOverX;
        Y.array() += 1;
        Y(6, 0) = 0;
        break;
    case Fault::EmptyData:
        X.resize(0, 3);
        Y.resize(0, 1);
        break;
    case Fault::NoFeatures:
        X.resize(40, 0);
        break;
    case Fault::FeatureCountMismatch:
        expected = 4;
        break;
    case Fault::GlmWithTwoOutputs:
        Y.conservativeResize(40, 2);
        Y.col(1) = Y.col(0);
        break;
    case Fault::FeatureMaskShape:
        Y.conservativeResize(40, 2);
        Y.col(1) = Y.col(0);
        problem.population = true;
        problem.featureMask = Eigen::MatrixXd::Ones(2, 2);
        break;
    case Fault::ElasticNetRatio:
        problem.penalty = Penalty::ElasticNet;
        problem.strength = 0.1;
        problem.ratio = 0;
        break;
    case Fault::GroupMaskWidth:
        problem.penalty = Penalty::GroupLasso;
        problem.strength = 0.1;
        problem.groupMask = Eigen::MatrixXd::Ones(1, 5);
        break;
    case Fault::CategoricalLabel:
        problem.observation = Observation::Categorical;
        problem.link = InverseLink::LogSoftmax;
        Y(1, 0) = 0.5;
        break;
    case Fault::LinkMismatch:
        problem.link = InverseLink::LogSoftmax;
        break;
    }

    const Result<void> check = checkData(problem, X, Y, expected);
    QVERIFY(!check.ok());
    QCOMPARE(check.error().member, member);
    QVERIFY2(check.error().reason.contains(reason), qPrintable(check.error().reason));

    // fitGlm refuses the same data with a typed status and no model.
    if (!expected) {
        SolverOptions options;
        options.solver = Solver::Newton;
        const FitResult result = fitGlm(problem, options, X, Y);
        QCOMPARE(toString(result.status), toString(FitStatus::InvalidInput));
        QVERIFY(result.message.contains(reason));
        QVERIFY(!result.hasModel());
    }
}

void TestFitEngine::nonFiniteXEverySolver_data()
{
    QTest::addColumn<int>("penalty");
    QTest::addColumn<int>("solver");
    QTest::addColumn<int>("rows");
    QTest::addColumn<QString>("entry");
    for (Solver solver : allowedSolvers(Penalty::Ridge))
        for (const char* entry : { "NaN", "Inf" })
            QTest::addRow("Ridge %s, %s", qPrintable(toString(solver)), entry)
                << int(Penalty::Ridge) << int(solver) << 400 << QString::fromLatin1(entry);
    QTest::newRow("Lasso ProximalGradient, Inf")
        << int(Penalty::Lasso) << int(Solver::ProximalGradient) << 400 << "Inf";
    QTest::newRow("Lasso Newton, Inf") << int(Penalty::Lasso) << int(Solver::Newton) << 400 << "Inf";
    // Rows enough for Newton's row sample and its warm start, with the bad entry outside the sample or in it.
    QTest::newRow("Ridge Newton, sampled, Inf") << int(Penalty::Ridge) << int(Solver::Newton) << 100000 << "Inf";
    QTest::newRow("Ridge Newton, sampled, NaN") << int(Penalty::Ridge) << int(Solver::Newton) << 100000 << "NaN";
}

// The fit reads X for NaN and Inf only through its own passes (a clean X is then read once less): whatever
// the solver, one bad entry, in a column whose coefficient would be zero, still ends in the data error that
// counts the rows.
void TestFitEngine::nonFiniteXEverySolver()
{
    QFETCH(int, penalty);
    QFETCH(int, solver);
    QFETCH(int, rows);
    QFETCH(QString, entry);
    Eigen::MatrixXd X, Y;
    simulatePoisson(rows, 6, 1, 37, X, Y);
    X.col(5).setZero();
    const double bad = entry == QLatin1String("NaN") ? std::numeric_limits<double>::quiet_NaN()
                                                     : std::numeric_limits<double>::infinity();
    X(rows - 3, 5) = bad;
    X(rows / 2 + 1, 5) = -bad;

    GlmProblem problem;
    problem.penalty = Penalty(penalty);
    problem.strength = 0.01;
    SolverOptions options;
    options.solver = Solver(solver);
    const FitResult result = fitGlm(problem, options, X, Y);
    QCOMPARE(toString(result.status), toString(FitStatus::InvalidInput));
    QVERIFY2(result.message.contains(QStringLiteral("2 of %1 samples hold NaN or Inf").arg(rows)),
        qPrintable(result.message));
    QVERIFY(!result.hasModel());
}

// With dropInvalidRows the rows with NaN or Inf go, as nemos drops them, and the fit equals the clean fit.
void TestFitEngine::dropInvalidRows()
{
    Eigen::MatrixXd X, Y;
    simulatePoisson(300, 4, 1, 11, X, Y);
    Eigen::MatrixXd dirtyX = X, dirtyY = Y;
    dirtyX(10, 1) = std::numeric_limits<double>::quiet_NaN();
    dirtyY(20, 0) = std::numeric_limits<double>::infinity();

    Eigen::MatrixXd cleanX(298, 4), cleanY(298, 1);
    for (Eigen::Index i = 0, r = 0; i < 300; ++i) {
        if (i == 10 || i == 20)
            continue;
        cleanX.row(r) = X.row(i);
        cleanY.row(r++) = Y.row(i);
    }

    GlmProblem problem;
    problem.penalty = Penalty::Ridge;
    problem.strength = 0.05;
    SolverOptions options;
    options.solver = Solver::Newton;
    FitControl control;
    QCOMPARE(toString(fitGlm(problem, options, dirtyX, dirtyY, control).status), toString(FitStatus::InvalidInput));

    control.dropInvalidRows = true;
    const FitResult dropped = fitGlm(problem, options, dirtyX, dirtyY, control);
    const FitResult clean = fitGlm(problem, options, cleanX, cleanY);
    QVERIFY(dropped.converged());
    QCOMPARE(dropped.droppedRows, qint64(2));
    QVERIFY((dropped.coef - clean.coef).cwiseAbs().maxCoeff() < 1e-12);
    QCOMPARE(dropped.dofResid, 298.0 - 4 - 1);
}

void TestFitEngine::solverRules()
{
    // nemos' rules: smooth solvers for UnRegularized and Ridge, proximal ones for the non-smooth penalties.
    for (Penalty penalty : { Penalty::UnRegularized, Penalty::Ridge }) {
        QCOMPARE(toString(defaultSolver(penalty)), toString(Solver::GradientDescent));
        for (Solver solver : { Solver::GradientDescent, Solver::BFGS, Solver::LBFGS, Solver::NonlinearCG, Solver::SVRG,
                 Solver::ProximalGradient, Solver::ProxSVRG, Solver::Newton })
            QVERIFY(solverAllowed(penalty, solver));
    }
    for (Penalty penalty : { Penalty::Lasso, Penalty::ElasticNet, Penalty::GroupLasso }) {
        QCOMPARE(toString(defaultSolver(penalty)), toString(Solver::ProximalGradient));
        QVERIFY(solverAllowed(penalty, Solver::ProximalGradient));
        QVERIFY(solverAllowed(penalty, Solver::ProxSVRG));
        QVERIFY(!solverAllowed(penalty, Solver::LBFGS));
        QVERIFY(!solverAllowed(penalty, Solver::GradientDescent));
        QVERIFY(!solverAllowed(penalty, Solver::SVRG));
    }
    QVERIFY(!isNemosSolver(Solver::Newton));

    // A disallowed pair is refused by fitGlm with the allowed list.
    Eigen::MatrixXd X, Y;
    simulatePoisson(50, 2, 1, 3, X, Y);
    GlmProblem problem;
    problem.penalty = Penalty::Lasso;
    problem.strength = 0.1;
    SolverOptions options;
    options.solver = Solver::LBFGS;
    const FitResult result = fitGlm(problem, options, X, Y);
    QCOMPARE(toString(result.status), toString(FitStatus::InvalidInput));
    QVERIFY(result.message.contains(QStringLiteral("does not allow the LBFGS solver")));
    QVERIFY(result.message.contains(QStringLiteral("ProximalGradient")));
}

void TestFitEngine::names()
{
    QCOMPARE(observationFromString(QStringLiteral("nemos.observation_models.PoissonObservations")),
        std::optional(Observation::Poisson));
    QCOMPARE(observationFromString(QStringLiteral("NegativeBinomialObservations")),
        std::optional(Observation::NegativeBinomial));
    QCOMPARE(linkFromString(QStringLiteral("jax.numpy.exp")), std::optional(InverseLink::Exp));
    QCOMPARE(linkFromString(QStringLiteral("jax.nn.softplus")), std::optional(InverseLink::Softplus));
    QCOMPARE(linkFromString(QStringLiteral("jax.lax.logistic")), std::optional(InverseLink::Logistic));
    QCOMPARE(linkFromString(QStringLiteral("jax.scipy.stats.norm.cdf")), std::optional(InverseLink::NormCdf));
    QCOMPARE(linkFromString(QStringLiteral("nemos.utils.one_over_x")), std::optional(InverseLink::OneOverX));
    QCOMPARE(linkFromString(QStringLiteral("jax.nn.log_softmax")), std::optional(InverseLink::LogSoftmax));
    QCOMPARE(penaltyFromString(QStringLiteral("nemos.regularizer.GroupLasso")), std::optional(Penalty::GroupLasso));
    QCOMPARE(solverFromString(QStringLiteral("ProxSVRG")), std::optional(Solver::ProxSVRG));
    QVERIFY(!observationFromString(QStringLiteral("__main__.Custom")).has_value());
    QVERIFY(!linkFromString(QStringLiteral("__main__.custom_link")).has_value());
    for (int i = 0; i <= int(Solver::Newton); ++i)
        QCOMPARE(solverFromString(toString(Solver(i))), std::optional(Solver(i)));
    for (int i = 0; i <= int(InverseLink::LogSoftmax); ++i)
        QCOMPARE(linkFromString(nemosName(InverseLink(i))), std::optional(InverseLink(i)));
}

void TestFitEngine::solverKwargs_data()
{
    QTest::addColumn<int>("solver");
    QTest::addColumn<QVariantMap>("kwargs");
    QTest::addColumn<QString>("errorMember");
    QTest::addColumn<QString>("errorReason");
    QTest::newRow("tol and maxiter") << int(Solver::GradientDescent)
                                     << QVariantMap { { "tol", 1e-8 }, { "maxiter", 1000 } } << QString() << QString();
    QTest::newRow("integral float maxiter")
        << int(Solver::LBFGS) << QVariantMap { { "maxiter", 50.0 } } << QString() << QString();
    QTest::newRow("None means default") << int(Solver::BFGS) << QVariantMap { { "tol", QVariant() } } << QString()
                                        << QString();
    QTest::newRow("unknown key") << int(Solver::LBFGS) << QVariantMap { { "tolerance", 1e-3 } }
                                 << "solver_kwargs.tolerance"
                                 << "LBFGS does not take the argument 'tolerance'";
    QTest::newRow("history_size is LBFGS only")
        << int(Solver::BFGS) << QVariantMap { { "history_size", 5 } } << "solver_kwargs.history_size"
        << "BFGS does not take";
    QTest::newRow("maxiter as text") << int(Solver::GradientDescent) << QVariantMap { { "maxiter", "many" } }
                                     << "solver_kwargs.maxiter"
                                     << "expected a positive integer";
    QTest::newRow("negative tol") << int(Solver::ProximalGradient) << QVariantMap { { "tol", -1.0 } }
                                  << "solver_kwargs.tol"
                                  << "expected a number >= 0";
    QTest::newRow("acceleration not a bool")
        << int(Solver::ProximalGradient) << QVariantMap { { "acceleration", 1 } } << "solver_kwargs.acceleration"
        << "expected True or False";
    QTest::newRow("batch_size for SVRG") << int(Solver::SVRG) << QVariantMap { { "batch_size", 64 }, { "key", 3 } }
                                         << QString() << QString();
}

void TestFitEngine::solverKwargs()
{
    QFETCH(int, solver);
    QFETCH(QVariantMap, kwargs);
    QFETCH(QString, errorMember);
    QFETCH(QString, errorReason);

    const auto options = solverOptionsFromKwargs(Solver(solver), kwargs);
    if (errorMember.isEmpty()) {
        QVERIFY2(options.ok(), qPrintable(options.ok() ? QString() : options.error().message()));
        QCOMPARE(toString(options->solver), toString(Solver(solver)));
        // Round trip through toKwargs keeps what was set.
        const auto again = solverOptionsFromKwargs(Solver(solver), toKwargs(*options));
        QVERIFY(again.ok());
        QCOMPARE(again->tol, options->tol);
        QCOMPARE(again->maxIter, options->maxIter);
        QCOMPARE(again->batchSize, options->batchSize);
        if (kwargs.contains(QStringLiteral("maxiter")))
            QCOMPARE(*options->maxIter, kwargs.value(QStringLiteral("maxiter")).toInt());
        return;
    }
    QVERIFY(!options.ok());
    QCOMPARE(options.error().member, errorMember);
    QVERIFY2(options.error().reason.contains(errorReason), qPrintable(options.error().reason));
}

// A tolerance or maxiter the user sets is honoured as given, not tightened.
void TestFitEngine::userToleranceHonoured()
{
    Eigen::MatrixXd X, Y;
    simulatePoisson(500, 5, 1, 5, X, Y);
    GlmProblem problem;
    problem.penalty = Penalty::Ridge;
    problem.strength = 0.01;

    SolverOptions options;
    options.solver = Solver::GradientDescent;
    options.maxIter = 3;
    FitResult result = fitGlm(problem, options, X, Y);
    QCOMPARE(toString(result.status), toString(FitStatus::MaxIterations));
    QCOMPARE(result.iterations, 3);
    QVERIFY(result.hasModel());
    QVERIFY(result.message.contains(QStringLiteral("maxiter=3")));

    options.maxIter.reset();
    options.tol = 1e-2;
    const FitResult loose = fitGlm(problem, options, X, Y);
    options.tol = 1e-10;
    const FitResult tight = fitGlm(problem, options, X, Y);
    QVERIFY(loose.converged() && tight.converged());
    QVERIFY(loose.iterations < tight.iterations);
    QVERIFY(loose.gradientNorm <= 1e-2 * 2);
    QVERIFY(tight.gradientNorm <= 1e-9);
}

// A PopulationGLM whose feature_mask cuts inputs equals one GLM per neuron on its kept inputs.
void TestFitEngine::populationFeatureMask()
{
    Eigen::MatrixXd X, Y;
    simulatePoisson(800, 5, 3, 21, X, Y);
    Eigen::MatrixXd mask(5, 3);
    mask << 1, 0, 1, //
        1, 1, 0, //
        0, 1, 1, //
        1, 1, 0, //
        0, 0, 1;

    for (Penalty penalty : { Penalty::Ridge, Penalty::Lasso }) {
        GlmProblem population;
        population.population = true;
        population.penalty = penalty;
        population.strength = 0.02;
        population.featureMask = mask;
        for (Solver solver : { Solver::Newton, defaultSolver(penalty) }) {
            SolverOptions options;
            options.solver = solver;
            const FitResult joint = fitGlm(population, options, X, Y);
            QVERIFY2(joint.converged(), qPrintable(joint.message));
            QCOMPARE(joint.coef.rows(), 5);
            QCOMPARE(joint.coef.cols(), 3);

            double separateObjective = 0;
            for (Eigen::Index neuron = 0; neuron < 3; ++neuron) {
                std::vector<Eigen::Index> kept;
                for (Eigen::Index j = 0; j < 5; ++j)
                    if (mask(j, neuron) != 0)
                        kept.push_back(j);
                Eigen::MatrixXd Xk(X.rows(), Eigen::Index(kept.size()));
                for (size_t j = 0; j < kept.size(); ++j)
                    Xk.col(Eigen::Index(j)) = X.col(kept[j]);
                GlmProblem single;
                single.penalty = penalty;
                single.strength = 0.02;
                SolverOptions newton;
                newton.solver = Solver::Newton;
                const FitResult alone = fitGlm(single, newton, Xk, Y.col(neuron));
                QVERIFY(alone.converged());
                separateObjective += alone.objective;

                for (Eigen::Index j = 0; j < 5; ++j) {
                    const auto at = std::find(kept.begin(), kept.end(), j);
                    const double expected = at == kept.end() ? 0.0 : alone.coef(Eigen::Index(at - kept.begin()), 0);
                    QVERIFY2(std::abs(joint.coef(j, neuron) - expected) <= 1e-6,
                        qPrintable(QStringLiteral("%1 %2 neuron %3 feature %4: %5 vs %6")
                                       .arg(toString(penalty), toString(solver))
                                       .arg(neuron)
                                       .arg(j)
                                       .arg(joint.coef(j, neuron))
                                       .arg(expected)));
                }
                QVERIFY(std::abs(joint.intercept(neuron) - alone.intercept(0)) <= 1e-6);
            }
            QVERIFY(std::abs(joint.objective - separateObjective) <= 1e-9 * std::abs(separateObjective));
        }
    }
}

// scale_ and dof_resid_ as nemos sets them.
void TestFitEngine::scaleAndDof()
{
    Eigen::MatrixXd X, Y;
    simulatePoisson(400, 4, 1, 8, X, Y);
    SolverOptions newton;
    newton.solver = Solver::Newton;

    // Gaussian: RSS / dof with dof = n - rank(X) - 1 when unregularised.
    GlmProblem gaussian;
    gaussian.observation = Observation::Gaussian;
    gaussian.link = InverseLink::Identity;
    FitResult result = fitGlm(gaussian, newton, X, Y);
    QVERIFY(result.converged());
    QCOMPARE(result.dofResid, 400.0 - 4 - 1);
    const Eigen::MatrixXd mu = predict(gaussian, X, result.coef, result.intercept);
    QVERIFY(std::abs(result.scale(0) - (Y - mu).squaredNorm() / (400 - 5)) < 1e-12 * result.scale(0));

    // A rank-deficient X lowers the unregularised dof.
    Eigen::MatrixXd Xd(400, 5);
    Xd << X, X.col(0) + X.col(1);
    result = fitGlm(gaussian, newton, Xd, Y);
    QVERIFY2(result.hasModel(), qPrintable(result.message));
    QCOMPARE(result.dofResid, 400.0 - 4 - 1);

    // Ridge: n - p - 1. Lasso: n - nonzero coefficients - 1.
    GlmProblem ridge;
    ridge.penalty = Penalty::Ridge;
    ridge.strength = 0.1;
    result = fitGlm(ridge, newton, Xd, Y);
    QCOMPARE(result.dofResid, 400.0 - 5 - 1);
    QCOMPARE(result.scale(0), 1.0);

    GlmProblem lasso;
    lasso.penalty = Penalty::Lasso;
    lasso.strength = 0.15;
    result = fitGlm(lasso, newton, X, Y);
    QVERIFY(result.converged());
    const auto nonzero = (result.coef.array().abs() > 1e-8).count();
    QVERIFY2(nonzero > 0 && nonzero < 4, qPrintable(QStringLiteral("%1 nonzero").arg(nonzero)));
    QCOMPARE(result.dofResid, 400.0 - double(nonzero) - 1);

    // Gamma: Pearson chi-square over dof. NegativeBinomial: its fixed scale.
    GlmProblem gamma;
    gamma.observation = Observation::Gamma;
    gamma.link = InverseLink::OneOverX;
    const Eigen::MatrixXd positive = Y.array() + 0.5;
    result = fitGlm(gamma, newton, X, positive);
    QVERIFY2(result.converged(), qPrintable(result.message));
    const Eigen::ArrayXd rate = predict(gamma, X, result.coef, result.intercept).col(0).array();
    const double pearson = ((positive.col(0).array() - rate).square() / rate.square()).sum() / (400 - 5);
    QVERIFY(std::abs(result.scale(0) - pearson) < 1e-10 * pearson);

    GlmProblem negbin;
    negbin.observation = Observation::NegativeBinomial;
    negbin.observationScale = 0.7;
    result = fitGlm(negbin, newton, X, Y);
    QVERIFY(result.converged());
    QCOMPARE(result.scale(0), 0.7);
}

// Categorical with log_softmax: Newton and LBFGS reach the same optimum, probabilities sum to one.
void TestFitEngine::categorical()
{
    std::mt19937_64 random(4);
    std::normal_distribution<double> normal;
    const Eigen::Index n = 600, p = 3, classes = 3;
    Eigen::MatrixXd X(n, p), Y(n, 1);
    Eigen::MatrixXd W(p, classes);
    W << 1.0, -0.5, 0.0, //
        0.0, 0.8, -0.6, //
        -0.4, 0.0, 0.7;
    for (Eigen::Index i = 0; i < X.size(); ++i)
        X.data()[i] = normal(random);
    for (Eigen::Index i = 0; i < n; ++i) {
        const Eigen::RowVectorXd eta = X.row(i) * W;
        const Eigen::RowVectorXd prob = eta.array().exp() / eta.array().exp().sum();
        std::discrete_distribution<int> pick({ prob(0), prob(1), prob(2) });
        Y(i, 0) = pick(random);
    }

    GlmProblem problem;
    problem.observation = Observation::Categorical;
    problem.link = InverseLink::LogSoftmax;
    problem.penalty = Penalty::Ridge;
    problem.strength = 0.01;
    SolverOptions newton, lbfgs;
    newton.solver = Solver::Newton;
    lbfgs.solver = Solver::LBFGS;
    const FitResult a = fitGlm(problem, newton, X, Y);
    const FitResult b = fitGlm(problem, lbfgs, X, Y);
    QVERIFY2(a.converged(), qPrintable(a.message));
    QVERIFY2(b.converged(), qPrintable(b.message));
    QCOMPARE(a.coef.cols(), classes);
    QVERIFY(std::abs(a.objective - b.objective) <= 1e-10 * a.objective);
    QVERIFY((a.coef - b.coef).cwiseAbs().maxCoeff() < 1e-5);
    const Eigen::MatrixXd prob = predict(problem, X, a.coef, a.intercept);
    QVERIFY((prob.rowwise().sum().array() - 1).abs().maxCoeff() < 1e-12);

    // Unregularised, the softmax is over-parameterised: Newton still ends at an optimum (damped Hessian).
    problem.penalty = Penalty::UnRegularized;
    const FitResult c = fitGlm(problem, newton, X, Y);
    QVERIFY2(c.converged(), qPrintable(c.message));
    QVERIFY(c.objective <= a.objective);
}

// Numeric trouble ends in a typed status with a message, never in a silent NaN model.
void TestFitEngine::divergenceIsTyped()
{
    Eigen::MatrixXd X, Y;
    simulatePoisson(200, 3, 1, 9, X, Y);
    X *= 50;
    GlmProblem problem;
    SolverOptions options;
    options.solver = Solver::GradientDescent;
    options.stepSize = 10.0;
    const FitResult result = fitGlm(problem, options, X, Y);
    QCOMPARE(toString(result.status), toString(FitStatus::Diverged));
    QVERIFY(!result.message.isEmpty());
    QVERIFY(result.coef.allFinite());

    // Starting outside the domain of one_over_x (a negative rate) is refused with a reason.
    GlmProblem gamma;
    gamma.observation = Observation::Gamma;
    gamma.link = InverseLink::OneOverX;
    FitControl control;
    control.initialIntercept = Eigen::VectorXd::Constant(1, -1.0);
    options.stepSize.reset();
    const FitResult outside = fitGlm(gamma, options, X, Y.array() + 1, control);
    QCOMPARE(toString(outside.status), toString(FitStatus::Diverged));
    QVERIFY(outside.message.contains(QStringLiteral("domain")));
}

// Progress comes from the fitting thread, with growing iteration numbers, ending with the final state.
void TestFitEngine::progressCallback()
{
    Eigen::MatrixXd X, Y;
    simulatePoisson(20000, 40, 1, 13, X, Y);
    GlmProblem problem;
    problem.penalty = Penalty::Ridge;
    problem.strength = 1e-4;
    SolverOptions options;
    options.solver = Solver::GradientDescent;
    options.tol = 0;
    options.maxIter = 4000;

    std::vector<FitProgress> seen;
    std::thread::id caller;
    FitControl control;
    control.progress = [&](const FitProgress& progress) {
        seen.push_back(progress);
        caller = std::this_thread::get_id();
    };
    FitResult result;
    std::thread worker([&] { result = fitGlm(problem, options, X, Y, control); });
    const std::thread::id workerId = worker.get_id();
    worker.join();

    QVERIFY(seen.size() >= 2);
    QCOMPARE(caller, workerId);
    for (size_t i = 1; i < seen.size(); ++i)
        QVERIFY(seen[i].iteration >= seen[i - 1].iteration);
    QCOMPARE(seen.back().iteration, result.iterations);
    QCOMPARE(seen.back().objective, result.objective);
    // The first report may already come at the optimum (reports are throttled in time), where an
    // accelerated method moves by rounding only: the objective must not have grown beyond that.
    QVERIFY2(seen.front().objective >= seen.back().objective - 1e-12 * std::abs(seen.back().objective),
        qPrintable(QStringLiteral("first %1, last %2")
                       .arg(seen.front().objective, 0, 'g', 17)
                       .arg(seen.back().objective, 0, 'g', 17)));
}

void TestFitEngine::cancellation_data()
{
    QTest::addColumn<int>("solver");
    QTest::addColumn<int>("features");
    QTest::newRow("GradientDescent") << int(Solver::GradientDescent) << 30;
    QTest::newRow("LBFGS") << int(Solver::LBFGS) << 30;
    QTest::newRow("SVRG") << int(Solver::SVRG) << 30;
    QTest::newRow("Newton, inside a wide Hessian") << int(Solver::Newton) << 800;
}

// A cancel request from another thread returns within 100 ms with a usable model.
void TestFitEngine::cancellation()
{
    QFETCH(int, solver);
    QFETCH(int, features);
    Eigen::MatrixXd X, Y;
    // Newton: few enough rows that every Hessian is exact, each a Gram product of some 4e9 multiply-adds.
    simulatePoisson(features > 100 ? 12000 : 100000, features, 1, 17, X, Y);
    GlmProblem problem;
    problem.penalty = Penalty::Ridge;
    problem.strength = 1e-6;
    SolverOptions options;
    options.solver = Solver(solver);
    options.tol = 0;
    options.maxIter = 1000000;

    std::atomic<bool> cancel { false };
    std::atomic<bool> started { false };
    FitControl control;
    control.cancel = &cancel;
    control.progress = [&](const FitProgress&) { started = true; };
    FitResult result;
    std::chrono::steady_clock::time_point returned;
    std::thread worker([&] {
        result = fitGlm(problem, options, X, Y, control);
        returned = std::chrono::steady_clock::now();
    });
    // First-order solvers are cancelled once they iterate (the first report comes after their first step;
    // setting up can take long under the sanitizers), so that there is an iterate to hand back. Newton is
    // cancelled early, in its setup or its first wide Hessian.
    const bool newton = solver == int(Solver::Newton);
    const auto startDeadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!newton && !started && std::chrono::steady_clock::now() < startDeadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    std::this_thread::sleep_for(std::chrono::milliseconds(newton ? 100 : 300));
    const bool iterated = started;
    const auto requested = std::chrono::steady_clock::now();
    cancel = true;
    worker.join();

    const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(returned - requested).count();
    QCOMPARE(toString(result.status), toString(FitStatus::Cancelled));
    QVERIFY2(waited <= cancelBudgetMs(), qPrintable(QStringLiteral("cancel took %1 ms").arg(waited)));
    if (iterated)
        QVERIFY(result.hasModel());
    QVERIFY(result.message.contains(QStringLiteral("cancelled")));
}

void TestFitEngine::canonicalLossesMatchElementLoss_data()
{
    addInstructionSetRows();
}

// Poisson with exp and Bernoulli with logistic have loops of their own (kernels.cpp): on every scale of the
// linear predictor (down to exp underflowing and up to the edge of overflow) the loss gives the value and the
// derivative that the per-element definition gives. Four equal rows, so that the AVX2 loop takes them as one
// vector.
void TestFitEngine::hessianMatchesElementLoss_data()
{
    addInstructionSetRows();
}

// The Hessian of the data term, with the curvature weights the canonical pairs compute on their own path and
// the others through elementLoss, against X^T diag(d2) X / n summed here element by element; the blocks span
// several threads and a last block of fewer rows, and the weights' domain from exp's underflow to overflow.
void TestFitEngine::hessianMatchesElementLoss()
{
    using nemoscope::fit::detail::elementLoss;
    using nemoscope::fit::detail::SmoothLoss;
    QFETCH(QString, set);
    const InstructionSetScope scope(set);
    if (!scope.selected())
        QSKIP("this processor lacks the instruction set");
    const Eigen::Index n = 20001, p = 7;
    std::mt19937_64 random(41);
    std::normal_distribution<double> normal;
    Eigen::MatrixXd X(n, p), Y(n, 1);
    for (Eigen::Index i = 0; i < X.size(); ++i)
        X.data()[i] = normal(random);
    X.col(0) *= 300; // a few linear predictors far beyond exp's range
    for (Eigen::Index i = 0; i < n; ++i)
        Y(i, 0) = double(i % 3 == 0);
    Eigen::MatrixXd theta(p + 1, 1);
    for (Eigen::Index j = 0; j <= p; ++j)
        theta(j, 0) = 0.3 * normal(random);
    theta(0, 0) = 0.01;
    for (const auto& [observation, link] : { std::pair { Observation::Poisson, InverseLink::Exp },
             std::pair { Observation::Bernoulli, InverseLink::Logistic },
             std::pair { Observation::Poisson, InverseLink::Softplus } }) {
        GlmProblem problem;
        problem.observation = observation;
        problem.link = link;
        const SmoothLoss loss(problem, X, Y, 1, nullptr);
        std::vector<Eigen::MatrixXd> blocks;
        for (int call = 0; call < 2; ++call) { // the second call reuses the first one's buffers
            QVERIFY(loss.hessian(theta, blocks, 0, 0));
            QCOMPARE(blocks.size(), size_t(1));
            Eigen::MatrixXd expected = Eigen::MatrixXd::Zero(p + 1, p + 1);
            Eigen::VectorXd row(p + 1);
            for (Eigen::Index i = 0; i < n; ++i) {
                row << X.row(i).transpose(), 1.0;
                double value, d2 = 0;
                elementLoss(problem, Y(i, 0), row.dot(theta.col(0)), value, nullptr, &d2);
                if (std::isfinite(d2) && d2 > 0)
                    expected += d2 * row * row.transpose();
            }
            expected /= double(n);
            const double error = (blocks[0] - expected).cwiseAbs().maxCoeff();
            QVERIFY2(error <= 1e-12 * std::max(1.0, expected.cwiseAbs().maxCoeff()),
                qPrintable(QStringLiteral("%1 %2: off by %3").arg(toString(observation), toString(link)).arg(error)));
        }
    }
}

void TestFitEngine::canonicalLossesMatchElementLoss()
{
    using nemoscope::fit::detail::elementLoss;
    using nemoscope::fit::detail::SmoothLoss;
    QFETCH(QString, set);
    const InstructionSetScope scope(set);
    if (!scope.selected())
        QSKIP("this processor lacks the instruction set");
    const std::vector<double> etas { -745.0, -700.0, -40.0, -37.5, -20.0, -1.0, -1e-9, 0.0, 1e-12, 0.5, 3.0, 19.0, 36.0,
        40.0, 300.0, 700.0 };
    for (const auto& [observation, link, labels] : { std::tuple<Observation, InverseLink, std::vector<double>> {
                                                         Observation::Poisson, InverseLink::Exp, { 0.0, 3.0 } },
             { Observation::Bernoulli, InverseLink::Logistic, { 0.0, 1.0 } } }) {
        GlmProblem problem;
        problem.observation = observation;
        problem.link = link;
        for (double y : labels) {
            for (double eta : etas) {
                const Eigen::MatrixXd X = Eigen::MatrixXd::Constant(4, 1, eta);
                const Eigen::MatrixXd Y = Eigen::MatrixXd::Constant(4, 1, y);
                Eigen::MatrixXd theta(2, 1);
                theta << 1.0, 0.0;
                const SmoothLoss loss(problem, X, Y, 1, nullptr);
                Eigen::MatrixXd grad;
                const double value = loss.value(theta, &grad);
                double expected = 0, d1 = 0;
                const bool inside = elementLoss(problem, y, eta, expected, &d1, nullptr);
                const QString where = QStringLiteral("%1, y %2, eta %3: %4 against %5")
                                          .arg(toString(observation))
                                          .arg(y)
                                          .arg(eta)
                                          .arg(value, 0, 'g', 17)
                                          .arg(expected, 0, 'g', 17);
                if (!inside || !std::isfinite(expected)) {
                    QVERIFY2(!std::isfinite(value), qPrintable(where));
                    continue;
                }
                QVERIFY2(std::abs(value - expected) <= 4e-16 * std::abs(expected) + 1e-300, qPrintable(where));
                QVERIFY2(std::abs(grad(1, 0) - d1) <= 4e-16 * std::abs(d1) + 1e-300, qPrintable(where));
            }
        }
    }
}

// A tolerance below what double precision can resolve (the gradient mapping then only wanders with
// rounding) ends at the best point seen, as converged at the limit of precision, long before maxiter.
void TestFitEngine::toleranceBelowPrecisionStops()
{
    Eigen::MatrixXd X, Y;
    simulatePoisson(30000, 24, 1, 29, X, Y);
    GlmProblem problem;
    problem.penalty = Penalty::Lasso;
    problem.strength = 2e-3;
    SolverOptions options;
    options.solver = Solver::ProximalGradient;
    const FitResult usual = fitGlm(problem, options, X, Y);
    QVERIFY2(usual.converged(), qPrintable(usual.message));

    options.tol = 1e-15;
    options.maxIter = 1000000;
    const FitResult tight = fitGlm(problem, options, X, Y);
    QVERIFY2(tight.converged(), qPrintable(tight.message));
    QVERIFY2(tight.message.contains(QStringLiteral("precision")), qPrintable(tight.message));
    QVERIFY2(tight.iterations < 20000, qPrintable(QString::number(tight.iterations)));
    QVERIFY(tight.gradientNorm <= 1e-9);
    QVERIFY(tight.objective <= usual.objective * (1 + 1e-14));
}

void TestFitEngine::kernelsMatchEigen_data()
{
    addInstructionSetRows();
}

// The raw loops of a pass over X, and the Gram product of a sampled Hessian, give the products Eigen gives, on
// any block shape (rows and columns not multiples of the vector width or the tile, rows beyond one packed
// chunk, a leading dimension larger than the block), with each instruction set.
void TestFitEngine::kernelsMatchEigen()
{
    namespace kernels = nemoscope::fit::detail::kernels;
    QFETCH(QString, set);
    const InstructionSetScope scope(set);
    if (!scope.selected())
        QSKIP("this processor lacks the instruction set");
    QCOMPARE(QString::fromLatin1(kernels::instructionSet()), set);

    std::mt19937_64 random(23);
    std::normal_distribution<double> normal;
    for (const auto& [ld, rows, cols] :
        { std::tuple<Eigen::Index, Eigen::Index, Eigen::Index> { 40, 37, 11 }, { 8, 8, 4 }, { 3, 3, 1 }, { 101, 64, 9 },
            { 5, 0, 3 }, { 9, 5, 0 }, { 70, 66, 13 }, { 1400, 1300, 51 }, { 300, 260, 40 } }) {
        Eigen::MatrixXd X(ld, std::max<Eigen::Index>(cols, 1));
        for (Eigen::Index i = 0; i < X.size(); ++i)
            X.data()[i] = normal(random);
        Eigen::VectorXd w(std::max<Eigen::Index>(cols, 1)), d(ld), eta(ld), g(w.size());
        for (Eigen::Index i = 0; i < w.size(); ++i)
            w(i) = normal(random);
        for (Eigen::Index i = 0; i < ld; ++i)
            d(i) = normal(random);
        eta.setConstant(0.5);
        g.setConstant(-0.25);
        // A block that starts one row down, as a pass over a middle block of rows does, and asks the cache for
        // the rows that follow it: more than X holds, past the end of its last column (a hint that reads nothing).
        const Eigen::Index start = ld > rows ? 1 : 0;
        kernels::multiplyAdd(X.data() + start, ld, rows, cols, w.data(), eta.data() + start, ld);
        kernels::transposeMultiplyAdd(X.data() + start, ld, rows, cols, d.data() + start, g.data());

        Eigen::VectorXd etaExpected = Eigen::VectorXd::Constant(ld, 0.5);
        etaExpected.segment(start, rows) += X.block(start, 0, rows, cols) * w.head(cols);
        Eigen::VectorXd gExpected = Eigen::VectorXd::Constant(w.size(), -0.25);
        gExpected.head(cols) += X.block(start, 0, rows, cols).transpose() * d.segment(start, rows);
        const QString shape = QStringLiteral("ld %1, rows %2, cols %3").arg(ld).arg(rows).arg(cols);
        QVERIFY2((eta - etaExpected).cwiseAbs().maxCoeff() <= 1e-12, qPrintable(shape));
        QVERIFY2((g - gExpected).cwiseAbs().maxCoeff() <= 1e-12, qPrintable(shape));

        // The Gram product of a sampled Hessian (not in the portable set, which leaves it to Eigen) adds the
        // lower triangle of B^T B, B = S [A 1] (rows scaled or not, a column of ones or not), and leaves the
        // rest of C, here with a leading dimension above its columns, as it was.
        Eigen::VectorXd s(ld);
        for (Eigen::Index i = 0; i < ld; ++i)
            s(i) = 0.5 + std::abs(normal(random));
        for (const bool scaledRows : { false, true }) {
            for (const bool ones : { false, true }) {
                const Eigen::Index q = cols + (ones ? 1 : 0);
                const Eigen::Index ldc = q + 2;
                Eigen::MatrixXd C = Eigen::MatrixXd::Constant(ldc, std::max<Eigen::Index>(q, 1), 2.0);
                std::vector<double> workspace;
                const bool computed = kernels::gramLowerAdd(X.data() + start, ld, rows, cols,
                    scaledRows ? s.data() + start : nullptr, ones, C.data(), ldc, workspace);
                QCOMPARE(computed, set != QLatin1String("portable"));
                Eigen::MatrixXd CExpected = Eigen::MatrixXd::Constant(ldc, C.cols(), 2.0);
                if (computed && rows > 0 && q > 0) {
                    Eigen::MatrixXd B = Eigen::MatrixXd::Ones(rows, q);
                    B.leftCols(cols) = X.block(start, 0, rows, cols);
                    if (scaledRows)
                        B = s.segment(start, rows).asDiagonal() * B;
                    CExpected.topLeftCorner(q, q).triangularView<Eigen::Lower>() += B.transpose() * B;
                }
                QVERIFY2((C - CExpected).cwiseAbs().maxCoeff() <= 1e-11 * std::max(1.0, double(rows)),
                    qPrintable(shape + QStringLiteral(", scaled rows %1, ones %2").arg(scaledRows).arg(ones)));
            }
        }
    }
}

void TestFitEngine::lossKernelsMatchElementLoss_data()
{
    addInstructionSetRows();
}

// The loss kernels of the canonical pairs against elementLoss, with each instruction set (AVX-512 runs the AVX2 loops):
// the sum and every derivative, for each (y, eta) pair at each place of a block of seven rows (the four lanes of a
// vector and the three rows left over), eta from beyond exp's underflow to beyond its overflow; then blocks of random
// rows of several lengths, from an unaligned start.
void TestFitEngine::lossKernelsMatchElementLoss()
{
    namespace kernels = nemoscope::fit::detail::kernels;
    using nemoscope::fit::detail::elementLoss;
    QFETCH(QString, set);
    const InstructionSetScope scope(set);
    if (!scope.selected())
        QSKIP("this processor lacks the instruction set");

    // The AVX2 exp and log1p are within 0.6 and 0.7 ulp of the exact result, glibc's within 0.5 and 0.8, so
    // the two may differ by an ulp or two of exp or log1p, and the AVX2 loops round mu - y eta once. Both
    // errors are a few ulp of the larger term: 1e-15 (4.5 ulp) of |value| + |y eta| bounds them, since mu (or
    // softplus) is value + y eta; over millions of random pairs the largest gap is 4.1e-16 of that sum, so
    // 4e-16 would not do. The portable loops evaluate the definition itself.
    const double tolerance = set != QStringLiteral("portable") ? 1e-15 : 4e-16;
    constexpr double kInf = std::numeric_limits<double>::infinity();
    const std::vector<double> etas { -kInf, -1e300, -1000.0, -746.0, -745.2, -745.0, -744.0, -740.0, -709.0, -708.3,
        -700.0, -40.0, -37.5, -20.0, -1.0, -0.5, -1e-9, -1e-300, -0.0, 0.0, 1e-300, 1e-12, 0.3, 0.5, 1.0, 3.0, 19.0,
        36.0, 40.0, 300.0, 700.0, 709.0, 709.78, 709.79, 745.0, 1000.0, 1e300, kInf };
    using Kernel = double (*)(const double*, const double*, std::ptrdiff_t, double*);
    for (const auto& [observation, link, labels, kernel] :
        { std::tuple<Observation, InverseLink, std::vector<double>, Kernel> {
              Observation::Poisson, InverseLink::Exp, { 0.0, 1.0, 3.0, 1e6 }, kernels::poissonExpLoss },
            { Observation::Bernoulli, InverseLink::Logistic, { 0.0, 1.0 }, kernels::bernoulliLogisticLoss } }) {
        GlmProblem problem;
        problem.observation = observation;
        problem.link = link;

        // Filler rows with eta = -1e6, y = 0 have a loss and a derivative of exactly 0 in both pairs.
        constexpr std::ptrdiff_t kRows = 7;
        for (double y : labels) {
            for (double eta : etas) {
                double expected = 0, d1 = 0;
                elementLoss(problem, y, eta, expected, &d1, nullptr);
                for (std::ptrdiff_t place = 0; place < kRows; ++place) {
                    std::vector<double> ys(kRows, 0.0), es(kRows, -1e6), deriv(kRows, -1.0);
                    ys[size_t(place)] = y;
                    es[size_t(place)] = eta;
                    const double value = kernel(ys.data(), es.data(), kRows, deriv.data());
                    const double valueOnly = kernel(ys.data(), es.data(), kRows, nullptr);
                    const QString where = QStringLiteral("%1, y %2, eta %3, row %4: %5 against %6, derivative %7 "
                                                         "against %8")
                                              .arg(toString(observation))
                                              .arg(y)
                                              .arg(eta)
                                              .arg(place)
                                              .arg(value, 0, 'g', 17)
                                              .arg(expected, 0, 'g', 17)
                                              .arg(deriv[size_t(place)], 0, 'g', 17)
                                              .arg(d1, 0, 'g', 17);
                    QVERIFY2(valueOnly == value || (std::isnan(valueOnly) && std::isnan(value)), qPrintable(where));
                    for (std::ptrdiff_t i = 0; i < kRows; ++i)
                        QVERIFY2(i == place || deriv[size_t(i)] == 0.0, qPrintable(where));

                    // Overflow gives +inf, 0 * inf NaN, as in the definition.
                    if (!std::isfinite(expected)) {
                        QVERIFY2(std::isnan(expected) ? std::isnan(value) : value == expected, qPrintable(where));
                    } else {
                        const double scale = std::abs(expected) + std::abs(y * eta);
                        QVERIFY2(std::abs(value - expected) <= tolerance * scale + 1e-300, qPrintable(where));
                    }
                    const double got = deriv[size_t(place)];
                    if (!std::isfinite(d1))
                        QVERIFY2(std::isnan(d1) ? std::isnan(got) : got == d1, qPrintable(where));
                    else
                        QVERIFY2(
                            std::abs(got - d1) <= tolerance * (std::abs(d1) + std::abs(y)) + 1e-300, qPrintable(where));
                }
            }
        }

        // Random rows: each derivative as above; the sums are taken in another order than elementLoss's, so
        // they agree to the rounding of a sum of that many terms.
        std::mt19937_64 random(31);
        std::normal_distribution<double> normal;
        for (std::ptrdiff_t rows : { 0, 1, 3, 4, 5, 8, 1001 }) {
            std::vector<double> ys(size_t(rows) + 1), es(size_t(rows) + 1), deriv(size_t(rows) + 1);
            for (size_t i = 0; i < ys.size(); ++i) {
                es[i] = 12 * normal(random);
                const double mean
                    = observation == Observation::Poisson ? std::exp(std::min(es[i], 5.0)) : 1 / (1 + std::exp(-es[i]));
                ys[i] = observation == Observation::Poisson ? double(std::poisson_distribution<int>(mean)(random))
                                                            : double(std::bernoulli_distribution(mean)(random));
            }
            // Rows 1.. of the vectors: a start off the 32-byte alignment of the allocation.
            const double value = kernel(ys.data() + 1, es.data() + 1, rows, deriv.data() + 1);
            double expected = 0, scale = 0;
            for (std::ptrdiff_t i = 1; i <= rows; ++i) {
                double v = 0, d1 = 0;
                QVERIFY(elementLoss(problem, ys[size_t(i)], es[size_t(i)], v, &d1, nullptr));
                expected += v;
                scale += std::abs(v) + std::abs(ys[size_t(i)] * es[size_t(i)]);
                const double got = deriv[size_t(i)];
                QVERIFY2(std::abs(got - d1) <= tolerance * (std::abs(d1) + std::abs(ys[size_t(i)])) + 1e-300,
                    qPrintable(QStringLiteral("%1, %2 rows, row %3: derivative %4 against %5")
                                   .arg(toString(observation))
                                   .arg(rows)
                                   .arg(i - 1)
                                   .arg(got, 0, 'g', 17)
                                   .arg(d1, 0, 'g', 17)));
            }
            QVERIFY2(std::abs(value - expected) <= (tolerance + double(rows) * 0x1p-53) * scale,
                qPrintable(QStringLiteral("%1, %2 rows: %3 against %4")
                               .arg(toString(observation))
                               .arg(rows)
                               .arg(value, 0, 'g', 17)
                               .arg(expected, 0, 'g', 17)));
        }
    }
}

void TestFitEngine::sampledNewtonReachesTheOptimum_data()
{
    QTest::addColumn<int>("observation");
    QTest::addColumn<int>("penalty");
    QTest::addColumn<int>("rows");
    QTest::newRow("Poisson Ridge") << int(Observation::Poisson) << int(Penalty::Ridge) << 30000;
    QTest::newRow("Bernoulli Ridge") << int(Observation::Bernoulli) << int(Penalty::Ridge) << 30000;
    QTest::newRow("Poisson UnRegularized") << int(Observation::Poisson) << int(Penalty::UnRegularized) << 30000;
    QTest::newRow("Poisson Lasso") << int(Observation::Poisson) << int(Penalty::Lasso) << 30000;
    // Enough rows that a larger sample pays: the fit starts on the sample's own problem.
    QTest::newRow("Poisson Ridge, warm start") << int(Observation::Poisson) << int(Penalty::Ridge) << 100000;
    QTest::newRow("Bernoulli Ridge, warm start") << int(Observation::Bernoulli) << int(Penalty::Ridge) << 100000;
    QTest::newRow("Poisson UnRegularized, warm start")
        << int(Observation::Poisson) << int(Penalty::UnRegularized) << 100000;
    // Links with a bounded domain: the sample's optimum may leave it on rows the sample did not hold.
    QTest::newRow("Gamma Ridge, warm start") << int(Observation::Gamma) << int(Penalty::Ridge) << 100000;
    QTest::newRow("Gaussian Ridge, warm start") << int(Observation::Gaussian) << int(Penalty::Ridge) << 100000;
}

// With more rows than the Newton solver's Hessian sample (the curvature then comes from a subsample,
// corrected by quasi-Newton pairs for smooth problems, which may first be solved on the sample alone), the
// fit still ends at the optimum: every central difference of the objective is zero there, and L-BFGS or
// proximal gradient, which never sample, agree.
void TestFitEngine::sampledNewtonReachesTheOptimum()
{
    QFETCH(int, observation);
    QFETCH(int, penalty);
    QFETCH(int, rows);
    Eigen::MatrixXd X, Y;
    simulatePoisson(rows, 24, 1, 29, X, Y);
    GlmProblem problem;
    problem.observation = Observation(observation);
    problem.penalty = Penalty(penalty);
    problem.strength = problem.penalty == Penalty::Lasso ? 2e-3 : 1e-3;
    if (problem.observation == Observation::Bernoulli) {
        problem.link = InverseLink::Logistic;
        Y = Y.cwiseMin(1.0);
    } else if (problem.observation == Observation::Gamma) {
        problem.link = InverseLink::OneOverX;
        Y.array() += 0.5;
    } else if (problem.observation == Observation::Gaussian) {
        problem.link = InverseLink::Identity;
    }
    SolverOptions options;
    options.solver = Solver::Newton;
    options.tol = 1e-11;
    const FitResult newton = fitGlm(problem, options, X, Y);
    QVERIFY2(newton.converged(), qPrintable(newton.message));
    const double recomputed = objective(problem, X, Y, newton.coef, newton.intercept);
    QVERIFY(std::abs(newton.objective - recomputed) <= 1e-13 * std::abs(recomputed));

    if (problem.penalty != Penalty::Lasso) {
        const double h = 1e-5;
        for (Eigen::Index j = 0; j <= X.cols(); ++j) {
            Eigen::MatrixXd up = newton.coef, down = newton.coef;
            Eigen::VectorXd upB = newton.intercept, downB = newton.intercept;
            if (j < X.cols()) {
                up(j, 0) += h;
                down(j, 0) -= h;
            } else {
                upB(0) += h;
                downB(0) -= h;
            }
            const double slope = (objective(problem, X, Y, up, upB) - objective(problem, X, Y, down, downB)) / (2 * h);
            QVERIFY2(
                std::abs(slope) < 1e-7, qPrintable(QStringLiteral("slope %1 along parameter %2").arg(slope).arg(j)));
        }
    }

    options.solver = problem.penalty == Penalty::Lasso ? Solver::ProximalGradient : Solver::LBFGS;
    // Proximal gradient converges linearly with a poor rate here: a looser tolerance keeps it to seconds.
    options.tol = problem.penalty == Penalty::Lasso ? 1e-9 : 1e-12;
    options.maxIter = 100000;
    const FitResult other = fitGlm(problem, options, X, Y);
    QVERIFY2(other.converged(), qPrintable(other.message));
    QVERIFY2(newton.objective <= other.objective + 1e-12 * std::abs(other.objective),
        qPrintable(QStringLiteral("Newton %1, %2 %3")
                       .arg(newton.objective, 0, 'g', 17)
                       .arg(toString(options.solver))
                       .arg(other.objective, 0, 'g', 17)));
    QVERIFY((newton.coef - other.coef).cwiseAbs().maxCoeff() < 1e-5);

    // With tol unset, a smooth fit may also stop on the size of its last step: still at the optimum, to well
    // within what the reference cases ask (1e-5).
    options.solver = Solver::Newton;
    options.tol.reset();
    options.maxIter.reset();
    const FitResult usual = fitGlm(problem, options, X, Y);
    QVERIFY2(usual.converged(), qPrintable(usual.message));
    const double coefScale = std::max(1.0, newton.coef.cwiseAbs().maxCoeff());
    QVERIFY2((usual.coef - newton.coef).cwiseAbs().maxCoeff() <= 1e-6 * coefScale,
        qPrintable(QString::number((usual.coef - newton.coef).cwiseAbs().maxCoeff())));
    QVERIFY(std::abs(usual.intercept(0) - newton.intercept(0)) <= 1e-6 * coefScale);
    QVERIFY(usual.objective <= newton.objective + 1e-12 * std::abs(newton.objective));
}

// The sample's optimum can leave a link's domain on rows the sample did not hold (here two outliers that
// force 1 / mu > 0 to bind): the fit then starts over from the usual starting point and still ends where
// L-BFGS does.
void TestFitEngine::warmStartOutsideTheDomain()
{
    Eigen::MatrixXd X, Y;
    simulatePoisson(100000, 24, 1, 31, X, Y);
    Y.array() += 0.5;
    for (Eigen::Index row : { 500, 600, 50500, 50600 }) {
        X.row(row).setZero();
        X(row, 0) = row % 200 == 0 ? 200.0 : -200.0;
        Y(row, 0) = 1.5;
    }
    GlmProblem problem;
    problem.observation = Observation::Gamma;
    problem.link = InverseLink::OneOverX;
    problem.penalty = Penalty::Ridge;
    problem.strength = 1e-3;
    SolverOptions options;
    options.solver = Solver::Newton;
    const FitResult newton = fitGlm(problem, options, X, Y);
    QVERIFY2(newton.converged(), qPrintable(newton.message));
    const Eigen::VectorXd eta = (X * newton.coef).array() + newton.intercept(0);
    QVERIFY(eta.minCoeff() > 0);

    options.solver = Solver::LBFGS;
    options.tol = 1e-12;
    options.maxIter = 100000;
    const FitResult lbfgs = fitGlm(problem, options, X, Y);
    QVERIFY2(lbfgs.converged(), qPrintable(lbfgs.message));
    QVERIFY2(newton.objective <= lbfgs.objective + 1e-12 * std::abs(lbfgs.objective),
        qPrintable(
            QStringLiteral("Newton %1, LBFGS %2").arg(newton.objective, 0, 'g', 17).arg(lbfgs.objective, 0, 'g', 17)));
    QVERIFY((newton.coef - lbfgs.coef).cwiseAbs().maxCoeff() < 1e-5);
}

QTEST_GUILESS_MAIN(TestFitEngine)
#include "tst_fitengine.moc"
