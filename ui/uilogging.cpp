#include "uilogging.h"

Q_LOGGING_CATEGORY(lcUi, "nemoscope.ui.window", QtWarningMsg)
Q_LOGGING_CATEGORY(lcUiArrays, "nemoscope.ui.arrays", QtWarningMsg)
