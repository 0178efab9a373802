#include "loadingpage.h"

#include <QDir>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace nemoscope::ui {

LoadingPage::LoadingPage(const QString& path, const QString& shownPath, QWidget* parent)
    : QWidget(parent)
    , m_path(path)
    , m_shownPath(shownPath)
{
    auto* layout = new QVBoxLayout(this);
    layout->addStretch(1);
    auto* label = new QLabel(tr("Opening %1…").arg(QDir::toNativeSeparators(shownPath)), this);
    label->setAlignment(Qt::AlignCenter);
    label->setWordWrap(true);
    layout->addWidget(label);
    auto* bar = new QProgressBar(this);
    bar->setRange(0, 0);
    bar->setMaximumWidth(360);
    layout->addWidget(bar, 0, Qt::AlignHCenter);
    auto* cancel = new QPushButton(tr("Cancel"), this);
    layout->addWidget(cancel, 0, Qt::AlignHCenter);
    layout->addStretch(2);
    connect(cancel, &QPushButton::clicked, this, &LoadingPage::cancelRequested);

    connect(&m_watcher, &QFutureWatcher<Result<OpenedFile>>::finished, this, &LoadingPage::finished);
    m_watcher.setFuture(QtConcurrent::run([path] { return openFile(path); }));
}

// The worker cannot be interrupted inside the reader; the future is let go and its result dropped.
LoadingPage::~LoadingPage() = default;

} // namespace nemoscope::ui
