// Editing in the window: the mapping dialog opening by itself, mappings, hyperparameter edits and fit
// results on the document's undo stack, the modified mark, and saving.

#include "data/dataset.h"
#include "document.h"
#include "editing/editingcontroller.h"
#include "editing/hyperparametereditor.h"
#include "editing/mappingdialog.h"
#include "mainwindow.h"
#include "model/fitbridge.h"
#include "model/nemosfile.h"

#include <QAction>
#include <QDockWidget>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QUndoStack>

#include <cstdio>

using namespace nemoscope;

class TestEditingController : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();
    void mappingDialogOpensForUnresolvedNames();
    void mapUndoRedoAndSave();
    void strengthEditUndoRedo();
    void fitResultIsUndoable();
    void savesLegacyOnRequest();
    void saveKeepsTheLayoutTheFileWasReadIn();
    void actionsFollowTheDocument();
    void closingOffersToSave();
    void saveNoticesAChangeOnDisk();

private:
    ui::Document* open(const QString& path);

    QTemporaryDir m_dir;
    std::unique_ptr<ui::MainWindow> m_window;
    ui::EditingController* m_controller = nullptr;
};

void TestEditingController::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QCoreApplication::setOrganizationName(QStringLiteral("NemoscopeTests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_editingcontroller"));
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_dir.path());
}

void TestEditingController::init()
{
    QSettings().clear();
    m_window = std::make_unique<ui::MainWindow>();
    m_window->setRecordRecentFiles(false);
    m_controller = new ui::EditingController(m_window.get());
    m_window->show();
}

void TestEditingController::cleanup()
{
    // Discard whatever the test left modified, so that closing asks nothing.
    for (ui::Document* document : m_window->documents())
        document->undoStack()->setClean();
    m_window.reset();
}

ui::Document* TestEditingController::open(const QString& path)
{
    // Work on a copy: saving must never touch the test data.
    const QString copy = m_dir.filePath(QFileInfo(path).fileName());
    QFile::remove(copy);
    if (!QFile::copy(path, copy))
        return nullptr;
    QFile::setPermissions(copy, QFile::ReadOwner | QFile::WriteOwner);
    QSignalSpy finished(m_window.get(), &ui::MainWindow::loadingFinished);
    m_window->openFile(copy);
    if (m_window->isLoading() && !finished.wait(20000))
        return nullptr;
    return m_window->currentDocument();
}

void TestEditingController::mappingDialogOpensForUnresolvedNames()
{
    ui::Document* document = open(QStringLiteral(NEMOSCOPE_TEST_DATA "/nemos/custom_regularizer_params.npz"));
    QVERIFY(document);
    ui::MappingDialog* dialog = m_controller->mappingDialog();
    QVERIFY(dialog);
    QVERIFY(dialog->isVisible());
    QCOMPARE(dialog->rowCount(), 2);
    dialog->reject();
    QTRY_VERIFY(!m_controller->mappingDialog());

    // A resolved model opens without it; the Model menu (mappingRequested) opens it again.
    ui::Document* plain = open(QStringLiteral(NEMOSCOPE_TEST_DATA "/nemos/ridge_glm_params.npz"));
    QVERIFY(plain);
    QVERIFY(!m_controller->mappingDialog());
    emit m_window->mappingRequested(document);
    QVERIFY(m_controller->mappingDialog());
    QCOMPARE(m_controller->mappingDialog()->rowCount(), 2);
    m_controller->mappingDialog()->reject();
}

