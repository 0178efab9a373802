// Faults at fit time: bad data (NaN, Inf, empty, mismatched, outside the observation model's domain),
// bad settings, and numeric trouble (divergence, a singular Hessian, overflow in exp, separable data).
// Each ends in a typed status with a message, never in a crash, a hang or a NaN model passed off as a
// result.
#include "fit/glm.h"

#include <QRegularExpression>
#include <QTest>

#include <cmath>
#include <limits>

using namespace nemoscope::fit;

namespace {

struct FitCase
{
    GlmProblem problem;
    SolverOptions options;
    Eigen::MatrixXd X;
    Eigen::MatrixXd Y;
    FitControl control;
};

// A well-posed Poisson problem to spoil: 200 samples, 3 features.
FitCase poissonCase()
{
    FitCase c;
    c.X = Eigen::MatrixXd(200, 3);
    c.Y = Eigen::MatrixXd(200, 1);
    for (int i = 0; i < 200; ++i) {
        c.X(i, 0) = std::sin(0.3 * i);
        c.X(i, 1) = std::cos(0.17 * i);
        c.X(i, 2) = 0.01 * (i % 17) - 0.08;
        c.Y(i, 0) = double((i * 7) % 5);
    }
    c.options.solver = Solver::LBFGS;
    return c;
}

FitCase withObservation(Observation observation, InverseLink link, double yValue)
{
    FitCase c = poissonCase();
    c.problem.observation = observation;
    c.problem.link = link;
    c.Y(5, 0) = yValue;
    return c;
}

bool allFinite(const Eigen::MatrixXd& m)
{
    return m.allFinite();
}

} // namespace

Q_DECLARE_METATYPE(FitCase)
Q_DECLARE_METATYPE(FitStatus)

class TestFitFaults : public QObject
{
    Q_OBJECT

private slots:
    void refusedData_data();
    void refusedData();
    void numericTrouble_data();
    void numericTrouble();
};

void TestFitFaults::refusedData_data()
{
    QTest::addColumn<FitCase>("fitCase");
    QTest::addColumn<QString>("member"); // "X", "y" or empty: what the message must be about
    QTest::addColumn<QString>("reason"); // a regular expression the message must match

    FitCase c = poissonCase();
    c.X(3, 1) = std::nan("");
    c.X(9, 0) = std::nan("");
    QTest::newRow("NaN in X") << c << "X"
                              << "NaN|not finite|non-finite";

    c = poissonCase();
    c.Y(4, 0) = std::numeric_limits<double>::infinity();
    QTest::newRow("Inf in y") << c << "y"
                              << "Inf|not finite|non-finite";

    c = poissonCase();
    c.X(0, 0) = -std::numeric_limits<double>::infinity();
    QTest::newRow("-Inf in X") << c << "X"
                               << "Inf|not finite|non-finite";

    c = poissonCase();
    c.X.resize(0, 3);
    c.Y.resize(0, 1);
    QTest::newRow("empty data") << c << ""
                                << "empty|no sample|0 sample|zero";

    c = poissonCase();
    c.Y.conservativeResize(199, 1);
    QTest::newRow("X and y of different lengths") << c << ""
                                                  << "200|199|length|sample|rows|match";

    c = poissonCase();
    c.Y(7, 0) = -1;
    QTest::newRow("negative Poisson counts") << c << "y"
                                             << "negative|>= 0|non-negative|domain";

    c = withObservation(Observation::Bernoulli, InverseLink::Logistic, 2.0);
    QTest::newRow("Bernoulli y outside [0, 1]") << c << "y"
                                                << "\\[0, 1\\]|between|0 and 1|domain|outside";

    c = withObservation(Observation::Gamma, InverseLink::OneOverX, 0.0);
    for (int i = 0; i < c.Y.rows(); ++i)
        c.Y(i, 0) = c.Y(i, 0) + 1.0;
    c.Y(11, 0) = 0.0;
    QTest::newRow("Gamma y of zero") << c << "y"
                                     << "positive|> 0|domain";

    c = withObservation(Observation::Categorical, InverseLink::LogSoftmax, 1.5);
    QTest::newRow("Categorical label not an integer") << c << "y"
                                                      << "integer|label";

    c = poissonCase();
    c.Y = Eigen::MatrixXd::Constant(200, 2, 1.0);
    QTest::newRow("GLM given two outputs") << c << "y"
                                           << "output|column|PopulationGLM|neuron|2";

    c = poissonCase();
    c.problem.penalty = Penalty::Ridge;
    c.problem.strength = -1.0;
    QTest::newRow("negative strength") << c << ""
                                       << "strength|negative|>= 0";

    c = poissonCase();
    c.problem.penalty = Penalty::Ridge;
    c.problem.strength = std::nan("");
    QTest::newRow("NaN strength") << c << ""
                                  << "strength|finite|NaN";

    c = poissonCase();
    c.problem.penalty = Penalty::ElasticNet;
    c.problem.strength = 0.1;
    c.problem.ratio = 0.0;
    c.options.solver = Solver::ProximalGradient;
    QTest::newRow("ElasticNet ratio 0") << c << ""
                                        << "ratio|\\(0, 1\\]";

    c = poissonCase();
    c.problem.penalty = Penalty::Lasso;
    c.problem.strength = 0.1;
    c.options.solver = Solver::LBFGS;
    QTest::newRow("solver not allowed for Lasso") << c << ""
                                                  << "LBFGS|solver|allow";

    c = poissonCase();
    c.problem.observation = Observation::NegativeBinomial;
    c.problem.observationScale = 0.0;
    QTest::newRow("NegativeBinomial scale 0") << c << ""
                                              << "scale|positive|> 0";

    c = poissonCase();
    c.problem.penalty = Penalty::GroupLasso;
    c.problem.strength = 0.1;
    c.problem.groupMask = Eigen::MatrixXd::Ones(1, 5);
    c.options.solver = Solver::ProximalGradient;
    QTest::newRow("GroupLasso mask of the wrong width") << c << ""
                                                        << "mask|feature|shape|3|5";
}

