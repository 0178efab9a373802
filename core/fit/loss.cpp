#include "fit/loss.h"

#include "fit/kernels.h"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <limits>
#include <thread>

namespace nemoscope::fit::detail {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kSqrt1Over2Pi = 0.39894228040143267794;
constexpr double kLogSqrt2Pi = 0.91893853320467274178;

// Rows per block when forming weighted Gram matrices: keeps the scaled copy of X in cache.
constexpr Eigen::Index kBlockRows = 2048;
// The elements of X in one block of a pass, and bounds on its rows.
constexpr Eigen::Index kPassBlockElements = 65536;
constexpr Eigen::Index kMinBlockRows = 32;
constexpr Eigen::Index kMaxBlockRows = 2048;
// Below this many multiply-adds per evaluation one thread is faster than starting more.
constexpr double kThreadingWork = 4e5;
// Consecutive rows per run of a row sample (512 bytes of each column of X).
constexpr Eigen::Index kSampleRunRows = 64;

double sigmoid(double z)
{
    if (z >= 0)
        return 1.0 / (1.0 + std::exp(-z));
    const double e = std::exp(z);
    return e / (1.0 + e);
}

// log(1 + exp(z)) without overflow.
double softplus(double z)
{
    return z > 0 ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z));
}

double normCdf(double z)
{
    return 0.5 * std::erfc(-z * M_SQRT1_2);
}

double normPdf(double z)
{
    return kSqrt1Over2Pi * std::exp(-0.5 * z * z);
}

// log Phi(z) and the inverse Mills ratio phi(z) / Phi(z), with the asymptotic forms in the far left tail.
void logNormCdf(double z, double& logCdf, double& mills)
{
    if (z > -30) {
        const double cdf = normCdf(z);
        logCdf = std::log(cdf);
        mills = normPdf(z) / cdf;
        return;
    }
    logCdf = -0.5 * z * z - std::log(-z) - kLogSqrt2Pi + std::log1p(-1.0 / (z * z));
    mills = -z - 1.0 / z;
}

// The mean and its first two derivatives in eta.
void linkDerivatives(InverseLink link, double eta, double& mu, double& m1, double& m2)
{
    switch (link) {
    case InverseLink::Exp:
        mu = std::exp(eta);
        m1 = mu;
        m2 = mu;
        return;
    case InverseLink::Softplus: {
        mu = softplus(eta);
        const double s = sigmoid(eta);
        m1 = s;
        m2 = s * (1 - s);
        return;
    }
    case InverseLink::Logistic: {
        const double s = sigmoid(eta);
        mu = s;
        m1 = s * (1 - s);
        m2 = m1 * (1 - 2 * s);
        return;
    }
    case InverseLink::NormCdf:
        mu = normCdf(eta);
        m1 = normPdf(eta);
        m2 = -eta * m1;
        return;
    case InverseLink::Identity:
        mu = eta;
        m1 = 1;
        m2 = 0;
        return;
    case InverseLink::OneOverX:
        mu = 1.0 / eta;
        m1 = -mu * mu;
        m2 = 2 * mu * mu * mu;
        return;
    case InverseLink::LogSoftmax:
        break;
    }
    mu = m1 = m2 = std::numeric_limits<double>::quiet_NaN();
}

} // namespace

double elementMean(InverseLink link, double eta)
{
    double mu, m1, m2;
    linkDerivatives(link, eta, mu, m1, m2);
    return mu;
}

