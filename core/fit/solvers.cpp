#include "fit/solvers.h"

#include "fit/kernels.h"
#include "logging.h"

#include <Eigen/Cholesky>
#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <deque>
#include <functional>
#include <limits>
#include <numeric>
#include <random>
#include <string_view>

namespace nemoscope::fit::detail {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kEps = std::numeric_limits<double>::epsilon();

// Defaults when solver_kwargs leave tol and maxiter unset: run to the optimum.
constexpr double kDefaultTol = 1e-10;
constexpr int kFirstOrderMaxIter = 200000;
constexpr int kSecondOrderMaxIter = 500;
// First-order methods: a run whose best gradient mapping is below kPrecisionLimit and has not improved
// by 10% over the last max(kStallIterations, half its iterations) is taken to sit at the limit of
// floating-point precision (a sublinear rate, 1/k, still gains 50% over half the iterations).
constexpr int kStallIterations = 2000;
constexpr double kPrecisionLimit = 1e-7;
// Newton on a smooth problem with tol unset also ends where the next full step would move no parameter by more
// than this times max(1, the largest parameter): that step estimates the distance to the optimum (to within a
// factor of about two with a sampled Hessian), so the parameters are then within a few 1e-7 of it in relative
// terms, the objective within rounding, and the pass that taking the step would cost is spared. A gradient norm
// of 1e-10 alone can take several more passes where the curvature is small.
constexpr double kStepTolerance = 1e-7;
// Curvature pairs kept by the Newton solver when its Hessian is sampled.
constexpr size_t kCurvatureMemory = 20;
// Newton's warm start on a sample of rows stops at this gradient norm: the sample's optimum differs from the
// full one by the sampling error (well above it), so more digits there buy nothing.
constexpr double kWarmStartTolerance = 1e-6;
// Newton's cost model, in nanoseconds on two cores: a pass over X per element and per row (the loss's
// exponentials and logarithms), a sampled Hessian per multiply-add of its Gram product and per row.
constexpr double kPassElementCost = 0.42;
constexpr double kPassRowCost = 3;
constexpr double kHessianElementCost = 0.064;
constexpr double kHessianElementCostAvx2 = 0.032;
constexpr double kHessianRowCost = 200;

double dot(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b)
{
    return (a.array() * b.array()).sum();
}

// A step and the change of the gradient along it: what L-BFGS learns the curvature from.
struct CurvaturePair
{
    Eigen::MatrixXd s;
    Eigen::MatrixXd y;
    double rho = 0; // 1 / (s . y)
};

// The L-BFGS two-loop recursion: the inverse-Hessian model of the curvature pairs (oldest first) applied to
// v, on top of the initial inverse Hessian that applyInitial applies in place.
template<typename ApplyInitial>
Eigen::MatrixXd twoLoopRecursion(Eigen::MatrixXd v, const std::deque<CurvaturePair>& pairs, ApplyInitial applyInitial)
{
    std::vector<double> alpha(pairs.size());
    for (size_t i = pairs.size(); i-- > 0;) {
        alpha[i] = pairs[i].rho * dot(pairs[i].s, v);
        v -= alpha[i] * pairs[i].y;
    }
    applyInitial(v);
    for (size_t i = 0; i < pairs.size(); ++i) {
        const double beta = pairs[i].rho * dot(pairs[i].y, v);
        v += (alpha[i] - beta) * pairs[i].s;
    }
    return v;
}

double softThreshold(double value, double threshold)
{
    if (value > threshold)
        return value - threshold;
    if (value < -threshold)
        return value + threshold;
    return 0.0;
}

// Armijo slack for values at the limit of double precision: without it a line search near the optimum
// rejects every step because of rounding alone.
double roundingSlack(double value)
{
    return 16 * kEps * std::abs(value);
}

SolverOutcome finish(SolverRun& run, FitStatus status, const QString& message, Eigen::MatrixXd theta, int iterations)
{
    SolverOutcome out;
    out.status = status;
    out.message = message;
    if (run.cancelled()) {
        // No more passes over the data: report the last objective recorded.
        out.status = FitStatus::Cancelled;
        out.message = QStringLiteral("cancelled after %1 iterations").arg(iterations);
        out.objective = run.history.empty() ? std::numeric_limits<double>::quiet_NaN() : run.history.back();
        out.gradientNorm = run.lastGradientNorm;
        out.theta = std::move(theta);
        out.iterations = iterations;
        return out;
    }
    Eigen::MatrixXd grad;
    const double value = run.smooth(theta, &grad);
    out.objective = value + run.penalty().nonSmoothValue(theta);
    out.gradientNorm = std::isfinite(value) ? run.penalty().minimalSubgradient(theta, grad).norm() : kInf;
    out.theta = std::move(theta);
    out.iterations = iterations;
    return out;
}

// As finish, at a point whose smooth value f and gradient are known: no further pass over the data.
SolverOutcome finishAt(
    SolverRun& run, FitStatus status, Eigen::MatrixXd theta, int iterations, double f, const Eigen::MatrixXd& grad)
{
    if (run.cancelled())
        return finish(run, status, {}, std::move(theta), iterations);
    SolverOutcome out;
    out.status = status;
    out.objective = f + run.penalty().nonSmoothValue(theta);
    out.gradientNorm = run.penalty().minimalSubgradient(theta, grad).norm();
    out.theta = std::move(theta);
    out.iterations = iterations;
    return out;
}

SolverOutcome cancelledAt(SolverRun& run, Eigen::MatrixXd theta, int iterations)
{
    return finish(run, FitStatus::Cancelled, QStringLiteral("cancelled after %1 iterations").arg(iterations),
        std::move(theta), iterations);
}

SolverOutcome outsideDomain(SolverRun& run, Eigen::MatrixXd theta)
{
    return finish(run, FitStatus::Diverged,
        QStringLiteral("the objective is not finite at the starting point (outside the domain of the "
                       "link or the observation model)"),
        std::move(theta), 0);
}

// When a line search can make no more progress: at the optimum to within rounding (converged), or stuck.
SolverOutcome stalled(SolverRun& run, Eigen::MatrixXd theta, int iterations, double gradientNorm, double tol)
{
    if (gradientNorm <= std::max(tol, kPrecisionLimit))
        return finish(run, FitStatus::Converged,
            QStringLiteral("stopped at the limit of floating-point precision (gradient norm %1)")
                .arg(gradientNorm, 0, 'g', 3),
            std::move(theta), iterations);
    return finish(run, FitStatus::Diverged,
        QStringLiteral("the line search found no decrease along the search direction (gradient norm %1): "
                       "the problem may be badly conditioned")
            .arg(gradientNorm, 0, 'g', 3),
        std::move(theta), iterations);
}

SolverOutcome reachedMaxIter(SolverRun& run, Eigen::MatrixXd theta, int iterations, double gradientNorm, double tol)
{
    return finish(run, FitStatus::MaxIterations,
        QStringLiteral("reached maxiter=%1 with gradient norm %2 > tol=%3")
            .arg(iterations)
            .arg(gradientNorm, 0, 'g', 3)
            .arg(tol, 0, 'g', 3),
        std::move(theta), iterations);
}

} // namespace

// ---------------------------------------------------------------------------------------------------------
// PenaltyTerms

