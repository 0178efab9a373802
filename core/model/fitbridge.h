#pragma once

// From a model specification to the fitting engine's problem and solver options, and from a fit result
// back to the specification's fit state, as nemos stores it.

#include "error.h"
#include "fit/glm.h"

#include <QVariantMap>

#include <optional>

namespace nemoscope::model {

class ModelSpec;
class ParamNode;

struct FitSetup
{
    fit::GlmProblem problem;
    fit::SolverOptions options;
    // The number of features of a fitted model (coef_ rows), to check data against; none when unfitted.
    std::optional<Eigen::Index> expectedFeatures;
};

// Builds the problem from a valid specification: observation model (and NegativeBinomial's scale), link
// (the observation model's default when None), regularizer with strength (None: 1.0 as nemos defaults
// it; ElasticNet ratio), GroupLasso mask, PopulationGLM and its feature_mask, the solver (the
// regularizer's default when None) and solver_kwargs. The Error names the key and the reason (an
// unresolved name, a model class Nemoscope cannot fit, a kwarg the solver does not know...).
Result<FitSetup> fitSetup(const ModelSpec& spec);

// solver_kwargs (a Dict or None) as the QVariantMap the engine reads.
Result<QVariantMap> kwargsToVariantMap(const ParamNode& kwargs);

// Writes the result into the specification's fit state as nemos stores it: coef_ (n_features,) for a GLM
// or (n_features, n_neurons) for a PopulationGLM, intercept_ (n_outputs,), scale_ (a scalar for a GLM,
// per neuron for a PopulationGLM), dof_resid_; float32 like JAX's arrays, or float64 when asked.
void storeFitResult(ModelSpec& spec, const fit::FitResult& result, bool float64 = false);

} // namespace nemoscope::model