void TestEditingController::mapUndoRedoAndSave()
{
    ui::Document* document = open(QStringLiteral(NEMOSCOPE_TEST_DATA "/nemos/custom_regularizer_params.npz"));
    QVERIFY(document && document->spec());
    ui::MappingDialog* dialog = m_controller->mappingDialog();
    QVERIFY(dialog);
    QCOMPARE(dialog->rowCount(), 2);
    QVERIFY(dialog->choose(dialog->rowForKey(QStringLiteral("regularizer")), QStringLiteral("Ridge")));
    QVERIFY(dialog->choose(dialog->rowForKey(QStringLiteral("inverse_link_function")), QStringLiteral("exp")));
    QTest::mouseClick(dialog->applyButton(), Qt::LeftButton);

    // Resolved, modified, marked in the title.
    QVERIFY(document->spec()->unresolved().isEmpty());
    QVERIFY(document->spec()->validate().isEmpty());
    QVERIFY(document->isModified());
    QVERIFY(m_window->isWindowModified());
    QCOMPARE(document->undoStack()->count(), 1);

    document->undoStack()->undo();
    QCOMPARE(document->spec()->unresolved().size(), 2);
    QVERIFY(!document->isModified());
    document->undoStack()->redo();
    QVERIFY(document->spec()->unresolved().isEmpty());

    // Saved over the file it came from, atomically, then read back: nothing left to map.
    Result<void> saved = ui::saveDocument(document, document->path(), ui::saveLayout(document));
    QVERIFY2(saved.ok(), qPrintable(saved ? QString() : saved.error().message()));
    QVERIFY(!document->isModified());
    Result<model::NemosFile> reread = model::NemosFile::load(document->path());
    QVERIFY(reread.ok() && reread->spec());
    QVERIFY(reread->spec()->unresolved().isEmpty());
    QVERIFY(reread->layout() == model::KeyLayout::Current);
    QCOMPARE(reread->spec()->regularizer().builtin->name, QStringLiteral("Ridge"));
    QCOMPARE(reread->spec()->inverseLink()->name, QStringLiteral("exp"));

    // The exported snippet is the nemos call with both mappings.
    const QString snippetPath = m_dir.filePath(QStringLiteral("load.py"));
    QVERIFY(ui::writePythonSnippet(document, snippetPath).ok());
    QFile snippet(snippetPath);
    QVERIFY(snippet.open(QIODevice::ReadOnly));
    const QString text = QString::fromUtf8(snippet.readAll());
    QVERIFY2(text.contains(QStringLiteral("load_model(")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("\"regularizer\"")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("\"inverse_link_function\"")), qPrintable(text));
}

void TestEditingController::strengthEditUndoRedo()
{
    ui::Document* document = open(QStringLiteral(NEMOSCOPE_TEST_DATA "/nemos/ridge_glm_params.npz"));
    QVERIFY(document && document->spec());
    QCOMPARE(document->spec()->strength(), std::optional<double>(1.0));

    // Typed into the dock's strength field.
    QLineEdit* strength = m_controller->editor()->strengthEdit();
    QCOMPARE(strength->text(), QStringLiteral("1"));
    strength->selectAll();
    QTest::keyClicks(strength, QStringLiteral("0.125"));
    QTest::keyClick(strength, Qt::Key_Return);

    QCOMPARE(document->spec()->strength(), std::optional<double>(0.125));
    QVERIFY(document->isModified());
    QVERIFY(m_window->isWindowModified());
    QCOMPARE(document->undoStack()->undoText(), QStringLiteral("Set strength to 0.125"));

    document->undoStack()->undo();
    QCOMPARE(document->spec()->strength(), std::optional<double>(1.0));
    QCOMPARE(strength->text(), QStringLiteral("1"));
    QVERIFY(!document->isModified());
    QVERIFY(!m_window->isWindowModified());

    document->undoStack()->redo();
    QCOMPARE(document->spec()->strength(), std::optional<double>(0.125));
    QCOMPARE(strength->text(), QStringLiteral("0.125"));

    // Refused input leaves the stack alone and says why.
    strength->selectAll();
    QTest::keyClicks(strength, QStringLiteral("-3"));
    QTest::keyClick(strength, Qt::Key_Return);
    QCOMPARE(document->undoStack()->count(), 1);
    QVERIFY(!m_controller->editor()->refusal(QStringLiteral("regularizer_strength")).isEmpty());
    QCOMPARE(document->spec()->strength(), std::optional<double>(0.125));
}

void TestEditingController::fitResultIsUndoable()
{
    ui::Document* document = open(QStringLiteral(NEMOSCOPE_TEST_DATA "/nemos/ridge_glm_params.npz"));
    QVERIFY(document && document->spec());
    QVERIFY(!document->spec()->isFitted());
    QSignalSpy fitChanged(document, &ui::Document::fitChanged);

    Result<model::FitSetup> setup = model::fitSetup(*document->spec());
    QVERIFY(setup.ok());
    Result<data::XYData> xy = data::loadXY(QStringLiteral(NEMOSCOPE_TEST_DATA "/data/seed_example.npz"));
    QVERIFY(xy.ok());
    QCOMPARE(xy->yName, QStringLiteral("counts"));
    const fit::FitResult result = fit::fitGlm(setup->problem, setup->options, xy->X, xy->Y);
    QVERIFY(result.converged());

    m_controller->applyFitResult(document, result);
    QCOMPARE(fitChanged.count(), 1);
    QVERIFY(document->spec()->isFitted());
    QVERIFY(document->isModified());
    Result<Eigen::MatrixXd> coef = document->spec()->coef().array().toMatrix();
    QVERIFY(coef.ok());
    QVERIFY(std::abs((*coef)(0, 0) - result.coef(0, 0)) < 1e-6); // stored as float32, as JAX does

    document->undoStack()->undo();
    QVERIFY(!document->spec()->isFitted());
    QCOMPARE(fitChanged.count(), 2);
    document->undoStack()->redo();
    QVERIFY(document->spec()->isFitted());
}