PenaltyTerms::PenaltyTerms(const GlmProblem& problem, Eigen::Index features, Eigen::Index outputs)
{
    const double a = problem.strength;
    switch (problem.penalty) {
    case Penalty::UnRegularized:
        break;
    case Penalty::Ridge:
        m_l2 = a;
        break;
    case Penalty::Lasso:
        m_l1 = a;
        break;
    case Penalty::ElasticNet:
        m_l2 = a * (1 - problem.ratio);
        m_l1 = a * problem.ratio;
        break;
    case Penalty::GroupLasso:
        m_group = a;
        for (Eigen::Index g = 0; g < problem.groupMask.rows(); ++g) {
            std::vector<Eigen::Index> members;
            for (Eigen::Index j = 0; j < problem.groupMask.cols(); ++j)
                if (problem.groupMask(g, j) != 0)
                    members.push_back(j);
            if (members.empty())
                continue;
            m_weights.push_back(std::sqrt(double(members.size())));
            m_groups.push_back(std::move(members));
        }
        break;
    }

    m_free = Eigen::MatrixXd::Ones(features + 1, outputs);
    if (problem.featureMask.size() && problem.observation != Observation::Categorical)
        m_free.topRows(features) = (problem.featureMask.array() != 0).cast<double>();
}

double PenaltyTerms::smoothValue(const Eigen::MatrixXd& theta) const
{
    if (m_l2 == 0)
        return 0;
    return 0.5 * m_l2 * theta.topRows(theta.rows() - 1).squaredNorm();
}

void PenaltyTerms::addSmoothGradient(const Eigen::MatrixXd& theta, Eigen::MatrixXd& grad) const
{
    if (m_l2 != 0)
        grad.topRows(theta.rows() - 1) += m_l2 * theta.topRows(theta.rows() - 1);
}

double PenaltyTerms::nonSmoothValue(const Eigen::MatrixXd& theta) const
{
    double total = 0;
    const Eigen::Index p = theta.rows() - 1;
    if (m_l1 != 0)
        total += m_l1 * theta.topRows(p).cwiseAbs().sum();
    if (grouped()) {
        for (size_t g = 0; g < m_groups.size(); ++g) {
            double squares = 0;
            for (Eigen::Index j : m_groups[g])
                squares += theta.row(j).squaredNorm();
            total += groupWeight(g) * std::sqrt(squares);
        }
    }
    return total;
}

void PenaltyTerms::prox(Eigen::MatrixXd& theta, double step) const
{
    const Eigen::Index p = theta.rows() - 1;
    if (m_l1 != 0)
        theta.topRows(p) = theta.topRows(p).unaryExpr([t = step * m_l1](double v) { return softThreshold(v, t); });
    if (grouped()) {
        for (size_t g = 0; g < m_groups.size(); ++g) {
            double squares = 0;
            for (Eigen::Index j : m_groups[g])
                squares += theta.row(j).squaredNorm();
            const double norm = std::sqrt(squares);
            const double shrink = step * groupWeight(g);
            const double factor = norm <= shrink ? 0.0 : 1.0 - shrink / norm;
            for (Eigen::Index j : m_groups[g])
                theta.row(j) *= factor;
        }
    }
    theta.array() *= m_free.array();
}

Eigen::MatrixXd PenaltyTerms::minimalSubgradient(const Eigen::MatrixXd& theta, const Eigen::MatrixXd& grad) const
{
    Eigen::MatrixXd out = grad;
    const Eigen::Index p = theta.rows() - 1;
    if (m_l1 != 0) {
        for (Eigen::Index c = 0; c < theta.cols(); ++c) {
            for (Eigen::Index j = 0; j < p; ++j) {
                const double w = theta(j, c);
                out(j, c) = w != 0 ? grad(j, c) + m_l1 * (w > 0 ? 1 : -1) : softThreshold(grad(j, c), m_l1);
            }
        }
    }
    if (grouped()) {
        for (size_t g = 0; g < m_groups.size(); ++g) {
            double squares = 0, gradSquares = 0;
            for (Eigen::Index j : m_groups[g]) {
                squares += theta.row(j).squaredNorm();
                gradSquares += grad.row(j).squaredNorm();
            }
            const double norm = std::sqrt(squares);
            const double lambda = groupWeight(g);
            if (norm > 0) {
                for (Eigen::Index j : m_groups[g])
                    out.row(j) = grad.row(j) + lambda / norm * theta.row(j);
            } else {
                const double gradNorm = std::sqrt(gradSquares);
                const double factor = gradNorm > lambda ? 1.0 - lambda / gradNorm : 0.0;
                for (Eigen::Index j : m_groups[g])
                    out.row(j) = factor * grad.row(j);
            }
        }
    }
    out.array() *= m_free.array();
    return out;
}

// ---------------------------------------------------------------------------------------------------------
// SolverRun

SolverRun::SolverRun(
    const SmoothLoss& loss, const PenaltyTerms& penalty, const SolverOptions& options, const FitControl& control)
    : m_loss(loss)
    , m_penalty(penalty)
    , m_options(options)
    , m_control(control)
    , m_lastReport(std::chrono::steady_clock::now())
{ }

double SolverRun::smooth(const Eigen::MatrixXd& theta, Eigen::MatrixXd* grad) const
{
    double value = m_loss.value(theta, grad);
    if (!std::isfinite(value))
        return kInf;
    value += m_penalty.smoothValue(theta);
    if (grad) {
        m_penalty.addSmoothGradient(theta, *grad);
        grad->array() *= m_penalty.freeMask().array();
    }
    return value;
}

double SolverRun::total(const Eigen::MatrixXd& theta, Eigen::MatrixXd* grad) const
{
    return smooth(theta, grad) + m_penalty.nonSmoothValue(theta);
}

double SolverRun::tol(double fallback) const
{
    return m_options.tol.value_or(fallback);
}

int SolverRun::maxIter(int fallback) const
{
    return m_options.maxIter.value_or(fallback);
}

bool SolverRun::cancelled() const
{
    return m_control.cancel && m_control.cancel->load(std::memory_order_relaxed);
}

bool SolverRun::step(int iteration, double objective, double gradientNorm)
{
    history.push_back(objective);
    lastGradientNorm = gradientNorm;
    if (m_control.progress) {
        const auto now = std::chrono::steady_clock::now();
        if (now - m_lastReport >= std::chrono::milliseconds(50)) {
            m_lastReport = now;
            m_control.progress(FitProgress { iteration, objective, gradientNorm });
        }
    }
    return !cancelled();
}

