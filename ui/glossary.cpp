#include "glossary.h"

#include <QCoreApplication>
#include <QHash>

namespace nemoscope::ui {

namespace {

QString tr(const char* text)
{
    return QCoreApplication::translate("nemoscope::ui::Glossary", text);
}

} // namespace

QString describeKey(const QString& key)
{
    // The last part of a nested key says what it is: "regularizer__mask" is a regularizer's mask.
    const QString leaf = key.section(QStringLiteral("__"), -1);
    static const QHash<QString, const char*> texts = {
        { QStringLiteral("model_class"),
            QT_TRANSLATE_NOOP("nemoscope::ui::Glossary",
                "The nemos class the parameters belong to. GLM models one output (a neuron's spike counts); "
                "PopulationGLM fits many outputs at once from the same predictors.") },
        { QStringLiteral("observation_model"),
            QT_TRANSLATE_NOOP("nemoscope::ui::Glossary",
                "The probability distribution of the observations given the predicted mean: Poisson for spike "
                "counts, Gamma for positive values, Gaussian for continuous signals, Bernoulli for binary "
                "choices.") },
        { QStringLiteral("inverse_link_function"),
            QT_TRANSLATE_NOOP("nemoscope::ui::Glossary",
                "Turns the linear predictor X·coef_ + intercept_ into the predicted mean. exp and softplus keep "
                "a rate positive; logistic keeps a probability between 0 and 1.") },
        { QStringLiteral("regularizer"),
            QT_TRANSLATE_NOOP("nemoscope::ui::Glossary",
                "The penalty on the coefficients that keeps the fit from chasing noise. Ridge shrinks all "
                "coefficients, Lasso sets some to zero, GroupLasso removes whole groups of features.") },
        { QStringLiteral("regularizer_strength"),
            QT_TRANSLATE_NOOP("nemoscope::ui::Glossary",
                "How much the penalty weighs against the fit: larger values shrink the coefficients more. For "
                "ElasticNet a pair (strength, ratio).") },
        { QStringLiteral("solver_name"),
            QT_TRANSLATE_NOOP("nemoscope::ui::Glossary",
                "The optimisation algorithm that finds the coefficients. Each regularizer allows some solvers; "
                "None means the regularizer's default.") },
        { QStringLiteral("solver_kwargs"),
            QT_TRANSLATE_NOOP("nemoscope::ui::Glossary",
                "Options passed to the solver, such as tol (when to stop) and maxiter (the iteration limit). "
                "None means the solver's defaults.") },
        { QStringLiteral("feature_mask"),
            QT_TRANSLATE_NOOP("nemoscope::ui::Glossary",
                "PopulationGLM only: which features (rows) feed which neuron (columns); 1 uses the feature, 0 "
                "leaves it out.") },
        { QStringLiteral("mask"),
            QT_TRANSLATE_NOOP("nemoscope::ui::Glossary",
                "GroupLasso's groups: one row per group, one column per feature, 1 where the feature belongs "
                "to the group.") },
        { QStringLiteral("scale"),
            QT_TRANSLATE_NOOP("nemoscope::ui::Glossary",
                "A fixed parameter of the observation model (for NegativeBinomial, how over-dispersed the "
                "counts are).") },
        { QStringLiteral("coef_"),
            QT_TRANSLATE_NOOP("nemoscope::ui::Glossary",
                "The fitted weight of each feature: how much the linear predictor changes per unit of that "
                "predictor. For a PopulationGLM, features by neurons.") },
        { QStringLiteral("intercept_"),
            QT_TRANSLATE_NOOP("nemoscope::ui::Glossary",
                "The fitted baseline of the linear predictor, one per output; never penalised.") },
        { QStringLiteral("scale_"),
            QT_TRANSLATE_NOOP("nemoscope::ui::Glossary",
                "The fitted scale (dispersion) of the observation model: 1 for Poisson and Bernoulli, estimated "
                "from the residuals for Gamma and Gaussian.") },
        { QStringLiteral("dof_resid_"),
            QT_TRANSLATE_NOOP("nemoscope::ui::Glossary",
                "Residual degrees of freedom: the number of samples minus the effective number of fitted "
                "parameters.") },
        { QStringLiteral("aux_"),
            QT_TRANSLATE_NOOP("nemoscope::ui::Glossary",
                "Solver state nemos may keep after fitting; None when the file holds none.") },
        { QStringLiteral("save_metadata"),
            QT_TRANSLATE_NOOP("nemoscope::ui::Glossary",
                "The versions of nemos and its dependencies in the Python session that saved the file.") },
        { QStringLiteral("tol"),
            QT_TRANSLATE_NOOP("nemoscope::ui::Glossary", "The solver stops when its progress falls below this.") },
        { QStringLiteral("maxiter"),
            QT_TRANSLATE_NOOP("nemoscope::ui::Glossary", "The most iterations the solver may take.") },
        { QStringLiteral("stepsize"),
            QT_TRANSLATE_NOOP("nemoscope::ui::Glossary",
                "A fixed step length for gradient methods; without it the step is found by line search.") },
    };
    const auto found = texts.constFind(leaf);
    return found == texts.cend() ? QString() : tr(found.value());
}

QString describeSection(const QString& title)
{
    if (title == QLatin1String("Metadata"))
        return tr("Which versions of nemos and its dependencies saved this file (save_metadata).");
    if (title == QLatin1String("Model class"))
        return describeKey(QStringLiteral("model_class"));
    if (title == QLatin1String("Model parameters"))
        return tr("The hyperparameters: what you choose before fitting. They say which distribution the data "
                  "follow, how the prediction is formed, how the coefficients are penalised and how the "
                  "optimum is searched for.");
    if (title == QLatin1String("Fit parameters"))
        return tr("What fitting learned from the data: the attributes ending in an underscore. None until the "
                  "model is fitted.");
    if (title == QLatin1String("Other members"))
        return tr("Members of the archive that are not part of the nemos layout. Nemoscope keeps them as they "
                  "are when the file is saved.");
    return {};
}

} // namespace nemoscope::ui
