#pragma once

#include <QWidget>

class QLabel;
class QVBoxLayout;

namespace nemoscope::ui {

struct Example;

// What the window shows when no file is open: how to start, the recent files and the bundled
// examples, each with a sentence on what it teaches.
class StartPage : public QWidget
{
    Q_OBJECT

public:
    explicit StartPage(QWidget* parent = nullptr);
    ~StartPage() override;

    // Paths of the listed recent files and examples, in the order shown.
    QStringList recentPaths() const;
    QStringList examplePaths() const;

public slots:
    // Rereads the recent files from QSettings.
    void refreshRecentFiles();

signals:
    void openRequested(const QString& path);
    // A bundled example: the window opens a working copy of it.
    void exampleRequested(const QString& path);
    void openDialogRequested();

protected:
    void changeEvent(QEvent* event) override;

private:
    QWidget* createExamples();
    void restyle();

    QVBoxLayout* m_recentLayout = nullptr;
    QLabel* m_noRecent = nullptr;
    QStringList m_recentPaths;
    QStringList m_examplePaths;
};

} // namespace nemoscope::ui