bool elementLoss(const GlmProblem& problem, double y, double eta, double& value, double* d1, double* d2)
{
    const Observation obs = problem.observation;
    const InverseLink link = problem.link;

    // Canonical and common pairs in closed form: exact where the generic chain rule would lose digits.
    if (obs == Observation::Poisson && link == InverseLink::Exp) {
        const double mu = std::exp(eta);
        value = mu - y * eta;
        if (d1)
            *d1 = mu - y;
        if (d2)
            *d2 = mu;
        return std::isfinite(value);
    }
    if (obs == Observation::Bernoulli && link == InverseLink::Logistic) {
        value = softplus(eta) - y * eta;
        const double s = sigmoid(eta);
        if (d1)
            *d1 = s - y;
        if (d2)
            *d2 = s * (1 - s);
        return std::isfinite(value);
    }
    if (obs == Observation::Bernoulli && link == InverseLink::NormCdf) {
        double logP, millsP, logQ, millsQ;
        logNormCdf(eta, logP, millsP);
        logNormCdf(-eta, logQ, millsQ);
        value = -y * logP - (1 - y) * logQ;
        if (d1)
            *d1 = -y * millsP + (1 - y) * millsQ;
        if (d2)
            *d2 = y * millsP * (eta + millsP) + (1 - y) * millsQ * (millsQ - eta);
        return std::isfinite(value);
    }
    if (obs == Observation::Gaussian && link == InverseLink::Identity) {
        const double r = y - eta;
        value = r * r;
        if (d1)
            *d1 = -2 * r;
        if (d2)
            *d2 = 2;
        return std::isfinite(value);
    }
    if (obs == Observation::NegativeBinomial && link == InverseLink::Exp) {
        const double s = problem.observationScale;
        const double z = eta + std::log(s);
        const double tail = y + 1.0 / s;
        value = -y * z + tail * softplus(z);
        const double p = sigmoid(z);
        if (d1)
            *d1 = -y + tail * p;
        if (d2)
            *d2 = tail * p * (1 - p);
        return std::isfinite(value);
    }
    if (obs == Observation::Gamma && link == InverseLink::OneOverX) {
        // y / mu + log mu with mu = 1 / eta: y eta - log eta, defined for eta > 0.
        if (!(eta > 0)) {
            value = kInf;
            return false;
        }
        value = y * eta - std::log(eta);
        if (d1)
            *d1 = y - 1.0 / eta;
        if (d2)
            *d2 = 1.0 / (eta * eta);
        return std::isfinite(value);
    }

    // Generic chain rule: l(mu(eta)).
    double mu, m1, m2;
    linkDerivatives(link, eta, mu, m1, m2);
    double l = 0, l1 = 0, l2 = 0;
    switch (obs) {
    case Observation::Poisson:
        if (!(mu > 0))
            break;
        l = mu - y * std::log(mu);
        l1 = 1 - y / mu;
        l2 = y / (mu * mu);
        value = l;
        if (d1)
            *d1 = l1 * m1;
        if (d2)
            *d2 = l2 * m1 * m1 + l1 * m2;
        return std::isfinite(value);
    case Observation::Gamma:
        if (!(mu > 0))
            break;
        l = y / mu + std::log(mu);
        l1 = -y / (mu * mu) + 1 / mu;
        l2 = 2 * y / (mu * mu * mu) - 1 / (mu * mu);
        value = l;
        if (d1)
            *d1 = l1 * m1;
        if (d2)
            *d2 = l2 * m1 * m1 + l1 * m2;
        return std::isfinite(value);
    case Observation::Bernoulli:
        if (!(mu > 0 && mu < 1))
            break;
        l = -(y * std::log(mu) + (1 - y) * std::log1p(-mu));
        l1 = -y / mu + (1 - y) / (1 - mu);
        l2 = y / (mu * mu) + (1 - y) / ((1 - mu) * (1 - mu));
        value = l;
        if (d1)
            *d1 = l1 * m1;
        if (d2)
            *d2 = l2 * m1 * m1 + l1 * m2;
        return std::isfinite(value);
    case Observation::Gaussian:
        l = (y - mu) * (y - mu);
        l1 = -2 * (y - mu);
        l2 = 2;
        value = l;
        if (d1)
            *d1 = l1 * m1;
        if (d2)
            *d2 = l2 * m1 * m1 + l1 * m2;
        return std::isfinite(value);
    case Observation::NegativeBinomial: {
        if (!(mu > 0))
            break;
        const double s = problem.observationScale;
        const double sm = s * mu;
        l = -y * std::log(sm / (sm + 1)) + std::log1p(sm) / s;
        l1 = -y / mu + (y * s + 1) / (sm + 1);
        l2 = y / (mu * mu) - s * (y * s + 1) / ((sm + 1) * (sm + 1));
        value = l;
        if (d1)
            *d1 = l1 * m1;
        if (d2)
            *d2 = l2 * m1 * m1 + l1 * m2;
        return std::isfinite(value);
    }
    case Observation::Categorical:
        break;
    }
    value = kInf;
    return false;
}

// What one range of rows contributes: the sum of the losses and the unnormalised gradient.
struct SmoothLoss::Partial
{
    double value = 0;
    Eigen::MatrixXd grad;
    bool finite = true;
};

SmoothLoss::SmoothLoss(const GlmProblem& problem, const Eigen::MatrixXd& X, const Eigen::MatrixXd& Y, int outputs,
    const std::atomic<bool>* cancel)
    : m_problem(problem)
    , m_X(X)
    , m_Y(Y)
    , m_outputs(outputs)
    , m_cancel(cancel)
    , m_threads(std::clamp(int(std::thread::hardware_concurrency()), 1, 8))
{ }

