#include "mainwindow.h"

#include "document.h"
#include "documentview.h"
#include "examples.h"
#include "icons.h"
#include "loadingpage.h"
#include "model/modelspec.h"
#include "recentfiles.h"
#include "startpage.h"
#include "theme.h"
#include "uilogging.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QStatusBar>
#include <QStyle>
#include <QTabBar>
#include <QTabWidget>
#include <QToolBar>
#include <QUndoGroup>
#include <QUndoStack>

namespace nemoscope::ui {

namespace {

// Bundled examples open as fresh copies in the user's cache folder, so that editing and saving them never
// touches the installed (or source-tree) originals.
QString workingCopyOfExample(const QString& path)
{
    const QString examples = examplesDirectory();
    if (examples.isEmpty() || QFileInfo(path).canonicalPath() != examples)
        return path;
    const QString folder
        = QStandardPaths::writableLocation(QStandardPaths::CacheLocation) + QStringLiteral("/examples");
    if (!QDir().mkpath(folder))
        return path;
    const QString copy = folder + QLatin1Char('/') + QFileInfo(path).fileName();
    QFile::remove(copy);
    if (!QFile::copy(path, copy))
        return path;
    QFile::setPermissions(copy, QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup | QFile::ReadOther);
    return copy;
}

QString problemText(const Problem& problem)
{
    return problem.where.isEmpty() ? problem.message : problem.where + QStringLiteral(": ") + problem.message;
}

} // namespace

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent)
    , m_undoGroup(new QUndoGroup(this))
{
    setWindowIcon(icons::application());
    setAcceptDrops(true);
    resize(1200, 760);

    m_stack = new QStackedWidget(this);
    m_startPage = new StartPage(m_stack);
    m_tabs = new QTabWidget(m_stack);
    m_tabs->setDocumentMode(true);
    m_tabs->setTabsClosable(true);
    m_tabs->setMovable(true);
    m_tabs->setElideMode(Qt::ElideMiddle);
    m_stack->addWidget(m_startPage);
    m_stack->addWidget(m_tabs);
    setCentralWidget(m_stack);

    connect(m_startPage, &StartPage::openRequested, this, &MainWindow::openFile);
    connect(m_startPage, &StartPage::exampleRequested, this, &MainWindow::openExample);
    connect(m_startPage, &StartPage::openDialogRequested, this, &MainWindow::showOpenDialog);
    connect(m_tabs, &QTabWidget::tabCloseRequested, this, &MainWindow::closeTab);
    connect(m_tabs, &QTabWidget::currentChanged, this, &MainWindow::updateCurrent);

    createActions();
    createProblemsDock();
    m_statusLabel = new QLabel(this);
    statusBar()->addWidget(m_statusLabel, 1);
    updateCurrent();
}

MainWindow::~MainWindow() = default;

