#pragma once

#include <QLoggingCategory>

// The window's logging categories; enable with QT_LOGGING_RULES="nemoscope.ui.*.debug=true".
Q_DECLARE_LOGGING_CATEGORY(lcUi) // nemoscope.ui.window: opening, closing, reloading documents
Q_DECLARE_LOGGING_CATEGORY(lcUiArrays) // nemoscope.ui.arrays: array viewer, statistics, plots