void TestFitFaults::refusedData()
{
    QFETCH(FitCase, fitCase);
    QFETCH(QString, member);
    QFETCH(QString, reason);

    const FitResult result = fitGlm(fitCase.problem, fitCase.options, fitCase.X, fitCase.Y, fitCase.control);
    QVERIFY2(result.status == FitStatus::InvalidInput,
        qPrintable(toString(result.status) + QStringLiteral(": ") + result.message));
    QVERIFY2(result.message.contains(QRegularExpression(reason, QRegularExpression::CaseInsensitiveOption)),
        qPrintable(result.message));
    QVERIFY(!result.hasModel());

    // checkData gives the same verdict before any fit, naming the array at fault. The solver is not part of
    // what it checks.
    if (fitCase.problem.penalty == Penalty::Lasso)
        return;
    const nemoscope::Result<void> checked = checkData(fitCase.problem, fitCase.X, fitCase.Y);
    QVERIFY(!checked.ok());
    if (!member.isEmpty())
        QVERIFY2(checked.error().member.compare(member, Qt::CaseInsensitive) == 0,
            qPrintable(checked.error().member + QStringLiteral(": ") + checked.error().reason));
}

void TestFitFaults::numericTrouble_data()
{
    QTest::addColumn<FitCase>("fitCase");
    QTest::addColumn<QList<FitStatus>>("allowed");

    const QList<FitStatus> anyEnd { FitStatus::Converged, FitStatus::MaxIterations, FitStatus::Diverged };

    // A fixed step far too long for the curvature: gradient descent runs away.
    FitCase c = poissonCase();
    c.options.solver = Solver::GradientDescent;
    c.options.stepSize = 1e6;
    c.options.acceleration = false;
    c.options.maxIter = 500;
    QTest::newRow("divergence with a fixed huge step") << c << QList<FitStatus> { FitStatus::Diverged };

    // Two identical columns and a zero column: the Hessian is singular.
    c = poissonCase();
    c.X.conservativeResize(200, 5);
    c.X.col(3) = c.X.col(0);
    c.X.col(4).setZero();
    c.options.solver = Solver::Newton;
    QTest::newRow("singular Hessian, Newton") << c << anyEnd;
    c.options.solver = Solver::BFGS;
    QTest::newRow("singular Hessian, BFGS") << c << anyEnd;

    // exp(X w) overflows double at the first step away from zero.
    c = poissonCase();
    c.X *= 1e150;
    QTest::newRow("overflow in exp") << c << anyEnd;
    c.options.solver = Solver::Newton;
    QTest::newRow("overflow in exp, Newton") << c << anyEnd;

    // Start values far out: exp(1000) is already inf.
    c = poissonCase();
    c.control.initialCoef = Eigen::MatrixXd::Constant(3, 1, 1000.0);
    c.control.initialIntercept = Eigen::VectorXd::Constant(1, 1000.0);
    QTest::newRow("start values where exp overflows") << c << anyEnd;

    // NaN start values must not turn into a NaN model.
    c = poissonCase();
    c.control.initialCoef = Eigen::MatrixXd::Constant(3, 1, std::nan(""));
    QTest::newRow("NaN start values") << c
                                      << QList<FitStatus> { FitStatus::InvalidInput, FitStatus::Diverged,
                                             FitStatus::Converged, FitStatus::MaxIterations };

    // Separable Bernoulli data without a penalty: the optimum is at infinity.
    c = poissonCase();
    c.problem.observation = Observation::Bernoulli;
    c.problem.link = InverseLink::Logistic;
    for (int i = 0; i < c.X.rows(); ++i)
        c.Y(i, 0) = c.X(i, 0) > 0 ? 1.0 : 0.0;
    c.options.maxIter = 2000;
    QTest::newRow("separable Bernoulli") << c << anyEnd;

    // one_over_x with Gamma: a step may leave the link's domain.
    c = poissonCase();
    c.problem.observation = Observation::Gamma;
    c.problem.link = InverseLink::OneOverX;
    c.Y.array() += 1.0;
    c.X *= 50.0;
    QTest::newRow("Gamma one_over_x far from the domain") << c << anyEnd;

    // Identity link with Poisson: a negative mean is outside the domain.
    c = poissonCase();
    c.problem.link = InverseLink::Identity;
    c.X *= 20.0;
    QTest::newRow("Poisson identity link") << c << anyEnd;

    // Constant y = 0: the intercept's optimum is at -infinity for exp.
    c = poissonCase();
    c.Y.setZero();
    c.options.maxIter = 1000;
    QTest::newRow("all-zero counts") << c << anyEnd;

    // Gaussian on values near the top of double's range.
    c = poissonCase();
    c.problem.observation = Observation::Gaussian;
    c.problem.link = InverseLink::Identity;
    c.Y.array() += 1e300;
    QTest::newRow("Gaussian y near DBL_MAX") << c << anyEnd;
}

void TestFitFaults::numericTrouble()
{
    QFETCH(FitCase, fitCase);
    QFETCH(QList<FitStatus>, allowed);

    const FitResult result = fitGlm(fitCase.problem, fitCase.options, fitCase.X, fitCase.Y, fitCase.control);
    QVERIFY2(
        allowed.contains(result.status), qPrintable(toString(result.status) + QStringLiteral(": ") + result.message));

    // Whatever the end, a model handed over is finite, and a fit that did not converge says why.
    qInfo("%s after %d iterations, objective %g: %s", qPrintable(toString(result.status)), result.iterations,
        result.objective, qPrintable(result.message));
    if (result.hasModel()) {
        QVERIFY(allFinite(result.coef));
        QVERIFY(allFinite(result.intercept));
        QVERIFY(std::isfinite(result.objective));
    }
    if (result.status == FitStatus::Converged) {
        QVERIFY(result.hasModel());
        QVERIFY(std::isfinite(result.gradientNorm));
    } else {
        QVERIFY2(!result.message.isEmpty(), qPrintable(toString(result.status)));
    }
}

QTEST_GUILESS_MAIN(TestFitFaults)
#include "tst_fitfaults.moc"
