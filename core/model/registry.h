#pragma once

// The built-in names nemos knows: observation models, regularizers, inverse link functions, solvers and
// model classes, with every spelling nemos accepts for them when it loads a file.

#include <QList>
#include <QString>
#include <QStringList>

namespace nemoscope::model {

enum class BuiltinCategory
{
    ObservationModel,
    Regularizer,
    InverseLink,
    Solver,
    ModelClass,
};

// What a saved name stands for. Only classes and callables can be mapped (nemos' load_model rule);
// solver names and model classes are plain strings.
enum class NameKind
{
    Class,
    Callable,
    Name,
};

QString toString(BuiltinCategory category); // "observation model", "regularizer", ...
QString toString(NameKind kind); // "class", "callable", "name"

struct Builtin
{
    BuiltinCategory category = BuiltinCategory::ObservationModel;
    NameKind kind = NameKind::Class;
    QString name; // the short name a user types: "Poisson", "Ridge", "exp", "LBFGS", "GLM"
    QString savedName; // what nemos writes in a file for it: "nemos.observation_models.PoissonObservations"
    QString pythonName; // how a Python user names the object: "nmo.observation_models.PoissonObservations"
    QStringList aliases; // every other spelling that resolves to it (savedName and name not repeated)
    QStringList parameters; // accepted constructor parameters ("scale" for NegativeBinomial, "mask" for GroupLasso)
    QString description; // one line, for choosers

    // Regularizers: the solvers nemos allows with it and the one it picks by default.
    QStringList allowedSolvers;
    QString defaultSolver;

    // Observation models: the inverse link nemos uses when none is given (its short name).
    QString defaultInverseLink;

    // Model classes: whether Nemoscope can refit this kind of model.
    bool fittingSupported = true;

    bool accepts(const QString& parameter) const { return parameters.contains(parameter); }
};

// Every built-in, in a stable order (by category, then as nemos lists them).
const QList<Builtin>& builtins();
QList<const Builtin*> builtins(BuiltinCategory category);

// The built-in a saved or typed string stands for in this category, following nemos' rules:
// observation models by the last dotted component with or without the "Observations" suffix;
// regularizers bare or under "nemos.regularizer."; links by nemos' table of spellings; solvers and
// model classes by name (model classes also by their module path). nullptr when it is not a built-in.
const Builtin* resolveBuiltin(BuiltinCategory category, const QString& text);

// A built-in of any category of the given kind by its short name or any alias (for mapping targets).
const Builtin* findBuiltin(NameKind kind, const QString& text);

// The closest name among candidates to text (edit distance, case-insensitive), or an empty string when
// nothing is reasonably close. Used for "did you mean" suggestions.
QString closestMatch(const QString& text, const QStringList& candidates);

} // namespace nemoscope::model
