#pragma once

#include "npy/ndarray.h"

#include <QString>

namespace nemoscope::ui {

// What the array viewer knows about the array it shows, beyond the array itself.
struct ArrayContext
{
    QString title; // the node's name: "coef_", a member name
    QString key; // the nemos key, or empty
    QString member; // the archive member it was read from, or empty
    QString description; // what it means, for the header
    bool coefficients = false; // a model's coef_: plotted as stems (1-D) or a heatmap (PopulationGLM)
    bool population = false; // coef_ of a PopulationGLM: features by neurons
    npy::NdArray intercept; // the model's intercept_, marked on the coefficient plot
};

} // namespace nemoscope::ui
