#pragma once

// The model a nemos file describes, read from its parameter tree: what class, which observation model,
// link, regularizer and solver, the fit state, and which saved names do not resolve to nemos built-ins.
// Edits use nemos' own parameter keys (`regularizer_strength`, `solver_kwargs__tol`,
// `observation_model__scale`...) and mappings follow load_model's mapping_dict rules. The tree stays the
// source of truth: everything the specification does not interpret is kept as it was.

#include "error.h"
#include "model/paramtree.h"
#include "model/registry.h"

#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace nemoscope::model {

enum class ModelKind
{
    GLM,
    PopulationGLM,
    ClassifierGLM,
    ClassifierPopulationGLM,
    GLMHMM,
    Unknown,
};

QString toString(ModelKind kind);

// A saved name that is not a nemos built-in: nemos' load_model needs a mapping_dict entry for it.
struct UnresolvedName
{
    QString key; // nemos' user key: "regularizer", "observation_model", "inverse_link_function", "a__b"
    QString saved; // the saved string, "__main__.CustomRegularizer"
    NameKind kind = NameKind::Class;
    ParamNode params; // the saved constructor parameters (a Dict, possibly empty)

    // What is needed, in words: "map regularizer to a built-in regularizer (a class), e.g. Ridge".
    QString need() const;
};

// A mapping applied with ModelSpec::applyMapping.
struct AppliedMapping
{
    QString key;
    QString saved; // the saved string before mapping
    const Builtin* builtin = nullptr;
    QStringList droppedParams; // saved parameters the built-in does not accept ("new_param=10")
};

// A reference to a class: its saved string and constructor parameters, resolved against the registry.
struct ClassRef
{
    QString saved;
    ParamNode params; // a Dict (empty when the file has none)
    const Builtin* builtin = nullptr; // nullptr when unresolved
};

class ModelSpec
{
public:
    ModelSpec() = default;

    // Reads the specification from a decoded tree. Fails only when the tree is not a model at all (not a
    // dict, or neither model_class nor observation_model); names that do not resolve are not errors here
    // (see unresolved()), nor are invalid values (see validate()).
    static Result<ModelSpec> fromTree(const ParamNode& tree);

    // The tree with every field of this specification written back into it; keys the specification does
    // not know keep their value and place.
    ParamNode toTree() const;

    // Fields, as read (and as edited).
    QString modelClass() const { return m_modelClass; } // the saved string, "nemos.glm.glm.GLM"
    ModelKind modelKind() const;
    bool fittingSupported() const; // GLM and PopulationGLM
    bool isPopulation() const { return modelKind() == ModelKind::PopulationGLM; }
    const ClassRef& observationModel() const { return m_observation; }
    QString inverseLinkSaved() const { return m_link; }
    const Builtin* inverseLink() const; // nullptr when unresolved (or absent)
    const ClassRef& regularizer() const { return m_regularizer; }
    const ParamNode& regularizerStrength() const { return m_strength; }
    // The strength as nemos uses it: a number, or for ElasticNet the first of a (strength, ratio) pair.
    std::optional<double> strength() const;
    // ElasticNet's ratio: the second of the pair, 0.5 for a bare number; std::nullopt otherwise.
    std::optional<double> ratio() const;
    QString solverName() const { return m_solverName; } // may be empty (None: the regularizer's default)
    // The solver a fit uses: solverName, or the regularizer's default when it is None.
    QString effectiveSolverName() const;
    const ParamNode& solverKwargs() const { return m_solverKwargs; } // a Dict or None
    const ParamNode& featureMask() const { return m_featureMask; } // an Array or None

