// The main window: start page, opening files into tabs (dialog, drop, examples), errors, undo and
// modification, the mapping request, problems, the array viewer on selection, reload on change.

#include "arraytablemodel.h"
#include "arrayviewer.h"
#include "document.h"
#include "documenttreemodel.h"
#include "documentview.h"
#include "examples.h"
#include "mainwindow.h"
#include "model/modelspec.h"
#include "npy/npzarchive.h"
#include "plotpanel.h"
#include "recentfiles.h"
#include "screenshot.h"
#include "startpage.h"
#include "testsupport.h"

#include <QAction>
#include <QDockWidget>
#include <QDropEvent>
#include <QFile>
#include <QFileInfo>
#include <QHeaderView>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QMessageBox>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QPointer>
#include <QPushButton>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTabWidget>
#include <QTimer>
#include <QTreeView>
#include <QUndoStack>
#include <QUrl>

using namespace nemoscope;
using namespace nemoscope::ui;

namespace {

// Opens files and waits until the window has finished opening them.
bool openAndWait(MainWindow& window, const QStringList& paths)
{
    QSignalSpy finished(&window, &MainWindow::loadingFinished);
    window.openFiles(paths);
    return !window.isLoading() || finished.wait(20000);
}

QAction* findAction(QMenu* menu, const QString& text)
{
    for (QAction* action : menu->actions()) {
        if (action->text().remove(QLatin1Char('&')).startsWith(text))
            return action;
    }
    return nullptr;
}

// Answers the next modal message box with the given button.
void answerNextMessageBox(QMessageBox::StandardButton button)
{
    QTimer::singleShot(0, [button] {
        auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
        if (box)
            box->button(button)->click();
    });
}

} // namespace

class TestMainWindow : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void startPageListsExamples();
    void opensFilesInTabsAndRemembersThem();
    void examplesOpenAsWorkingCopies();
    void droppedFilesOpen();
    void unreadableFileGetsADialog();
    void undoRedoAndModificationFollowTheCurrentDocument();
    void closingWithUnsavedChangesAsksFirst();
    void unresolvedNamesRequestMapping();
    void problemsDockListsRefusedMembers();
    void treeKeepsTheValueColumnInView();
    void selectionShowsTheArrayViewer();
    void rawMembersToggleAndMemberReading();
    void changedFileOffersReload();
    void pluggingInWidgets();
    void screenshotHasTheWindowSize();

private:
    std::unique_ptr<MainWindow> m_window;
    std::unique_ptr<QTemporaryDir> m_temp;
};

void TestMainWindow::init()
{
    recentfiles::clear();
    m_temp = std::make_unique<QTemporaryDir>();
    m_window = std::make_unique<MainWindow>();
    m_window->resize(1100, 700);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
}

void TestMainWindow::cleanup()
{
    for (Document* document : m_window->documents())
        document->undoStack()->setClean();
    m_window.reset();
    m_temp.reset();
}

void TestMainWindow::startPageListsExamples()
{
    QVERIFY(m_window->startPage()->isVisible());
    QVERIFY(!m_window->currentDocument());
    const QStringList paths = m_window->startPage()->examplePaths();
    QStringList names;
    for (const QString& path : paths) {
        QVERIFY2(QFileInfo::exists(path), qPrintable(path));
        names << QFileInfo(path).fileName();
    }
    QCOMPARE(names,
        QStringList({ "unfitted_ridge_glm.npz", "fitted_ridge_glm.npz", "custom_names_glm.npz", "seed_example_data.npz",
            "population_glm.npz", "numpy_dtype_zoo.npz" }));
    for (const Example& example : bundledExamples())
        QVERIFY(!example.lesson.isEmpty());
}

