#include "model/modelspec.h"

#include "logging.h"
#include "model/literal.h"

#include <QRegularExpression>

#include <cmath>

namespace nemoscope::model {

namespace {

const ParamNode kNone;

const QString kModelClass = QStringLiteral("model_class");
const QString kObservation = QStringLiteral("observation_model");
const QString kLink = QStringLiteral("inverse_link_function");
const QString kRegularizer = QStringLiteral("regularizer");
const QString kStrength = QStringLiteral("regularizer_strength");
const QString kSolverName = QStringLiteral("solver_name");
const QString kSolverKwargs = QStringLiteral("solver_kwargs");
const QString kFeatureMask = QStringLiteral("feature_mask");
const QString kMetadata = QStringLiteral("save_metadata");
const QString kClass = QStringLiteral("class");
const QString kParams = QStringLiteral("params");

Error keyError(const QString& key, const QString& reason)
{
    return Error { QString(), key, reason };
}

// Python's list repr of names: ['a', 'b'].
QString pyList(const QStringList& names)
{
    QStringList quoted;
    for (const QString& name : names)
        quoted << QLatin1Char('\'') + name + QLatin1Char('\'');
    return QLatin1Char('[') + quoted.join(QStringLiteral(", ")) + QLatin1Char(']');
}

QStringList builtinNames(BuiltinCategory category)
{
    QStringList names;
    for (const Builtin* b : builtins(category))
        names << b->name;
    return names;
}

QString shapeText(const npy::NdArray& array)
{
    QStringList dims;
    for (qint64 d : array.shape())
        dims << QString::number(d);
    return QLatin1Char('(') + dims.join(QStringLiteral(", "))
        + (dims.size() == 1 ? QStringLiteral(",)") : QStringLiteral(")"));
}

// "an observation model", "a regularizer".
QString withArticle(const QString& noun)
{
    const bool vowel = !noun.isEmpty() && QStringLiteral("aeiou").contains(noun.front());
    return (vowel ? QStringLiteral("an ") : QStringLiteral("a ")) + noun;
}

bool isClassDict(const ParamNode& node)
{
    return node.type() == ParamNode::Type::Dict && node.find(kClass)
        && node.find(kClass)->type() == ParamNode::Type::String;
}

ClassRef readClass(const ParamNode* node, BuiltinCategory category)
{
    ClassRef ref;
    ref.params = ParamNode::dict();
    if (!node)
        return ref;
    if (node->type() == ParamNode::Type::String) {
        ref.saved = node->toString();
    } else if (isClassDict(*node)) {
        ref.saved = node->find(kClass)->toString();
        if (const ParamNode* params = node->find(kParams); params && params->type() == ParamNode::Type::Dict)
            ref.params = *params;
    }
    ref.builtin = resolveBuiltin(category, ref.saved);
    return ref;
}

// Writes a string into parent[key], keeping the node read from the file when the text did not change.
void putString(ParamNode& parent, const QString& key, const QString& text)
{
    if (const ParamNode* existing = parent.find(key);
        existing && existing->type() == ParamNode::Type::String && existing->toString() == text)
        return;
    parent.insert(key, ParamNode::fromString(text));
}

void putNode(ParamNode& parent, const QString& key, const ParamNode& value)
{
    if (const ParamNode* existing = parent.find(key); existing && *existing == value)
        return;
    parent.insert(key, value);
}

void writeClass(ParamNode& tree, const QString& key, const ClassRef& ref)
{
    ParamNode* existing = tree.find(key);
    if (existing && existing->type() == ParamNode::Type::String && ref.params.childCount() == 0) {
        putString(tree, key, ref.saved);
        return;
    }
    ParamNode node = existing && existing->type() == ParamNode::Type::Dict ? *existing : ParamNode::dict();
    putString(node, kClass, ref.saved);
    if (ref.params.childCount() > 0)
        putNode(node, kParams, ref.params);
    else
        node.remove(kParams);
    tree.insert(key, node);
}

// The unresolved class dicts among a class's parameters, as "parent__key".
void nestedUnresolved(const QString& parentKey, const ParamNode& params, QList<UnresolvedName>& out)
{
    for (size_t i = 0; i < params.keys().size(); ++i) {
        const ParamNode& value = params.children()[i];
        if (!isClassDict(value))
            continue;
        const QString key = parentKey + QStringLiteral("__") + params.keys()[i].text;
        const ClassRef ref = readClass(&value, BuiltinCategory::Regularizer);
        const ClassRef asObservation = readClass(&value, BuiltinCategory::ObservationModel);
        if (!ref.builtin && !asObservation.builtin)
            out << UnresolvedName { key, ref.saved, NameKind::Class, ref.params };
        nestedUnresolved(key, ref.params, out);
    }
}

void collectUserKeys(const QString& prefix, const ParamNode& node, QStringList& out)
{
    if (node.type() != ParamNode::Type::Dict)
        return;
    const ParamNode* params = isClassDict(node) ? node.find(kParams) : &node;
    if (!params || params->type() != ParamNode::Type::Dict)
        return;
    for (size_t i = 0; i < params->keys().size(); ++i) {
        const QString key = prefix + QStringLiteral("__") + params->keys()[i].text;
        if (!isClassDict(node) && params->keys()[i].text == kClass)
            continue;
        out << key;
        collectUserKeys(key, params->children()[i], out);
    }
}

QString paramList(const ParamNode& params)
{
    QStringList parts;
    for (size_t i = 0; i < params.keys().size(); ++i)
        parts << params.keys()[i].text + QLatin1Char('=') + params.children()[i].displayText();
    return parts.join(QStringLiteral(", "));
}

} // namespace

QString toString(ModelKind kind)
{
    switch (kind) {
    case ModelKind::GLM:
        return QStringLiteral("GLM");
    case ModelKind::PopulationGLM:
        return QStringLiteral("PopulationGLM");
    case ModelKind::ClassifierGLM:
        return QStringLiteral("ClassifierGLM");
    case ModelKind::ClassifierPopulationGLM:
        return QStringLiteral("ClassifierPopulationGLM");
    case ModelKind::GLMHMM:
        return QStringLiteral("GLMHMM");
    case ModelKind::Unknown:
        return QStringLiteral("unknown");
    }
    return {};
}

QString UnresolvedName::need() const
{
    if (kind == NameKind::Callable) {
        return QStringLiteral("a callable: map %1 to a built-in link function (%2)")
            .arg(key, builtinNames(BuiltinCategory::InverseLink).join(QStringLiteral(", ")));
    }
    const BuiltinCategory category
        = key == kObservation ? BuiltinCategory::ObservationModel : BuiltinCategory::Regularizer;
    QString text = QStringLiteral("a class: map %1 to a built-in %2 (%3)")
                       .arg(key, toString(category), builtinNames(category).join(QStringLiteral(", ")));
    if (params.childCount() > 0)
        text += QStringLiteral("; saved parameters: ") + paramList(params);
    return text;
}

Result<ModelSpec> ModelSpec::fromTree(const ParamNode& tree)
{
    if (tree.type() != ParamNode::Type::Dict)
        return Error { {}, {}, QStringLiteral("the parameters are not a dict") };
    if (!tree.find(kModelClass) && !tree.find(kObservation))
        return Error { {}, {},
            QStringLiteral("the parameters name no model (neither model_class nor observation_model)") };

    ModelSpec spec;
    spec.m_tree = tree;
    spec.readFields();
    return spec;
}

void ModelSpec::readFields()
{
    const ParamNode* modelClass = m_tree.find(kModelClass);
    m_modelClass = modelClass ? modelClass->toString() : QString();

    m_observation = readClass(m_tree.find(kObservation), BuiltinCategory::ObservationModel);
    m_regularizer = readClass(m_tree.find(kRegularizer), BuiltinCategory::Regularizer);

    const ParamNode* link = m_tree.find(kLink);
    m_hasLink = link != nullptr;
    m_link = link ? link->toString() : QString();

    const ParamNode* strength = m_tree.find(kStrength);
    m_strength = strength ? *strength : ParamNode();

    const ParamNode* solver = m_tree.find(kSolverName);
    m_solverName = solver ? solver->toString() : QString();

    const ParamNode* kwargs = m_tree.find(kSolverKwargs);
    m_solverKwargs = kwargs ? *kwargs : ParamNode();

    const ParamNode* mask = m_tree.find(kFeatureMask);
    m_featureMask = mask ? *mask : ParamNode();
}

ParamNode ModelSpec::toTree() const
{
    ParamNode tree = m_tree;
    if (!m_modelClass.isEmpty() || tree.find(kModelClass))
        putString(tree, kModelClass, m_modelClass);
    if (!m_observation.saved.isEmpty())
        writeClass(tree, kObservation, m_observation);
    if (m_hasLink) {
        if (m_link.isEmpty())
            putNode(tree, kLink, ParamNode());
        else
            putString(tree, kLink, m_link);
    }
    if (!m_regularizer.saved.isEmpty())
        writeClass(tree, kRegularizer, m_regularizer);
    if (tree.find(kStrength) || !m_strength.isNone())
        putNode(tree, kStrength, m_strength);
    if (tree.find(kSolverName) || !m_solverName.isEmpty()) {
        if (m_solverName.isEmpty())
            putNode(tree, kSolverName, ParamNode());
        else
            putString(tree, kSolverName, m_solverName);
    }
    if (tree.find(kSolverKwargs) || !m_solverKwargs.isNone()) {
        // An empty dict is saved as None, as nemos does for solver_kwargs.
        const bool empty = m_solverKwargs.type() == ParamNode::Type::Dict && m_solverKwargs.childCount() == 0;
        putNode(tree, kSolverKwargs, empty ? ParamNode() : m_solverKwargs);
    }
    if (tree.find(kFeatureMask) || !m_featureMask.isNone())
        putNode(tree, kFeatureMask, m_featureMask);
    return tree;
}

ModelKind ModelSpec::modelKind() const
{
    const Builtin* b = resolveBuiltin(BuiltinCategory::ModelClass, m_modelClass);
    if (!b)
        return m_modelClass.isEmpty() && m_observation.builtin ? ModelKind::GLM : ModelKind::Unknown;
    static const std::pair<const char*, ModelKind> kinds[] = {
        { "GLM", ModelKind::GLM },
        { "PopulationGLM", ModelKind::PopulationGLM },
        { "ClassifierGLM", ModelKind::ClassifierGLM },
        { "ClassifierPopulationGLM", ModelKind::ClassifierPopulationGLM },
        { "GLMHMM", ModelKind::GLMHMM },
    };
    for (const auto& [name, kind] : kinds) {
        if (b->name == QLatin1String(name))
            return kind;
    }
    return ModelKind::Unknown;
}

bool ModelSpec::fittingSupported() const
{
    const ModelKind kind = modelKind();
    return kind == ModelKind::GLM || kind == ModelKind::PopulationGLM;
}

const Builtin* ModelSpec::inverseLink() const
{
    return resolveBuiltin(BuiltinCategory::InverseLink, m_link);
}

std::optional<double> ModelSpec::strength() const
{
    if (m_strength.isNumber())
        return m_strength.toDouble();
    if (m_strength.isSequence() && m_strength.childCount() >= 1 && m_strength.children()[0].isNumber())
        return m_strength.children()[0].toDouble();
    return std::nullopt;
}

std::optional<double> ModelSpec::ratio() const
{
    if (!m_regularizer.builtin || m_regularizer.builtin->name != QLatin1String("ElasticNet"))
        return std::nullopt;
    if (m_strength.isSequence() && m_strength.childCount() == 2 && m_strength.children()[1].isNumber())
        return m_strength.children()[1].toDouble();
    if (m_strength.isNumber() || m_strength.isNone())
        return 0.5;
    return std::nullopt;
}

QString ModelSpec::effectiveSolverName() const
{
    if (!m_solverName.isEmpty())
        return m_solverName;
    return m_regularizer.builtin ? m_regularizer.builtin->defaultSolver : QString();
}

const ParamNode& ModelSpec::fitValue(const QString& name) const
{
    const ParamNode* node = m_tree.find(name);
    return node ? *node : kNone;
}

QStringList ModelSpec::fitKeys() const
{
    QStringList keys;
    for (const DictKey& key : m_tree.keys()) {
        if (key.text.endsWith(QLatin1Char('_')))
            keys << key.text;
    }
    return keys;
}

const ParamNode& ModelSpec::metadata() const
{
    return fitValue(kMetadata);
}

QList<UnresolvedName> ModelSpec::unresolved() const
{
    QList<UnresolvedName> out;
    // nemos meets the parameters in the order the file lists them.
    for (const DictKey& key : m_tree.keys()) {
        if (key.text == kObservation && !m_observation.saved.isEmpty()) {
            if (!m_observation.builtin)
                out << UnresolvedName { kObservation, m_observation.saved, NameKind::Class, m_observation.params };
            nestedUnresolved(kObservation, m_observation.params, out);
        } else if (key.text == kRegularizer && !m_regularizer.saved.isEmpty()) {
            if (!m_regularizer.builtin)
                out << UnresolvedName { kRegularizer, m_regularizer.saved, NameKind::Class, m_regularizer.params };
            nestedUnresolved(kRegularizer, m_regularizer.params, out);
        } else if (key.text == kLink && !m_link.isEmpty() && !inverseLink()) {
            out << UnresolvedName { kLink, m_link, NameKind::Callable, ParamNode::dict() };
        }
    }
    return out;
}

QStringList ModelSpec::validate() const
{
    QStringList errors;

    // Names nemos cannot load without a mapping.
    for (const UnresolvedName& name : unresolved()) {
        const QString base = name.saved.section(QLatin1Char('.'), -1);
        if (name.kind == NameKind::Callable) {
            errors << QStringLiteral("Unknown link function: %1. Map %2 to a built-in link function (nemos.load_model "
                                     "with mapping_dict={'%2': ...}).")
                          .arg(name.saved, name.key);
        } else {
            errors << QStringLiteral(
                "The class '%1' is not a native NeMoS class. Map %2 to a built-in (nemos.load_model "
                "with mapping_dict={'%2': ...}).")
                          .arg(base, name.key);
        }
    }

    // The model class.
    if (m_modelClass.isEmpty()) {
        errors << QStringLiteral("The file names no model class (model_class).");
    } else if (modelKind() == ModelKind::Unknown) {
        QStringList known;
        for (const Builtin* b : builtins(BuiltinCategory::ModelClass))
            known << b->savedName;
        errors << QStringLiteral("Unknown model class: %1. Model class must be one of %2.")
                      .arg(m_modelClass, pyList(known));
    }

    // Parameters the built-in classes do not accept.
    for (const ClassRef* ref : { &m_observation, &m_regularizer }) {
        if (!ref->builtin)
            continue;
        for (const DictKey& key : ref->params.keys()) {
            if (!ref->builtin->accepts(key.text)) {
                errors << QStringLiteral("%1 got an unexpected parameter '%2' (it accepts %3).")
                              .arg(ref->builtin->savedName.section(QLatin1Char('.'), -1), key.text,
                                  ref->builtin->parameters.isEmpty() ? QStringLiteral("none")
                                                                     : pyList(ref->builtin->parameters));
            }
        }
    }
    if (m_observation.builtin && m_observation.builtin->name == QLatin1String("NegativeBinomial")) {
        if (const ParamNode* scale = m_observation.params.find(QStringLiteral("scale"))) {
            if (!scale->isNumber() || !(scale->toDouble() > 0))
                errors << QStringLiteral("The NegativeBinomial scale must be a positive number, got %1.")
                              .arg(scale->displayText());
        }
    }

    // The link against the observation model.
    if (const Builtin* link = inverseLink(); link && m_observation.builtin) {
        const bool categorical = m_observation.builtin->name == QLatin1String("Categorical");
        const bool logSoftmax = link->name == QLatin1String("log_softmax");
        if (categorical != logSoftmax) {
            errors << (categorical
                    ? QStringLiteral("CategoricalObservations needs the log_softmax link, not %1.").arg(link->name)
                    : QStringLiteral("The log_softmax link is for CategoricalObservations only, not %1.")
                          .arg(m_observation.builtin->savedName.section(QLatin1Char('.'), -1)));
        }
    }

    // The solver against the regularizer.
    const QString solver = effectiveSolverName();
    if (!m_solverName.isEmpty() && !resolveBuiltin(BuiltinCategory::Solver, m_solverName)) {
        const QString suggestion = closestMatch(m_solverName, builtinNames(BuiltinCategory::Solver));
        errors << QStringLiteral("Unknown solver: %1.%2 Solver must be one of %3.")
                      .arg(m_solverName,
                          suggestion.isEmpty() ? QString() : QStringLiteral(" Did you mean '%1'?").arg(suggestion),
                          pyList(builtinNames(BuiltinCategory::Solver)));
    } else if (m_regularizer.builtin && !solver.isEmpty() && !m_regularizer.builtin->allowedSolvers.contains(solver)) {
        errors << QStringLiteral("The solver: %1 is not allowed for %2 regularization. Allowed solvers are %3.")
                      .arg(solver, m_regularizer.builtin->name, pyList(m_regularizer.builtin->allowedSolvers));
    }
    if (!m_solverKwargs.isNone() && m_solverKwargs.type() != ParamNode::Type::Dict)
        errors << QStringLiteral("solver_kwargs must be a dict or None, got %1.").arg(m_solverKwargs.displayText());

    // The strength.
    const QString regName = m_regularizer.builtin ? m_regularizer.builtin->name : QString();
    if (regName == QLatin1String("ElasticNet")) {
        if (m_strength.isSequence()) {
            if (m_strength.childCount() != 2 || !m_strength.children()[0].isNumber()
                || !m_strength.children()[1].isNumber()) {
                errors << QStringLiteral(
                    "ElasticNet regularizer_strength must be a number or a (strength, ratio) pair, "
                    "got %1.")
                              .arg(m_strength.displayText());
            }
        } else if (!m_strength.isNone() && !m_strength.isNumber()) {
            errors << QStringLiteral("Could not convert the regularizer strength: %1 to a float.")
                          .arg(m_strength.displayText());
        }
        if (const auto r = ratio(); r && !(*r > 0 && *r <= 1))
            errors << QStringLiteral("ElasticNet regularization ratio must be in (0, 1], got %1.").arg(*r);
    } else if (!regName.isEmpty() && regName != QLatin1String("UnRegularized")) {
        if (!m_strength.isNone() && !m_strength.isNumber())
            errors << QStringLiteral("Could not convert the regularizer strength: %1 to a float.")
                          .arg(m_strength.displayText());
    }
    if (const auto s = strength(); s && regName != QLatin1String("UnRegularized") && !(*s >= 0))
        errors << QStringLiteral("The regularizer strength must be non-negative, got %1.").arg(*s);

    // Shapes: coefficients, GroupLasso mask, feature mask.
    const npy::NdArray& coef = this->coef().array();
    const bool population = modelKind() == ModelKind::PopulationGLM;
    qint64 features = -1;
    if (!coef.isNull()) {
        const int expected = population || modelKind() == ModelKind::ClassifierPopulationGLM ? 2 : 1;
        if (fittingSupported() && coef.ndim() != expected) {
            errors << QStringLiteral("coef_ of a %1 must be %2-D, got shape %3.")
                          .arg(toString(modelKind()))
                          .arg(expected)
                          .arg(shapeText(coef));
        }
        if (coef.ndim() >= 1)
            features = coef.shape()[0];
        const npy::NdArray& intercept = this->intercept().array();
        const qint64 outputs = coef.ndim() == 2 ? coef.shape()[1] : 1;
        if (fittingSupported() && !intercept.isNull() && (intercept.ndim() != 1 || intercept.shape()[0] != outputs)) {
            errors << QStringLiteral("intercept_ must have shape (%1,) to match coef_ %2, got %3.")
                          .arg(outputs)
                          .arg(shapeText(coef), shapeText(intercept));
        }
    }

    if (regName == QLatin1String("GroupLasso")) {
        const ParamNode* maskNode = m_regularizer.params.find(QStringLiteral("mask"));
        if (maskNode && maskNode->type() == ParamNode::Type::Array) {
            const npy::NdArray& mask = maskNode->array();
            if (mask.ndim() != 2 || !mask.isNumeric()) {
                errors << QStringLiteral("The GroupLasso mask must be a 2-D numeric array (groups x features), got %1.")
                              .arg(maskNode->displayText());
            } else {
                bool binary = true;
                bool disjoint = true;
                for (qint64 j = 0; j < mask.shape()[1]; ++j) {
                    double column = 0;
                    for (qint64 g = 0; g < mask.shape()[0]; ++g) {
                        const double v = mask.toDouble(std::vector<qint64> { g, j });
                        binary = binary && (v == 0 || v == 1);
                        column += v;
                    }
                    disjoint = disjoint && column <= 1;
                }
                if (!binary)
                    errors << QStringLiteral("The GroupLasso mask must contain only 0s and 1s.");
                else if (!disjoint)
                    errors << QStringLiteral("Each feature must belong to at most one group of the GroupLasso mask.");
                if (features >= 0 && mask.shape()[1] != features) {
                    errors << QStringLiteral("The GroupLasso mask has %1 features (shape %2) but coef_ has %3.")
                                  .arg(mask.shape()[1])
                                  .arg(shapeText(mask))
                                  .arg(features);
                }
            }
        } else if (maskNode && !maskNode->isNone()) {
            errors << QStringLiteral("The GroupLasso mask must be an array, got %1.").arg(maskNode->displayText());
        }
    }

    if (m_featureMask.type() == ParamNode::Type::Array && !coef.isNull()) {
        const npy::NdArray& mask = m_featureMask.array();
        if (population && mask.shape() != coef.shape()) {
            errors << QStringLiteral("feature_mask shape %1 does not match coef_ shape %2.")
                          .arg(shapeText(mask), shapeText(coef));
        }
    } else if (!m_featureMask.isNone() && m_featureMask.type() != ParamNode::Type::Array) {
        errors << QStringLiteral("feature_mask must be an array or None, got %1.").arg(m_featureMask.displayText());
    }

    return errors;
}

QStringList ModelSpec::warnings() const
{
    QStringList out;
    const QString regName = m_regularizer.builtin ? m_regularizer.builtin->name : QString();
    if (regName == QLatin1String("UnRegularized") && !m_strength.isNone()) {
        out << QStringLiteral("Unused parameter `regularizer_strength` for UnRegularized GLM. The regularizer strength "
                              "parameter is not required and won't be used when fitting.");
    }
    if (!regName.isEmpty() && regName != QLatin1String("UnRegularized") && m_strength.isNone()) {
        out << QStringLiteral("No regularizer_strength for %1: nemos uses 1.0.").arg(regName);
    }
    if (effectiveSolverName() == QLatin1String("Newton"))
        out << QStringLiteral("Newton is a Nemoscope solver: nemos does not load a file that names it.");
    if (!fittingSupported() && modelKind() != ModelKind::Unknown)
        out << QStringLiteral("Nemoscope cannot refit a %1; it can show and edit it.").arg(toString(modelKind()));
    return out;
}

QStringList ModelSpec::userKeys() const
{
    QStringList keys;
    for (size_t i = 0; i < m_tree.keys().size(); ++i) {
        const QString key = m_tree.keys()[i].text;
        if (key == kMetadata)
            continue;
        keys << key;
        collectUserKeys(key, m_tree.children()[i], keys);
    }
    return keys;
}

QStringList ModelSpec::editableKeys() const
{
    QStringList keys { kModelClass, kObservation, kLink, kRegularizer, kStrength, kSolverName, kSolverKwargs };
    for (const QString& name : { QStringLiteral("tol"), QStringLiteral("maxiter"), QStringLiteral("stepsize") })
        keys << kSolverKwargs + QStringLiteral("__") + name;
    if (m_solverKwargs.type() == ParamNode::Type::Dict) {
        for (const DictKey& key : m_solverKwargs.keys()) {
            const QString full = kSolverKwargs + QStringLiteral("__") + key.text;
            if (!keys.contains(full))
                keys << full;
        }
    }
    for (const auto& [name, ref] :
        { std::pair { kObservation, &m_observation }, std::pair { kRegularizer, &m_regularizer } }) {
        QStringList params = ref->builtin ? ref->builtin->parameters : QStringList();
        for (const DictKey& key : ref->params.keys()) {
            if (!params.contains(key.text))
                params << key.text;
        }
        for (const QString& p : params)
            keys << name + QStringLiteral("__") + p;
    }
    if (m_tree.find(kFeatureMask) || isPopulation())
        keys << kFeatureMask;
    return keys;
}

Result<void> ModelSpec::setClass(
    const QString& key, ClassRef& ref, BuiltinCategory category, const QString& name, QStringList* dropped)
{
    const Builtin* b = resolveBuiltin(category, name);
    if (!b) {
        const QStringList names = builtinNames(category);
        const QString suggestion = closestMatch(name.section(QLatin1Char('.'), -1), names);
        return keyError(key,
            QStringLiteral("unknown %1 '%2'%3; built-ins are %4")
                .arg(toString(category), name,
                    suggestion.isEmpty() ? QString() : QStringLiteral(", did you mean '%1'?").arg(suggestion),
                    names.join(QStringLiteral(", "))));
    }

    // Keep the saved parameters the new class accepts; report the others.
    ParamNode kept = ParamNode::dict();
    for (size_t i = 0; i < ref.params.keys().size(); ++i) {
        const DictKey& k = ref.params.keys()[i];
        if (b->accepts(k.text))
            kept.insert(k, ref.params.children()[i]);
        else if (dropped)
            *dropped << k.text + QLatin1Char('=') + ref.params.children()[i].displayText();
    }
    ref.saved = b->savedName;
    ref.params = kept;
    ref.builtin = b;
    return {};
}

Result<void> ModelSpec::set(const QString& key, const QString& value)
{
    // Class and callable keys take names; the rest take Python literals.
    if (key == kObservation || key == kRegularizer || key == kLink || key == kModelClass || key == kSolverName)
        return setNode(
            key, value.trimmed() == QLatin1String("None") ? ParamNode() : ParamNode::fromString(unquote(value)));

    auto parsed = parseLiteral(value);
    if (!parsed)
        return keyError(key, parsed.error().reason);
    return setNode(key, *parsed);
}

Result<void> ModelSpec::setNode(const QString& key, const ParamNode& value)
{
    const QString sub = key.section(QStringLiteral("__"), 1);
    const QString head = key.section(QStringLiteral("__"), 0, 0);

    if (key == kModelClass) {
        const Builtin* b = resolveBuiltin(BuiltinCategory::ModelClass, value.toString());
        if (!b) {
            return keyError(key,
                QStringLiteral("unknown model class '%1'; model classes are %2")
                    .arg(value.toString(), builtinNames(BuiltinCategory::ModelClass).join(QStringLiteral(", "))));
        }
        m_modelClass = b->savedName;
        return {};
    }
    if (key == kObservation) {
        ClassRef ref = m_observation;
        if (auto ok = setClass(key, ref, BuiltinCategory::ObservationModel, value.toString(), nullptr); !ok)
            return ok;
        m_observation = ref;
        return {};
    }
    if (key == kRegularizer) {
        ClassRef ref = m_regularizer;
        if (auto ok = setClass(key, ref, BuiltinCategory::Regularizer, value.toString(), nullptr); !ok)
            return ok;
        m_regularizer = ref;
        return {};
    }
    if (key == kLink) {
        if (value.isNone()) {
            m_hasLink = true;
            m_link.clear();
            return {};
        }
        const Builtin* b = resolveBuiltin(BuiltinCategory::InverseLink, value.toString());
        if (!b) {
            const QStringList names = builtinNames(BuiltinCategory::InverseLink);
            const QString suggestion = closestMatch(value.toString().section(QLatin1Char('.'), -1), names);
            return keyError(key,
                QStringLiteral("unknown link function '%1'%2; built-ins are %3")
                    .arg(value.toString(),
                        suggestion.isEmpty() ? QString() : QStringLiteral(", did you mean '%1'?").arg(suggestion),
                        names.join(QStringLiteral(", "))));
        }
        m_hasLink = true;
        m_link = b->savedName;
        return {};
    }
    if (key == kStrength) {
        const bool pair = value.isSequence() && value.childCount() == 2 && value.children()[0].isNumber()
            && value.children()[1].isNumber();
        if (!value.isNone() && !value.isNumber() && !pair) {
            return keyError(key,
                QStringLiteral("expected a number, a (strength, ratio) pair or None, got %1").arg(value.displayText()));
        }
        m_strength = value;
        if (pair && value.type() == ParamNode::Type::List) {
            m_strength = ParamNode::tuple();
            m_strength.append(value.children()[0]);
            m_strength.append(value.children()[1]);
        }
        return {};
    }
    if (key == kSolverName) {
        if (value.isNone()) {
            m_solverName.clear();
            return {};
        }
        const QString name = value.toString();
        if (!resolveBuiltin(BuiltinCategory::Solver, name)) {
            const QString suggestion = closestMatch(name, builtinNames(BuiltinCategory::Solver));
            return keyError(key,
                QStringLiteral("unknown solver '%1'%2; solvers are %3")
                    .arg(name,
                        suggestion.isEmpty() ? QString() : QStringLiteral(", did you mean '%1'?").arg(suggestion),
                        builtinNames(BuiltinCategory::Solver).join(QStringLiteral(", "))));
        }
        m_solverName = name;
        return {};
    }
    if (key == kSolverKwargs) {
        if (!value.isNone() && value.type() != ParamNode::Type::Dict)
            return keyError(key, QStringLiteral("expected None; set single options with solver_kwargs__NAME=VALUE"));
        m_solverKwargs = value;
        return {};
    }
    if (head == kSolverKwargs && !sub.isEmpty()) {
        if (sub.contains(QStringLiteral("__")))
            return keyError(key, QStringLiteral("solver options are not nested"));
        ParamNode kwargs = m_solverKwargs.type() == ParamNode::Type::Dict ? m_solverKwargs : ParamNode::dict();
        if (value.isNone())
            kwargs.remove(sub);
        else
            kwargs.insert(sub, value);
        m_solverKwargs = kwargs;
        return {};
    }
    if ((head == kObservation || head == kRegularizer) && !sub.isEmpty() && !sub.contains(QStringLiteral("__"))) {
        ClassRef& ref = head == kObservation ? m_observation : m_regularizer;
        if (ref.builtin && !ref.builtin->accepts(sub)) {
            const QString name = ref.builtin->savedName.section(QLatin1Char('.'), -1);
            return keyError(key,
                QStringLiteral("%1 does not accept a parameter '%2' (it accepts %3)")
                    .arg(name, sub,
                        ref.builtin->parameters.isEmpty() ? QStringLiteral("none")
                                                          : ref.builtin->parameters.join(QStringLiteral(", "))));
        }
        if (value.isNone() && sub != QLatin1String("mask"))
            ref.params.remove(sub);
        else
            ref.params.insert(sub, value);
        return {};
    }
    if (key == kFeatureMask) {
        if (!value.isNone() && value.type() != ParamNode::Type::Array)
            return keyError(key, QStringLiteral("expected an array (a nested list of 0s and 1s) or None"));
        m_featureMask = value;
        return {};
    }
    if (key.endsWith(QLatin1Char('_')) && m_tree.find(key))
        return keyError(key, QStringLiteral("fit parameters are set by fitting, not edited"));

    const QString suggestion = closestMatch(key, editableKeys());
    return keyError(key,
        QStringLiteral("no such parameter%1")
            .arg(suggestion.isEmpty() ? QString() : QStringLiteral(", did you mean '%1'?").arg(suggestion)));
}

Result<AppliedMapping> ModelSpec::applyMapping(const QString& key, const QString& builtinName)
{
    // The key must exist, as load_model requires.
    const QStringList available = userKeys();
    if (!available.contains(key)) {
        const QString suggestion = closestMatch(key, available);
        return keyError(key,
            QStringLiteral("The following keys in your mapping do not match any parameters in the loaded model: '%1'%2")
                .arg(key, suggestion.isEmpty() ? QString() : QStringLiteral(", did you mean '%1'?").arg(suggestion)));
    }

    // Only classes and callables can be mapped.
    NameKind kind = NameKind::Name;
    const QString what = mappableKind(key, &kind);
    if (what.isEmpty()) {
        return keyError(key,
            QStringLiteral("Cannot override the parameter %1: only callables and classes can be mapped; "
                           "set it with an edit instead")
                .arg(key));
    }

    const Builtin* b = findBuiltin(kind, builtinName);
    if (!b) {
        const Builtin* other = findBuiltin(kind == NameKind::Class ? NameKind::Callable : NameKind::Class, builtinName);
        if (other) {
            return keyError(key,
                QStringLiteral("%1 is a %2 and can only be mapped to a %2; %3 is a %4")
                    .arg(key, toString(kind), other->name, toString(other->kind)));
        }
        QStringList names;
        for (const Builtin& candidate : builtins()) {
            if (candidate.kind == kind)
                names << candidate.name;
        }
        const QString suggestion = closestMatch(builtinName.section(QLatin1Char('.'), -1), names);
        return keyError(key,
            QStringLiteral("unknown built-in '%1'%2")
                .arg(builtinName,
                    suggestion.isEmpty() ? QString() : QStringLiteral(", did you mean '%1'?").arg(suggestion)));
    }

    AppliedMapping mapping;
    mapping.key = key;
    mapping.builtin = b;

    if (key == kLink) {
        if (b->category != BuiltinCategory::InverseLink)
            return keyError(key, QStringLiteral("%1 is not a link function").arg(b->name));
        mapping.saved = m_link;
        m_link = b->savedName;
        m_hasLink = true;
    } else if (key == kObservation || key == kRegularizer) {
        const BuiltinCategory category
            = key == kObservation ? BuiltinCategory::ObservationModel : BuiltinCategory::Regularizer;
        if (b->category != category) {
            return keyError(key,
                QStringLiteral("%1 is %2, not %3")
                    .arg(b->name, withArticle(toString(b->category)), withArticle(toString(category))));
        }
        ClassRef& ref = key == kObservation ? m_observation : m_regularizer;
        mapping.saved = ref.saved;
        ClassRef updated = ref;
        if (auto ok = setClass(key, updated, category, b->name, &mapping.droppedParams); !ok)
            return ok.error();
        ref = updated;
    } else {
        // A class nested in another class's parameters ("regularizer__inner").
        ClassRef& owner = key.startsWith(kObservation) ? m_observation : m_regularizer;
        const QString innerKey = key.section(QStringLiteral("__"), 1);
        QStringList path;
        for (const QString& part : innerKey.split(QStringLiteral("__"))) {
            if (!path.isEmpty())
                path << kParams;
            path << part;
        }
        ParamNode* node = owner.params.at(path);
        if (!node || !isClassDict(*node)
            || (b->category != BuiltinCategory::ObservationModel && b->category != BuiltinCategory::Regularizer))
            return keyError(key, QStringLiteral("%1 cannot be mapped to %2").arg(key, b->name));
        ClassRef inner = readClass(node, b->category);
        mapping.saved = inner.saved;
        if (auto ok = setClass(key, inner, b->category, b->name, &mapping.droppedParams); !ok)
            return ok.error();
        writeClass(*owner.params.at(path.mid(0, path.size() - 1)), path.last(), inner);
    }

    // A second mapping of the same key replaces the first but keeps the originally saved string.
    for (qsizetype i = 0; i < m_mappings.size(); ++i) {
        if (m_mappings[i].key == key) {
            mapping.saved = m_mappings[i].saved;
            mapping.droppedParams = m_mappings[i].droppedParams + mapping.droppedParams;
            m_mappings.removeAt(i);
            break;
        }
    }
    if (!mapping.droppedParams.isEmpty()) {
        qCInfo(lcModel) << "mapping" << key << "to" << b->name << "drops" << mapping.droppedParams;
    }
    m_mappings << mapping;
    return mapping;
}

QString ModelSpec::mappableKind(const QString& key, NameKind* kind) const
{
    if (key == kLink) {
        *kind = NameKind::Callable;
        return QStringLiteral("callable");
    }
    if (key == kObservation || key == kRegularizer) {
        *kind = NameKind::Class;
        return QStringLiteral("class");
    }
    const QString head = key.section(QStringLiteral("__"), 0, 0);
    if (head != kObservation && head != kRegularizer)
        return {};
    const ClassRef& owner = head == kObservation ? m_observation : m_regularizer;
    QStringList path;
    for (const QString& part : key.section(QStringLiteral("__"), 1).split(QStringLiteral("__"))) {
        if (!path.isEmpty())
            path << kParams;
        path << part;
    }
    const ParamNode* node = owner.params.at(path);
    if (node && isClassDict(*node)) {
        *kind = NameKind::Class;
        return QStringLiteral("class");
    }
    return {};
}

void ModelSpec::setFitState(
    const ParamNode& coef, const ParamNode& intercept, const ParamNode& scale, const ParamNode& dofResid)
{
    m_tree.insert(QStringLiteral("coef_"), coef);
    m_tree.insert(QStringLiteral("intercept_"), intercept);
    m_tree.insert(QStringLiteral("scale_"), scale);
    m_tree.insert(QStringLiteral("dof_resid_"), dofResid);
}

} // namespace nemoscope::model
