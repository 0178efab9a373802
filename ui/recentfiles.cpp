#include "recentfiles.h"

#include <QFileInfo>
#include <QSettings>

namespace nemoscope::ui::recentfiles {

namespace {

const QString key = QStringLiteral("recentFiles");

void store(const QStringList& paths)
{
    QSettings settings;
    settings.setValue(key, paths);
}

} // namespace

QStringList load()
{
    QSettings settings;
    QStringList paths = settings.value(key).toStringList();
    paths.removeAll(QString());
    paths.removeDuplicates();
    while (paths.size() > maximumCount)
        paths.removeLast();
    return paths;
}

void add(const QString& path)
{
    const QString absolute = QFileInfo(path).absoluteFilePath();
    QStringList paths = load();
    paths.removeAll(absolute);
    paths.prepend(absolute);
    while (paths.size() > maximumCount)
        paths.removeLast();
    store(paths);
}

void remove(const QString& path)
{
    QStringList paths = load();
    paths.removeAll(QFileInfo(path).absoluteFilePath());
    store(paths);
}

void clear()
{
    store({});
}

} // namespace nemoscope::ui::recentfiles