void TestMainWindow::opensFilesInTabsAndRemembersThem()
{
    const QString first = testData(QStringLiteral("nemos/ridge_glm_params_fitted.npz"));
    const QString second = testData(QStringLiteral("generic/dtype_zoo.npz"));
    QSignalSpy opened(m_window.get(), &MainWindow::documentOpened);
    QVERIFY(openAndWait(*m_window, { first, second }));
    QCOMPARE(opened.count(), 2);
    QCOMPARE(m_window->documents().size(), 2);
    QVERIFY(!m_window->startPage()->isVisible());
    QCOMPARE(m_window->currentDocument()->fileName(), QStringLiteral("dtype_zoo.npz"));
    QVERIFY(m_window->windowTitle().startsWith(QStringLiteral("dtype_zoo.npz")));

    // Opening a file already open shows its tab instead of a second copy.
    QVERIFY(openAndWait(*m_window, { first }));
    QCOMPARE(m_window->documents().size(), 2);
    QCOMPARE(m_window->currentDocument()->fileName(), QStringLiteral("ridge_glm_params_fitted.npz"));

    // Recent files: most recent first, listed on the start page.
    QCOMPARE(recentfiles::load(), QStringList({ second, first }));
    QCOMPARE(m_window->startPage()->recentPaths(), QStringList({ second, first }));

    // Closing every tab brings the start page back.
    QVERIFY(m_window->closeCurrentTab());
    QVERIFY(m_window->closeCurrentTab());
    QVERIFY(m_window->startPage()->isVisible());
}

void TestMainWindow::examplesOpenAsWorkingCopies()
{
    const QString example = m_window->startPage()->examplePaths().value(1);
    QVERIFY(!example.isEmpty());
    QSignalSpy finished(m_window.get(), &MainWindow::loadingFinished);
    m_window->openExample(example);
    QVERIFY(finished.wait(20000));
    Document* document = m_window->currentDocument();
    QVERIFY(document);
    QVERIFY(document->path() != example);
    QCOMPARE(QFileInfo(document->path()).fileName(), QFileInfo(example).fileName());
    QVERIFY(QFileInfo(document->path()).isWritable());
    QFile original(example);
    QFile copy(document->path());
    QVERIFY(original.open(QIODevice::ReadOnly) && copy.open(QIODevice::ReadOnly));
    QCOMPARE(copy.readAll(), original.readAll());
}

void TestMainWindow::droppedFilesOpen()
{
    QMimeData data;
    data.setUrls({ QUrl::fromLocalFile(testData(QStringLiteral("generic/fortran_order.npy"))),
        QUrl::fromLocalFile(testData(QStringLiteral("nemos/negbin_ridge_fitted.npz"))) });
    QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &data, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(m_window.get(), &enter);
    QVERIFY(enter.isAccepted());

    QSignalSpy finished(m_window.get(), &MainWindow::loadingFinished);
    QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &data, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(m_window.get(), &drop);
    QVERIFY(finished.wait(20000));
    QStringList names;
    for (Document* document : m_window->documents())
        names << document->fileName();
    QCOMPARE(names, QStringList({ "fortran_order.npy", "negbin_ridge_fitted.npz" }));
}

void TestMainWindow::unreadableFileGetsADialog()
{
    QVERIFY(openAndWait(*m_window, { testData(QStringLiteral("malformed/not_a_zip.npz")) }));
    QVERIFY(m_window->documents().isEmpty());
    QVERIFY(m_window->startPage()->isVisible());
    auto* box = m_window->findChild<QMessageBox*>();
    QVERIFY(box);
    QTRY_VERIFY(box->isVisible());
    QVERIFY2(box->informativeText().contains(QStringLiteral("not_a_zip.npz")), qPrintable(box->informativeText()));
    const QPointer<QMessageBox> first = box;
    box->accept();
    QTRY_VERIFY(!first);

    // A file that does not exist: the same, at once.
    m_window->openFile(m_temp->filePath(QStringLiteral("gone.npz")));
    QTRY_VERIFY(m_window->findChild<QMessageBox*>());
    QVERIFY(m_window->findChild<QMessageBox*>()->informativeText().contains(QStringLiteral("no such file")));
}