void MainWindow::createActions()
{
    // File
    m_fileMenu = menuBar()->addMenu(tr("&File"));
    auto* open = m_fileMenu->addAction(
        QIcon::fromTheme(QStringLiteral("document-open"), style()->standardIcon(QStyle::SP_DialogOpenButton)),
        tr("&Open…"), this, &MainWindow::showOpenDialog);
    open->setShortcut(QKeySequence::Open);
    open->setToolTip(tr("Open .npz and .npy files"));
    m_recentMenu = m_fileMenu->addMenu(tr("Open &Recent"));
    connect(m_recentMenu, &QMenu::aboutToShow, this, &MainWindow::updateRecentMenu);
    updateRecentMenu();
    m_fileMenu->addSeparator();
    m_reloadAction = m_fileMenu->addAction(
        QIcon::fromTheme(QStringLiteral("view-refresh"), style()->standardIcon(QStyle::SP_BrowserReload)),
        tr("Re&load"), this, &MainWindow::reloadCurrent);
    m_reloadAction->setShortcut(QKeySequence::Refresh);
    m_closeAction = m_fileMenu->addAction(tr("&Close"), this, &MainWindow::closeCurrentTab);
    m_closeAction->setShortcut(QKeySequence::Close);
    m_fileMenu->addSeparator();
    auto* quit = m_fileMenu->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);
    quit->setMenuRole(QAction::QuitRole);

    // Edit: undo and redo follow the current document's stack.
    m_editMenu = menuBar()->addMenu(tr("&Edit"));
    QAction* undo = m_undoGroup->createUndoAction(this, tr("&Undo"));
    undo->setShortcut(QKeySequence::Undo);
    QAction* redo = m_undoGroup->createRedoAction(this, tr("&Redo"));
    redo->setShortcut(QKeySequence::Redo);
    m_editMenu->addAction(undo);
    m_editMenu->addAction(redo);
    m_editMenu->addSeparator();
    m_copyAction = m_editMenu->addAction(tr("&Copy"), this, [this] {
        if (DocumentView* view = currentView())
            view->copySelection();
    });
    m_copyAction->setShortcut(QKeySequence::Copy);
    m_copyAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    m_findAction = m_editMenu->addAction(tr("&Find…"), this, [this] {
        if (DocumentView* view = currentView())
            view->focusFilter();
    });
    m_findAction->setShortcut(QKeySequence::Find);
    m_findAction->setToolTip(tr("Narrow the tree by name"));

    // View
    m_viewMenu = menuBar()->addMenu(tr("&View"));
    m_rawMembersAction = m_viewMenu->addAction(tr("&Raw Archive Members"));
    m_rawMembersAction->setCheckable(true);
    m_rawMembersAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
    m_rawMembersAction->setToolTip(tr("Show the members as stored in the archive: flattened keys, dtypes, "
                                      "shapes, sizes, stored or deflated"));
    connect(m_rawMembersAction, &QAction::toggled, this, [this](bool raw) {
        if (DocumentView* view = currentView())
            view->setRawMembers(raw);
    });
    m_viewMenu->addSeparator();
    QMenu* themeMenu = m_viewMenu->addMenu(tr("&Theme"));
    auto* themes = new QActionGroup(this);
    const Theme current = storedTheme();
    for (Theme theme : { Theme::System, Theme::Light, Theme::Dark }) {
        const QString label = theme == Theme::System ? tr("Follow the &System")
            : theme == Theme::Light                  ? tr("&Light")
                                                     : tr("&Dark");
        QAction* action = themeMenu->addAction(label, this, [theme] { applyTheme(theme); });
        action->setCheckable(true);
        action->setChecked(theme == current);
        themes->addAction(action);
    }

    // Model and Tools: filled by the editing and fitting parts; the mapping entry lives here.
    m_modelMenu = menuBar()->addMenu(tr("&Model"));
    m_mapNamesAction = m_modelMenu->addAction(icons::mapping(), tr("&Map Unresolved Names…"), this, [this] {
        if (Document* document = currentDocument())
            emit mappingRequested(document);
    });
    m_mapNamesAction->setToolTip(tr("Bind names saved from a Python session (custom classes and functions) to "
                                    "nemos built-ins, as load_model's mapping_dict does"));
    m_toolsMenu = menuBar()->addMenu(tr("&Tools"));

    // Help
    m_helpMenu = menuBar()->addMenu(tr("&Help"));
    m_helpMenu->addAction(tr("&Start Page"), this, [this] {
        m_startPage->refreshRecentFiles();
        m_stack->setCurrentWidget(m_startPage);
        updateCurrent();
    });
    auto* about = m_helpMenu->addAction(tr("&About Nemoscope"), this, [this] {
        QMessageBox::about(this, tr("About Nemoscope"),
            tr("<h3>Nemoscope %1</h3><p>Inspect, edit and refit nemos GLM files, and look inside any NumPy "
               ".npz or .npy archive safely: nothing in a file is ever executed or unpickled.</p>")
                .arg(QApplication::applicationVersion()));
    });
    about->setMenuRole(QAction::AboutRole);

    m_toolBar = addToolBar(tr("Main"));
    m_toolBar->setObjectName(QStringLiteral("mainToolBar"));
    m_toolBar->setMovable(false);
    m_toolBar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_toolBar->addAction(open);
    m_toolBar->addAction(m_reloadAction);
    m_toolBar->addSeparator();
    m_toolBar->addAction(m_rawMembersAction);
    m_toolBar->addAction(m_mapNamesAction);
}