// ---------------------------------------------------------------------------------------------------------
// GradientDescent and ProximalGradient: accelerated proximal gradient (FISTA) with backtracking.
//
// Minimises F + h with steps x+ = prox_{t h}(y - t grad F(y)); t shrinks by decrease_factor until the
// quadratic upper bound holds (or stays at a fixed stepsize), and grows again slowly so that a step found
// early in a curved region does not hold back the rest. Momentum restarts whenever the objective rises or
// the extrapolated point leaves the link's domain. GradientDescent is the same with h = 0. Use for
// problems too wide for Newton, or when a nemos model asks for these names.
SolverOutcome runProximalGradient(SolverRun& run, Eigen::MatrixXd theta)
{
    const SolverOptions& opt = run.options();
    const double tol = run.tol(kDefaultTol);
    const int maxIter = run.maxIter(kFirstOrderMaxIter);
    const bool accelerate = opt.acceleration.value_or(true);
    const bool fixedStep = opt.stepSize && *opt.stepSize > 0;
    const double decrease = opt.decreaseFactor.value_or(0.5);
    const int maxLineSearch = opt.maxLineSearch.value_or(60);
    const PenaltyTerms& pen = run.penalty();

    Eigen::MatrixXd gx;
    double fx = run.smooth(theta, &gx);
    if (!std::isfinite(fx))
        return outsideDomain(run, theta);
    double Fx = fx + pen.nonSmoothValue(theta);
    double step = fixedStep ? *opt.stepSize : 1.0 / std::max(1.0, gx.norm());

    Eigen::MatrixXd x = theta, y = theta, gy = gx, xNew, d;
    double fy = fx, t = 1;
    double gradientMapping = kInf;
    // The iterate with the smallest gradient mapping so far. At the limit of double precision the mapping
    // wanders with rounding: a tolerance below that ends on the best point seen once the mapping stalls
    // (see kStallIterations), not on whatever point maxiter happens to stop at.
    Eigen::MatrixXd best = theta;
    double bestMapping = kInf;
    int lastProgress = 0;
    for (int it = 1; it <= maxIter; ++it) {
        // A backtracked step from y, which keeps the iterate in the domain.
        double fNew = kInf;
        int trials = 0;
        for (;; ++trials) {
            xNew = y - step * gy;
            pen.prox(xNew, step);
            d = xNew - y;
            fNew = run.smooth(xNew, nullptr);
            if (fixedStep)
                break;
            if (std::isfinite(fNew) && fNew <= fy + dot(gy, d) + d.squaredNorm() / (2 * step) + roundingSlack(fy))
                break;
            if (run.cancelled())
                return cancelledAt(run, x, it - 1);
            if (trials >= maxLineSearch || step < 1e-300)
                return stalled(run, x, it, gradientMapping, tol);
            step *= decrease;
        }
        if (!std::isfinite(fNew))
            return finish(run, FitStatus::Diverged,
                QStringLiteral("the objective became infinite with stepsize %1: the step is too large "
                               "or the model overflows")
                    .arg(step, 0, 'g', 3),
                x, it);
        gradientMapping = d.norm() / step;
        const double FNew = fNew + pen.nonSmoothValue(xNew);
        if (!run.step(it, FNew, gradientMapping))
            return cancelledAt(run, xNew, it);

        // Momentum with restart.
        if (accelerate && FNew <= Fx) {
            const double tNew = 0.5 * (1 + std::sqrt(1 + 4 * t * t));
            y = xNew + ((t - 1) / tNew) * (xNew - x);
            t = tNew;
        } else {
            y = xNew;
            t = 1;
        }
        x = xNew;
        Fx = FNew;
        if (gradientMapping <= tol)
            return finish(run, FitStatus::Converged, {}, x, it);
        if (gradientMapping < bestMapping) {
            if (gradientMapping < 0.9 * bestMapping)
                lastProgress = it;
            best = x;
            bestMapping = gradientMapping;
        }
        if (it - lastProgress >= std::max(kStallIterations, it / 2) && bestMapping <= kPrecisionLimit)
            return stalled(run, best, it, bestMapping, tol);

        fy = run.smooth(y, &gy);
        if (!std::isfinite(fy)) {
            y = x;
            t = 1;
            fy = run.smooth(y, &gy);
        }
        if (!fixedStep && trials == 0)
            step /= std::pow(decrease, 0.25);
    }
    return reachedMaxIter(
        run, bestMapping <= gradientMapping ? best : x, maxIter, std::min(bestMapping, gradientMapping), tol);
}

// ---------------------------------------------------------------------------------------------------------
// Line search shared by LBFGS, BFGS and NonlinearCG: strong Wolfe conditions by bracketing and zoom, with
// infinite values (outside the link's domain) treated as a step too long.

namespace {

struct LineSearchResult
{
    bool ok = false;
    double alpha = 0;
    double value = kInf;
    Eigen::MatrixXd x;
    Eigen::MatrixXd grad;
};

LineSearchResult wolfeLineSearch(const SolverRun& run, const Eigen::MatrixXd& x, double f0, const Eigen::MatrixXd& g0,
    const Eigen::MatrixXd& dir, double alpha, double c2, int maxTrials)
{
    constexpr double c1 = 1e-4;
    const double slope0 = dot(g0, dir);
    const double slack = roundingSlack(f0);
    LineSearchResult best;

    auto evaluate = [&](double a, LineSearchResult& r) {
        r.alpha = a;
        r.x = x + a * dir;
        r.value = run.smooth(r.x, &r.grad);
        return std::isfinite(r.value);
    };
    auto armijo = [&](const LineSearchResult& r) { return r.value <= f0 + c1 * r.alpha * slope0 + slack; };

    double loA = 0, loF = f0, loSlope = slope0, hiA = 0;
    bool bracketed = false;
    LineSearchResult trial;
    int evals = 0;
    for (; evals < maxTrials && !run.cancelled(); ++evals) {
        const bool finite = evaluate(alpha, trial);
        if (!finite || !armijo(trial) || (evals > 0 && trial.value >= loF)) {
            hiA = alpha;
            bracketed = true;
            break;
        }
        const double slope = dot(trial.grad, dir);
        if (std::abs(slope) <= -c2 * slope0) {
            trial.ok = true;
            return trial;
        }
        best = trial;
        best.ok = true;
        if (slope >= 0) {
            hiA = loA;
            loA = alpha;
            loF = trial.value;
            loSlope = slope;
            bracketed = true;
            break;
        }
        loA = alpha;
        loF = trial.value;
        loSlope = slope;
        alpha *= 2;
    }
    if (!bracketed)
        return best;

    // Zoom between lo (satisfies Armijo) and hi. A dozen halvings of the bracket are enough: beyond that the
    // values differ by rounding only, and the caller decides whether that is the optimum.
    const int zoomEnd = std::min(maxTrials, evals + 12);
    for (; evals < zoomEnd && !run.cancelled(); ++evals) {
        const double width = hiA - loA;
        double a;
        if (std::isfinite(trial.value) && trial.alpha == hiA) {
            // Quadratic through lo's value and slope and hi's value, kept inside the bracket.
            const double denom = 2 * (trial.value - loF - loSlope * width);
            a = denom > 0 ? loA - loSlope * width * width / denom : loA + 0.5 * width;
        } else {
            a = loA + 0.5 * width;
        }
        const double lo = std::min(loA, hiA), hi = std::max(loA, hiA);
        a = std::clamp(a, lo + 0.1 * (hi - lo), hi - 0.1 * (hi - lo));
        const bool finite = evaluate(a, trial);
        if (!finite || !armijo(trial) || trial.value >= loF) {
            hiA = a;
            continue;
        }
        const double slope = dot(trial.grad, dir);
        if (std::abs(slope) <= -c2 * slope0) {
            trial.ok = true;
            return trial;
        }
        best = trial;
        best.ok = true;
        if (slope * (hiA - loA) >= 0)
            hiA = loA;
        loA = a;
        loF = trial.value;
        loSlope = slope;
        if (std::abs(hiA - loA) < 1e-16 * std::max(1.0, std::abs(loA)))
            break;
    }
    // Sufficient decrease without the curvature condition is still progress.
    return best;
}

} // namespace

