#pragma once

#include <QString>

namespace nemoscope::ui {

// Short explanations of what the parts of a nemos model file mean, for tooltips and the detail area.
// Empty when there is nothing to say about a key.
QString describeKey(const QString& key);
QString describeSection(const QString& title);

} // namespace nemoscope::ui
