#include "model/registry.h"

#include <algorithm>

namespace nemoscope::model {

namespace {

const QStringList kSmoothSolvers { QStringLiteral("GradientDescent"), QStringLiteral("BFGS"), QStringLiteral("LBFGS"),
    QStringLiteral("NonlinearCG"), QStringLiteral("ProximalGradient"), QStringLiteral("SVRG"),
    QStringLiteral("ProxSVRG"), QStringLiteral("Newton") };
const QStringList kProximalSolvers { QStringLiteral("ProximalGradient"), QStringLiteral("ProxSVRG"),
    QStringLiteral("Newton") };

Builtin observation(const QString& name, const QString& link, const QStringList& parameters, const QString& description)
{
    Builtin b;
    b.category = BuiltinCategory::ObservationModel;
    b.kind = NameKind::Class;
    b.name = name;
    const QString className = name + QStringLiteral("Observations");
    b.savedName = QStringLiteral("nemos.observation_models.") + className;
    b.pythonName = QStringLiteral("nmo.observation_models.") + className;
    b.aliases = { className, QStringLiteral("nemos.observation_models.") + name };
    b.parameters = parameters;
    b.defaultInverseLink = link;
    b.description = description;
    return b;
}

Builtin regularizer(const QString& name, bool smooth, const QStringList& parameters, const QString& description)
{
    Builtin b;
    b.category = BuiltinCategory::Regularizer;
    b.kind = NameKind::Class;
    b.name = name;
    b.savedName = QStringLiteral("nemos.regularizer.") + name;
    b.pythonName = QStringLiteral("nmo.regularizer.") + name;
    b.parameters = parameters;
    b.allowedSolvers = smooth ? kSmoothSolvers : kProximalSolvers;
    b.defaultSolver = smooth ? QStringLiteral("GradientDescent") : QStringLiteral("ProximalGradient");
    b.description = description;
    return b;
}

Builtin link(const QString& name, const QString& savedName, const QString& pythonName, const QStringList& aliases,
    const QString& description)
{
    Builtin b;
    b.category = BuiltinCategory::InverseLink;
    b.kind = NameKind::Callable;
    b.name = name;
    b.savedName = savedName;
    b.pythonName = pythonName;
    b.aliases = aliases;
    b.description = description;
    return b;
}

Builtin solver(const QString& name, const QString& description)
{
    Builtin b;
    b.category = BuiltinCategory::Solver;
    b.kind = NameKind::Name;
    b.name = name;
    b.savedName = name;
    b.pythonName = QLatin1Char('"') + name + QLatin1Char('"');
    b.description = description;
    return b;
}

Builtin modelClass(const QString& name, const QString& module, bool fittable, const QString& description)
{
    Builtin b;
    b.category = BuiltinCategory::ModelClass;
    b.kind = NameKind::Name;
    b.name = name;
    b.savedName = module + QLatin1Char('.') + name;
    b.pythonName = QStringLiteral("nmo.glm.") + name;
    b.fittingSupported = fittable;
    b.description = description;
    return b;
}

QList<Builtin> makeBuiltins()
{
    QList<Builtin> list;

    list << observation(QStringLiteral("Poisson"), QStringLiteral("exp"), {},
        QStringLiteral("Counts (spikes per bin); mean rate through the link"));
    list << observation(QStringLiteral("Gamma"), QStringLiteral("one_over_x"), {},
        QStringLiteral("Positive continuous values (e.g. inter-event times, calcium amplitudes)"));
    list << observation(QStringLiteral("Gaussian"), QStringLiteral("identity"), {},
        QStringLiteral("Real-valued data with constant variance (least squares)"));
    list << observation(QStringLiteral("Bernoulli"), QStringLiteral("logistic"), {},
        QStringLiteral("Binary outcomes in [0, 1] (choices, spike/no spike)"));
    list << observation(QStringLiteral("NegativeBinomial"), QStringLiteral("exp"), { QStringLiteral("scale") },
        QStringLiteral("Over-dispersed counts; scale is the fixed dispersion parameter"));
    list << observation(QStringLiteral("Categorical"), QStringLiteral("log_softmax"), {},
        QStringLiteral("One label out of several classes (ClassifierGLM)"));

    list << regularizer(QStringLiteral("UnRegularized"), true, {}, QStringLiteral("No penalty: maximum likelihood"));
    list << regularizer(
        QStringLiteral("Ridge"), true, {}, QStringLiteral("Squared L2 penalty on the coefficients: shrinks them"));
    list << regularizer(QStringLiteral("Lasso"), false, {},
        QStringLiteral("L1 penalty on the coefficients: sets some exactly to zero"));
    list << regularizer(QStringLiteral("GroupLasso"), false, { QStringLiteral("mask") },
        QStringLiteral("L2 norm per group of features (mask: groups x features): drops whole groups"));
    list << regularizer(QStringLiteral("ElasticNet"), false, {},
        QStringLiteral("Mix of L1 and L2 penalties; strength given as (strength, ratio)"));

    const QString nemosLinks = QStringLiteral("nemos.inverse_link_function_utils.");
    list << link(QStringLiteral("exp"), QStringLiteral("jax.numpy.exp"), QStringLiteral("jax.numpy.exp"),
        { QStringLiteral("jax._src.numpy.ufuncs.exp"), nemosLinks + QStringLiteral("exp") },
        QStringLiteral("Exponential: positive rates (Poisson's default)"));
    list << link(QStringLiteral("softplus"), QStringLiteral("jax.nn.softplus"), QStringLiteral("jax.nn.softplus"),
        { QStringLiteral("jax._src.nn.functions.softplus"), nemosLinks + QStringLiteral("softplus") },
        QStringLiteral("log(1 + exp(x)): positive rates that grow linearly"));
    list << link(QStringLiteral("logistic"), QStringLiteral("jax.lax.logistic"), QStringLiteral("jax.lax.logistic"),
        { QStringLiteral("jax._src.lax.lax.logistic"), QStringLiteral("jax._src.scipy.special.logistic"),
            nemosLinks + QStringLiteral("logistic") },
        QStringLiteral("Sigmoid 1 / (1 + exp(-x)): probabilities (Bernoulli's default)"));
    list << link(QStringLiteral("expit"), QStringLiteral("jax.scipy.special.expit"),
        QStringLiteral("jax.scipy.special.expit"),
        { QStringLiteral("jax._src.scipy.special.expit"), nemosLinks + QStringLiteral("expit") },
        QStringLiteral("Sigmoid, SciPy's name for the logistic function"));
    list << link(QStringLiteral("norm_cdf"), QStringLiteral("jax.scipy.stats.norm.cdf"),
        QStringLiteral("jax.scipy.stats.norm.cdf"),
        { QStringLiteral("norm.cdf"), QStringLiteral("jax._src.scipy.stats.norm.cdf"),
            nemosLinks + QStringLiteral("norm_cdf") },
        QStringLiteral("Standard normal CDF: probit probabilities"));
    list << link(QStringLiteral("identity"), nemosLinks + QStringLiteral("identity"),
        QStringLiteral("nmo.inverse_link_function_utils.identity"), {},
        QStringLiteral("Identity: the linear predictor itself (Gaussian's default)"));
    list << link(QStringLiteral("one_over_x"), QStringLiteral("nemos.utils.one_over_x"),
        QStringLiteral("nmo.utils.one_over_x"), { nemosLinks + QStringLiteral("one_over_x") },
        QStringLiteral("1 / x: the canonical Gamma link (Gamma's default)"));
    list << link(QStringLiteral("log_softmax"), QStringLiteral("jax.nn.log_softmax"),
        QStringLiteral("jax.nn.log_softmax"),
        { QStringLiteral("jax._src.nn.functions.log_softmax"), nemosLinks + QStringLiteral("log_softmax") },
        QStringLiteral("Log-softmax over classes (Categorical's default)"));

    list << solver(QStringLiteral("GradientDescent"), QStringLiteral("Accelerated gradient descent"));
    list << solver(QStringLiteral("ProximalGradient"),
        QStringLiteral("Accelerated proximal gradient: handles L1 and group penalties"));
    list << solver(QStringLiteral("LBFGS"), QStringLiteral("Limited-memory quasi-Newton: fast on smooth problems"));
    list << solver(QStringLiteral("BFGS"), QStringLiteral("Dense quasi-Newton: few features, smooth problems"));
    list << solver(QStringLiteral("NonlinearCG"), QStringLiteral("Nonlinear conjugate gradient"));
    list << solver(QStringLiteral("SVRG"), QStringLiteral("Stochastic variance-reduced gradient: many samples"));
    list << solver(QStringLiteral("ProxSVRG"), QStringLiteral("SVRG with a proximal step for non-smooth penalties"));
    list << solver(QStringLiteral("Newton"),
        QStringLiteral("Newton / proximal Newton (Nemoscope only: nemos does not load this name)"));

    list << modelClass(QStringLiteral("GLM"), QStringLiteral("nemos.glm.glm"), true,
        QStringLiteral("One output: a single neuron or signal"));
    list << modelClass(QStringLiteral("PopulationGLM"), QStringLiteral("nemos.glm.glm"), true,
        QStringLiteral("Several outputs fitted together, with an optional feature mask"));
    list << modelClass(QStringLiteral("ClassifierGLM"), QStringLiteral("nemos.glm.classifier_glm"), false,
        QStringLiteral("Multi-class classifier (Categorical observations)"));
    list << modelClass(QStringLiteral("ClassifierPopulationGLM"), QStringLiteral("nemos.glm.classifier_glm"), false,
        QStringLiteral("Multi-class classifier for several outputs"));
    Builtin hmm = modelClass(QStringLiteral("GLMHMM"), QStringLiteral("nemos.glm_hmm.glm_hmm"), false,
        QStringLiteral("GLM with hidden Markov states"));
    hmm.pythonName = QStringLiteral("nmo.glm_hmm.GLMHMM");
    list << hmm;

    return list;
}

// Levenshtein distance, case-insensitive.
int editDistance(const QString& a, const QString& b)
{
    const QString x = a.toLower();
    const QString y = b.toLower();
    std::vector<int> previous(size_t(y.size()) + 1);
    std::vector<int> current(size_t(y.size()) + 1);
    for (qsizetype j = 0; j <= y.size(); ++j)
        previous[size_t(j)] = int(j);

    for (qsizetype i = 1; i <= x.size(); ++i) {
        current[0] = int(i);
        for (qsizetype j = 1; j <= y.size(); ++j) {
            const int substitution = previous[size_t(j - 1)] + (x[i - 1] == y[j - 1] ? 0 : 1);
            current[size_t(j)] = std::min({ previous[size_t(j)] + 1, current[size_t(j - 1)] + 1, substitution });
        }
        std::swap(previous, current);
    }
    return previous[size_t(y.size())];
}

} // namespace

QString toString(BuiltinCategory category)
{
    switch (category) {
    case BuiltinCategory::ObservationModel:
        return QStringLiteral("observation model");
    case BuiltinCategory::Regularizer:
        return QStringLiteral("regularizer");
    case BuiltinCategory::InverseLink:
        return QStringLiteral("inverse link function");
    case BuiltinCategory::Solver:
        return QStringLiteral("solver");
    case BuiltinCategory::ModelClass:
        return QStringLiteral("model class");
    }
    return {};
}

QString toString(NameKind kind)
{
    switch (kind) {
    case NameKind::Class:
        return QStringLiteral("class");
    case NameKind::Callable:
        return QStringLiteral("callable");
    case NameKind::Name:
        return QStringLiteral("name");
    }
    return {};
}

const QList<Builtin>& builtins()
{
    static const QList<Builtin> list = makeBuiltins();
    return list;
}

QList<const Builtin*> builtins(BuiltinCategory category)
{
    QList<const Builtin*> out;
    for (const Builtin& b : builtins()) {
        if (b.category == category)
            out << &b;
    }
    return out;
}

const Builtin* resolveBuiltin(BuiltinCategory category, const QString& text)
{
    const QString trimmed = text.trimmed();
    if (trimmed.isEmpty())
        return nullptr;

    // nemos takes an observation model's class from the last dotted component, with or without the suffix.
    QString key = trimmed;
    if (category == BuiltinCategory::ObservationModel) {
        key = trimmed.section(QLatin1Char('.'), -1);
        if (key.endsWith(QLatin1String("Observations")))
            key.chop(int(qstrlen("Observations")));
    }
    // A model class is looked up by its full path or its bare name (nemos' registry holds full paths).
    if (category == BuiltinCategory::ModelClass && !trimmed.contains(QLatin1Char('.')))
        key = trimmed;

    for (const Builtin& b : builtins()) {
        if (b.category != category)
            continue;
        if (b.name == key || b.savedName == trimmed || b.aliases.contains(trimmed))
            return &b;
    }
    return nullptr;
}

const Builtin* findBuiltin(NameKind kind, const QString& text)
{
    const QString trimmed = text.trimmed();
    for (const Builtin& b : builtins()) {
        if (b.kind == kind
            && (b.name == trimmed || b.savedName == trimmed || b.pythonName == trimmed || b.aliases.contains(trimmed)))
            return &b;
    }
    // Observation models by class name ("GammaObservations") through the category rule.
    if (kind == NameKind::Class) {
        if (const Builtin* b = resolveBuiltin(BuiltinCategory::ObservationModel, trimmed))
            return b;
    }
    return nullptr;
}

QString closestMatch(const QString& text, const QStringList& candidates)
{
    QString best;
    int bestDistance = std::numeric_limits<int>::max();
    for (const QString& candidate : candidates) {
        const int distance = editDistance(text, candidate);
        if (distance < bestDistance) {
            bestDistance = distance;
            best = candidate;
        }
    }
    // Close enough: at most a third of the longer name, and at least one edit allowed.
    const qsizetype longer = std::max(text.size(), best.size());
    if (best.isEmpty() || bestDistance > std::max<qsizetype>(2, longer / 3))
        return {};
    return best;
}

} // namespace nemoscope::model