// LBFGS (limited-memory BFGS, history_size pairs), BFGS (dense inverse Hessian approximation) and
// NonlinearCG (Polak-Ribiere+ with restarts) for smooth objectives (UnRegularized, Ridge), all on the
// strong-Wolfe line search above, or on a fixed stepsize when one is given. Use LBFGS for wide smooth
// problems; BFGS when the parameter count is moderate; NonlinearCG when memory is tight.
SolverOutcome runQuasiNewton(SolverRun& run, Eigen::MatrixXd theta)
{
    const SolverOptions& opt = run.options();
    const Solver kind = opt.solver;
    const double tol = run.tol(kDefaultTol);
    const int maxIter = run.maxIter(kind == Solver::NonlinearCG ? kFirstOrderMaxIter : 20000);
    const bool fixedStep = opt.stepSize && *opt.stepSize > 0;
    const int maxTrials = opt.maxLineSearch.value_or(40);
    const int memory = std::max(1, opt.historySize.value_or(10));
    const double c2 = kind == Solver::NonlinearCG ? 0.1 : 0.9;
    const Eigen::Index dim = theta.size();

    if (kind == Solver::BFGS && dim > 4000)
        return finish(run, FitStatus::InvalidInput,
            QStringLiteral("BFGS keeps a dense %1 x %1 matrix: too many parameters, use LBFGS").arg(dim), theta, 0);

    Eigen::MatrixXd grad;
    double f = run.smooth(theta, &grad);
    if (!std::isfinite(f))
        return outsideDomain(run, theta);

    std::deque<CurvaturePair> pairs; // LBFGS
    Eigen::MatrixXd inverseHessian; // BFGS
    Eigen::MatrixXd dir, previousGrad, previousDir;
    double previousSlope = 0, alpha = 1;
    bool haveInverse = false;
    double gradNorm = grad.norm();

    for (int it = 1; it <= maxIter; ++it) {
        if (gradNorm <= tol)
            return finish(run, FitStatus::Converged, {}, theta, it - 1);

        // The search direction.
        const Eigen::Map<const Eigen::VectorXd> g(grad.data(), dim);
        Eigen::VectorXd direction;
        if (kind == Solver::LBFGS) {
            // The initial inverse Hessian: the identity scaled by the newest pair's s.y / y.y.
            const Eigen::MatrixXd step = -twoLoopRecursion(grad, pairs, [&](Eigen::MatrixXd& r) {
                if (!pairs.empty())
                    r *= 1 / (pairs.back().rho * pairs.back().y.squaredNorm());
            });
            direction = Eigen::Map<const Eigen::VectorXd>(step.data(), dim);
        } else if (kind == Solver::BFGS) {
            direction = haveInverse ? Eigen::VectorXd(-(inverseHessian * g)) : Eigen::VectorXd(-g);
        } else {
            direction = -g;
            if (previousDir.size() && (it - 1) % std::max<Eigen::Index>(dim, 1) != 0) {
                const Eigen::Map<const Eigen::VectorXd> gPrev(previousGrad.data(), dim);
                const double beta = std::max(0.0, g.dot(g - gPrev) / gPrev.squaredNorm());
                const Eigen::Map<const Eigen::VectorXd> dPrev(previousDir.data(), dim);
                direction += beta * dPrev;
            }
        }
        double slope = direction.dot(g);
        if (!(slope < 0)) {
            direction = -g;
            slope = -g.squaredNorm();
            pairs.clear();
            haveInverse = false;
        }
        dir = Eigen::Map<Eigen::MatrixXd>(direction.data(), theta.rows(), theta.cols());

        // The step length.
        double initial = 1.0;
        if (kind == Solver::NonlinearCG && previousSlope < 0)
            initial = std::min(1e3, alpha * previousSlope / slope * 1.01);
        else if (it == 1 || (kind != Solver::LBFGS && !haveInverse) || (kind == Solver::LBFGS && pairs.empty()))
            initial = std::min(1.0, 1.0 / std::max(gradNorm, 1e-300));

        LineSearchResult ls;
        if (fixedStep) {
            ls.alpha = *opt.stepSize;
            ls.x = theta + ls.alpha * dir;
            ls.value = run.smooth(ls.x, &ls.grad);
            ls.ok = std::isfinite(ls.value);
            if (!ls.ok)
                return finish(run, FitStatus::Diverged,
                    QStringLiteral("the objective became infinite with stepsize %1").arg(ls.alpha), theta, it);
        } else {
            ls = wolfeLineSearch(run, theta, f, grad, dir, initial, c2, maxTrials);
            if (run.cancelled())
                return cancelledAt(run, theta, it - 1);
            if (!ls.ok) {
                if (kind != Solver::GradientDescent && (!pairs.empty() || haveInverse || previousDir.size())) {
                    // Forget the curvature model and retry along the gradient once.
                    pairs.clear();
                    haveInverse = false;
                    previousDir.resize(0, 0);
                    previousSlope = 0;
                    dir = -grad;
                    ls = wolfeLineSearch(run, theta, f, grad, dir, std::min(1.0, 1.0 / gradNorm), c2, maxTrials);
                }
                if (!ls.ok)
                    return stalled(run, theta, it, gradNorm, tol);
            }
        }

        // Curvature pair and bookkeeping.
        Eigen::VectorXd s = Eigen::Map<const Eigen::VectorXd>((ls.x - theta).eval().data(), dim);
        Eigen::VectorXd yv = Eigen::Map<const Eigen::VectorXd>((ls.grad - grad).eval().data(), dim);
        const double sy = s.dot(yv);
        if (sy > 1e-12 * s.norm() * yv.norm()) {
            if (kind == Solver::LBFGS) {
                pairs.push_back({ ls.x - theta, ls.grad - grad, 1 / sy });
                if (int(pairs.size()) > memory)
                    pairs.pop_front();
            } else if (kind == Solver::BFGS) {
                if (!haveInverse) {
                    inverseHessian = Eigen::MatrixXd::Identity(dim, dim) * (sy / yv.squaredNorm());
                    haveInverse = true;
                }
                const double rho = 1.0 / sy;
                const Eigen::VectorXd Hy = inverseHessian * yv;
                const double yHy = yv.dot(Hy);
                inverseHessian
                    += ((sy + yHy) * rho * rho) * (s * s.transpose()) - rho * (Hy * s.transpose() + s * Hy.transpose());
            }
        }
        previousGrad = grad;
        previousDir = dir;
        previousSlope = slope;
        alpha = ls.alpha;
        theta = std::move(ls.x);
        grad = std::move(ls.grad);
        f = ls.value;
        gradNorm = grad.norm();
        if (!run.step(it, f, gradNorm))
            return cancelledAt(run, theta, it);
    }
    if (gradNorm <= tol)
        return finish(run, FitStatus::Converged, {}, theta, maxIter);
    return reachedMaxIter(run, theta, maxIter, gradNorm, tol);
}

