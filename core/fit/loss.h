#pragma once

// The smooth data term of the nemos objective, sum_k mean_i nll(y_ik, link(eta_ik)), with its gradient and
// (for the Newton solvers) its Hessian, over the parameter matrix Theta of (n_features + 1, n_outputs): rows
// 0..p-1 hold the coefficients W, the last row the intercepts b. Large data is split by rows over the cores.

#include "fit/glm.h"

#include <Eigen/Core>

#include <atomic>
#include <vector>

namespace nemoscope::fit::detail {

class SmoothLoss
{
public:
    // X (n, p) and Y (n, k) must outlive the loss. Categorical: Y is one column of labels, k = categories.
    SmoothLoss(const GlmProblem& problem, const Eigen::MatrixXd& X, const Eigen::MatrixXd& Y, int outputs,
        const std::atomic<bool>* cancel);

    Eigen::Index samples() const { return m_X.rows(); }
    Eigen::Index features() const { return m_X.cols(); }
    Eigen::Index outputs() const { return m_outputs; }
    bool categorical() const { return m_problem.observation == Observation::Categorical; }

    // The data term at theta; +inf outside the link's or the observation's domain, or on overflow.
    // grad (same shape as theta) receives the gradient when given and the value is finite.
    double value(const Eigen::MatrixXd& theta, Eigen::MatrixXd* grad = nullptr) const;

    // The same over a subset of rows (SVRG mini-batches): the mean over those rows.
    double valueOnRows(
        const Eigen::MatrixXd& theta, const std::vector<Eigen::Index>& rows, Eigen::MatrixXd* grad) const;

    // Hessian of the data term at theta. For a non-categorical model the outputs are independent: blocks[k]
    // is the (p+1, p+1) Hessian of output k. For Categorical, blocks holds one matrix over vec(theta)
    // (column-major, (p+1)k square). Negative curvature of non-canonical links is clipped to zero. When
    // 2 sampleRows <= n, the Hessian is estimated from the rows sample(sampleRows, offset) picks, gathered
    // once per (sampleRows, offset). Returns false when the computation was cancelled.
    bool hessian(const Eigen::MatrixXd& theta, std::vector<Eigen::MatrixXd>& blocks, Eigen::Index sampleRows,
        Eigen::Index offset) const;

    // Copies a sample of about `rows` rows (at most n / 2) of X and Y: evenly spaced runs of consecutive
    // rows, so that the sample spans the whole recording. Each offset gives another sample. Stops early (the
    // copy is then incomplete) when a cancel is requested.
    void sample(Eigen::Index rows, Eigen::Index offset, Eigen::MatrixXd& X, Eigen::MatrixXd& Y) const;

    // The same problem over other data (a sample from sample()), with the same cancel flag. X and Y must
    // outlive the result.
    SmoothLoss onRows(const Eigen::MatrixXd& X, const Eigen::MatrixXd& Y) const
    {
        return SmoothLoss(m_problem, X, Y, int(m_outputs), m_cancel);
    }

    // The mean of the observation model at theta (n, k): the rates (Categorical: class probabilities).
    Eigen::MatrixXd mean(const Eigen::MatrixXd& theta) const;

    bool cancelled() const { return m_cancel && m_cancel->load(std::memory_order_relaxed); }

private:
    struct Partial;
    void accumulate(
        const Eigen::MatrixXd& theta, Eigen::Index begin, Eigen::Index end, bool wantGrad, Partial& out) const;
    double accumulateRows(
        const Eigen::MatrixXd& theta, const std::vector<Eigen::Index>& rows, Eigen::MatrixXd* grad) const;
    int threadsFor(Eigen::Index rows) const;
    Eigen::Index sampleSize(Eigen::Index rows) const;
    // sample() into the first p columns of the column-major (rows, >= p) matrix at X.
    void sampleInto(Eigen::Index rows, Eigen::Index offset, double* X, Eigen::MatrixXd& Y) const;

    const GlmProblem& m_problem;
    const Eigen::MatrixXd& m_X;
    const Eigen::MatrixXd& m_Y;
    Eigen::Index m_outputs;
    const std::atomic<bool>* m_cancel;
    int m_threads;
    // The rows the sampled Hessian uses (X with a column of ones, and Y), gathered on first use.
    mutable Eigen::MatrixXd m_sampleX;
    mutable Eigen::MatrixXd m_sampleY;
    mutable Eigen::Index m_sampleOffset = 0;
    // Each thread's buffers for hessian(), kept from one call to the next: fresh memory costs a page fault
    // per 4 KB on first touch, which at small p took longer than the Gram product itself.
    struct HessianScratch
    {
        std::vector<Eigen::MatrixXd> acc;
        Eigen::MatrixXd Xb;
        Eigen::MatrixXd scaled;
        std::vector<double> gram;
    };
    mutable std::vector<HessianScratch> m_hessianScratch;
};

// Per-element loss: value, first and second derivative in eta, for one (observation, link) pair.
// Returns false outside the domain (then the value is +inf).
bool elementLoss(const GlmProblem& problem, double y, double eta, double& value, double* d1, double* d2);

// The mean of the observation model for one linear predictor.
double elementMean(InverseLink link, double eta);

} // namespace nemoscope::fit::detail
