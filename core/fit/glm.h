#pragma once

// The GLM fitting engine: the nemos objective, its observation models, inverse links, regularizers
// and solver names, on Eigen in double precision.
//
// Objective (what every solver minimises), for coefficients W (n_features, n_outputs) and
// intercepts b (n_outputs):
//
//     J(W, b) = sum_k mean_i nll(y_ik, link(X_i . W_k + b_k)) + penalty(W)
//
// with the negative log-likelihoods (constants dropped)
//     Poisson            mu - y log mu
//     Gamma              y / mu + log mu
//     Bernoulli          -(y log mu + (1 - y) log(1 - mu))
//     Gaussian           (y - mu)^2                                   (no factor 1/2)
//     NegativeBinomial   -y log(s mu / (s mu + 1)) + log(s mu + 1) / s  (s: the fixed observationScale)
//     Categorical        -log_softmax(eta_i)[y_i]   (one label column; W (n_features, n_classes))
// and the penalties, on W only, never on b, added once (not scaled by n)
//     Ridge       0.5 a ||W||^2
//     Lasso       a ||W||_1
//     ElasticNet  a ((1 - r) 0.5 ||W||^2 + r ||W||_1)
//     GroupLasso  a sum_g sqrt(|g|) ||W_g||_2   (W_g: the rows of the group, every output; features in
//                                              no group are not penalised)
//
// Everything here is re-entrant: fitGlm may run on a worker thread while the GUI thread waits.

#include "error.h"

#include <Eigen/Core>
#include <QString>
#include <QStringList>
#include <QVariantMap>

#include <atomic>
#include <functional>
#include <optional>
#include <vector>

