#include "fit/glm.h"

#include "fit/kernels.h"
#include "fit/loss.h"
#include "fit/solvers.h"
#include "logging.h"

#include <Eigen/Dense>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <thread>
#include <vector>

namespace nemoscope::fit {

namespace {

// Whether every entry is finite, the columns split over the cores for large matrices (checkData reads all of X
// with it).
bool allFinite(const Eigen::MatrixXd& M)
{
    const int threads = M.size() >= (Eigen::Index(1) << 22) && M.cols() > 1
        ? std::clamp(int(std::thread::hardware_concurrency()), 1, int(std::min<Eigen::Index>(M.cols(), 8)))
        : 1;
    if (threads == 1)
        return M.allFinite();
    std::vector<char> finite(size_t(threads), 1);
    auto check = [&](int t) {
        const Eigen::Index begin = t * M.cols() / threads;
        const Eigen::Index end = (t + 1) * M.cols() / threads;
        finite[size_t(t)] = M.middleCols(begin, end - begin).allFinite();
    };
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t)
        pool.emplace_back(check, t);
    check(0);
    for (auto& thread : pool)
        thread.join();
    return std::all_of(finite.begin(), finite.end(), [](char f) { return f != 0; });
}

struct Named
{
    const char* shortName;
    const char* nemosName;
};

constexpr Named kObservations[] = {
    { "Poisson", "nemos.observation_models.PoissonObservations" },
    { "Gamma", "nemos.observation_models.GammaObservations" },
    { "Gaussian", "nemos.observation_models.GaussianObservations" },
    { "Bernoulli", "nemos.observation_models.BernoulliObservations" },
    { "NegativeBinomial", "nemos.observation_models.NegativeBinomialObservations" },
    { "Categorical", "nemos.observation_models.CategoricalObservations" },
};

constexpr Named kLinks[] = {
    { "exp", "jax.numpy.exp" },
    { "softplus", "jax.nn.softplus" },
    { "logistic", "jax.lax.logistic" },
    { "norm_cdf", "jax.scipy.stats.norm.cdf" },
    { "identity", "nemos.utils.identity" },
    { "one_over_x", "nemos.utils.one_over_x" },
    { "log_softmax", "jax.nn.log_softmax" },
};

constexpr Named kPenalties[] = {
    { "UnRegularized", "nemos.regularizer.UnRegularized" },
    { "Ridge", "nemos.regularizer.Ridge" },
    { "Lasso", "nemos.regularizer.Lasso" },
    { "ElasticNet", "nemos.regularizer.ElasticNet" },
    { "GroupLasso", "nemos.regularizer.GroupLasso" },
};

constexpr const char* kSolvers[]
    = { "GradientDescent", "ProximalGradient", "LBFGS", "BFGS", "NonlinearCG", "SVRG", "ProxSVRG", "Newton" };

// The last component of a dotted path: "jax.numpy.exp" -> "exp".
QString lastComponent(const QString& name)
{
    const qsizetype dot = name.lastIndexOf(QLatin1Char('.'));
    return dot < 0 ? name.trimmed() : name.mid(dot + 1).trimmed();
}

template<typename Enum, size_t N>
std::optional<Enum> findNamed(const Named (&table)[N], const QString& name, const QString& classSuffix = {})
{
    const QString trimmed = name.trimmed();
    for (size_t i = 0; i < N; ++i) {
        if (trimmed.compare(QLatin1String(table[i].shortName), Qt::CaseInsensitive) == 0
            || trimmed == QLatin1String(table[i].nemosName))
            return Enum(i);
    }
    const QString last = lastComponent(trimmed);
    for (size_t i = 0; i < N; ++i) {
        const QString shortName = QLatin1String(table[i].shortName);
        if (last.compare(shortName, Qt::CaseInsensitive) == 0
            || (!classSuffix.isEmpty() && last.compare(shortName + classSuffix, Qt::CaseInsensitive) == 0))
            return Enum(i);
    }
    return std::nullopt;
}

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

Error dataError(const QString& member, const QString& reason)
{
    return Error { QString(), member, reason };
}

// Phi^{-1}(p) by bisection: used once per output for a starting intercept.
double normQuantile(double p)
{
    double lo = -40, hi = 40;
    for (int i = 0; i < 200; ++i) {
        const double mid = 0.5 * (lo + hi);
        if (0.5 * std::erfc(-mid * M_SQRT1_2) < p)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

// The linear predictor whose mean is m: the starting intercept.
double inverseLink(InverseLink link, double m)
{
    switch (link) {
    case InverseLink::Exp:
        return std::log(m);
    case InverseLink::Softplus:
        return m > 30 ? m : std::log(std::expm1(m));
    case InverseLink::Logistic:
        return std::log(m / (1 - m));
    case InverseLink::NormCdf:
        return normQuantile(m);
    case InverseLink::Identity:
        return m;
    case InverseLink::OneOverX:
        return 1.0 / m;
    case InverseLink::LogSoftmax:
        break;
    }
    return 0;
}

bool isZeroOne(const Eigen::MatrixXd& m)
{
    return (m.array() == 0 || m.array() == 1).all();
}

int categoryCount(const GlmProblem& problem, const Eigen::MatrixXd& Y)
{
    if (problem.categories > 0)
        return problem.categories;
    double top = 0;
    for (Eigen::Index i = 0; i < Y.rows(); ++i)
        if (std::isfinite(Y(i, 0)))
            top = std::max(top, Y(i, 0));
    return int(top) + 1;
}

} // namespace

QString toString(Observation observation)
{
    return QLatin1String(kObservations[int(observation)].shortName);
}

QString toString(InverseLink link)
{
    return QLatin1String(kLinks[int(link)].shortName);
}

QString toString(Penalty penalty)
{
    return QLatin1String(kPenalties[int(penalty)].shortName);
}

QString toString(Solver solver)
{
    return QLatin1String(kSolvers[int(solver)]);
}

QString toString(FitStatus status)
{
    switch (status) {
    case FitStatus::Converged:
        return QStringLiteral("converged");
    case FitStatus::MaxIterations:
        return QStringLiteral("maxiter");
    case FitStatus::Diverged:
        return QStringLiteral("diverged");
    case FitStatus::Cancelled:
        return QStringLiteral("cancelled");
    case FitStatus::InvalidInput:
        return QStringLiteral("invalid input");
    }
    return {};
}

QString nemosName(Observation observation)
{
    return QLatin1String(kObservations[int(observation)].nemosName);
}

QString nemosName(InverseLink link)
{
    return QLatin1String(kLinks[int(link)].nemosName);
}

QString nemosName(Penalty penalty)
{
    return QLatin1String(kPenalties[int(penalty)].nemosName);
}

std::optional<Observation> observationFromString(const QString& name)
{
    return findNamed<Observation>(kObservations, name, QStringLiteral("Observations"));
}

std::optional<InverseLink> linkFromString(const QString& name)
{
    // Other spellings of the same functions.
    const QString last = lastComponent(name);
    if (name.trimmed() == QLatin1String("jax.scipy.stats.norm.cdf")
        || name.trimmed().endsWith(QLatin1String("norm.cdf")))
        return InverseLink::NormCdf;
    if (last == QLatin1String("expit") || last == QLatin1String("sigmoid"))
        return InverseLink::Logistic;
    return findNamed<InverseLink>(kLinks, name);
}

std::optional<Penalty> penaltyFromString(const QString& name)
{
    return findNamed<Penalty>(kPenalties, name);
}

std::optional<Solver> solverFromString(const QString& name)
{
    const QString last = lastComponent(name);
    for (size_t i = 0; i < std::size(kSolvers); ++i)
        if (last.compare(QLatin1String(kSolvers[i]), Qt::CaseInsensitive) == 0)
            return Solver(i);
    return std::nullopt;
}

std::vector<Solver> allowedSolvers(Penalty penalty)
{
    switch (penalty) {
    case Penalty::UnRegularized:
    case Penalty::Ridge:
        return { Solver::GradientDescent, Solver::BFGS, Solver::LBFGS, Solver::NonlinearCG, Solver::SVRG,
            Solver::ProximalGradient, Solver::ProxSVRG, Solver::Newton };
    case Penalty::Lasso:
    case Penalty::ElasticNet:
    case Penalty::GroupLasso:
        return { Solver::ProximalGradient, Solver::ProxSVRG, Solver::Newton };
    }
    return {};
}

bool solverAllowed(Penalty penalty, Solver solver)
{
    const auto allowed = allowedSolvers(penalty);
    return std::find(allowed.begin(), allowed.end(), solver) != allowed.end();
}

Solver defaultSolver(Penalty penalty)
{
    return penalty == Penalty::UnRegularized || penalty == Penalty::Ridge ? Solver::GradientDescent
                                                                          : Solver::ProximalGradient;
}

bool isNemosSolver(Solver solver)
{
    return solver != Solver::Newton;
}

bool linkAllowed(Observation observation, InverseLink link)
{
    return (observation == Observation::Categorical) == (link == InverseLink::LogSoftmax);
}

// ---------------------------------------------------------------------------------------------------------
// solver_kwargs

Result<SolverOptions> solverOptionsFromKwargs(Solver solver, const QVariantMap& kwargs)
{
    SolverOptions options;
    options.solver = solver;

    const bool proximal = solver == Solver::GradientDescent || solver == Solver::ProximalGradient;
    const bool quasiNewton = solver == Solver::LBFGS || solver == Solver::BFGS || solver == Solver::NonlinearCG;
    const bool stochastic = solver == Solver::SVRG || solver == Solver::ProxSVRG;
    static const QStringList ignorable
        = { QStringLiteral("verbose"), QStringLiteral("jit"), QStringLiteral("implicit_diff"), QStringLiteral("unroll"),
              QStringLiteral("implicit_diff_solve"), QStringLiteral("linesearch"), QStringLiteral("linesearch_init"),
              QStringLiteral("condition"), QStringLiteral("increase_factor"), QStringLiteral("max_stepsize"),
              QStringLiteral("min_stepsize"), QStringLiteral("use_gamma"), QStringLiteral("method") };

    auto wrongType = [&](const QString& key, const QString& expected, const QVariant& value) {
        return Error { QString(), QStringLiteral("solver_kwargs.") + key,
            QStringLiteral("expected %1, got %2")
                .arg(expected, value.toString().isEmpty() ? QString::fromLatin1(value.typeName()) : value.toString()) };
    };
    auto asNumber = [](const QVariant& v, double& out) {
        const int type = v.typeId();
        if (type == QMetaType::Bool || type == QMetaType::QString || !v.canConvert<double>())
            return false;
        bool ok = false;
        out = v.toDouble(&ok);
        return ok && std::isfinite(out);
    };
    auto asInteger = [&](const QVariant& v, qint64& out) {
        double d;
        if (!asNumber(v, d) || d != std::floor(d) || std::abs(d) > 9e15)
            return false;
        out = qint64(d);
        return true;
    };

    for (auto it = kwargs.begin(); it != kwargs.end(); ++it) {
        const QString& key = it.key();
        const QVariant& value = it.value();
        if (value.isNull())
            continue; // None: the solver's default
        double number = 0;
        qint64 integer = 0;
        const bool applies = (key == QLatin1String("tol") || key == QLatin1String("maxiter"))
            || (key == QLatin1String("stepsize") && !(solver == Solver::Newton))
            || (key == QLatin1String("acceleration") && proximal)
            || ((key == QLatin1String("maxls") || key == QLatin1String("decrease_factor")) && (proximal || quasiNewton))
            || (key == QLatin1String("history_size") && solver == Solver::LBFGS)
            || ((key == QLatin1String("batch_size") || key == QLatin1String("key") || key == QLatin1String("seed"))
                && stochastic);
        if (!applies) {
            if (ignorable.contains(key)) {
                options.ignoredKeys << key;
                continue;
            }
            return Error { QString(), QStringLiteral("solver_kwargs.") + key,
                QStringLiteral("%1 does not take the argument '%2'").arg(toString(solver), key) };
        }
        if (key == QLatin1String("tol")) {
            if (!asNumber(value, number) || number < 0)
                return wrongType(key, QStringLiteral("a number >= 0"), value);
            options.tol = number;
        } else if (key == QLatin1String("maxiter")) {
            if (!asInteger(value, integer) || integer < 1 || integer > std::numeric_limits<int>::max())
                return wrongType(key, QStringLiteral("a positive integer"), value);
            options.maxIter = int(integer);
        } else if (key == QLatin1String("stepsize")) {
            if (!asNumber(value, number))
                return wrongType(key, QStringLiteral("a number (<= 0 for a line search)"), value);
            options.stepSize = number;
        } else if (key == QLatin1String("acceleration")) {
            if (value.typeId() != QMetaType::Bool)
                return wrongType(key, QStringLiteral("True or False"), value);
            options.acceleration = value.toBool();
        } else if (key == QLatin1String("maxls")) {
            if (!asInteger(value, integer) || integer < 1 || integer > 1000)
                return wrongType(key, QStringLiteral("an integer in [1, 1000]"), value);
            options.maxLineSearch = int(integer);
        } else if (key == QLatin1String("decrease_factor")) {
            if (!asNumber(value, number) || !(number > 0 && number < 1))
                return wrongType(key, QStringLiteral("a number in (0, 1)"), value);
            options.decreaseFactor = number;
        } else if (key == QLatin1String("history_size")) {
            if (!asInteger(value, integer) || integer < 1 || integer > 1000)
                return wrongType(key, QStringLiteral("an integer in [1, 1000]"), value);
            options.historySize = int(integer);
        } else if (key == QLatin1String("batch_size")) {
            if (!asInteger(value, integer) || integer < 1)
                return wrongType(key, QStringLiteral("a positive integer"), value);
            options.batchSize = int(std::min<qint64>(integer, std::numeric_limits<int>::max()));
        } else {
            if (!asInteger(value, integer))
                return wrongType(key, QStringLiteral("an integer seed"), value);
            options.seed = integer;
        }
    }
    return options;
}

QVariantMap toKwargs(const SolverOptions& options)
{
    QVariantMap out;
    if (options.tol)
        out.insert(QStringLiteral("tol"), *options.tol);
    if (options.maxIter)
        out.insert(QStringLiteral("maxiter"), *options.maxIter);
    if (options.stepSize)
        out.insert(QStringLiteral("stepsize"), *options.stepSize);
    if (options.acceleration)
        out.insert(QStringLiteral("acceleration"), *options.acceleration);
    if (options.maxLineSearch)
        out.insert(QStringLiteral("maxls"), *options.maxLineSearch);
    if (options.decreaseFactor)
        out.insert(QStringLiteral("decrease_factor"), *options.decreaseFactor);
    if (options.historySize)
        out.insert(QStringLiteral("history_size"), *options.historySize);
    if (options.batchSize)
        out.insert(QStringLiteral("batch_size"), *options.batchSize);
    if (options.seed)
        out.insert(QStringLiteral("key"), *options.seed);
    return out;
}

// ---------------------------------------------------------------------------------------------------------
// Checks

Result<void> checkProblem(const GlmProblem& problem, std::optional<Eigen::Index> features)
{
    if (!linkAllowed(problem.observation, problem.link)) {
        return dataError(QStringLiteral("inverse_link_function"),
            problem.observation == Observation::Categorical
                ? QStringLiteral("the Categorical observation model needs the log_softmax link")
                : QStringLiteral("log_softmax is the link of the Categorical observation model only"));
    }
    if (problem.observation == Observation::NegativeBinomial
        && !(std::isfinite(problem.observationScale) && problem.observationScale > 0))
        return dataError(QStringLiteral("observation_model.scale"),
            QStringLiteral("the NegativeBinomial scale must be a finite number > 0, got %1")
                .arg(problem.observationScale));
    if (!(std::isfinite(problem.strength) && problem.strength >= 0))
        return dataError(QStringLiteral("regularizer_strength"),
            QStringLiteral("the regularizer strength must be a finite number >= 0, got %1").arg(problem.strength));
    if (problem.penalty == Penalty::ElasticNet && !(problem.ratio > 0 && problem.ratio <= 1))
        return dataError(QStringLiteral("regularizer_strength"),
            QStringLiteral("the ElasticNet ratio must be in (0, 1], got %1").arg(problem.ratio));
    if (problem.penalty == Penalty::GroupLasso) {
        const Eigen::MatrixXd& mask = problem.groupMask;
        if (mask.size() == 0)
            return dataError(QStringLiteral("regularizer.mask"), QStringLiteral("GroupLasso needs a mask"));
        if (!isZeroOne(mask))
            return dataError(
                QStringLiteral("regularizer.mask"), QStringLiteral("the GroupLasso mask must hold only 0 and 1"));
        if ((mask.colwise().sum().array() > 1).any())
            return dataError(QStringLiteral("regularizer.mask"),
                QStringLiteral("a feature belongs to more than one group of the GroupLasso mask"));
        if (features && mask.cols() != *features)
            return dataError(QStringLiteral("regularizer.mask"),
                QStringLiteral("the GroupLasso mask has %1 columns but X has %2 features")
                    .arg(mask.cols())
                    .arg(*features));
    }
    if (problem.featureMask.size()) {
        if (!problem.population)
            return dataError(QStringLiteral("feature_mask"), QStringLiteral("a feature_mask needs a PopulationGLM"));
        if (problem.observation == Observation::Categorical)
            return dataError(QStringLiteral("feature_mask"),
                QStringLiteral("a feature_mask is not supported with the Categorical model"));
        if (!isZeroOne(problem.featureMask))
            return dataError(QStringLiteral("feature_mask"), QStringLiteral("the feature_mask must hold only 0 and 1"));
    }
    return {};
}

namespace {

// Whether checkData reads all of X for NaN and Inf.
enum class SweepX
{
    Yes,
    // No: fitGlm's passes over X find them anyway (a NaN or Inf entry makes its row's linear predictor, and
    // so the objective, non-finite whatever the coefficients), and it runs the full check only when the fit
    // fails, so that clean data, the usual case, is read once less.
    No,
};

Result<void> checkDataImpl(const GlmProblem& problem, const Eigen::MatrixXd& X, const Eigen::MatrixXd& Y,
    std::optional<Eigen::Index> expectedFeatures, bool allowInvalidRows, SweepX sweepX)
{
    if (auto ok = checkProblem(problem, X.cols()); !ok)
        return ok;

    const Eigen::Index n = X.rows();
    if (n == 0 || Y.rows() == 0)
        return dataError(
            n == 0 ? QStringLiteral("X") : QStringLiteral("y"), QStringLiteral("the data is empty: no samples to fit"));
    if (X.cols() == 0)
        return dataError(QStringLiteral("X"), QStringLiteral("X has no features (0 columns)"));
    if (Y.rows() != n)
        return dataError(QStringLiteral("y"),
            QStringLiteral("X has %1 samples but y has %2: they must have the same length").arg(n).arg(Y.rows()));
    if (Y.cols() == 0)
        return dataError(QStringLiteral("y"), QStringLiteral("y has no columns"));
    if (problem.observation == Observation::Categorical && Y.cols() != 1)
        return dataError(QStringLiteral("y"),
            QStringLiteral("the Categorical model takes one column of class labels, y has %1 columns").arg(Y.cols()));
    if (!problem.population && problem.observation != Observation::Categorical && Y.cols() != 1)
        return dataError(QStringLiteral("y"),
            QStringLiteral("a GLM fits one output but y has %1 columns: use a PopulationGLM").arg(Y.cols()));
    if (expectedFeatures && *expectedFeatures != X.cols())
        return dataError(QStringLiteral("X"),
            QStringLiteral("X has %1 features but the model's coefficients expect %2")
                .arg(X.cols())
                .arg(*expectedFeatures));
    if (problem.featureMask.size()
        && (problem.featureMask.rows() != X.cols() || problem.featureMask.cols() != Y.cols()))
        return dataError(QStringLiteral("feature_mask"),
            QStringLiteral("the feature_mask is (%1, %2) but the data needs (n_features, n_neurons) = "
                           "(%3, %4)")
                .arg(problem.featureMask.rows())
                .arg(problem.featureMask.cols())
                .arg(X.cols())
                .arg(Y.cols()));

    // Rows with NaN or Inf. Clean data (the usual case) is checked in one contiguous sweep; rows of
    // column-major X are strided.
    const bool xSwept = sweepX == SweepX::Yes;
    const bool finite = (!xSwept || allFinite(X)) && allFinite(Y);
    Eigen::Index badRows = 0, badX = 0;
    for (Eigen::Index i = 0; i < n && !finite; ++i) {
        const bool xBad = xSwept && !X.row(i).allFinite();
        const bool yBad = !Y.row(i).allFinite();
        badX += xBad;
        badRows += xBad || yBad;
    }
    if (badRows == n)
        return dataError(badX ? QStringLiteral("X") : QStringLiteral("y"),
            QStringLiteral("every one of the %1 samples holds NaN or Inf").arg(n));
    if (badRows && !allowInvalidRows)
        return dataError(badX ? QStringLiteral("X") : QStringLiteral("y"),
            QStringLiteral("%1 of %2 samples hold NaN or Inf in X or y: clean them, or drop those rows "
                           "(as nemos does) with the drop-invalid-rows option")
                .arg(badRows)
                .arg(n));

    // y in the observation model's domain (finite rows only).
    Eigen::Index outside = 0;
    double example = 0;
    const int categories = problem.observation == Observation::Categorical ? categoryCount(problem, Y) : 0;
    for (Eigen::Index i = 0; i < n; ++i) {
        if (!finite && ((xSwept && !X.row(i).allFinite()) || !Y.row(i).allFinite()))
            continue;
        for (Eigen::Index c = 0; c < Y.cols(); ++c) {
            const double y = Y(i, c);
            bool bad = false;
            switch (problem.observation) {
            case Observation::Poisson:
            case Observation::NegativeBinomial:
                bad = y < 0;
                break;
            case Observation::Bernoulli:
                bad = y < 0 || y > 1;
                break;
            case Observation::Gamma:
                bad = y <= 0;
                break;
            case Observation::Gaussian:
                break;
            case Observation::Categorical:
                bad = y < 0 || y != std::floor(y) || y >= categories;
                break;
            }
            if (bad && outside++ == 0)
                example = y;
        }
    }
    if (outside) {
        QString rule;
        switch (problem.observation) {
        case Observation::Poisson:
        case Observation::NegativeBinomial:
            rule = QStringLiteral("%1 counts must be >= 0").arg(toString(problem.observation));
            break;
        case Observation::Bernoulli:
            rule = QStringLiteral("Bernoulli observations must lie in [0, 1]");
            break;
        case Observation::Gamma:
            rule = QStringLiteral("Gamma observations must be > 0");
            break;
        case Observation::Categorical:
            rule = QStringLiteral("Categorical labels must be integers in [0, %1)").arg(categories);
            break;
        case Observation::Gaussian:
            break;
        }
        return dataError(QStringLiteral("y"),
            QStringLiteral("%1 values of y are invalid (e.g. %2): %3").arg(outside).arg(example).arg(rule));
    }
    return {};
}

} // namespace

Result<void> checkData(const GlmProblem& problem, const Eigen::MatrixXd& X, const Eigen::MatrixXd& Y,
    std::optional<Eigen::Index> expectedFeatures, bool allowInvalidRows)
{
    return checkDataImpl(problem, X, Y, expectedFeatures, allowInvalidRows, SweepX::Yes);
}

// ---------------------------------------------------------------------------------------------------------
// Objective and prediction

double objective(const GlmProblem& problem, const Eigen::MatrixXd& X, const Eigen::MatrixXd& Y,
    const Eigen::MatrixXd& coef, const Eigen::VectorXd& intercept)
{
    if (coef.rows() != X.cols() || coef.cols() != intercept.size() || X.rows() != Y.rows())
        return kNaN;
    Eigen::MatrixXd theta(coef.rows() + 1, coef.cols());
    theta.topRows(coef.rows()) = coef;
    theta.row(coef.rows()) = intercept.transpose();
    const detail::SmoothLoss loss(problem, X, Y, int(coef.cols()), nullptr);
    const detail::PenaltyTerms penalty(problem, X.cols(), coef.cols());
    return loss.value(theta) + penalty.smoothValue(theta) + penalty.nonSmoothValue(theta);
}

Eigen::MatrixXd predict(
    const GlmProblem& problem, const Eigen::MatrixXd& X, const Eigen::MatrixXd& coef, const Eigen::VectorXd& intercept)
{
    if (coef.rows() != X.cols() || coef.cols() != intercept.size())
        return {};
    Eigen::MatrixXd theta(coef.rows() + 1, coef.cols());
    theta.topRows(coef.rows()) = coef;
    theta.row(coef.rows()) = intercept.transpose();
    const Eigen::MatrixXd noY;
    const detail::SmoothLoss loss(problem, X, noY, int(coef.cols()), nullptr);
    return loss.mean(theta);
}

bool FitResult::hasModel() const
{
    // A fit that diverged at its starting point ends on finite parameters whose objective is not finite: that
    // is no model to hand over.
    return status != FitStatus::InvalidInput && coef.size() > 0 && coef.allFinite() && intercept.allFinite()
        && std::isfinite(objective);
}

// ---------------------------------------------------------------------------------------------------------
// Fitting

namespace {

FitResult invalid(const QString& message)
{
    FitResult result;
    result.status = FitStatus::InvalidInput;
    result.message = message;
    return result;
}

// Starting intercepts: the linear predictor of each output's mean, kept inside the link's domain.
Eigen::VectorXd startIntercept(const GlmProblem& problem, const Eigen::MatrixXd& Y, int outputs)
{
    Eigen::VectorXd b = Eigen::VectorXd::Zero(outputs);
    if (problem.observation == Observation::Categorical) {
        Eigen::VectorXd counts = Eigen::VectorXd::Constant(outputs, 0.5);
        for (Eigen::Index i = 0; i < Y.rows(); ++i)
            counts(Eigen::Index(Y(i, 0))) += 1;
        return (counts / counts.sum()).array().log();
    }
    for (int c = 0; c < outputs; ++c) {
        double m = Y.col(c).mean();
        switch (problem.observation) {
        case Observation::Bernoulli:
            m = std::clamp(m, 1e-3, 1 - 1e-3);
            break;
        case Observation::Poisson:
        case Observation::NegativeBinomial:
        case Observation::Gamma:
            m = std::max(m, 1e-3);
            break;
        default:
            break;
        }
        if (problem.link == InverseLink::Logistic || problem.link == InverseLink::NormCdf)
            m = std::clamp(m, 1e-3, 1 - 1e-3);
        if ((problem.link == InverseLink::Exp || problem.link == InverseLink::Softplus
                || problem.link == InverseLink::OneOverX)
            && !(m > 0))
            m = 1;
        b(c) = inverseLink(problem.link, m);
    }
    return b;
}

// Numerical rank of X as numpy.linalg.matrix_rank counts it (singular values above max * max(n, p) * eps):
// from the SVD of X when that is cheap, else from the eigenvalues of X^T X, whose rounding only resolves
// singular values above sqrt(eps) times the largest.
Eigen::Index matrixRank(const Eigen::MatrixXd& X)
{
    const double eps = std::numeric_limits<double>::epsilon();
    if (double(X.rows()) * double(X.cols()) * double(X.cols()) <= 5e7) {
        const Eigen::BDCSVD<Eigen::MatrixXd> svd(X);
        const Eigen::VectorXd s = svd.singularValues();
        if (s.size() == 0)
            return 0;
        return (s.array() > s(0) * double(std::max(X.rows(), X.cols())) * eps).count();
    }
    Eigen::MatrixXd gram = Eigen::MatrixXd::Zero(X.cols(), X.cols());
    gram.selfadjointView<Eigen::Lower>().rankUpdate(X.transpose());
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(gram, Eigen::EigenvaluesOnly);
    const Eigen::VectorXd singular = solver.eigenvalues().cwiseMax(0).cwiseSqrt();
    const double threshold
        = singular.maxCoeff() * double(std::max(X.rows(), X.cols())) * std::numeric_limits<double>::epsilon() * 1e2;
    return (singular.array() > threshold).count();
}

} // namespace

FitResult fitGlm(const GlmProblem& problem, const SolverOptions& options, const Eigen::MatrixXd& Xin,
    const Eigen::MatrixXd& Yin, const FitControl& control)
{
    const auto started = std::chrono::steady_clock::now();

    if (!solverAllowed(problem.penalty, options.solver))
        return invalid(QStringLiteral("the %1 regularizer does not allow the %2 solver (allowed: %3)")
                           .arg(toString(problem.penalty), toString(options.solver), [&] {
                               QStringList names;
                               for (Solver s : allowedSolvers(problem.penalty))
                                   names << toString(s);
                               return names.join(QStringLiteral(", "));
                           }()));
    // Dropping rows needs to know them now; otherwise NaN and Inf in X surface as a failed fit (see SweepX).
    const SweepX sweepX = control.dropInvalidRows ? SweepX::Yes : SweepX::No;
    if (auto ok = checkDataImpl(problem, Xin, Yin, std::nullopt, control.dropInvalidRows, sweepX); !ok)
        return invalid(ok.error().message());

    // Drop rows with NaN or Inf when asked.
    Eigen::MatrixXd Xkept, Ykept;
    const Eigen::MatrixXd* X = &Xin;
    const Eigen::MatrixXd* Y = &Yin;
    qint64 dropped = 0;
    if (control.dropInvalidRows && !(allFinite(Xin) && allFinite(Yin))) {
        std::vector<Eigen::Index> keep;
        for (Eigen::Index i = 0; i < Xin.rows(); ++i)
            if (Xin.row(i).allFinite() && Yin.row(i).allFinite())
                keep.push_back(i);
        dropped = Xin.rows() - Eigen::Index(keep.size());
        Xkept.resize(Eigen::Index(keep.size()), Xin.cols());
        Ykept.resize(Eigen::Index(keep.size()), Yin.cols());
        for (size_t r = 0; r < keep.size(); ++r) {
            Xkept.row(Eigen::Index(r)) = Xin.row(keep[r]);
            Ykept.row(Eigen::Index(r)) = Yin.row(keep[r]);
        }
        X = &Xkept;
        Y = &Ykept;
        qCInfo(lcFit) << "dropped" << dropped << "rows with NaN or Inf";
    }

    const Eigen::Index p = X->cols();
    const Eigen::Index n = X->rows();
    const int outputs = problem.observation == Observation::Categorical ? categoryCount(problem, *Y) : int(Y->cols());

    // The starting point.
    Eigen::MatrixXd theta = Eigen::MatrixXd::Zero(p + 1, outputs);
    if (control.initialCoef) {
        if (control.initialCoef->rows() != p || control.initialCoef->cols() != outputs)
            return invalid(QStringLiteral("the initial coefficients are (%1, %2) but the data needs (%3, %4)")
                               .arg(control.initialCoef->rows())
                               .arg(control.initialCoef->cols())
                               .arg(p)
                               .arg(outputs));
        theta.topRows(p) = *control.initialCoef;
    }
    if (control.initialIntercept) {
        if (control.initialIntercept->size() != outputs)
            return invalid(QStringLiteral("the initial intercept has %1 entries but the data needs %2")
                               .arg(control.initialIntercept->size())
                               .arg(outputs));
        theta.row(p) = control.initialIntercept->transpose();
    } else {
        theta.row(p) = startIntercept(problem, *Y, outputs).transpose();
    }
    if (!theta.allFinite())
        return invalid(QStringLiteral("the initial parameters hold NaN or Inf"));

    const detail::SmoothLoss loss(problem, *X, *Y, outputs, control.cancel);
    const detail::PenaltyTerms penalty(problem, p, outputs);
    theta.array() *= penalty.freeMask().array();
    detail::SolverRun run(loss, penalty, options, control);

    detail::SolverOutcome outcome;
    switch (options.solver) {
    case Solver::GradientDescent:
    case Solver::ProximalGradient:
        outcome = detail::runProximalGradient(run, theta);
        break;
    case Solver::LBFGS:
    case Solver::BFGS:
    case Solver::NonlinearCG:
        outcome = detail::runQuasiNewton(run, theta);
        break;
    case Solver::SVRG:
    case Solver::ProxSVRG:
        outcome = detail::runSvrg(run, theta);
        break;
    case Solver::Newton:
        outcome = detail::runNewton(run, theta);
        break;
    }

    // A fit that ended on a finite objective evaluated it over every row of X, so X holds no NaN or Inf; one
    // that failed may have met them: the full check then names them.
    const bool failed
        = outcome.status == FitStatus::Diverged || !std::isfinite(outcome.objective) || !outcome.theta.allFinite();
    if (sweepX == SweepX::No && failed && !(control.cancel && control.cancel->load())) {
        if (auto ok = checkData(problem, Xin, Yin); !ok)
            return invalid(ok.error().message());
    }

    FitResult result;
    result.status = outcome.status;
    result.message = outcome.message;
    result.iterations = outcome.iterations;
    result.objective = outcome.objective;
    result.gradientNorm = outcome.gradientNorm;
    result.objectiveHistory = std::move(run.history);
    result.droppedRows = dropped;
    result.coef = outcome.theta.topRows(p);
    result.intercept = outcome.theta.row(p).transpose();

    const bool cancelled = control.cancel && control.cancel->load();
    if (cancelled) {
        result.status = FitStatus::Cancelled;
        result.message = QStringLiteral("cancelled after %1 iterations").arg(result.iterations);
    }

    // Never hand back a NaN model as a result.
    if (!outcome.theta.allFinite() || (!cancelled && !std::isfinite(result.objective))) {
        result.status = FitStatus::Diverged;
        if (result.message.isEmpty() || outcome.status == FitStatus::Converged)
            result.message = QStringLiteral("the fit produced non-finite parameters or objective (overflow)");
    }

    // dof_resid_ and scale_ as nemos sets them.
    // (Skipped after a cancel, which must return at once: scale stays empty and dofResid 0.)
    if (result.hasModel() && !cancelled) {
        Eigen::VectorXd dof(outputs);
        if (problem.penalty == Penalty::Lasso || problem.penalty == Penalty::ElasticNet
            || problem.penalty == Penalty::GroupLasso) {
            for (int c = 0; c < outputs; ++c)
                dof(c) = double(n) - double((result.coef.col(c).array().abs() > 1e-8).count()) - 1;
        } else if (problem.penalty == Penalty::Ridge) {
            dof.setConstant(double(n - p - 1));
        } else {
            dof.setConstant(double(n - matrixRank(*X) - 1));
        }
        result.dofResidPerOutput = dof;
        result.dofResid = dof(0);

        // The mean (one more pass over X) only where the scale needs it.
        const bool needsMean
            = problem.observation == Observation::Gamma || problem.observation == Observation::Gaussian;
        const Eigen::MatrixXd mu = needsMean ? loss.mean(outcome.theta) : Eigen::MatrixXd();
        if (problem.observation == Observation::Categorical) {
            result.scale = Eigen::VectorXd::Ones(1);
        } else {
            result.scale = Eigen::VectorXd::Ones(outputs);
            for (int c = 0; c < outputs; ++c) {
                if (problem.observation == Observation::Gamma)
                    result.scale(c)
                        = ((Y->col(c) - mu.col(c)).array().square() / mu.col(c).array().square()).sum() / dof(c);
                else if (problem.observation == Observation::Gaussian)
                    result.scale(c) = (Y->col(c) - mu.col(c)).squaredNorm() / dof(c);
                else if (problem.observation == Observation::NegativeBinomial)
                    result.scale(c) = problem.observationScale;
            }
        }
    }

    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (control.progress)
        control.progress(FitProgress { result.iterations, result.objective, result.gradientNorm });
    qCDebug(lcFit) << toString(options.solver) << toString(result.status) << "after" << result.iterations
                   << "iterations, objective" << result.objective << "in" << result.seconds << "s,"
                   << detail::kernels::instructionSet() << "kernels";
    return result;
}

} // namespace nemoscope::fit