void TestMainWindow::undoRedoAndModificationFollowTheCurrentDocument()
{
    QVERIFY(openAndWait(*m_window,
        { testData(QStringLiteral("nemos/ridge_glm_params.npz")), testData(QStringLiteral("generic/dtype_zoo.npz")) }));
    QAction* undo = findAction(m_window->editMenu(), QStringLiteral("Undo"));
    QVERIFY(undo);
    QCOMPARE(undo->shortcut(), QKeySequence(QKeySequence::Undo));
    QVERIFY(!undo->isEnabled());

    auto* tabs = m_window->findChild<QTabWidget*>();
    tabs->setCurrentIndex(0);
    Document* model = m_window->currentDocument();
    QCOMPARE(model->fileName(), QStringLiteral("ridge_glm_params.npz"));
    model->undoStack()->push(new QUndoCommand(QStringLiteral("change the strength")));
    QVERIFY(undo->isEnabled());
    QVERIFY(m_window->isWindowModified());
    QVERIFY(tabs->tabText(0).contains(QStringLiteral("•")));

    // The other tab has its own stack.
    tabs->setCurrentIndex(1);
    QVERIFY(!undo->isEnabled());
    QVERIFY(!m_window->isWindowModified());

    tabs->setCurrentIndex(0);
    undo->trigger();
    QVERIFY(!model->isModified());
    QVERIFY(!m_window->isWindowModified());
    QAction* redo = findAction(m_window->editMenu(), QStringLiteral("Redo"));
    QVERIFY(redo && redo->isEnabled());
}

void TestMainWindow::closingWithUnsavedChangesAsksFirst()
{
    QVERIFY(openAndWait(*m_window, { testData(QStringLiteral("nemos/ridge_glm_params.npz")) }));
    m_window->currentDocument()->undoStack()->push(new QUndoCommand(QStringLiteral("edit")));

    answerNextMessageBox(QMessageBox::Cancel);
    QVERIFY(!m_window->closeCurrentTab());
    QCOMPARE(m_window->documents().size(), 1);

    answerNextMessageBox(QMessageBox::Discard);
    QVERIFY(m_window->closeCurrentTab());
    QVERIFY(m_window->documents().isEmpty());
}

void TestMainWindow::unresolvedNamesRequestMapping()
{
    QVERIFY(openAndWait(*m_window, { testData(QStringLiteral("nemos/custom_regularizer_params.npz")) }));
    QVERIFY(m_window->mapNamesAction()->isEnabled());
    auto* banner = m_window->currentView()->findChild<QWidget*>(QStringLiteral("unresolvedBanner"));
    QVERIFY(banner && banner->isVisible());

    QSignalSpy requested(m_window.get(), &MainWindow::mappingRequested);
    auto* button = banner->findChild<QPushButton*>(QStringLiteral("mapNamesButton"));
    QVERIFY(button);
    button->click();
    QCOMPARE(requested.count(), 1);
    QCOMPARE(requested.first().first().value<Document*>(), m_window->currentDocument());

    // From the tree: the unresolved node's detail has the same button.
    QVERIFY(m_window->currentView()->selectKey(QStringLiteral("regularizer")));
    auto* detailButton
        = m_window->currentView()->detailWidget()->findChild<QPushButton*>(QStringLiteral("mapNamesButton"));
    QVERIFY(detailButton);
    detailButton->click();
    m_window->mapNamesAction()->trigger();
    QCOMPARE(requested.count(), 3);

    // A file without unresolved names offers no mapping.
    QVERIFY(openAndWait(*m_window, { testData(QStringLiteral("nemos/ridge_glm_params.npz")) }));
    QVERIFY(!m_window->mapNamesAction()->isEnabled());
    QVERIFY(!m_window->currentView()->findChild<QWidget*>(QStringLiteral("unresolvedBanner"))->isVisible());
}