void MainWindow::createProblemsDock()
{
    m_problemsDock = new QDockWidget(tr("Problems"), this);
    m_problemsDock->setObjectName(QStringLiteral("problemsDock"));
    m_problemsDock->setFeatures(QDockWidget::DockWidgetClosable | QDockWidget::DockWidgetMovable);
    m_problemsList = new QListWidget(m_problemsDock);
    m_problemsList->setObjectName(QStringLiteral("problemsList"));
    m_problemsList->setWordWrap(true);
    m_problemsList->setToolTip(tr("What could not be read, and what needs your attention. Select an entry to "
                                  "show it in the tree."));
    m_problemsDock->setWidget(m_problemsList);
    addDockWidget(Qt::BottomDockWidgetArea, m_problemsDock);
    m_problemsDock->hide();
    m_viewMenu->insertAction(m_viewMenu->actions().value(1), m_problemsDock->toggleViewAction());

    connect(m_problemsList, &QListWidget::currentRowChanged, this, [this](int row) {
        DocumentView* view = currentView();
        if (!view || row < 0)
            return;
        const QString where = m_problemsList->item(row)->data(Qt::UserRole).toString();
        if (!where.isEmpty())
            view->selectKey(where);
    });
}

QDockWidget* MainWindow::addToolDock(const QString& title, QWidget* widget, Qt::DockWidgetArea area)
{
    auto* dock = new QDockWidget(title, this);
    dock->setObjectName(title);
    dock->setWidget(widget);
    addDockWidget(area, dock);
    if (area == Qt::BottomDockWidgetArea)
        tabifyDockWidget(m_problemsDock, dock);
    m_viewMenu->insertAction(m_viewMenu->actions().value(1), dock->toggleViewAction());
    return dock;
}

Document* MainWindow::currentDocument() const
{
    DocumentView* view = currentView();
    return view ? view->document() : nullptr;
}

DocumentView* MainWindow::currentView() const
{
    if (m_stack->currentWidget() != m_tabs)
        return nullptr;
    return qobject_cast<DocumentView*>(m_tabs->currentWidget());
}

QList<DocumentView*> MainWindow::views() const
{
    QList<DocumentView*> result;
    for (int i = 0; i < m_tabs->count(); ++i) {
        if (auto* view = qobject_cast<DocumentView*>(m_tabs->widget(i)))
            result << view;
    }
    return result;
}

QList<Document*> MainWindow::documents() const
{
    QList<Document*> result;
    for (DocumentView* view : views())
        result << view->document();
    return result;
}

void MainWindow::showInDetailArea(QWidget* widget)
{
    if (DocumentView* view = currentView())
        view->showDetailWidget(widget);
    else
        delete widget;
}

void MainWindow::openFiles(const QStringList& paths)
{
    for (const QString& path : paths)
        openFile(path);
}

void MainWindow::openFile(const QString& path)
{
    if (path.isEmpty())
        return;
    const QString absolute = QFileInfo(path).absoluteFilePath();
    if (!QFileInfo::exists(absolute)) {
        showOpenError(tr("%1: no such file").arg(QDir::toNativeSeparators(path)));
        recentfiles::remove(absolute);
        m_startPage->refreshRecentFiles();
        return;
    }
    openPath(absolute, absolute);
}

void MainWindow::openExample(const QString& path)
{
    const QString working = workingCopyOfExample(path);
    const int existing = indexOfPath(working);
    if (existing >= 0 && !closeTab(existing))
        return;
    openPath(working, working);
}

void MainWindow::openPath(const QString& path, const QString& shownPath)
{
    const int existing = indexOfPath(path);
    if (existing >= 0) {
        m_stack->setCurrentWidget(m_tabs);
        m_tabs->setCurrentIndex(existing);
        return;
    }
    startLoading(path, shownPath);
}