namespace nemoscope::fit {

enum class Observation
{
    Poisson,
    Gamma,
    Gaussian,
    Bernoulli,
    NegativeBinomial,
    Categorical,
};

enum class InverseLink
{
    Exp,
    Softplus,
    Logistic,
    NormCdf,
    Identity,
    OneOverX,
    LogSoftmax, // Categorical only
};

enum class Penalty
{
    UnRegularized,
    Ridge,
    Lasso,
    ElasticNet,
    GroupLasso,
};

enum class Solver
{
    GradientDescent, // accelerated gradient descent (FISTA momentum, adaptive restart), backtracking step
    ProximalGradient, // accelerated proximal gradient (FISTA), backtracking step
    LBFGS, // limited-memory BFGS with a Wolfe line search
    BFGS, // dense BFGS with a Wolfe line search
    NonlinearCG, // Polak-Ribiere+ conjugate gradient with a Wolfe line search
    SVRG, // stochastic variance-reduced gradient (mini-batches, epoch snapshots)
    ProxSVRG, // SVRG with the regularizer's proximal operator
    Newton, // Newton/IRLS with Cholesky; proximal Newton with coordinate descent for
            // Lasso, ElasticNet and GroupLasso. A Nemoscope solver: nemos does not know it.
};

// Short names: observation "Poisson", link "exp", penalty "Ridge", solver "LBFGS" (the nemos solver name).
QString toString(Observation observation);
QString toString(InverseLink link);
QString toString(Penalty penalty);
QString toString(Solver solver);

// The names nemos saves: "nemos.observation_models.PoissonObservations", "jax.numpy.exp",
// "nemos.regularizer.Ridge" (the class path), the solver name itself.
QString nemosName(Observation observation);
QString nemosName(InverseLink link);
QString nemosName(Penalty penalty);

// Lenient parsing of short names, class names and the dotted paths nemos saves
// ("Poisson", "PoissonObservations", "nemos.observation_models.PoissonObservations";
// "exp", "jax.numpy.exp", "jax.nn.softplus", "jax.lax.logistic", "jax.scipy.stats.norm.cdf",
// "nemos.utils.one_over_x", "jax.nn.log_softmax"; "Ridge", "nemos.regularizer.Ridge"; "LBFGS").
std::optional<Observation> observationFromString(const QString& name);
std::optional<InverseLink> linkFromString(const QString& name);
std::optional<Penalty> penaltyFromString(const QString& name);
std::optional<Solver> solverFromString(const QString& name);

// Which solvers each regularizer allows, as nemos rules them, plus Newton (allowed everywhere here):
//   UnRegularized, Ridge:          GradientDescent, BFGS, LBFGS, NonlinearCG, SVRG, ProximalGradient, ProxSVRG
//   Lasso, ElasticNet, GroupLasso: ProximalGradient, ProxSVRG
// Defaults (what nemos picks when solver_name is None): GradientDescent for UnRegularized and Ridge,
// ProximalGradient for Lasso, ElasticNet and GroupLasso.
std::vector<Solver> allowedSolvers(Penalty penalty);
bool solverAllowed(Penalty penalty, Solver solver);
Solver defaultSolver(Penalty penalty);
// False for Newton: a model saved with it does not load in nemos.
bool isNemosSolver(Solver solver);
// Links that make sense for an observation model (Categorical: log_softmax only; the others: every
// link but log_softmax).
bool linkAllowed(Observation observation, InverseLink link);

// The model to fit. Coefficients are (n_features, n_outputs); a GLM has one output, a PopulationGLM
// one per neuron, Categorical one per class.
struct GlmProblem
{
    Observation observation = Observation::Poisson;
    double observationScale = 1.0; // NegativeBinomial's fixed scale s (> 0)
    InverseLink link = InverseLink::Exp;
    Penalty penalty = Penalty::UnRegularized;
    double strength = 0; // a >= 0
    double ratio = 0.5; // ElasticNet r in (0, 1]
    Eigen::MatrixXd groupMask; // GroupLasso: (n_groups, n_features) of 0/1
    Eigen::MatrixXd featureMask; // PopulationGLM: (n_features, n_outputs) of 0/1; empty = all inputs
    bool population = false; // PopulationGLM: Y may have several columns
    int categories = 0; // Categorical: number of classes; 0 = the largest label + 1
};

// The solver and the nemos solver_kwargs it understands. Unset options take the solver's defaults;
// when tol and maxIter are both unset a fit runs until it reaches the optimum to near machine precision.
struct SolverOptions
{
    Solver solver = Solver::GradientDescent;
    std::optional<double> tol; // "tol": stop when the (proximal) gradient norm is below it
    std::optional<int> maxIter; // "maxiter": iterations (epochs for SVRG, outer steps for Newton)
    std::optional<double> stepSize; // "stepsize": a fixed step; unset or <= 0 = line search
    std::optional<bool> acceleration; // "acceleration": FISTA momentum (GradientDescent, ProximalGradient)
    std::optional<int> maxLineSearch; // "maxls": line search trials per iteration
    std::optional<double> decreaseFactor; // "decrease_factor": backtracking shrink factor in (0, 1)
    std::optional<int> historySize; // "history_size": LBFGS memory
    std::optional<int> batchSize; // "batch_size": SVRG and ProxSVRG mini-batch size
    std::optional<qint64> seed; // "key" or "seed": SVRG sampling seed
    QStringList ignoredKeys; // keys nemos/jaxopt know that do not change the result here
};

// Builds SolverOptions from nemos solver_kwargs. Unknown keys and ill-typed values are errors that
// name the key (Error::member) and say what was expected. Known keys without effect here ("verbose",
// "jit", "implicit_diff", "unroll") go to ignoredKeys.
Result<SolverOptions> solverOptionsFromKwargs(Solver solver, const QVariantMap& kwargs);
// The inverse: only the options that are set.
QVariantMap toKwargs(const SolverOptions& options);

enum class FitStatus
{
    Converged, // the stopping rule was met
    MaxIterations, // maxiter reached first
    Diverged, // non-finite objective or parameters, a singular system, an overflow
    Cancelled, // FitControl::cancel was set
    InvalidInput, // checkData (or the problem itself) refused the input
};
QString toString(FitStatus status);

struct FitProgress
{
    int iteration = 0;
    double objective = 0;
    double gradientNorm = 0;
};

struct FitControl
{
    // Called from the fitting thread, at most every ~50 ms and once at the end. Must be thread-safe
    // (e.g. a queued signal emission).
    std::function<void(const FitProgress&)> progress;
    // Polled often enough that a request returns within 100 ms.
    const std::atomic<bool>* cancel = nullptr;
    // Start values (default: zeros and the intercept that fits the mean of y).
    std::optional<Eigen::MatrixXd> initialCoef;
    std::optional<Eigen::VectorXd> initialIntercept;
    // Drop samples with NaN or Inf in X or Y instead of refusing the data (as nemos does).
    bool dropInvalidRows = false;
};

struct FitResult
{
    FitStatus status = FitStatus::InvalidInput;
    QString message; // why, in plain words (empty when converged)
    Eigen::MatrixXd coef; // (n_features, n_outputs)
    Eigen::VectorXd intercept; // (n_outputs)
    Eigen::VectorXd scale; // nemos scale_: Gamma Pearson, Gaussian RSS / dof, NegativeBinomial s, else 1
    double dofResid = 0; // nemos dof_resid_ (see dofResid below for a population)
    Eigen::VectorXd dofResidPerOutput;
    double objective = 0;
    double gradientNorm = 0; // norm of the (proximal) gradient mapping at the end
    int iterations = 0;
    double seconds = 0; // the fit alone
    std::vector<double> objectiveHistory;
    qint64 droppedRows = 0; // with FitControl::dropInvalidRows

