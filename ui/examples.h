#pragma once

#include <QList>
#include <QString>

namespace nemoscope::ui {

// A bundled example file and what it teaches.
struct Example
{
    QString fileName; // e.g. "fitted_ridge_glm.npz"
    QString title; // a short name for the start page
    QString lesson; // one or two sentences: what opening it shows
    QString path; // absolute path where it was found, empty when missing
};

// The folder holding the bundled examples: $NEMOSCOPE_EXAMPLES_DIR when set, then the installed
// share/nemoscope/examples next to the executable, then the source tree's resources/examples,
// then the system data folders. Empty when none exists.
QString examplesDirectory();

// Every bundled example, in teaching order, with its path resolved in examplesDirectory().
QList<Example> bundledExamples();

} // namespace nemoscope::ui