// However narrow the tree gets, the name and type columns leave at least a quarter of it to the values;
// once the user sizes a column by hand, a wider window keeps that width.
void TestMainWindow::treeKeepsTheValueColumnInView()
{
    QVERIFY(openAndWait(*m_window, { testData(QStringLiteral("nemos/ridge_glm_params.npz")) }));
    // The overview's Python call sits in a box of its own (a long path scrolls there, not the page).
    const auto* snippet = m_window->currentView()->findChild<QPlainTextEdit*>(QStringLiteral("pythonSnippet"));
    QVERIFY(snippet);
    QVERIFY(snippet->toPlainText().contains(QStringLiteral("nmo.load_model(")));
    QTreeView* tree = m_window->currentView()->treeView();
    QHeaderView* header = tree->header();
    auto valueShare
        = [&] { return double(header->sectionSize(DocumentTreeModel::ValueColumn)) / tree->viewport()->width(); };
    for (const int width : { 1400, 700, 520 }) {
        m_window->resize(width, 700);
        QTRY_COMPARE(m_window->width(), width);
        QTRY_VERIFY2(valueShare() >= 0.25,
            qPrintable(QStringLiteral("window %1: value column %2 of %3")
                           .arg(width)
                           .arg(header->sectionSize(DocumentTreeModel::ValueColumn))
                           .arg(tree->viewport()->width())));
        QVERIFY(header->sectionSize(DocumentTreeModel::NameColumn) <= tree->viewport()->width() * 11 / 20);
    }

    header->resizeSection(DocumentTreeModel::NameColumn, 80);
    m_window->resize(1400, 700);
    QTRY_COMPARE(m_window->width(), 1400);
    QCOMPARE(header->sectionSize(DocumentTreeModel::NameColumn), 80);
}

void TestMainWindow::problemsDockListsRefusedMembers()
{
    QVERIFY(openAndWait(*m_window, { testData(QStringLiteral("malformed/pickled_object.npz")) }));
    auto* list = m_window->findChild<QListWidget*>(QStringLiteral("problemsList"));
    QVERIFY(list);
    QVERIFY(m_window->findChild<QDockWidget*>(QStringLiteral("problemsDock"))->isVisible());
    QCOMPARE(list->count(), int(m_window->currentDocument()->problems().size()));
    QVERIFY(list->count() >= 1);
    QVERIFY(list->item(0)->text().contains(QStringLiteral("pickle"), Qt::CaseInsensitive));

    // Selecting a problem selects its member in the tree, whose detail shows the reason.
    list->setCurrentRow(0);
    const QModelIndex current = m_window->currentView()->treeView()->currentIndex();
    QCOMPARE(
        DocumentTreeModel::Kind(current.data(DocumentTreeModel::KindRole).toInt()), DocumentTreeModel::Kind::Refused);
}

void TestMainWindow::selectionShowsTheArrayViewer()
{
    QVERIFY(openAndWait(*m_window, { testData(QStringLiteral("nemos/population_ridge_fitted.npz")) }));
    DocumentView* view = m_window->currentView();
    QVERIFY(view->selectKey(QStringLiteral("coef_")));
    ArrayViewer* viewer = view->arrayViewer();
    QVERIFY(viewer);
    QVERIFY(viewer->context().coefficients);
    QVERIFY(viewer->context().population);
    QCOMPARE(viewer->plotPanel()->kind(), PlotPanel::Kind::Heatmap);
    QCOMPARE(viewer->tableModel()->rowCount(), 5);
    QCOMPARE(viewer->tableModel()->columnCount(), 3);

    // A value shows its description instead.
    QVERIFY(view->selectKey(QStringLiteral("regularizer_strength")));
    QVERIFY(!view->arrayViewer());
    QVERIFY(view->detailWidget()->objectName() == QStringLiteral("infoPanel"));

    // Find focuses the filter; typing narrows the tree.
    findAction(m_window->editMenu(), QStringLiteral("Find…"))->trigger();
    QVERIFY(view->filterEdit()->hasFocus());
    QTest::keyClicks(view->filterEdit(), QStringLiteral("intercept"));
    QCOMPARE(view->filterModel()->rowCount(), 1);
}

void TestMainWindow::rawMembersToggleAndMemberReading()
{
    QVERIFY(openAndWait(*m_window, { testData(QStringLiteral("nemos/gaussian_elasticnet_fitted_compressed.npz")) }));
    DocumentView* view = m_window->currentView();
    QAction* raw = findAction(m_window->viewMenu(), QStringLiteral("Raw Archive Members"));
    QVERIFY(raw && raw->isEnabled());
    raw->setChecked(true);
    QVERIFY(view->showsRawMembers());
    QCOMPARE(view->treeModel()->rowCount(), int(m_window->currentDocument()->archive()->members().size()));

    // A deflated member is read on a worker thread, then shown.
    QSignalSpy shown(view, &DocumentView::detailShown);
    QVERIFY(view->selectKey(QStringLiteral("item::strkey:coef_")));
    QVERIFY(shown.wait(10000));
    QVERIFY(view->arrayViewer());
    QCOMPARE(view->arrayViewer()->array().dtype().name(), QStringLiteral("float32"));

    raw->setChecked(false);
    QVERIFY(!view->showsRawMembers());
}