// ---------------------------------------------------------------------------------------------------------
// SVRG and ProxSVRG: stochastic variance-reduced (proximal) gradient.
//
// Each epoch takes a full-gradient snapshot, then n / batch_size mini-batch steps along the corrected
// gradient g_B(x) - g_B(snapshot) + full gradient (with the proximal operator for ProxSVRG). Without a
// stepsize, the first step length comes from a backtracking search on the full objective, and an epoch that
// raises the objective is undone and retried with half the step. Use for very many samples when each pass
// over the data is expensive; the stopping rule uses the full gradient at the snapshot.
SolverOutcome runSvrg(SolverRun& run, Eigen::MatrixXd theta)
{
    const SolverOptions& opt = run.options();
    const double tol = run.tol(kDefaultTol);
    const int maxEpochs = run.maxIter(kFirstOrderMaxIter);
    const PenaltyTerms& pen = run.penalty();
    const SmoothLoss& loss = run.loss();
    const Eigen::Index n = loss.samples();
    const Eigen::Index batch
        = std::clamp<Eigen::Index>(opt.batchSize.value_or(std::max<Eigen::Index>(32, n / 8)), 1, n);
    const Eigen::Index inner = std::max<Eigen::Index>(1, n / batch);
    std::mt19937_64 random(quint64(opt.seed.value_or(0)));

    Eigen::MatrixXd snapGrad;
    double fSnap = run.smooth(theta, &snapGrad);
    if (!std::isfinite(fSnap))
        return outsideDomain(run, theta);
    double FSnap = fSnap + pen.nonSmoothValue(theta);

    // Step: given, or found by backtracking a full proximal gradient step.
    double step = opt.stepSize && *opt.stepSize > 0 ? *opt.stepSize : 0;
    if (step == 0) {
        step = 1.0 / std::max(1.0, snapGrad.norm());
        for (int trial = 0; trial < 100; ++trial) {
            Eigen::MatrixXd next = theta - step * snapGrad;
            pen.prox(next, step);
            const Eigen::MatrixXd d = next - theta;
            const double value = run.smooth(next, nullptr);
            if (std::isfinite(value) && value <= fSnap + dot(snapGrad, d) + d.squaredNorm() / (2 * step))
                break;
            step *= 0.5;
        }
    }
    const bool adaptive = !(opt.stepSize && *opt.stepSize > 0);

    std::vector<Eigen::Index> order(static_cast<size_t>(n));
    std::iota(order.begin(), order.end(), Eigen::Index(0));
    std::vector<Eigen::Index> rows(static_cast<size_t>(batch));
    Eigen::MatrixXd snapshot = theta, x, gx, gs, dataGrad;
    double gradientNorm = pen.minimalSubgradient(theta, snapGrad).norm();

    for (int epoch = 1; epoch <= maxEpochs; ++epoch) {
        if (gradientNorm <= tol)
            return finish(run, FitStatus::Converged, {}, snapshot, epoch - 1);

        // The data part of the snapshot gradient (the ridge part is added exactly at each step).
        dataGrad = snapGrad;
        if (pen.ridge() != 0)
            dataGrad.topRows(theta.rows() - 1) -= pen.ridge() * snapshot.topRows(theta.rows() - 1);

        x = snapshot;
        bool blewUp = false;
        std::shuffle(order.begin(), order.end(), random);
        for (Eigen::Index m = 0; m < inner; ++m) {
            for (Eigen::Index i = 0; i < batch; ++i)
                rows[size_t(i)] = order[size_t(((m * batch) + i) % n)];
            const double fx = loss.valueOnRows(x, rows, &gx);
            loss.valueOnRows(snapshot, rows, &gs);
            if (!std::isfinite(fx)) {
                blewUp = true;
                break;
            }
            Eigen::MatrixXd v = gx - gs + dataGrad;
            pen.addSmoothGradient(x, v);
            v.array() *= pen.freeMask().array();
            x -= step * v;
            pen.prox(x, step);
            if (run.cancelled())
                return cancelledAt(run, snapshot, epoch);
        }

        Eigen::MatrixXd newGrad;
        const double fNew = blewUp ? kInf : run.smooth(x, &newGrad);
        const double FNew = fNew + pen.nonSmoothValue(x);
        if (!std::isfinite(FNew) || FNew > FSnap + roundingSlack(FSnap)) {
            if (!adaptive)
                return finish(run, FitStatus::Diverged,
                    QStringLiteral("the objective rose during an epoch with stepsize %1").arg(step), snapshot, epoch);
            step *= 0.5;
            if (step < 1e-300)
                return stalled(run, snapshot, epoch, gradientNorm, tol);
            continue;
        }
        snapshot = std::move(x);
        snapGrad = std::move(newGrad);
        FSnap = FNew;
        gradientNorm = pen.minimalSubgradient(snapshot, snapGrad).norm();
        if (!run.step(epoch, FSnap, gradientNorm))
            return cancelledAt(run, snapshot, epoch);
    }
    if (gradientNorm <= tol)
        return finish(run, FitStatus::Converged, {}, snapshot, maxEpochs);
    return reachedMaxIter(run, snapshot, maxEpochs, gradientNorm, tol);
}

// ---------------------------------------------------------------------------------------------------------
// Newton: second-order steps with a backtracking line search on the full objective.
//
// Smooth problems (UnRegularized, Ridge): Newton/IRLS, each output's (p+1)-square Hessian factored by
// Cholesky (LLT), with Levenberg damping when it is not positive definite. Lasso and ElasticNet: proximal
// Newton, the quadratic model minimised by coordinate descent. GroupLasso: proximal Newton with the model
// minimised by accelerated proximal gradient (no data passes inside). For n above twice the sample size the Hessian is
// estimated from a sample of rows in evenly spaced runs (the gradient stays exact, so the optimum is the same;
// convergence becomes linear). For smooth problems that sampled Hessian is then only the initial matrix of
// an L-BFGS recursion over the last steps, whose exact curvature pairs correct the sampling error: with
// p = 500 and 5000 sampled rows, plain sampled Newton needs about four times as many passes over X. Those
// smooth fits start on the sample alone: its own problem, solved to a loose tolerance for a fraction of a
// pass per iteration, puts the full fit past the slow first steps from the starting point (its optimum is
// within the sampling error of the full one), and the sample's Hessian at that optimum preconditions the full
// fit. Use for up to a few thousand features.

namespace {

// Indices of the free parameters of column c.
std::vector<Eigen::Index> freeIndices(const Eigen::MatrixXd& mask, Eigen::Index c)
{
    std::vector<Eigen::Index> out;
    for (Eigen::Index j = 0; j < mask.rows(); ++j)
        if (mask(j, c) != 0)
            out.push_back(j);
    return out;
}

// The Cholesky factor of a Hessian restricted to the free parameters idx, damped until it factors.
class RestrictedCholesky
{
public:
    // False if H never factors with a usable condition number.
    bool factor(const Eigen::MatrixXd& H, const std::vector<Eigen::Index>& idx)
    {
        m_idx = idx;
        m_size = H.rows();
        const auto m = Eigen::Index(idx.size());
        Eigen::MatrixXd Hs(m, m);
        for (Eigen::Index b = 0; b < m; ++b)
            for (Eigen::Index a = 0; a < m; ++a)
                Hs(a, b) = H(idx[size_t(a)], idx[size_t(b)]);
        const double scale = std::max(Hs.diagonal().cwiseAbs().maxCoeff(), 1e-300);
        double damping = 0;
        for (int attempt = 0; attempt < 12; ++attempt) {
            Eigen::MatrixXd A = Hs;
            A.diagonal().array() += damping;
            m_llt.compute(A);
            // Reject factorizations so ill-conditioned that solutions would be garbage.
            if (m_llt.info() == Eigen::Success && m_llt.rcond() > 1e-15)
                return true;
            damping = damping == 0 ? 1e-10 * scale : damping * 100;
        }
        return false;
    }