int SmoothLoss::threadsFor(Eigen::Index rows) const
{
    const double work = double(rows) * double(m_X.cols() + 1) * double(m_outputs);
    if (work < kThreadingWork || m_threads <= 1)
        return 1;
    return int(std::min<double>(m_threads, std::max(1.0, work / kThreadingWork)));
}

namespace {

// Sum of the losses of one block of rows of one output, and their derivatives in eta (when deriv is given).
// The canonical pairs the benchmarks and most models use have loops of their own in kernels.cpp (vectorised
// where the processor allows); the values agree with elementLoss to an ulp or so of their terms. The other
// pairs go element by element. False outside the domain.
bool blockLoss(
    const GlmProblem& problem, const double* y, const double* eta, Eigen::Index rows, double& sum, double* deriv)
{
    double total = 0;
    if (problem.observation == Observation::Poisson && problem.link == InverseLink::Exp) {
        total = kernels::poissonExpLoss(y, eta, rows, deriv);
    } else if (problem.observation == Observation::Bernoulli && problem.link == InverseLink::Logistic) {
        total = kernels::bernoulliLogisticLoss(y, eta, rows, deriv);
    } else {
        for (Eigen::Index i = 0; i < rows; ++i) {
            double v;
            if (!elementLoss(problem, y[i], eta[i], v, deriv ? deriv + i : nullptr, nullptr))
                return false;
            total += v;
        }
    }
    sum += total;
    return std::isfinite(total);
}

} // namespace

void SmoothLoss::accumulate(
    const Eigen::MatrixXd& theta, Eigen::Index begin, Eigen::Index end, bool wantGrad, Partial& out) const
{
    const Eigen::Index p = m_X.cols();
    const Eigen::Index k = m_outputs;
    if (wantGrad)
        out.grad = Eigen::MatrixXd::Zero(p + 1, k);
    double sum = 0;
    auto fail = [&] {
        out.finite = false;
        out.value = kInf;
    };

    // Row blocks of about 512 KB of X, so that the second read (the gradient X_b^T d) comes from cache, each
    // column's stretch of a block spans enough cache lines for the prefetcher, and a cancel request gets
    // through between blocks.
    const Eigen::Index blockRows = std::clamp<Eigen::Index>(
        Eigen::Index(double(kPassBlockElements) / double(p + 1)) & ~Eigen::Index(7), kMinBlockRows, kMaxBlockRows);
    Eigen::VectorXd eta(blockRows), deriv(blockRows);
    Eigen::MatrixXd etaAll, derivAll;

    for (Eigen::Index start = begin; start < end; start += blockRows) {
        if (cancelled())
            return fail();
        const Eigen::Index rows = std::min(blockRows, end - start);
        const double* Xb = m_X.data() + start;

        if (!categorical()) {
            for (Eigen::Index c = 0; c < k; ++c) {
                eta.head(rows).setConstant(theta(p, c));
                kernels::multiplyAdd(Xb, m_X.rows(), rows, p, theta.col(c).data(), eta.data(),
                    c + 1 == k ? std::min(blockRows, end - start - rows) : 0);
                if (!blockLoss(
                        m_problem, m_Y.col(c).data() + start, eta.data(), rows, sum, wantGrad ? deriv.data() : nullptr))
                    return fail();
                if (wantGrad) {
                    kernels::transposeMultiplyAdd(Xb, m_X.rows(), rows, p, deriv.data(), out.grad.col(c).data());
                    out.grad(p, c) += deriv.head(rows).sum();
                }
            }
            continue;
        }

        etaAll.noalias() = m_X.middleRows(start, rows) * theta.topRows(p);
        etaAll.rowwise() += theta.row(p);
        if (wantGrad)
            derivAll.resize(rows, k);
        for (Eigen::Index i = 0; i < rows; ++i) {
            const double top = etaAll.row(i).maxCoeff();
            double z = 0;
            for (Eigen::Index c = 0; c < k; ++c)
                z += std::exp(etaAll(i, c) - top);
            const double logZ = top + std::log(z);
            const auto label = Eigen::Index(m_Y(start + i, 0));
            sum += logZ - etaAll(i, label);
            if (wantGrad) {
                for (Eigen::Index c = 0; c < k; ++c)
                    derivAll(i, c) = std::exp(etaAll(i, c) - logZ);
                derivAll(i, label) -= 1;
            }
        }
        if (!std::isfinite(sum))
            return fail();
        if (wantGrad) {
            out.grad.topRows(p).noalias() += m_X.middleRows(start, rows).transpose() * derivAll;
            out.grad.row(p) += derivAll.colwise().sum();
        }
    }
    if (!std::isfinite(sum))
        return fail();
    out.value = sum;
}

