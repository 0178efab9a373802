#include "examples.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>

namespace nemoscope::ui {

namespace {

bool holdsExamples(const QString& folder)
{
    return !folder.isEmpty() && QFileInfo::exists(folder + QStringLiteral("/fitted_ridge_glm.npz"));
}

} // namespace

QString examplesDirectory()
{
    QStringList candidates;
    const QString fromEnvironment = qEnvironmentVariable("NEMOSCOPE_EXAMPLES_DIR");
    if (!fromEnvironment.isEmpty())
        candidates << fromEnvironment;

    // Installed layout: <prefix>/bin/nemoscope and <prefix>/share/nemoscope/examples.
    if (QCoreApplication::instance())
        candidates << QCoreApplication::applicationDirPath() + QStringLiteral("/../share/nemoscope/examples");

    // Build tree: the examples stay in the source tree the binary was configured from.
    candidates << QStringLiteral(NEMOSCOPE_SOURCE_EXAMPLES_DIR);

    for (const QString& data : QStandardPaths::standardLocations(QStandardPaths::GenericDataLocation))
        candidates << data + QStringLiteral("/nemoscope/examples");
    candidates << QStringLiteral("/usr/share/nemoscope/examples")
               << QStringLiteral("/usr/local/share/nemoscope/examples");

    for (const QString& candidate : candidates) {
        if (holdsExamples(candidate))
            return QDir(candidate).canonicalPath();
    }
    return {};
}

QList<Example> bundledExamples()
{
    QList<Example> examples = {
        { QStringLiteral("unfitted_ridge_glm.npz"), QStringLiteral("An unfitted model"),
            QStringLiteral("A Poisson GLM with a Ridge penalty as nemos saves it before fitting: hyperparameters only, "
                           "no coefficients yet."),
            {} },
        { QStringLiteral("fitted_ridge_glm.npz"), QStringLiteral("A fitted model"),
            QStringLiteral("The same model after fitting: coef_, intercept_, scale_ and dof_resid_ appear under Fit "
                           "parameters. Select coef_ to see the coefficients as a stem plot."),
            {} },
        { QStringLiteral("custom_names_glm.npz"), QStringLiteral("Unresolved custom names"),
            QStringLiteral("Saved with a custom link function and a custom regularizer that only exist in the "
                           "author's Python session. Map them to built-ins to use the model."),
            {} },
        { QStringLiteral("seed_example_data.npz"), QStringLiteral("A data set to refit on"),
            QStringLiteral("Spike counts and their predictors (X and counts): load it as data to refit a model."), {} },
        { QStringLiteral("population_glm.npz"), QStringLiteral("A population model"),
            QStringLiteral("A PopulationGLM fitted to several neurons at once: coef_ is features by neurons, shown "
                           "as a heatmap, with a feature mask."),
            {} },
        { QStringLiteral("numpy_dtype_zoo.npz"), QStringLiteral("A plain NumPy archive"),
            QStringLiteral("Not a model: one array of each NumPy dtype (integers, floats, complex, strings, dates, "
                           "structured records, NaN and Inf) to explore the array viewer."),
            {} },
    };

    const QString folder = examplesDirectory();
    if (!folder.isEmpty()) {
        for (Example& example : examples) {
            const QString path = folder + QLatin1Char('/') + example.fileName;
            if (QFileInfo::exists(path))
                example.path = path;
        }
    }
    return examples;
}

} // namespace nemoscope::ui
