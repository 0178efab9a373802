// Fits one GLM with Nemoscope's engine on X and y stored as .npy files and prints one JSON line:
// {"status", "iterations", "objective", "gradient_norm", "seconds", "cpu_seconds", "coef", "intercept"}
// (seconds: wall time of fitGlm alone, data loading excluded; cpu_seconds: CPU time of all threads over the same
// span; coef and intercept of the first output). Used by bench_fit.py, which runs scikit-learn and statsmodels on
// the same data.
//
//   fit_bench X.npy y.npy OBSERVATION LINK REGULARIZER STRENGTH SOLVER [tol]

#include "data/dataset.h"
#include "fit/glm.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cstdio>
#include <ctime>

using namespace nemoscope;

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() < 8) {
        std::fprintf(stderr, "usage: fit_bench X.npy y.npy OBSERVATION LINK REGULARIZER STRENGTH SOLVER [tol]\n");
        return 2;
    }

    auto xSet = data::loadDataFile(args[1]);
    auto ySet = data::loadDataFile(args[2]);
    if (!xSet || !ySet) {
        std::fprintf(stderr, "%s\n", qPrintable((xSet ? ySet.error() : xSet.error()).message()));
        return 2;
    }
    auto X = data::matrix(*xSet, xSet->arrays.front().first);
    auto Y = data::matrix(*ySet, ySet->arrays.front().first);
    if (!X || !Y) {
        std::fprintf(stderr, "%s\n", qPrintable((X ? Y.error() : X.error()).message()));
        return 2;
    }
    xSet = Error {};
    ySet = Error {};

    fit::GlmProblem problem;
    problem.observation = fit::observationFromString(args[3]).value_or(fit::Observation::Poisson);
    problem.link = fit::linkFromString(args[4]).value_or(fit::InverseLink::Exp);
    problem.penalty = fit::penaltyFromString(args[5]).value_or(fit::Penalty::Ridge);
    problem.strength = args[6].toDouble();
    fit::SolverOptions options;
    options.solver = fit::solverFromString(args[7]).value_or(fit::Solver::Newton);
    if (args.size() > 8)
        options.tol = args[8].toDouble();

    const std::clock_t cpuStart = std::clock();
    const fit::FitResult result = fit::fitGlm(problem, options, *X, *Y);
    const double cpuSeconds = double(std::clock() - cpuStart) / CLOCKS_PER_SEC;
    QJsonObject out;
    out[QStringLiteral("status")] = fit::toString(result.status);
    out[QStringLiteral("message")] = result.message;
    out[QStringLiteral("iterations")] = result.iterations;
    out[QStringLiteral("objective")] = result.objective;
    out[QStringLiteral("gradient_norm")] = result.gradientNorm;
    out[QStringLiteral("seconds")] = result.seconds;
    out[QStringLiteral("cpu_seconds")] = cpuSeconds;
    QJsonArray coef;
    if (result.hasModel()) {
        for (Eigen::Index j = 0; j < result.coef.rows(); ++j)
            coef.append(result.coef(j, 0));
        out[QStringLiteral("intercept")] = result.intercept(0);
    }
    out[QStringLiteral("coef")] = coef;
    std::printf("%s\n", QJsonDocument(out).toJson(QJsonDocument::Compact).constData());
    return result.converged() ? 0 : 5;
}