double SmoothLoss::value(const Eigen::MatrixXd& theta, Eigen::MatrixXd* grad) const
{
    const Eigen::Index n = m_X.rows();
    const int threads = threadsFor(n);
    std::vector<Partial> parts(threads);

    if (threads == 1) {
        accumulate(theta, 0, n, grad != nullptr, parts[0]);
    } else {
        std::vector<std::thread> pool;
        const Eigen::Index chunk = (n + threads - 1) / threads;
        for (int t = 1; t < threads; ++t) {
            const Eigen::Index begin = std::min(n, t * chunk);
            const Eigen::Index end = std::min(n, begin + chunk);
            pool.emplace_back([&, t, begin, end] { accumulate(theta, begin, end, grad != nullptr, parts[t]); });
        }
        accumulate(theta, 0, std::min(n, chunk), grad != nullptr, parts[0]);
        for (auto& thread : pool)
            thread.join();
    }

    double total = 0;
    for (const auto& part : parts) {
        if (!part.finite)
            return kInf;
        total += part.value;
    }
    if (grad) {
        *grad = parts[0].grad;
        for (int t = 1; t < threads; ++t)
            if (parts[t].grad.size())
                *grad += parts[t].grad;
        *grad /= double(n);
    }
    return total / double(n);
}

double SmoothLoss::accumulateRows(
    const Eigen::MatrixXd& theta, const std::vector<Eigen::Index>& rows, Eigen::MatrixXd* grad) const
{
    const Eigen::Index p = m_X.cols();
    const Eigen::Index k = m_outputs;
    const auto m = Eigen::Index(rows.size());
    Eigen::MatrixXd Xs(m, p);
    Eigen::MatrixXd Ys(m, m_Y.cols());
    for (Eigen::Index i = 0; i < m; ++i) {
        Xs.row(i) = m_X.row(rows[size_t(i)]);
        Ys.row(i) = m_Y.row(rows[size_t(i)]);
    }
    SmoothLoss sub(m_problem, Xs, Ys, int(k), nullptr);
    sub.m_threads = 1;
    return sub.value(theta, grad);
}

double SmoothLoss::valueOnRows(
    const Eigen::MatrixXd& theta, const std::vector<Eigen::Index>& rows, Eigen::MatrixXd* grad) const
{
    return accumulateRows(theta, rows, grad);
}

void SmoothLoss::sample(Eigen::Index rows, Eigen::Index offset, Eigen::MatrixXd& X, Eigen::MatrixXd& Y) const
{
    rows = sampleSize(rows);
    X.resize(rows, m_X.cols());
    sampleInto(rows, offset, X.data(), Y);
}

Eigen::Index SmoothLoss::sampleSize(Eigen::Index rows) const
{
    return std::clamp<Eigen::Index>(rows, 1, std::max<Eigen::Index>(1, m_X.rows() / 2));
}

void SmoothLoss::sampleInto(Eigen::Index rows, Eigen::Index offset, double* X, Eigen::MatrixXd& Y) const
{
    const Eigen::Index n = m_X.rows();
    const Eigen::Index p = m_X.cols();
    // Runs of kSampleRunRows consecutive rows, evenly spaced: a run is contiguous in every column of
    // column-major X, so the copy reads rows * p doubles rather than touching most cache lines of X. Since
    // rows <= n / 2, the spacing is at least the run length.
    const Eigen::Index runLength = std::min(kSampleRunRows, rows);
    const Eigen::Index runs = (rows + runLength - 1) / runLength;
    const Eigen::Index spacing = n / runs;
    const Eigen::Index shift = (offset * 7919) % (spacing - runLength + 1);
    auto copyColumns = [&](const Eigen::MatrixXd& from, double* to, Eigen::Index begin, Eigen::Index end) {
        for (Eigen::Index j = begin; j < end && !cancelled(); ++j)
            for (Eigen::Index run = 0; run < runs; ++run) {
                const Eigen::Index length = std::min(runLength, rows - run * runLength);
                std::copy_n(from.col(j).data() + run * spacing + shift, length, to + j * rows + run * runLength);
            }
    };
    Y.resize(rows, m_Y.cols());
    copyColumns(m_Y, Y.data(), 0, m_Y.cols());
    const int threads = threadsFor(rows);
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t)
        pool.emplace_back(copyColumns, std::cref(m_X), X, t * p / threads, (t + 1) * p / threads);
    copyColumns(m_X, X, 0, p / threads);
    for (auto& thread : pool)
        thread.join();
}

