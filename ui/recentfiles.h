#pragma once

#include <QStringList>

namespace nemoscope::ui {

// The list of recently opened files, most recent first, kept in QSettings under "recentFiles".
namespace recentfiles {

constexpr int maximumCount = 10;

QStringList load();
// Moves path (made absolute) to the front of the list.
void add(const QString& path);
void remove(const QString& path);
void clear();

} // namespace recentfiles

} // namespace nemoscope::ui