    // H^{-1} v on the free entries, zero on the others.
    Eigen::VectorXd solve(const Eigen::VectorXd& v) const
    {
        const auto m = Eigen::Index(m_idx.size());
        Eigen::VectorXd vs(m);
        for (Eigen::Index a = 0; a < m; ++a)
            vs(a) = v(m_idx[size_t(a)]);
        const Eigen::VectorXd xs = m_llt.solve(vs);
        Eigen::VectorXd x = Eigen::VectorXd::Zero(m_size);
        for (Eigen::Index a = 0; a < m; ++a)
            x(m_idx[size_t(a)]) = xs(a);
        return x;
    }

private:
    std::vector<Eigen::Index> m_idx;
    Eigen::Index m_size = 0;
    Eigen::LLT<Eigen::MatrixXd> m_llt;
};

// Solves H d = -g restricted to idx, damping H until it factors. False if it never does.
bool newtonDirection(
    const Eigen::MatrixXd& H, const Eigen::VectorXd& g, const std::vector<Eigen::Index>& idx, Eigen::VectorXd& d)
{
    RestrictedCholesky cholesky;
    if (!cholesky.factor(H, idx))
        return false;
    d = -cholesky.solve(g);
    return d.allFinite();
}

// The L-BFGS direction with the factored (sampled) Hessian as its initial matrix: -B^{-1} grad, where B is
// that Hessian corrected by the curvature pairs. Each output's block is solved on its own.
Eigen::MatrixXd preconditionedQuasiNewtonDirection(
    const Eigen::MatrixXd& grad, const std::vector<RestrictedCholesky>& factors, const std::deque<CurvaturePair>& pairs)
{
    return -twoLoopRecursion(grad, pairs, [&](Eigen::MatrixXd& r) {
        for (Eigen::Index c = 0; c < r.cols(); ++c)
            r.col(c) = factors[size_t(c)].solve(r.col(c));
    });
}

// Coordinate descent on  g.d + d.H d / 2 + l1 ||w + d||_1  (the last row, the intercept, unpenalised).
void coordinateDescent(const Eigen::MatrixXd& H, const Eigen::VectorXd& g, const Eigen::VectorXd& w, double l1,
    const std::vector<Eigen::Index>& idx, double tol, Eigen::VectorXd& d)
{
    const Eigen::Index q = g.size();
    d = Eigen::VectorXd::Zero(q);
    Eigen::VectorXd Hd = Eigen::VectorXd::Zero(q);
    for (int sweep = 0; sweep < 1000; ++sweep) {
        double change = 0;
        for (Eigen::Index j : idx) {
            const double a = H(j, j);
            if (!(a > 0))
                continue;
            const double b = g(j) + Hd(j);
            double z;
            if (j == q - 1) {
                z = -b / a;
            } else {
                const double u = w(j) + d(j);
                z = softThreshold(u - b / a, l1 / a) - u;
            }
            if (z != 0) {
                d(j) += z;
                Hd += z * H.col(j);
                change = std::max(change, std::abs(z) * std::sqrt(a));
            }
        }
        if (change <= tol)
            break;
    }
}

// The Hessian of the data term at theta for iteration it (false when cancelled).
using HessianSource = std::function<bool(const Eigen::MatrixXd& theta, std::vector<Eigen::MatrixXd>& blocks, int it)>;

// When the Newton iterations take a new Hessian.
enum class HessianReuse
{
    Never, // every iteration: the exact Hessian of moderate data
    WhileFast, // a sampled Hessian, costly next to a pass: kept while the gradient norm shrinks fast
    UntilStall, // the same near the optimum (after a warm start): kept while full steps are taken
};

// Factored Hessians (one per output) handed from one Newton loop to the next.
using HessianFactors = std::vector<RestrictedCholesky>;

// The Newton iterations. A Hessian that is kept is corrected by curvature pairs (smooth problems). With carried
// (smooth problems only): factors it holds stand for the first iteration's Hessian, and the loop leaves its last
// ones there when it returns.
SolverOutcome newtonLoop(SolverRun& run, Eigen::MatrixXd theta, const HessianSource& hessian, HessianReuse policy,
    Eigen::Index hessianRows, HessianFactors* carried = nullptr)
{
    const double tol = run.tol(kDefaultTol);
    const int maxIter = run.maxIter(kSecondOrderMaxIter);
    const PenaltyTerms& pen = run.penalty();
    const SmoothLoss& loss = run.loss();
    const Eigen::Index p = loss.features();
    const Eigen::Index q = p + 1;
    const Eigen::Index k = theta.cols();
    // With the L-BFGS corrections (smooth problems) a new sample Hessian pays only while the steps stall far
    // from the optimum; near it the corrections make up for the sampling error better than a new sample.
    const bool categorical = loss.categorical();
    const bool corrected = pen.smoothOnly() && !categorical;
    const double reuseRatio = corrected ? 0.9 : 0.5;
    const bool stepRule = pen.smoothOnly() && !run.options().tol.has_value();
    bool haveHessian = false;
    double previousGradientNorm = kInf;
    double lastAlpha = 1;

    Eigen::MatrixXd grad;
    double f = run.smooth(theta, &grad);
    if (!std::isfinite(f))
        return outsideDomain(run, theta);
    double F = f + pen.nonSmoothValue(theta);
    double gradientNorm = pen.minimalSubgradient(theta, grad).norm();
    std::vector<Eigen::MatrixXd> blocks;
    HessianFactors factors;
    std::deque<CurvaturePair> pairs;
    const bool carry = carried && corrected && policy != HessianReuse::Never;
    if (carry && !carried->empty()) {
        factors = std::move(*carried);
        haveHessian = true;
    }
    // However the loop ends, its last factors go back to carried.
    struct HandBack
    {
        HessianFactors* to;
        HessianFactors& from;
        ~HandBack()
        {
            if (to)
                *to = std::move(from);
        }
    } handBack { carry ? carried : nullptr, factors };

    for (int it = 1; it <= maxIter; ++it) {
        if (gradientNorm <= tol)
            return finishAt(run, FitStatus::Converged, theta, it - 1, f, grad);

        const auto iterationStarted = std::chrono::steady_clock::now();
        const bool reuse = policy != HessianReuse::Never && haveHessian && lastAlpha == 1
            && (policy == HessianReuse::UntilStall || gradientNorm <= reuseRatio * previousGradientNorm);
        previousGradientNorm = gradientNorm;
        if (!reuse) {
            if (!hessian(theta, blocks, it))
                return cancelledAt(run, theta, it - 1);
            haveHessian = true;
        }
        for (auto& H : blocks) {
            if (reuse)
                break;
            for (Eigen::Index c = 0; c < H.rows() / q; ++c)
                H.diagonal().segment(c * q, p).array() += pen.ridge();
            if (!H.allFinite())
                return finish(run, FitStatus::Diverged, QStringLiteral("the Hessian overflowed"), theta, it);
        }
        if (run.cancelled())
            return cancelledAt(run, theta, it - 1);
        const auto hessianDone = std::chrono::steady_clock::now();

        // The step direction.
        Eigen::MatrixXd dir = Eigen::MatrixXd::Zero(q, k);
        if (categorical) {
            const Eigen::Map<const Eigen::VectorXd> g(grad.data(), q * k);
            const Eigen::Map<const Eigen::VectorXd> w(theta.data(), q * k);
            std::vector<Eigen::Index> idx(size_t(q * k));
            std::iota(idx.begin(), idx.end(), Eigen::Index(0));
            Eigen::VectorXd d;
            bool ok = true;
            if (pen.smoothOnly()) {
                ok = newtonDirection(blocks[0], g, idx, d);
            } else if (!pen.grouped()) {
                // Every class's intercept is unpenalised: coordinate descent over vec(theta), skipping
                // the soft threshold on intercept entries.
                Eigen::VectorXd Hd = Eigen::VectorXd::Zero(q * k);
                d = Eigen::VectorXd::Zero(q * k);
                const double cdTol = std::max(1e-15, 1e-3 * gradientNorm * std::min(1.0, gradientNorm));
                for (int sweep = 0; sweep < 1000 && !run.cancelled(); ++sweep) {
                    double change = 0;
                    for (Eigen::Index j = 0; j < q * k; ++j) {
                        const double a = blocks[0](j, j);
                        if (!(a > 0))
                            continue;
                        const double b = g(j) + Hd(j);
                        const double u = w(j) + d(j);
                        const double z = (j % q == p) ? -b / a : softThreshold(u - b / a, pen.l1() / a) - u;
                        if (z != 0) {
                            d(j) += z;
                            Hd += z * blocks[0].col(j);
                            change = std::max(change, std::abs(z) * std::sqrt(a));
                        }
                    }
                    if (change <= cdTol)
                        break;
                }
            } else {
                ok = false;
            }
            if (!ok)
                return finish(run, FitStatus::Diverged,
                    QStringLiteral("the Hessian is singular and could not be regularised"), theta, it);
            dir = Eigen::Map<Eigen::MatrixXd>(d.data(), q, k);
        } else if (pen.smoothOnly()) {
            if (!reuse) {
                factors.resize(size_t(k));
                for (Eigen::Index c = 0; c < k; ++c)
                    if (!factors[size_t(c)].factor(blocks[size_t(c)], freeIndices(pen.freeMask(), c)))
                        return finish(run, FitStatus::Diverged,
                            QStringLiteral("the Hessian of output %1 is singular and could not be "
                                           "regularised")
                                .arg(c),
                            theta, it);
            }
            dir = preconditionedQuasiNewtonDirection(grad, factors, pairs);
            if (!(dot(grad, dir) < 0) && !pairs.empty()) {
                // Rounding in the corrections: fall back to the plain (sampled) Newton step.
                pairs.clear();
                dir = preconditionedQuasiNewtonDirection(grad, factors, pairs);
            }
        } else if (!pen.grouped()) {
            const double cdTol = std::max(1e-15, 1e-3 * gradientNorm * std::min(1.0, gradientNorm));
            for (Eigen::Index c = 0; c < k; ++c) {
                Eigen::VectorXd d;
                coordinateDescent(
                    blocks[size_t(c)], grad.col(c), theta.col(c), pen.l1(), freeIndices(pen.freeMask(), c), cdTol, d);
                dir.col(c) = d;
            }
        } else {
            // Accelerated proximal gradient on the quadratic model; its step is 1 / (largest eigenvalue).
            double lipschitz = 0;
            for (const auto& H : blocks) {
                Eigen::VectorXd v = Eigen::VectorXd::Ones(q);
                double lambda = 0;
                for (int power = 0; power < 60; ++power) {
                    const Eigen::VectorXd Hv = H * v;
                    lambda = Hv.norm();
                    if (!(lambda > 0))
                        break;
                    v = Hv / lambda;
                }
                lipschitz = std::max(lipschitz, lambda * 1.05);
            }
            lipschitz = std::max(lipschitz, 1e-12);
            const double step = 1.0 / lipschitz;
            Eigen::MatrixXd z = theta, zPrev = theta, y = theta, modelGrad(q, k);
            double t = 1;
            const double innerTol = std::max(1e-15, 1e-3 * gradientNorm * std::min(1.0, gradientNorm));
            for (int inner = 0; inner < 5000 && !(inner % 64 == 0 && run.cancelled()); ++inner) {
                for (Eigen::Index c = 0; c < k; ++c)
                    modelGrad.col(c) = grad.col(c) + blocks[size_t(c)] * (y.col(c) - theta.col(c));
                modelGrad.array() *= pen.freeMask().array();
                zPrev = z;
                z = y - step * modelGrad;
                pen.prox(z, step);
                const double moved = (z - y).norm() * lipschitz;
                const double tNew = 0.5 * (1 + std::sqrt(1 + 4 * t * t));
                y = z + ((t - 1) / tNew) * (z - zPrev);
                t = tNew;
                if (moved <= innerTol)
                    break;
            }
            dir = z - theta;
        }

        // The step rule (tol unset): the step about to be taken estimates the distance to the optimum, so a
        // step that would move no parameter by more than kStepTolerance of its scale ends the fit here, without
        // the pass that taking it would cost. After a shortened step the model may be poor: take one more.
        if (stepRule && lastAlpha == 1
            && dir.cwiseAbs().maxCoeff() <= kStepTolerance * std::max(1.0, theta.cwiseAbs().maxCoeff())) {
            qCDebug(lcFit, "Newton %d: converged on the step size, gradient norm %.3e", it, gradientNorm);
            return finishAt(run, FitStatus::Converged, theta, it - 1, f, grad);
        }

        // Backtracking on the full objective; infinite values (outside the domain) shorten the step.
        const double predicted = dot(grad, dir) + pen.nonSmoothValue(theta + dir) - pen.nonSmoothValue(theta);
        if (!(predicted < 0))
            return stalled(run, theta, it, gradientNorm, tol);
        double alpha = 1;
        Eigen::MatrixXd next, nextGrad;
        double fNext = kInf, FNext = kInf;
        bool accepted = false;
        for (int trial = 0; trial < 60 && !run.cancelled(); ++trial) {
            next = theta + alpha * dir;
            fNext = run.smooth(next, &nextGrad);
            FNext = fNext + pen.nonSmoothValue(next);
            if (std::isfinite(FNext) && FNext <= F + 1e-4 * alpha * predicted + roundingSlack(F)) {
                accepted = true;
                break;
            }
            alpha *= 0.5;
        }
        if (run.cancelled())
            return cancelledAt(run, theta, it - 1);
        if (!accepted)
            return stalled(run, theta, it, gradientNorm, tol);

        const double decrease = F - FNext;
        lastAlpha = alpha;
        if (lcFit().isDebugEnabled()) {
            const auto seconds = [](auto from, auto to) { return std::chrono::duration<double>(to - from).count(); };
            qCDebug(lcFit, "Newton %d: gradient norm %.3e, Hessian %s %.1f ms, step %g after %.1f ms", it, gradientNorm,
                reuse ? "reused" : qPrintable(QString::number(hessianRows) + QStringLiteral(" rows")),
                1e3 * seconds(iterationStarted, hessianDone), alpha,
                1e3 * seconds(hessianDone, std::chrono::steady_clock::now()));
        }
        if (policy != HessianReuse::Never && corrected) {
            CurvaturePair pair { next - theta, nextGrad - grad, 0 };
            const double sy = dot(pair.s, pair.y);
            if (sy > kEps * pair.s.norm() * pair.y.norm()) {
                pair.rho = 1 / sy;
                pairs.push_back(std::move(pair));
                if (pairs.size() > kCurvatureMemory)
                    pairs.pop_front();
            }
        }
        theta = std::move(next);
        grad = std::move(nextGrad);
        f = fNext;
        F = FNext;
        gradientNorm = pen.minimalSubgradient(theta, grad).norm();
        if (!run.step(it, F, gradientNorm))
            return cancelledAt(run, theta, it);
        // A full step that changes nothing at all: the optimum to within rounding.
        if (decrease <= 0 && alpha == 1 && gradientNorm <= std::max(tol, kPrecisionLimit) * 10)
            return finishAt(run, FitStatus::Converged, theta, it, f, grad);
    }
    if (gradientNorm <= tol)
        return finishAt(run, FitStatus::Converged, theta, maxIter, f, grad);
    return reachedMaxIter(run, theta, maxIter, gradientNorm, tol);
}

} // namespace