bool SmoothLoss::hessian(const Eigen::MatrixXd& theta, std::vector<Eigen::MatrixXd>& blocks, Eigen::Index sampleRows,
    Eigen::Index offset) const
{
    const Eigen::Index n = m_X.rows();
    const Eigen::Index p = m_X.cols();
    const Eigen::Index k = m_outputs;
    const Eigen::Index q = p + 1;

    // The rows used: all of them, or a sample (see sample()), gathered once per (size, offset) into a contiguous
    // copy with the intercept's column of ones.
    const bool sampled = sampleRows > 0 && 2 * sampleRows <= n;
    if (sampled && (m_sampleX.rows() != sampleRows || m_sampleOffset != offset)) {
        m_sampleX.resize(sampleRows, q);
        sampleInto(sampleRows, offset, m_sampleX.data(), m_sampleY);
        if (cancelled()) {
            m_sampleX.resize(0, 0);
            return false;
        }
        m_sampleX.col(p).setOnes();
        m_sampleOffset = offset;
    }
    const Eigen::Index used = sampled ? m_sampleX.rows() : n;
    const double norm = 1.0 / double(used);

    // Curvature weights per (row, output) pair, or per (row, class, class) for Categorical.
    const Eigen::Index pairs = categorical() ? k * (k + 1) / 2 : k;
    const int threads = threadsFor(used * q);
    if (m_hessianScratch.size() < size_t(threads))
        m_hessianScratch.resize(size_t(threads));
    std::atomic<bool> stopped { false };
    // About 8e7 multiply-adds per block: a cancel request is seen within a few tens of milliseconds, and
    // each rank update has rows enough (some hundreds up to p ~ 500) to keep Eigen's product kernels busy.
    const Eigen::Index blockRows
        = std::clamp<Eigen::Index>(Eigen::Index(8e7 / double(q * q * (categorical() ? pairs : 1))), 16, kBlockRows);

    auto work = [&](int t, Eigen::Index begin, Eigen::Index end) {
        HessianScratch& scratch = m_hessianScratch[size_t(t)];
        auto& acc = scratch.acc;
        acc.resize(size_t(pairs));
        for (auto& block : acc)
            block.setZero(q, q);
        // Full-size blocks whatever the rows of the last one (a resize would reallocate on every call).
        if (categorical())
            scratch.Xb.resize(blockRows, q);
        scratch.scaled.resize(blockRows, q);
        for (Eigen::Index start = begin; start < end; start += blockRows) {
            if (cancelled()) {
                stopped = true;
                return;
            }
            const Eigen::Index rows = std::min(blockRows, end - start);
            // The block's rows, read in place: from the sample, which holds the column of ones, or from X, to
            // which the Gram kernel adds it.
            const double* block = sampled ? m_sampleX.data() + start : m_X.data() + start;
            const Eigen::Index ld = sampled ? m_sampleX.rows() : n;
            const Eigen::Map<const Eigen::MatrixXd, 0, Eigen::OuterStride<>> Xp(
                block, rows, p, Eigen::OuterStride<>(ld));
            Eigen::MatrixXd eta = Xp * theta.topRows(p);
            eta.rowwise() += theta.row(p);
            auto yOf
                = [&](Eigen::Index i, Eigen::Index c) { return sampled ? m_sampleY(start + i, c) : m_Y(start + i, c); };

            if (!categorical()) {
                Eigen::VectorXd w(rows);
                const bool poissonExp
                    = m_problem.observation == Observation::Poisson && m_problem.link == InverseLink::Exp;
                const bool bernoulliLogistic
                    = m_problem.observation == Observation::Bernoulli && m_problem.link == InverseLink::Logistic;
                for (Eigen::Index c = 0; c < k; ++c) {
                    // The square roots of the second derivatives in eta: exp(eta) and sigmoid (1 - sigmoid) =
                    // e / (1 + e)^2 with e = exp(-|eta|) for the canonical pairs, elementLoss for the others.
                    for (Eigen::Index i = 0; i < rows; ++i) {
                        double root;
                        if (poissonExp) {
                            root = std::exp(0.5 * eta(i, c));
                        } else if (bernoulliLogistic) {
                            const double e = std::exp(-std::abs(eta(i, c)));
                            root = std::sqrt(e) / (1 + e);
                        } else {
                            double v, d2 = 0;
                            elementLoss(m_problem, yOf(i, c), eta(i, c), v, nullptr, &d2);
                            root = d2 > 0 ? std::sqrt(d2) : 0.0;
                        }
                        w(i) = std::isfinite(root) ? root : 0.0;
                    }
                    if (!kernels::gramLowerAdd(block, ld, rows, sampled ? q : p, w.data(), !sampled,
                            acc[size_t(c)].data(), q, scratch.gram)) {
                        auto scaled = scratch.scaled.topRows(rows);
                        scaled.leftCols(p) = w.asDiagonal() * Xp;
                        scaled.col(p) = w;
                        acc[size_t(c)].selfadjointView<Eigen::Lower>().rankUpdate(scaled.transpose());
                    }
                }
            } else {
                // Softmax curvature: diag(prob) - prob prob^T per row, one weighted Gram matrix per class pair.
                Eigen::MatrixXd prob(rows, k);
                for (Eigen::Index i = 0; i < rows; ++i) {
                    const double top = eta.row(i).maxCoeff();
                    prob.row(i) = (eta.row(i).array() - top).exp();
                    prob.row(i) /= prob.row(i).sum();
                }
                auto Xb = scratch.Xb.topRows(rows);
                Xb.leftCols(p) = Xp;
                Xb.col(p).setOnes();
                auto scaled = scratch.scaled.topRows(rows);
                Eigen::Index pair = 0;
                for (Eigen::Index a = 0; a < k; ++a) {
                    for (Eigen::Index b = a; b < k; ++b, ++pair) {
                        Eigen::VectorXd w = -prob.col(a).cwiseProduct(prob.col(b));
                        if (a == b)
                            w += prob.col(a);
                        scaled = w.asDiagonal() * Xb;
                        acc[size_t(pair)].noalias() += Xb.transpose() * scaled;
                    }
                }
            }
        }
    };

    if (threads == 1) {
        work(0, 0, used);
    } else {
        std::vector<std::thread> pool;
        const Eigen::Index chunk = (used + threads - 1) / threads;
        for (int t = 1; t < threads; ++t) {
            const Eigen::Index begin = std::min(used, t * chunk);
            const Eigen::Index end = std::min(used, begin + chunk);
            pool.emplace_back(work, t, begin, end);
        }
        work(0, 0, std::min(used, chunk));
        for (auto& thread : pool)
            thread.join();
    }
    if (stopped)
        return false;

    std::vector<Eigen::MatrixXd>& sum = m_hessianScratch[0].acc;
    for (int t = 1; t < threads; ++t)
        for (Eigen::Index j = 0; j < pairs; ++j)
            sum[size_t(j)] += m_hessianScratch[size_t(t)].acc[size_t(j)];

    if (!categorical()) {
        blocks.resize(size_t(k));
        for (Eigen::Index c = 0; c < k; ++c) {
            blocks[size_t(c)] = sum[size_t(c)].selfadjointView<Eigen::Lower>();
            blocks[size_t(c)] *= norm;
        }
        return true;
    }

    // vec(theta) is column-major: class a occupies entries [a q, (a + 1) q).
    blocks.assign(1, Eigen::MatrixXd::Zero(q * k, q * k));
    Eigen::Index pair = 0;
    for (Eigen::Index a = 0; a < k; ++a) {
        for (Eigen::Index b = a; b < k; ++b, ++pair) {
            blocks[0].block(a * q, b * q, q, q) = sum[size_t(pair)] * norm;
            if (a != b)
                blocks[0].block(b * q, a * q, q, q) = sum[size_t(pair)].transpose() * norm;
        }
    }
    return true;
}

Eigen::MatrixXd SmoothLoss::mean(const Eigen::MatrixXd& theta) const
{
    const Eigen::Index p = m_X.cols();
    Eigen::MatrixXd eta = m_X * theta.topRows(p);
    eta.rowwise() += theta.row(p);
    if (categorical()) {
        for (Eigen::Index i = 0; i < eta.rows(); ++i) {
            const double top = eta.row(i).maxCoeff();
            eta.row(i) = (eta.row(i).array() - top).exp();
            eta.row(i) /= eta.row(i).sum();
        }
        return eta;
    }
    return eta.unaryExpr([link = m_problem.link](double e) { return elementMean(link, e); });
}

} // namespace nemoscope::fit::detail
