#pragma once

#include <QList>
#include <QMainWindow>
#include <QPointer>

#include <functional>

class QAction;
class QDockWidget;
class QLabel;
class QListWidget;
class QMenu;
class QStackedWidget;
class QTabWidget;
class QToolBar;
class QUndoGroup;

namespace nemoscope::ui {

class Document;
class DocumentView;
class LoadingPage;
class StartPage;

// The main window: a start page when nothing is open, otherwise one tab per open file, each a
// DocumentView (the tree on the left, the detail area on the right). Files open on a worker thread,
// so that a huge file never freezes the window; a file that cannot be opened gets a dialog with the
// reason. A problems dock lists what the current file's members and model need.
//
// Other parts of the application plug in through the accessors: menus to add actions to, the
// current document, the detail area, and signals such as mappingRequested().
class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // The document of the current tab; null on the start page or while the tab is still opening.
    Document* currentDocument() const;
    DocumentView* currentView() const;
    QList<Document*> documents() const;
    QList<DocumentView*> views() const;
    StartPage* startPage() const { return m_startPage; }

    QMenu* fileMenu() const { return m_fileMenu; }
    QMenu* editMenu() const { return m_editMenu; }
    QMenu* viewMenu() const { return m_viewMenu; }
    QMenu* modelMenu() const { return m_modelMenu; }
    QMenu* toolsMenu() const { return m_toolsMenu; }
    QMenu* helpMenu() const { return m_helpMenu; }
    QToolBar* mainToolBar() const { return m_toolBar; }
    // The action that opens the mapping dialog (Model menu); enabled when the current model has
    // unresolved names. Triggering it emits mappingRequested().
    QAction* mapNamesAction() const { return m_mapNamesAction; }

    // Shows widget in the current document's detail area, which takes ownership; the tree's next
    // selection replaces it. Does nothing (and deletes widget) when no document is current.
    void showInDetailArea(QWidget* widget);
    // Adds a dock the window owns, tabbed with the problems dock when both are at the bottom.
    QDockWidget* addToolDock(const QString& title, QWidget* widget, Qt::DockWidgetArea area = Qt::RightDockWidgetArea);

    // True while a file is still being opened.
    bool isLoading() const { return !m_loading.isEmpty(); }
    // Whether opened files go into the recent files list (off for --screenshot, which changes nothing).
    void setRecordRecentFiles(bool record) { m_recordRecent = record; }
    // How a modified document is saved when the user closes it and chooses Save; returns true once saved.
    // Without a handler, closing offers only to discard the changes or to keep the tab.
    void setSaveHandler(std::function<bool(Document*)> handler) { m_saveHandler = std::move(handler); }

public slots:
    void openFiles(const QStringList& paths);
    void openFile(const QString& path);
    // Opens a fresh working copy of a bundled example (in the user's cache folder), so that edits and saves
    // never touch the installed original.
    void openExample(const QString& path);
    void showOpenDialog();
    // Asks about unsaved changes first; returns false when the user keeps the tab.
    bool closeTab(int index);
    bool closeCurrentTab();
    void reloadCurrent();

signals:
    // A document finished opening and is shown in its tab (also after a reload, with the same document).
    void documentOpened(nemoscope::ui::Document* document);
    void currentDocumentChanged(nemoscope::ui::Document* document);
    // The user asked to map unresolved names (tree button, Model menu) for this document.
    void mappingRequested(nemoscope::ui::Document* document);
    // Every requested file has finished opening (or failed).
    void loadingFinished();

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void createActions();
    void createProblemsDock();
    void startLoading(const QString& path, const QString& shownPath);
    void openPath(const QString& path, const QString& shownPath);
    void finishLoading(LoadingPage* page);
    void showOpenError(const QString& message);
    void addDocumentView(Document* document, int atIndex, bool makeCurrent);
    void updateCurrent();
    void updateTitle();
    void updateProblems();
    void updateRecentMenu();
    void showStartPageIfEmpty();
    int indexOfPath(const QString& path) const;
    bool maybeSave(Document* document);

    std::function<bool(Document*)> m_saveHandler;
    QStackedWidget* m_stack = nullptr;
    StartPage* m_startPage = nullptr;
    QTabWidget* m_tabs = nullptr;
    QToolBar* m_toolBar = nullptr;
    QDockWidget* m_problemsDock = nullptr;
    QListWidget* m_problemsList = nullptr;
    QLabel* m_statusLabel = nullptr;
    QUndoGroup* m_undoGroup = nullptr;

    QMenu* m_fileMenu = nullptr;
    QMenu* m_recentMenu = nullptr;
    QMenu* m_editMenu = nullptr;
    QMenu* m_viewMenu = nullptr;
    QMenu* m_modelMenu = nullptr;
    QMenu* m_toolsMenu = nullptr;
    QMenu* m_helpMenu = nullptr;
    QAction* m_closeAction = nullptr;
    QAction* m_reloadAction = nullptr;
    QAction* m_copyAction = nullptr;
    QAction* m_findAction = nullptr;
    QAction* m_rawMembersAction = nullptr;
    QAction* m_mapNamesAction = nullptr;

    QList<LoadingPage*> m_loading;
    QPointer<Document> m_current;
    bool m_recordRecent = true;
};

} // namespace nemoscope::ui
