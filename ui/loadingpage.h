#pragma once

#include "document.h"

#include <QFutureWatcher>
#include <QWidget>

namespace nemoscope::ui {

// A tab's content while its file opens on a worker thread: what is happening, a busy bar, Cancel.
// Listing an archive reads only its directory and headers, so this is usually seen only for a blink;
// Cancel closes the tab at once and the result, when it arrives, is dropped.
class LoadingPage : public QWidget
{
    Q_OBJECT

public:
    LoadingPage(const QString& path, const QString& shownPath, QWidget* parent = nullptr);
    ~LoadingPage() override;

    QString path() const { return m_path; }
    QString shownPath() const { return m_shownPath; }
    bool isFinished() const { return m_watcher.isFinished(); }
    Result<OpenedFile> result() const { return m_watcher.result(); }

signals:
    void finished();
    void cancelRequested();

private:
    QString m_path;
    QString m_shownPath;
    QFutureWatcher<Result<OpenedFile>> m_watcher;
};

} // namespace nemoscope::ui