void MainWindow::startLoading(const QString& path, const QString& shownPath)
{
    qCDebug(lcUi) << "opening" << path;
    auto* page = new LoadingPage(path, shownPath, m_tabs);
    m_loading << page;
    const int index = m_tabs->addTab(page, QFileInfo(path).fileName());
    m_tabs->setTabToolTip(index, QDir::toNativeSeparators(path));
    m_stack->setCurrentWidget(m_tabs);
    m_tabs->setCurrentIndex(index);
    // Recent files follow the order the user asked for, not the order in
    // which the loads happen to finish; a file that fails is taken out again.
    if (m_recordRecent) {
        recentfiles::add(shownPath);
        m_startPage->refreshRecentFiles();
    }

    connect(page, &LoadingPage::finished, this, [this, page] { finishLoading(page); });
    connect(page, &LoadingPage::cancelRequested, this, [this, page] {
        m_loading.removeAll(page);
        m_tabs->removeTab(m_tabs->indexOf(page));
        page->deleteLater();
        showStartPageIfEmpty();
        if (m_loading.isEmpty())
            emit loadingFinished();
    });
}

void MainWindow::finishLoading(LoadingPage* page)
{
    if (!m_loading.removeAll(page))
        return;
    const int index = m_tabs->indexOf(page);
    // Loads finish in any order; the tab the user is looking at stays current.
    const bool wasCurrent = m_tabs->currentWidget() == page;
    Result<OpenedFile> result = page->result();
    const QString path = page->path();

    // A reload: the document already in the tab takes the fresh contents.
    auto* reloading = page->property("reloadView").value<DocumentView*>();

    if (!result) {
        m_tabs->removeTab(index);
        page->deleteLater();
        if (m_recordRecent && !reloading) {
            recentfiles::remove(page->shownPath());
            m_startPage->refreshRecentFiles();
        }
        showOpenError(result.error().message());
    } else if (reloading) {
        m_tabs->removeTab(index);
        page->deleteLater();
        reloading->document()->replaceContents(std::move(result.value()));
        m_tabs->setCurrentWidget(reloading);
        emit documentOpened(reloading->document());
    } else {
        auto* document = new Document(std::move(result.value()));
        m_tabs->removeTab(index);
        page->deleteLater();
        addDocumentView(document, index, wasCurrent);
        emit documentOpened(document);
    }
    showStartPageIfEmpty();
    if (m_loading.isEmpty())
        emit loadingFinished();
}

void MainWindow::addDocumentView(Document* document, int atIndex, bool makeCurrent)
{
    auto* view = new DocumentView(document, m_tabs);
    view->setRawMembers(m_rawMembersAction->isChecked());
    const int index = m_tabs->insertTab(atIndex, view, document->fileName());
    m_tabs->setTabToolTip(index, QDir::toNativeSeparators(document->path()));
    if (makeCurrent)
        m_tabs->setCurrentIndex(index);
    m_stack->setCurrentWidget(m_tabs);
    m_undoGroup->addStack(document->undoStack());

    connect(document, &Document::modifiedChanged, this, [this, view] {
        const int i = m_tabs->indexOf(view);
        if (i >= 0)
            m_tabs->setTabText(
                i, view->document()->fileName() + (view->document()->isModified() ? QStringLiteral(" •") : QString()));
        updateTitle();
    });
    connect(document, &Document::pathChanged, this, [this, view] {
        const int i = m_tabs->indexOf(view);
        if (i >= 0) {
            m_tabs->setTabText(i, view->document()->fileName());
            m_tabs->setTabToolTip(i, QDir::toNativeSeparators(view->document()->path()));
        }
        if (m_recordRecent)
            recentfiles::add(view->document()->path());
        updateTitle();
    });
    connect(document, &Document::problemsChanged, this, [this, document] {
        if (document == currentDocument())
            updateProblems();
    });
    connect(view, &DocumentView::mappingRequested, this, [this, document] { emit mappingRequested(document); });
    connect(view, &DocumentView::reloadRequested, this, [this, view] {
        m_tabs->setCurrentWidget(view);
        reloadCurrent();
    });
    updateCurrent();
}

