#include "model/fitbridge.h"

#include "model/modelspec.h"
#include "model/paramtree.h"
#include "model/registry.h"

#include <QByteArray>

namespace nemoscope::model {

namespace {

Error keyError(const QString& key, const QString& reason)
{
    return Error { {}, key, reason };
}

// A float32 or float64 array of the given shape from column-major Eigen data, in C order.
npy::NdArray floatArray(const Eigen::MatrixXd& m, const std::vector<qint64>& shape, bool float64)
{
    QByteArray bytes;
    for (Eigen::Index r = 0; r < m.rows(); ++r) {
        for (Eigen::Index c = 0; c < m.cols(); ++c) {
            if (float64) {
                const double v = m(r, c);
                bytes.append(reinterpret_cast<const char*>(&v), sizeof v);
            } else {
                const float v = float(m(r, c));
                bytes.append(reinterpret_cast<const char*>(&v), sizeof v);
            }
        }
    }
    auto array = npy::NdArray::fromBytes(float64 ? npy::DType::float64() : npy::DType::float32(), shape, bytes);
    return array ? *array : npy::NdArray();
}

} // namespace

Result<QVariantMap> kwargsToVariantMap(const ParamNode& kwargs)
{
    QVariantMap map;
    if (kwargs.isNone())
        return map;
    if (kwargs.type() != ParamNode::Type::Dict)
        return keyError(QStringLiteral("solver_kwargs"), QStringLiteral("expected a dict or None"));
    for (size_t i = 0; i < kwargs.keys().size(); ++i) {
        const QString& key = kwargs.keys()[i].text;
        const ParamNode& value = kwargs.children()[i];
        switch (value.type()) {
        case ParamNode::Type::Bool:
            map.insert(key, value.toBool());
            break;
        case ParamNode::Type::Int:
            map.insert(key, value.toInt());
            break;
        case ParamNode::Type::Float:
            map.insert(key, value.toDouble());
            break;
        case ParamNode::Type::String:
            map.insert(key, value.toString());
            break;
        case ParamNode::Type::None:
            map.insert(key, QVariant());
            break;
        default:
            return keyError(QStringLiteral("solver_kwargs__") + key,
                QStringLiteral("expected a number, a boolean or a string, got %1").arg(value.displayText()));
        }
    }
    return map;
}

Result<FitSetup> fitSetup(const ModelSpec& spec)
{
    FitSetup setup;
    fit::GlmProblem& problem = setup.problem;

    if (!spec.fittingSupported()) {
        return keyError(QStringLiteral("model_class"),
            QStringLiteral("Nemoscope fits GLM and PopulationGLM models, not %1").arg(spec.modelClass()));
    }
    if (const auto unresolved = spec.unresolved(); !unresolved.isEmpty()) {
        return keyError(unresolved.first().key,
            QStringLiteral("'%1' is not a built-in: map it first (%2)")
                .arg(unresolved.first().saved, unresolved.first().need()));
    }
    problem.population = spec.isPopulation();

    // Observation model and link.
    const Builtin* observation = spec.observationModel().builtin;
    if (!observation)
        return keyError(QStringLiteral("observation_model"), QStringLiteral("the model names no observation model"));
    const auto obs = fit::observationFromString(observation->name);
    if (!obs)
        return keyError(
            QStringLiteral("observation_model"), QStringLiteral("%1 cannot be fitted").arg(observation->name));
    problem.observation = *obs;
    if (const ParamNode* scale = spec.observationModel().params.find(QStringLiteral("scale"))) {
        if (!scale->isNumber())
            return keyError(QStringLiteral("observation_model__scale"), QStringLiteral("expected a number"));
        problem.observationScale = scale->toDouble();
    }
    const QString linkName = spec.inverseLink() ? spec.inverseLink()->name : observation->defaultInverseLink;
    // expit is the logistic function under SciPy's name.
    const auto link = fit::linkFromString(linkName == QLatin1String("expit") ? QStringLiteral("logistic") : linkName);
    if (!link)
        return keyError(QStringLiteral("inverse_link_function"), QStringLiteral("%1 cannot be fitted").arg(linkName));
    problem.link = *link;

    // Regularizer, strength, masks.
    const Builtin* regularizer = spec.regularizer().builtin;
    const QString regName = regularizer ? regularizer->name : QStringLiteral("UnRegularized");
    const auto penalty = fit::penaltyFromString(regName);
    if (!penalty)
        return keyError(QStringLiteral("regularizer"), QStringLiteral("%1 cannot be fitted").arg(regName));
    problem.penalty = *penalty;
    if (problem.penalty != fit::Penalty::UnRegularized) {
        problem.strength = spec.strength().value_or(1.0);
        if (problem.penalty == fit::Penalty::ElasticNet)
            problem.ratio = spec.ratio().value_or(0.5);
    }
    if (problem.penalty == fit::Penalty::GroupLasso) {
        const ParamNode* mask = spec.regularizer().params.find(QStringLiteral("mask"));
        if (!mask || mask->type() != ParamNode::Type::Array)
            return keyError(QStringLiteral("regularizer__mask"), QStringLiteral("GroupLasso needs a mask array"));
        auto matrix = mask->array().toMatrix();
        if (!matrix)
            return keyError(QStringLiteral("regularizer__mask"), matrix.error().reason);
        problem.groupMask = *matrix;
    }
    if (spec.featureMask().type() == ParamNode::Type::Array) {
        auto matrix = spec.featureMask().array().toMatrix();
        if (!matrix)
            return keyError(QStringLiteral("feature_mask"), matrix.error().reason);
        // A GLM's 1-D feature mask is one column.
        problem.featureMask = *matrix;
    }

    // Solver and its options.
    const QString solverName = spec.effectiveSolverName();
    const auto solver = fit::solverFromString(solverName);
    if (!solver)
        return keyError(QStringLiteral("solver_name"), QStringLiteral("unknown solver '%1'").arg(solverName));
    auto kwargs = kwargsToVariantMap(spec.solverKwargs());
    if (!kwargs)
        return kwargs.error();
    auto options = fit::solverOptionsFromKwargs(*solver, *kwargs);
    if (!options) {
        Error error = options.error();
        if (!error.member.isEmpty() && !error.member.startsWith(QLatin1String("solver_kwargs")))
            error.member = QStringLiteral("solver_kwargs__") + error.member;
        return error;
    }
    setup.options = *options;

    if (spec.isFitted() && spec.coef().array().ndim() >= 1)
        setup.expectedFeatures = Eigen::Index(spec.coef().array().shape()[0]);
    return setup;
}

void storeFitResult(ModelSpec& spec, const fit::FitResult& result, bool float64)
{
    const bool population = spec.isPopulation();
    const qint64 features = result.coef.rows();
    const qint64 outputs = result.coef.cols();

    const ParamNode coef = ParamNode::fromArray(population ? floatArray(result.coef, { features, outputs }, float64)
                                                           : floatArray(result.coef.col(0), { features }, float64));
    const ParamNode intercept
        = ParamNode::fromArray(floatArray(Eigen::MatrixXd(result.intercept.transpose()), { outputs }, float64));

    ParamNode scale;
    ParamNode dof;
    if (population) {
        scale = ParamNode::fromArray(floatArray(Eigen::MatrixXd(result.scale.transpose()), { outputs }, float64));
        const Eigen::VectorXd dofs = result.dofResidPerOutput.size() == outputs
            ? result.dofResidPerOutput
            : Eigen::VectorXd::Constant(outputs, result.dofResid);
        dof = ParamNode::fromArray(floatArray(Eigen::MatrixXd(dofs.transpose()), { outputs }, float64));
    } else {
        const double s = result.scale.size() > 0 ? result.scale(0) : 1.0;
        // 0-d values read back as scalars: keep them so in memory too, remembering their array.
        scale = ParamNode::fromFloat(s);
        scale.setSourceArray(floatArray(Eigen::MatrixXd::Constant(1, 1, s), {}, float64));
        dof = ParamNode::fromFloat(result.dofResid);
        dof.setSourceArray(floatArray(Eigen::MatrixXd::Constant(1, 1, result.dofResid), {}, float64));
    }
    spec.setFitState(coef, intercept, scale, dof);
}

} // namespace nemoscope::model
