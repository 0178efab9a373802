#pragma once

#include <QLoggingCategory>

// One logging category per subsystem; enable with QT_LOGGING_RULES="nemoscope.*.debug=true".
Q_DECLARE_LOGGING_CATEGORY(lcNpy) // nemoscope.core.npy: header parsing, dtypes
Q_DECLARE_LOGGING_CATEGORY(lcNpz) // nemoscope.core.npz: zip archive reading and writing
Q_DECLARE_LOGGING_CATEGORY(lcModel) // nemoscope.core.model: nemos key layouts, specification, registry
Q_DECLARE_LOGGING_CATEGORY(lcFit) // nemoscope.core.fit: solvers and fitting
Q_DECLARE_LOGGING_CATEGORY(lcData) // nemoscope.core.data: loading X and y
