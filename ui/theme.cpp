#include "theme.h"

#include <QApplication>
#include <QPalette>
#include <QSettings>
#include <QStyle>
#include <QStyleFactory>

namespace nemoscope::ui {

namespace {

const QString settingsKey = QStringLiteral("theme");

QPalette lightPalette()
{
    QPalette palette;
    palette.setColor(QPalette::Window, QColor(0xf4, 0xf5, 0xf7));
    palette.setColor(QPalette::WindowText, QColor(0x1d, 0x23, 0x2b));
    palette.setColor(QPalette::Base, Qt::white);
    palette.setColor(QPalette::AlternateBase, QColor(0xf0, 0xf3, 0xf7));
    palette.setColor(QPalette::ToolTipBase, QColor(0xff, 0xfb, 0xe6));
    palette.setColor(QPalette::ToolTipText, QColor(0x1d, 0x23, 0x2b));
    palette.setColor(QPalette::PlaceholderText, QColor(0x8a, 0x93, 0x9e));
    palette.setColor(QPalette::Text, QColor(0x1d, 0x23, 0x2b));
    palette.setColor(QPalette::Button, QColor(0xfa, 0xfb, 0xfc));
    palette.setColor(QPalette::ButtonText, QColor(0x1d, 0x23, 0x2b));
    palette.setColor(QPalette::BrightText, Qt::red);
    palette.setColor(QPalette::Highlight, QColor(0x1f, 0x6f, 0xb2));
    palette.setColor(QPalette::HighlightedText, Qt::white);
    palette.setColor(QPalette::Link, QColor(0x1f, 0x6f, 0xb2));
    palette.setColor(QPalette::Mid, QColor(0xc9, 0xce, 0xd6));
    palette.setColor(QPalette::Dark, QColor(0xa0, 0xa7, 0xb1));
    palette.setColor(QPalette::Disabled, QPalette::Text, QColor(0x9a, 0xa1, 0xab));
    palette.setColor(QPalette::Disabled, QPalette::WindowText, QColor(0x9a, 0xa1, 0xab));
    palette.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(0x9a, 0xa1, 0xab));
    return palette;
}

QPalette darkPalette()
{
    QPalette palette;
    palette.setColor(QPalette::Window, QColor(0x23, 0x26, 0x2b));
    palette.setColor(QPalette::WindowText, QColor(0xe3, 0xe6, 0xea));
    palette.setColor(QPalette::Base, QColor(0x1a, 0x1c, 0x20));
    palette.setColor(QPalette::AlternateBase, QColor(0x25, 0x28, 0x2e));
    palette.setColor(QPalette::ToolTipBase, QColor(0x2f, 0x33, 0x3a));
    palette.setColor(QPalette::ToolTipText, QColor(0xe3, 0xe6, 0xea));
    palette.setColor(QPalette::PlaceholderText, QColor(0x80, 0x88, 0x92));
    palette.setColor(QPalette::Text, QColor(0xe3, 0xe6, 0xea));
    palette.setColor(QPalette::Button, QColor(0x2d, 0x31, 0x37));
    palette.setColor(QPalette::ButtonText, QColor(0xe3, 0xe6, 0xea));
    palette.setColor(QPalette::BrightText, QColor(0xff, 0x6b, 0x6b));
    palette.setColor(QPalette::Highlight, QColor(0x3a, 0x8e, 0xd8));
    palette.setColor(QPalette::HighlightedText, Qt::white);
    palette.setColor(QPalette::Link, QColor(0x6c, 0xb2, 0xf0));
    palette.setColor(QPalette::Light, QColor(0x3a, 0x3f, 0x46));
    palette.setColor(QPalette::Midlight, QColor(0x33, 0x37, 0x3e));
    palette.setColor(QPalette::Mid, QColor(0x45, 0x4a, 0x52));
    palette.setColor(QPalette::Dark, QColor(0x15, 0x17, 0x1a));
    palette.setColor(QPalette::Shadow, QColor(0x0b, 0x0c, 0x0e));
    palette.setColor(QPalette::Disabled, QPalette::Text, QColor(0x6d, 0x74, 0x7d));
    palette.setColor(QPalette::Disabled, QPalette::WindowText, QColor(0x6d, 0x74, 0x7d));
    palette.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(0x6d, 0x74, 0x7d));
    return palette;
}

} // namespace

QString themeName(Theme theme)
{
    switch (theme) {
    case Theme::Light:
        return QStringLiteral("light");
    case Theme::Dark:
        return QStringLiteral("dark");
    case Theme::System:
        break;
    }
    return QStringLiteral("system");
}

Theme themeFromName(const QString& name, Theme fallback)
{
    const QString lower = name.trimmed().toLower();
    if (lower == QLatin1String("light"))
        return Theme::Light;
    if (lower == QLatin1String("dark"))
        return Theme::Dark;
    if (lower == QLatin1String("system"))
        return Theme::System;
    return fallback;
}

void applyTheme(Theme theme)
{
    // The desktop's own palette, as the platform gave it before Nemoscope changed anything.
    static const QPalette platformPalette = QApplication::palette();

    QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));

    QPalette palette;
    switch (theme) {
    case Theme::Dark:
        palette = darkPalette();
        break;
    case Theme::Light:
        palette = lightPalette();
        break;
    case Theme::System:
        palette = platformPalette.color(QPalette::Window).lightness() < 128 ? darkPalette() : lightPalette();
        break;
    }
    QApplication::setPalette(palette);

    QSettings settings;
    settings.setValue(settingsKey, themeName(theme));
}

Theme storedTheme()
{
    QSettings settings;
    return themeFromName(settings.value(settingsKey).toString());
}

bool isDarkPalette()
{
    return QApplication::palette().color(QPalette::Window).lightness() < 128;
}

} // namespace nemoscope::ui