    // The fit state: None when the model is not fitted.
    const ParamNode& coef() const { return fitValue(QStringLiteral("coef_")); }
    const ParamNode& intercept() const { return fitValue(QStringLiteral("intercept_")); }
    const ParamNode& scale() const { return fitValue(QStringLiteral("scale_")); }
    const ParamNode& dofResid() const { return fitValue(QStringLiteral("dof_resid_")); }
    const ParamNode& aux() const { return fitValue(QStringLiteral("aux_")); }
    const ParamNode& fitValue(const QString& name) const;
    bool isFitted() const { return coef().type() == ParamNode::Type::Array; }
    // Every top-level key ending in "_" (nemos' fit attributes), in file order.
    QStringList fitKeys() const;
    const ParamNode& metadata() const; // save_metadata (a Dict) or None

    // Saved names that do not resolve to built-ins, in the order nemos would meet them.
    QList<UnresolvedName> unresolved() const;

    // What nemos would refuse, one message each (empty when the model is valid): unresolved names, unknown
    // model class, solver not allowed for the regularizer, ElasticNet ratio outside (0, 1], a negative
    // strength, a GroupLasso mask that is not 0/1 or does not match the coefficients, a feature mask that
    // does not match them, a link that the observation model cannot use...
    QStringList validate() const;
    // What nemos would warn about and fix by itself (a strength given to UnRegularized, none given to a
    // regularizer that needs one).
    QStringList warnings() const;

    // Edits with nemos' parameter keys. Replacing a class or link that is not a built-in counts as a mapping
    // (see applyMapping: recorded, with the parameters it drops). value is parsed as a Python literal where the key
    // expects one: numbers, True/False, None, a (strength, ratio) pair, quoted or bare strings. Class keys
    // (`regularizer=Lasso`, `observation_model=Gamma`) take a built-in name and keep the saved parameters
    // the new class accepts. `solver_kwargs__KEY=None` removes KEY. The Error names the key and the reason,
    // with a "did you mean" for a key that does not exist. Nothing changes on error.
    Result<void> set(const QString& key, const QString& value);
    // The same, with a tree value (the editor's typed input).
    Result<void> setNode(const QString& key, const ParamNode& value);
    // The nemos keys set() accepts for this model, for completion and suggestions.
    QStringList editableKeys() const;

    // Binds an unresolved (or any) class or callable to a built-in of the same kind, as load_model's
    // mapping_dict does. Fails for keys that are not classes or callables (nemos: only callables and
    // classes can be mapped), for a built-in of another kind or category, and for keys that do not exist
    // (with a "did you mean"). On success returns the mapping, with the saved parameters the built-in
    // does not accept listed as dropped (they are removed from the model, not silently lost).
    Result<AppliedMapping> applyMapping(const QString& key, const QString& builtinName);
    const QList<AppliedMapping>& mappings() const { return m_mappings; }
    // What applyMapping would do, without doing it: the mapping with its dropped parameters, or the Error.
    Result<AppliedMapping> previewMapping(const QString& key, const QString& builtinName) const;
    // The built-ins key can be mapped to: same kind, and for observation_model and regularizer the same
    // category. Empty for keys that cannot be mapped.
    QList<const Builtin*> mappingCandidates(const QString& key) const;

    // Replaces the fit state (coef_, intercept_, scale_, dof_resid_) after a refit; arrays as given.
    void setFitState(
        const ParamNode& coef, const ParamNode& intercept, const ParamNode& scale, const ParamNode& dofResid);

    // nemos' user keys of this model (as load_model lists them for suggestions): top-level keys and, for
    // dicts, "key__sub" with class params flattened ("regularizer__mask"), save_metadata left out.
    QStringList userKeys() const;

private:
    void readFields();
    Result<void> setClass(
        const QString& key, ClassRef& ref, BuiltinCategory category, const QString& name, QStringList* dropped);
    QString mappableKind(const QString& key, NameKind* kind) const;

    ParamNode m_tree; // the whole tree as read; fields below are written back into it by toTree()
    QString m_modelClass;
    ClassRef m_observation;
    QString m_link;
    bool m_hasLink = false;
    ClassRef m_regularizer;
    ParamNode m_strength;
    QString m_solverName;
    ParamNode m_solverKwargs;
    ParamNode m_featureMask;
    QList<AppliedMapping> m_mappings;
};

} // namespace nemoscope::model