void MainWindow::reloadCurrent()
{
    DocumentView* view = currentView();
    if (!view)
        return;
    Document* document = view->document();
    if (document->isModified()) {
        const auto answer = QMessageBox::question(this, tr("Reload"),
            tr("Reloading %1 discards your changes to it. Reload anyway?").arg(document->fileName()),
            QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Cancel);
        if (answer != QMessageBox::Discard)
            return;
    }
    if (!QFileInfo::exists(document->path())) {
        showOpenError(tr("%1: the file no longer exists").arg(QDir::toNativeSeparators(document->path())));
        return;
    }
    auto* page = new LoadingPage(document->path(), document->path(), m_tabs);
    page->setProperty("reloadView", QVariant::fromValue(view));
    m_loading << page;
    const int index = m_tabs->insertTab(m_tabs->indexOf(view) + 1, page, document->fileName());
    m_tabs->setCurrentIndex(index);
    connect(page, &LoadingPage::finished, this, [this, page] { finishLoading(page); });
    connect(page, &LoadingPage::cancelRequested, this, [this, page] {
        m_loading.removeAll(page);
        m_tabs->removeTab(m_tabs->indexOf(page));
        page->deleteLater();
        if (m_loading.isEmpty())
            emit loadingFinished();
    });
}

void MainWindow::showOpenError(const QString& message)
{
    qCWarning(lcUi).noquote() << message;
    // Non-blocking, so that opening several files reports each failure and --screenshot can show it.
    auto* box = new QMessageBox(
        QMessageBox::Warning, tr("Cannot open file"), tr("The file could not be opened."), QMessageBox::Ok, this);
    box->setInformativeText(message);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setWindowModality(Qt::WindowModal);
    box->open();
}

bool MainWindow::maybeSave(Document* document)
{
    if (!document || !document->isModified())
        return true;
    if (!m_saveHandler) {
        const auto answer = QMessageBox::warning(this, tr("Unsaved changes"),
            tr("%1 has changes that are not saved. Close it and lose them?").arg(document->fileName()),
            QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Cancel);
        return answer == QMessageBox::Discard;
    }
    const auto answer = QMessageBox::warning(this, tr("Unsaved changes"),
        tr("%1 has changes that are not saved. Save them before closing?").arg(document->fileName()),
        QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Save);
    if (answer == QMessageBox::Save)
        return m_saveHandler(document);
    return answer == QMessageBox::Discard;
}

bool MainWindow::closeTab(int index)
{
    QWidget* widget = m_tabs->widget(index);
    if (!widget)
        return false;
    if (auto* page = qobject_cast<LoadingPage*>(widget)) {
        emit page->cancelRequested();
        return true;
    }
    auto* view = qobject_cast<DocumentView*>(widget);
    if (view && !maybeSave(view->document()))
        return false;
    if (view)
        m_undoGroup->removeStack(view->document()->undoStack());
    m_tabs->removeTab(index);
    widget->deleteLater();
    showStartPageIfEmpty();
    updateCurrent();
    return true;
}

bool MainWindow::closeCurrentTab()
{
    if (m_stack->currentWidget() != m_tabs)
        return false;
    return closeTab(m_tabs->currentIndex());
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    for (DocumentView* view : views()) {
        if (!view->document()->isModified())
            continue;
        m_tabs->setCurrentWidget(view);
        if (!maybeSave(view->document())) {
            event->ignore();
            return;
        }
    }
    event->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event)
{
    if (event->mimeData()->hasUrls()) {
        for (const QUrl& url : event->mimeData()->urls()) {
            if (url.isLocalFile()) {
                event->acceptProposedAction();
                return;
            }
        }
    }
}

void MainWindow::dropEvent(QDropEvent* event)
{
    QStringList paths;
    for (const QUrl& url : event->mimeData()->urls()) {
        if (url.isLocalFile())
            paths << url.toLocalFile();
    }
    if (!paths.isEmpty()) {
        event->acceptProposedAction();
        openFiles(paths);
    }
}

void MainWindow::showOpenDialog()
{
    const QString folder = currentDocument() ? QFileInfo(currentDocument()->path()).absolutePath() : QString();
    const QStringList paths = QFileDialog::getOpenFileNames(
        this, tr("Open"), folder, tr("NumPy files (*.npz *.npy);;nemos model files (*.npz);;All files (*)"));
    openFiles(paths);
}

