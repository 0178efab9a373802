#pragma once

#include <QString>

class QApplication;

namespace nemoscope::ui {

// The window's colour scheme. System follows the desktop's palette where the platform reports one
// (light otherwise); Light and Dark are Nemoscope's own palettes on the Fusion style.
enum class Theme
{
    System,
    Light,
    Dark
};

QString themeName(Theme theme);
Theme themeFromName(const QString& name, Theme fallback = Theme::System);

// Applies the theme to the whole application and remembers it in QSettings.
void applyTheme(Theme theme);
Theme storedTheme();

// True when the application's current palette has a dark window background.
bool isDarkPalette();

} // namespace nemoscope::ui