void TestMainWindow::changedFileOffersReload()
{
    const QString path = m_temp->filePath(QStringLiteral("model.npz"));
    QVERIFY(QFile::copy(testData(QStringLiteral("nemos/ridge_glm_params.npz")), path));
    QVERIFY(openAndWait(*m_window, { path }));
    Document* document = m_window->currentDocument();
    QVERIFY(!document->spec()->isFitted());
    QVERIFY(document->checkUnchangedOnDisk().ok());

    // Someone else replaces the file with the fitted model.
    QSignalSpy changed(document, &Document::changedOnDisk);
    QTest::qWait(1100); // file times have a resolution of a second on some filesystems
    QVERIFY(QFile::remove(path));
    QVERIFY(QFile::copy(testData(QStringLiteral("nemos/ridge_glm_params_fitted.npz")), path));
    QVERIFY(changed.wait(10000) || document->isChangedOnDisk());
    QVERIFY(document->isChangedOnDisk());
    QVERIFY(!document->checkUnchangedOnDisk().ok());
    QVERIFY(document->checkUnchangedOnDisk().error().reason.contains(QStringLiteral("changed on disk")));
    auto* banner = m_window->currentView()->findChild<QWidget*>(QStringLiteral("diskBanner"));
    QTRY_VERIFY(banner->isVisible());

    // Reload reads the new contents into the same document.
    QSignalSpy reloaded(document, &Document::reloaded);
    banner->findChild<QPushButton*>(QStringLiteral("reloadButton"))->click();
    QVERIFY(reloaded.wait(10000));
    QCOMPARE(m_window->currentDocument(), document);
    QVERIFY(document->spec()->isFitted());
    QVERIFY(!document->isChangedOnDisk());
    QVERIFY(!banner->isVisible());
    QVERIFY(m_window->currentView()
                ->treeModel()
                ->findKey(QStringLiteral("coef_"))
                .data(DocumentTreeModel::HasArrayRole)
                .toBool());
}

void TestMainWindow::pluggingInWidgets()
{
    QVERIFY(m_window->fileMenu() && m_window->editMenu() && m_window->modelMenu() && m_window->toolsMenu());
    QVERIFY(openAndWait(*m_window, { testData(QStringLiteral("nemos/ridge_glm_params.npz")) }));
    auto* widget = new QWidget;
    widget->setObjectName(QStringLiteral("editorPanel"));
    m_window->showInDetailArea(widget);
    QCOMPARE(m_window->currentView()->detailWidget(), widget);
    QVERIFY(widget->isVisible());
    QDockWidget* dock = m_window->addToolDock(QStringLiteral("Fit"), new QWidget, Qt::BottomDockWidgetArea);
    QVERIFY(dock && dock->widget());
}

void TestMainWindow::screenshotHasTheWindowSize()
{
    QVERIFY(openAndWait(*m_window, { testData(QStringLiteral("generic/dtype_zoo.npz")) }));
    const QImage image = grabWindowWithDialogs(m_window.get());
    QCOMPARE(image.size(), m_window->size() * m_window->devicePixelRatio());

    // A dialog the window shows is drawn over it.
    auto* box = new QMessageBox(QMessageBox::Information, QStringLiteral("A dialog"), QStringLiteral("Over the window"),
        QMessageBox::Ok, m_window.get());
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
    QVERIFY(QTest::qWaitForWindowExposed(box));
    const QImage withDialog = grabWindowWithDialogs(m_window.get());
    QCOMPARE(withDialog.size(), image.size());
    QVERIFY(withDialog != image);
    box->close();
}

NEMOSCOPE_GUI_TEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