void MainWindow::updateRecentMenu()
{
    m_recentMenu->clear();
    const QStringList paths = recentfiles::load();
    for (const QString& path : paths) {
        QAction* action = m_recentMenu->addAction(QFileInfo(path).fileName(), this, [this, path] { openFile(path); });
        action->setToolTip(QDir::toNativeSeparators(path));
        action->setStatusTip(QDir::toNativeSeparators(path));
    }
    if (paths.isEmpty())
        m_recentMenu->addAction(tr("No recent files"))->setEnabled(false);
    m_recentMenu->addSeparator();
    m_recentMenu->addAction(tr("&Clear the List"), this, [this] {
        recentfiles::clear();
        m_startPage->refreshRecentFiles();
    });
}

int MainWindow::indexOfPath(const QString& path) const
{
    const QString canonical = QFileInfo(path).canonicalFilePath();
    for (int i = 0; i < m_tabs->count(); ++i) {
        QString tabPath;
        if (auto* view = qobject_cast<DocumentView*>(m_tabs->widget(i)))
            tabPath = view->document()->path();
        else if (auto* page = qobject_cast<LoadingPage*>(m_tabs->widget(i)))
            tabPath = page->property("reloadView").isValid() ? QString() : page->path();
        if (!tabPath.isEmpty() && QFileInfo(tabPath).canonicalFilePath() == canonical)
            return i;
    }
    return -1;
}

void MainWindow::showStartPageIfEmpty()
{
    if (m_tabs->count() == 0) {
        m_startPage->refreshRecentFiles();
        m_stack->setCurrentWidget(m_startPage);
    }
    updateCurrent();
}

void MainWindow::updateCurrent()
{
    DocumentView* view = currentView();
    Document* document = view ? view->document() : nullptr;
    m_undoGroup->setActiveStack(document ? document->undoStack() : nullptr);
    m_closeAction->setEnabled(m_stack->currentWidget() == m_tabs && m_tabs->count() > 0);
    m_reloadAction->setEnabled(document != nullptr);
    m_findAction->setEnabled(view != nullptr);
    m_copyAction->setEnabled(view != nullptr);
    m_rawMembersAction->setEnabled(document && document->spec());
    if (view) {
        const QSignalBlocker blocker(m_rawMembersAction);
        m_rawMembersAction->setChecked(view->showsRawMembers());
    }
    m_mapNamesAction->setEnabled(document && document->spec() && !document->spec()->unresolved().isEmpty());

    if (m_current != document) {
        m_current = document;
        emit currentDocumentChanged(document);
    }
    updateTitle();
    updateProblems();
}

void MainWindow::updateTitle()
{
    Document* document = currentDocument();
    if (!document) {
        setWindowFilePath(QString());
        setWindowTitle(QStringLiteral("Nemoscope"));
        setWindowModified(false);
        return;
    }
    setWindowTitle(QStringLiteral("%1[*] — Nemoscope").arg(document->fileName()));
    setWindowModified(document->isModified());
}

void MainWindow::updateProblems()
{
    m_problemsList->clear();
    Document* document = currentDocument();
    if (!document) {
        m_problemsDock->hide();
        m_statusLabel->clear();
        return;
    }
    const QList<Problem> problems = document->problems();
    int errors = 0;
    int warnings = 0;
    for (const Problem& problem : problems) {
        auto* item = new QListWidgetItem(problemText(problem), m_problemsList);
        item->setData(Qt::UserRole, problem.where);
        switch (problem.severity) {
        case Problem::Severity::Error:
            item->setIcon(icons::problem());
            ++errors;
            break;
        case Problem::Severity::Warning:
            item->setIcon(icons::unresolved());
            ++warnings;
            break;
        case Problem::Severity::Info:
            item->setIcon(style()->standardIcon(QStyle::SP_MessageBoxInformation));
            break;
        }
    }
    m_problemsDock->setWindowTitle(problems.isEmpty() ? tr("Problems") : tr("Problems (%1)").arg(problems.size()));
    if (errors + warnings > 0 && !m_problemsDock->isVisible()) {
        m_problemsDock->show();
        resizeDocks({ m_problemsDock }, { std::min(60 + 24 * int(problems.size()), height() / 4) }, Qt::Vertical);
    }

    m_statusLabel->setText(QDir::toNativeSeparators(document->path()) + QStringLiteral("  ·  ") + document->summary());
    m_mapNamesAction->setEnabled(document->spec() && !document->spec()->unresolved().isEmpty());
}

} // namespace nemoscope::ui
