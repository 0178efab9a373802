#include "logging.h"

Q_LOGGING_CATEGORY(lcNpy, "nemoscope.core.npy", QtWarningMsg)
Q_LOGGING_CATEGORY(lcNpz, "nemoscope.core.npz", QtWarningMsg)
Q_LOGGING_CATEGORY(lcModel, "nemoscope.core.model", QtWarningMsg)
Q_LOGGING_CATEGORY(lcFit, "nemoscope.core.fit", QtWarningMsg)
Q_LOGGING_CATEGORY(lcData, "nemoscope.core.data", QtWarningMsg)