void TestEditingController::savesLegacyOnRequest()
{
    ui::Document* document = open(QStringLiteral(NEMOSCOPE_TEST_DATA "/nemos/ridge_glm_params_fitted.npz"));
    QVERIFY(document && document->spec());
    const QString out = m_dir.filePath(QStringLiteral("legacy copy.npz"));
    Result<void> saved = ui::saveDocument(document, out, model::KeyLayout::Legacy);
    QVERIFY2(saved.ok(), qPrintable(saved ? QString() : saved.error().message()));
    QCOMPARE(document->path(), out);
    QVERIFY(ui::saveLayout(document) == model::KeyLayout::Legacy);

    Result<model::NemosFile> reread = model::NemosFile::load(out);
    QVERIFY(reread.ok() && reread->spec());
    QVERIFY(reread->layout() == model::KeyLayout::Legacy);
    QVERIFY(reread->spec()->isFitted());
}

// File > Save writes a legacy file back in the legacy layout, so that the nemos version that wrote it still
// reads it; a file in the current layout stays current.
void TestEditingController::saveKeepsTheLayoutTheFileWasReadIn()
{
    for (const auto& [name, layout] :
        { std::pair { QStringLiteral("ridge_glm_params_fitted_legacy.npz"), model::KeyLayout::Legacy },
            std::pair { QStringLiteral("ridge_glm_params_fitted.npz"), model::KeyLayout::Current } }) {
        ui::Document* document = open(QStringLiteral(NEMOSCOPE_TEST_DATA "/nemos/") + name);
        QVERIFY(document && document->spec());
        QVERIFY(ui::saveLayout(document) == layout);

        QLineEdit* strength = m_controller->editor()->strengthEdit();
        strength->selectAll();
        QTest::keyClicks(strength, QStringLiteral("0.25"));
        QTest::keyClick(strength, Qt::Key_Return);
        QVERIFY(document->isModified());
        QVERIFY(m_controller->save(document));
        QVERIFY(!document->isModified());

        Result<model::NemosFile> reread = model::NemosFile::load(document->path());
        QVERIFY2(reread.ok(), qPrintable(reread ? QString() : reread.error().message()));
        QVERIFY(reread->layout() == layout);
        QCOMPARE(reread->spec()->strength(), std::optional<double>(0.25));
        QVERIFY(reread->spec()->isFitted());
    }
}

void TestEditingController::actionsFollowTheDocument()
{
    QVERIFY(!m_controller->saveAction()->isEnabled());
    QVERIFY(!m_controller->fitAction()->isEnabled());
    QVERIFY(m_window->fileMenu()->actions().contains(m_controller->saveAction()));
    QVERIFY(m_window->fileMenu()->actions().contains(m_controller->exportSnippetAction()));
    QVERIFY(m_window->modelMenu()->actions().contains(m_controller->fitAction()));

    ui::Document* document = open(QStringLiteral(NEMOSCOPE_TEST_DATA "/nemos/ridge_glm_params.npz"));
    QVERIFY(document);
    QVERIFY(m_controller->saveAction()->isEnabled());
    QVERIFY(m_controller->fitAction()->isEnabled());
    QVERIFY(m_controller->editor()->spec().has_value());

    // A plain archive has no model to edit, save or fit.
    ui::Document* plain = open(QStringLiteral(NEMOSCOPE_TEST_DATA "/generic/dtype_zoo.npz"));
    QVERIFY(plain);
    QVERIFY(!m_controller->saveAction()->isEnabled());
    QVERIFY(!m_controller->fitAction()->isEnabled());
    QVERIFY(!m_controller->editor()->spec().has_value());

    // Its tab gives the hyperparameter dock's room to the arrays; the next model brings the dock back.
    QDockWidget* dock = m_controller->editorDock();
    QVERIFY(!dock->isVisible());
    QVERIFY(open(QStringLiteral(NEMOSCOPE_TEST_DATA "/nemos/population_ridge_fitted.npz")));
    QVERIFY(dock->isVisible());

    // Once the user hides the dock, it stays hidden.
    dock->toggleViewAction()->trigger();
    QVERIFY(!dock->isVisible());
    QVERIFY(open(QStringLiteral(NEMOSCOPE_TEST_DATA "/generic/dtype_zoo_compressed.npz")));
    QVERIFY(open(QStringLiteral(NEMOSCOPE_TEST_DATA "/nemos/gamma_ridge_fitted.npz")));
    QVERIFY(!dock->isVisible());
}