SolverOutcome runNewton(SolverRun& run, Eigen::MatrixXd theta)
{
    const SmoothLoss& loss = run.loss();
    const Eigen::Index n = loss.samples();
    const Eigen::Index q = loss.features() + 1;
    // Large n: the Hessian from a sample of rows. The exact gradient keeps the optimum exact; the sample only
    // slows convergence from quadratic to fast linear, at a rate that improves as the sample grows, while a
    // full Hessian would cost about q / 2 passes over the data. The sample is sized so that its Hessian costs
    // about one pass (per row: q^2 / 2 multiply-adds of a compute-bound product plus the weights, against q
    // multiply-adds of a pass that waits on memory), and holds at least max(5000, 8 q) rows.
    const double passRowCost = kPassElementCost * double(q) + kPassRowCost;
    auto balancedRows = [&](double gramCost) {
        return Eigen::Index(double(n) * passRowCost / (gramCost * double(q * q) / 2 + kHessianRowCost));
    };
    const Eigen::Index minimumRows = std::max<Eigen::Index>(5000, 8 * q);
    // Sized by the baseline product even where the AVX2 and AVX-512 ones are two and three times as fast: copying
    // a larger sample, and its own passes in the warm start, would eat the gain.
    const Eigen::Index sampleRows
        = std::clamp(balancedRows(kHessianElementCost), minimumRows, std::max(minimumRows, n / 4));
    const bool fastGram = std::string_view(kernels::instructionSet()) != "portable";
    const Eigen::Index affordableRows = balancedRows(fastGram ? kHessianElementCostAvx2 : kHessianElementCost);
    if (n <= 2 * sampleRows) {
        return newtonLoop(
            run, std::move(theta), [&](const auto& at, auto& blocks, int) { return loss.hessian(at, blocks, 0, 0); },
            HessianReuse::Never, n);
    }
    if (!run.penalty().smoothOnly() || loss.categorical()) {
        // Without curvature pairs each new Hessian comes from another sample, so that sampling errors average
        // out; each is gathered anew, so the sample stays at its smallest.
        return newtonLoop(
            run, std::move(theta),
            [&](const auto& at, auto& blocks, int it) { return loss.hessian(at, blocks, minimumRows, it); },
            HessianReuse::WhileFast, minimumRows);
    }

    if (affordableRows < minimumRows) {
        // The Hessian costs several passes: the warm start would cost more than it saves.
        return newtonLoop(
            run, std::move(theta),
            [&](const auto& at, auto& blocks, int) { return loss.hessian(at, blocks, sampleRows, 0); },
            HessianReuse::WhileFast, sampleRows);
    }

    // Smooth problems: first the sample's own problem, whose Hessian is the sampled Hessian of the full one.
    Eigen::MatrixXd Xs, Ys;
    const auto sampleStarted = std::chrono::steady_clock::now();
    loss.sample(sampleRows, 0, Xs, Ys);
    if (run.cancelled())
        return cancelledAt(run, std::move(theta), 0);
    qCDebug(lcFit, "Newton: sample of %lld rows copied in %.1f ms", qlonglong(Xs.rows()),
        1e3 * std::chrono::duration<double>(std::chrono::steady_clock::now() - sampleStarted).count());
    const SmoothLoss sampleLoss = loss.onRows(Xs, Ys);
    const HessianSource sampleHessian = [&](const Eigen::MatrixXd& at, std::vector<Eigen::MatrixXd>& blocks, int) {
        return sampleLoss.hessian(at, blocks, 0, 0);
    };
    SolverOptions warmOptions = run.options();
    warmOptions.tol = std::max(run.tol(kDefaultTol), kWarmStartTolerance);
    warmOptions.maxIter = kSecondOrderMaxIter;
    FitControl warmControl;
    warmControl.cancel = run.cancelRequest();
    SolverRun warmRun(sampleLoss, run.penalty(), warmOptions, warmControl);
    HessianFactors warmFactors;
    const SolverOutcome warm
        = newtonLoop(warmRun, theta, sampleHessian, HessianReuse::UntilStall, sampleRows, &warmFactors);
    if (run.cancelled())
        return cancelledAt(run, std::move(theta), 0);
    qCDebug(lcFit, "Newton: warm start on %lld rows, %d iterations, gradient norm %.3e on the sample",
        qlonglong(sampleRows), warm.iterations, warm.gradientNorm);

    const bool usable = warm.status == FitStatus::Converged || warm.status == FitStatus::MaxIterations;
    if (usable && warm.theta.allFinite()) {
        // The full fit starts from the sample's optimum with the warm start's last Hessian, already factored,
        // which its full steps to that optimum vouch for, and keeps it: from there on, curvature pairs correct it
        // better than a new sample would, and a fresh Hessian at the sample's optimum (one more Gram product)
        // converges no faster.
        SolverOutcome outcome
            = newtonLoop(run, warm.theta, sampleHessian, HessianReuse::UntilStall, sampleRows, &warmFactors);
        // Outside the domain at the sample's optimum (its rows did not see every extreme): start over.
        if (outcome.status != FitStatus::Diverged || outcome.iterations > 0)
            return outcome;
        qCDebug(lcFit, "Newton: the sample's optimum is outside the domain on the full data; starting over");
        run.history.clear();
    }
    return newtonLoop(run, std::move(theta), sampleHessian, HessianReuse::WhileFast, sampleRows);
}

} // namespace nemoscope::fit::detail
