#pragma once

// The optimisers behind the solver names, over the parameter matrix Theta (n_features + 1, n_outputs) of
// SmoothLoss. Each minimises  F(Theta) + h(W)  where F is the data term plus the smooth (ridge) part of
// the penalty and h the non-smooth part (L1 or group L2), with parameters outside the feature mask held at
// zero. Stopping rule everywhere: the norm of the smallest subgradient (smooth solvers: the gradient;
// proximal solvers: the gradient mapping) falls below tol. With tol unset (1e-10 then), Newton on a smooth
// problem also stops once a full step moves no parameter by more than 1e-7 of its scale.

#include "fit/glm.h"
#include "fit/loss.h"

#include <Eigen/Core>

#include <chrono>
#include <limits>
#include <vector>

namespace nemoscope::fit::detail {

// The penalty split into its smooth and non-smooth parts.
class PenaltyTerms
{
public:
    PenaltyTerms(const GlmProblem& problem, Eigen::Index features, Eigen::Index outputs);

    double ridge() const { return m_l2; }
    double l1() const { return m_l1; }
    bool grouped() const { return m_group > 0 && !m_groups.empty(); }
    bool smoothOnly() const { return m_l1 == 0 && !grouped(); }
    // 1 for a free parameter, 0 for one held at zero (feature mask); the intercept row is free.
    const Eigen::MatrixXd& freeMask() const { return m_free; }

    double smoothValue(const Eigen::MatrixXd& theta) const;
    void addSmoothGradient(const Eigen::MatrixXd& theta, Eigen::MatrixXd& grad) const;
    double nonSmoothValue(const Eigen::MatrixXd& theta) const;
    // In place: theta <- prox_{step h}(theta).
    void prox(Eigen::MatrixXd& theta, double step) const;
    // The smallest subgradient of F + h at theta, given the gradient of F there.
    Eigen::MatrixXd minimalSubgradient(const Eigen::MatrixXd& theta, const Eigen::MatrixXd& grad) const;
    const std::vector<std::vector<Eigen::Index>>& groups() const { return m_groups; }
    double groupWeight(size_t g) const { return m_group * m_weights[g]; }

private:
    double m_l2 = 0;
    double m_l1 = 0;
    double m_group = 0;
    std::vector<std::vector<Eigen::Index>> m_groups;
    std::vector<double> m_weights; // sqrt(group size)
    Eigen::MatrixXd m_free;
};

// What a solver needs besides the problem: options, progress, cancel, the clock.
class SolverRun
{
public:
    SolverRun(
        const SmoothLoss& loss, const PenaltyTerms& penalty, const SolverOptions& options, const FitControl& control);

    const SmoothLoss& loss() const { return m_loss; }
    const PenaltyTerms& penalty() const { return m_penalty; }
    const SolverOptions& options() const { return m_options; }

    // F and its masked gradient (grad may be null).
    double smooth(const Eigen::MatrixXd& theta, Eigen::MatrixXd* grad) const;
    double total(const Eigen::MatrixXd& theta, Eigen::MatrixXd* grad = nullptr) const;

    double tol(double fallback) const;
    int maxIter(int fallback) const;
    bool userTolerance() const { return m_options.tol.has_value() || m_options.maxIter.has_value(); }

    // Records an iteration (history, throttled progress). Returns false when a cancel was requested.
    bool step(int iteration, double objective, double gradientNorm);
    bool cancelled() const;
    const std::atomic<bool>* cancelRequest() const { return m_control.cancel; }

private:
    const SmoothLoss& m_loss;
    const PenaltyTerms& m_penalty;
    const SolverOptions& m_options;
    const FitControl& m_control;
    std::chrono::steady_clock::time_point m_lastReport;

public:
    std::vector<double> history;
    double lastGradientNorm = std::numeric_limits<double>::quiet_NaN();
};

struct SolverOutcome
{
    FitStatus status = FitStatus::Converged;
    QString message;
    Eigen::MatrixXd theta;
    double objective = 0;
    double gradientNorm = 0;
    int iterations = 0;
};

SolverOutcome runProximalGradient(SolverRun& run, Eigen::MatrixXd theta);
SolverOutcome runQuasiNewton(SolverRun& run, Eigen::MatrixXd theta); // LBFGS, BFGS, NonlinearCG
SolverOutcome runSvrg(SolverRun& run, Eigen::MatrixXd theta);
SolverOutcome runNewton(SolverRun& run, Eigen::MatrixXd theta);

} // namespace nemoscope::fit::detail