QTEST_MAIN(TestEditingController)
#include "tst_editingcontroller.moc"

void TestEditingController::closingOffersToSave()
{
    ui::Document* document = open(QStringLiteral(NEMOSCOPE_TEST_DATA "/nemos/ridge_glm_params.npz"));
    QVERIFY(document && document->spec());
    const QString path = document->path();
    QLineEdit* strength = m_controller->editor()->strengthEdit();
    strength->selectAll();
    QTest::keyClicks(strength, QStringLiteral("0.25"));
    QTest::keyClick(strength, Qt::Key_Return);
    QVERIFY(document->isModified());

    // Closing asks Save, Discard or Cancel; Save writes the model before the tab goes.
    QStringList offered;
    QTimer::singleShot(0, [&offered] {
        auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
        if (!box)
            return;
        for (QAbstractButton* button : box->buttons())
            offered << button->text().remove(QLatin1Char('&'));
        box->button(QMessageBox::Save)->click();
    });
    QVERIFY(m_window->closeCurrentTab());
    QVERIFY(m_window->documents().isEmpty());
    QCOMPARE(offered.size(), 3);

    auto saved = model::NemosFile::load(path);
    QVERIFY2(saved.ok(), qPrintable(saved.ok() ? QString() : saved.error().message()));
    QVERIFY(saved->spec());
    QCOMPARE(saved->spec()->strength(), std::optional<double>(0.25));
}

void TestEditingController::saveNoticesAChangeOnDisk()
{
    ui::Document* document = open(QStringLiteral(NEMOSCOPE_TEST_DATA "/nemos/ridge_glm_params.npz"));
    QVERIFY(document && document->spec());
    const QString path = document->path();
    QLineEdit* strength = m_controller->editor()->strengthEdit();
    strength->selectAll();
    QTest::keyClicks(strength, QStringLiteral("0.25"));
    QTest::keyClick(strength, Qt::Key_Return);
    QVERIFY(document->isModified());

    // Another program replaces the file (write, then rename over it) and Save comes at once, before the
    // file watcher has had a chance to say anything.
    QFile other(QStringLiteral(NEMOSCOPE_TEST_DATA "/nemos/ridge_glm_params_fitted.npz"));
    QVERIFY(other.open(QIODevice::ReadOnly));
    const QByteArray theirs = other.readAll();
    const QString staging = path + QStringLiteral(".other");
    {
        QFile out(staging);
        QVERIFY(out.open(QIODevice::WriteOnly));
        QCOMPARE(out.write(theirs), theirs.size());
    }
    QVERIFY(std::rename(QFile::encodeName(staging).constData(), QFile::encodeName(path).constData()) == 0);

    // Save asks before overwriting; Cancel leaves their file as it is and the edit unsaved.
    QString asked;
    const auto answerWith = [&asked](QMessageBox::StandardButton button) {
        QTimer::singleShot(0, [&asked, button] {
            auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
            if (!box)
                return;
            asked = box->text();
            if (QAbstractButton* answer = box->button(button))
                answer->click();
            else
                box->reject();
        });
    };
    answerWith(QMessageBox::Cancel);
    m_controller->saveAction()->trigger();
    QVERIFY2(asked.contains(QStringLiteral("changed on disk")), qPrintable(asked));
    QVERIFY(document->isModified());
    {
        QFile onDisk(path);
        QVERIFY(onDisk.open(QIODevice::ReadOnly));
        QVERIFY(onDisk.readAll() == theirs);
    }

    // Saving again and choosing to overwrite writes this model.
    asked.clear();
    answerWith(QMessageBox::Save);
    m_controller->saveAction()->trigger();
    QVERIFY2(asked.contains(QStringLiteral("changed on disk")), qPrintable(asked));
    QVERIFY(!document->isModified());
    auto saved = model::NemosFile::load(path);
    QVERIFY2(saved.ok(), qPrintable(saved.ok() ? QString() : saved.error().message()));
    QCOMPARE(saved->spec()->strength(), std::optional<double>(0.25));
    QVERIFY(!saved->spec()->isFitted());
    // From here on the file is ours again: the next save asks nothing.
    QVERIFY(document->checkUnchangedOnDisk().ok());
}