    bool converged() const { return status == FitStatus::Converged; }
    // True when coef and intercept hold a finite model (converged or stopped at maxiter / cancel).
    bool hasModel() const;
};

// Every data check done before fitting, each with its reason in Error::reason (Error::member names
// "X" or "y"): shapes, empty data, NaN/Inf (with the number of rows), y outside the observation
// model's domain (Poisson and NegativeBinomial y >= 0, non-integer values allowed as the likelihood
// extends to them; Bernoulli y in [0, 1]; Gamma y > 0; Categorical integer labels >= 0), feature
// count against a fitted model (expectedFeatures), masks of the wrong shape, a GLM given several
// outputs. With allowInvalidRows, NaN/Inf rows are not an error (they will be dropped).
Result<void> checkData(const GlmProblem& problem, const Eigen::MatrixXd& X, const Eigen::MatrixXd& Y,
    std::optional<Eigen::Index> expectedFeatures = std::nullopt, bool allowInvalidRows = false);

// Checks the hyperparameters alone (strength >= 0, ratio in (0, 1], scale > 0, link valid for the
// observation model, solver allowed for the regularizer, GroupLasso mask of 0/1 with one entry per
// feature...). checkData calls it too.
Result<void> checkProblem(const GlmProblem& problem, std::optional<Eigen::Index> features = std::nullopt);

// Fits. Never throws; never returns a NaN model as a success. Y is (n_samples, n_outputs) (Categorical:
// one column of labels 0..C-1). Runs checkData's checks, X's NaN and Inf only once a fit has failed (a
// finite objective over every row rules them out), and returns its error as InvalidInput.
FitResult fitGlm(const GlmProblem& problem, const SolverOptions& options, const Eigen::MatrixXd& X,
    const Eigen::MatrixXd& Y, const FitControl& control = {});

// The objective J(W, b) above (+inf outside the link's domain).
double objective(const GlmProblem& problem, const Eigen::MatrixXd& X, const Eigen::MatrixXd& Y,
    const Eigen::MatrixXd& coef, const Eigen::VectorXd& intercept);

// The mean: link(X W + b), (n_samples, n_outputs); Categorical: class probabilities.
Eigen::MatrixXd predict(
    const GlmProblem& problem, const Eigen::MatrixXd& X, const Eigen::MatrixXd& coef, const Eigen::VectorXd& intercept);

} // namespace nemoscope::fit
