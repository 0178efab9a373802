#include "editing/editingcontroller.h"

#include "data/dataset.h"
#include "document.h"
#include "editing/datapickerdialog.h"
#include "editing/editcommands.h"
#include "editing/fitdialog.h"
#include "editing/hyperparametereditor.h"
#include "editing/mappingdialog.h"
#include "mainwindow.h"
#include "model/fitbridge.h"
#include "model/nemosfile.h"
#include "npy/npzarchive.h"

#include <QAction>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QMenu>
#include <QMessageBox>
#include <QSaveFile>
#include <QStyle>
#include <QToolBar>
#include <QUndoStack>

Q_LOGGING_CATEGORY(lcUiEditing, "nemoscope.ui.editing", QtInfoMsg)

namespace nemoscope::ui {

namespace {

// The layout chosen in Save As, kept on the document for the next Save.
const char* const saveLayoutProperty = "nemoscopeSaveLayout";

npy::Compression compressionOf(const Document* document)
{
    const npy::NpzArchive* archive = document->archive();
    if (!archive)
        return npy::Compression::Stored;
    for (const npy::NpzMember& member : archive->members()) {
        if (member.compressed)
            return npy::Compression::Deflated;
    }
    return npy::Compression::Stored;
}

bool samePath(const QString& a, const QString& b)
{
    const QFileInfo first(a);
    const QFileInfo second(b);
    return first.absoluteFilePath() == second.absoluteFilePath()
        || (!first.canonicalFilePath().isEmpty() && first.canonicalFilePath() == second.canonicalFilePath());
}

Result<void> writeDocument(Document* document, const QString& path, model::KeyLayout layout, bool force)
{
    if (!document || !document->nemosFile() || !document->spec())
        return Error { path, {}, QObject::tr("only nemos model files can be saved from Nemoscope") };
    if (!force && samePath(path, document->path())) {
        if (Result<void> unchanged = document->checkUnchangedOnDisk(); !unchanged)
            return unchanged;
    }

    Result<void> saved = document->nemosFile()->save(path, layout, compressionOf(document));
    if (!saved)
        return saved;
    qCDebug(lcUiEditing) << "saved" << path << "in the" << model::toString(layout) << "layout";
    document->setProperty(saveLayoutProperty, static_cast<int>(layout));
    document->markSaved(path);
    return {};
}

} // namespace

Result<void> saveDocument(Document* document, const QString& path, model::KeyLayout layout)
{
    return writeDocument(document, path, layout, false);
}

Result<void> writePythonSnippet(const Document* document, const QString& path)
{
    if (!document || !document->nemosFile())
        return Error { path, {}, QObject::tr("only a nemos model has a Python snippet") };
    const QString snippet = document->nemosFile()->pythonSnippet(document->path());
    QSaveFile out(path);
    if (!out.open(QIODevice::WriteOnly) || out.write(snippet.toUtf8()) < 0 || !out.commit())
        return Error { path, {}, out.errorString() };
    return {};
}

model::KeyLayout saveLayout(const Document* document)
{
    const QVariant chosen = document ? document->property(saveLayoutProperty) : QVariant();
    if (chosen.isValid())
        return static_cast<model::KeyLayout>(chosen.toInt());
    // A file keeps the layout it was read in: a legacy file is read by the nemos versions its owner runs.
    if (document && document->nemosFile() && document->nemosFile()->layout())
        return *document->nemosFile()->layout();
    return model::KeyLayout::Current;
}

EditingController::EditingController(MainWindow* window)
    : QObject(window)
    , m_window(window)
{
    m_editor = new HyperparameterEditor;
    m_dock = window->addToolDock(tr("Hyperparameters"), m_editor, Qt::RightDockWidgetArea);
    m_dock->setObjectName(QStringLiteral("hyperparametersDock"));
    connect(m_dock->toggleViewAction(), &QAction::triggered, this, [this] { m_dockHiddenForArchive = false; });
    // The form fits in about 380 pixels; the tree and the detail area need the rest more.
    window->resizeDocks({ m_dock }, { std::max(380, m_editor->minimumSizeHint().width()) }, Qt::Horizontal);
    window->setSaveHandler([this](Document* document) { return save(document); });

    // File menu: saving and the Python snippet, after Open.
    m_saveAction = new QAction(
        QIcon::fromTheme(QStringLiteral("document-save"), window->style()->standardIcon(QStyle::SP_DialogSaveButton)),
        tr("&Save"), this);
    m_saveAction->setShortcut(QKeySequence::Save);
    m_saveAction->setToolTip(tr("Save the model as a nemos file (atomically; unknown members kept)"));
    m_saveAsAction = new QAction(QIcon::fromTheme(QStringLiteral("document-save-as")), tr("Save &As…"), this);
    m_saveAsAction->setShortcut(QKeySequence::SaveAs);
    m_exportSnippetAction = new QAction(tr("Export &Python Snippet…"), this);
    m_exportSnippetAction->setToolTip(tr("The nemos call that loads this file with its mappings"));
    QMenu* file = window->fileMenu();
    QAction* before = nullptr;
    for (QAction* action : file->actions()) {
        if (action->isSeparator()) {
            before = action;
            break;
        }
    }
    file->insertSeparator(before);
    file->insertActions(before, { m_saveAction, m_saveAsAction, m_exportSnippetAction });

    // Model menu: refitting.
    m_fitAction = new QAction(
        QIcon::fromTheme(QStringLiteral("media-playback-start"), window->style()->standardIcon(QStyle::SP_MediaPlay)),
        tr("Open Data and &Fit…"), this);
    m_fitAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_F));
    m_fitAction->setToolTip(tr("Open a data file, pick X and y, and refit the model"));
    window->modelMenu()->addSeparator();
    window->modelMenu()->addAction(m_fitAction);
    if (QToolBar* toolBar = window->mainToolBar()) {
        toolBar->addAction(m_saveAction);
        toolBar->addAction(m_fitAction);
    }

    connect(m_saveAction, &QAction::triggered, this, [this] { save(m_current); });
    connect(m_saveAsAction, &QAction::triggered, this, [this] { saveAs(m_current); });
    connect(m_exportSnippetAction, &QAction::triggered, this, [this] { exportSnippet(m_current); });
    connect(m_fitAction, &QAction::triggered, this, [this] { fitToData(m_current); });

    connect(window, &MainWindow::currentDocumentChanged, this, &EditingController::setCurrent);
    connect(window, &MainWindow::documentOpened, this, &EditingController::onDocumentOpened);
    connect(window, &MainWindow::mappingRequested, this, &EditingController::openMappingDialog);
    connect(m_editor, &HyperparameterEditor::editRequested, this,
        [this](const model::ModelSpec& edited, const QString& text) {
            if (m_current && m_current->spec())
                m_current->undoStack()->push(new SpecEditCommand(m_current, edited, text));
        });

    setCurrent(window->currentDocument());
}

EditingController::~EditingController() = default;

MappingDialog* EditingController::mappingDialog() const
{
    return m_mappingDialog;
}

FitDialog* EditingController::fitDialog() const
{
    return m_fitDialog;
}

void EditingController::setCurrent(Document* document)
{
    for (const QMetaObject::Connection& connection : std::as_const(m_documentConnections))
        disconnect(connection);
    m_documentConnections.clear();

    m_current = document;
    // A plain NumPy archive has no hyperparameters: its tree and arrays get the dock's room. The dock comes
    // back with the next model, unless the user showed or hid it by hand in between.
    if (document && !document->spec() && m_dock->isVisible()) {
        m_dock->hide();
        m_dockHiddenForArchive = true;
    } else if (document && document->spec() && m_dockHiddenForArchive) {
        m_dock->show();
        m_dockHiddenForArchive = false;
    }
    if (document) {
        m_documentConnections << connect(document, &Document::modelChanged, this, &EditingController::refreshEditor);
        m_documentConnections << connect(document, &Document::fitChanged, this, &EditingController::refreshEditor);
        m_documentConnections << connect(document, &Document::reloaded, this, &EditingController::refreshEditor);
        m_documentConnections << connect(document, &Document::modifiedChanged, this, &EditingController::updateActions);
    }
    refreshEditor();
}

void EditingController::refreshEditor()
{
    if (m_current && m_current->spec())
        m_editor->setSpec(*m_current->spec());
    else
        m_editor->setSpec(std::nullopt);
    updateActions();
}

void EditingController::updateActions()
{
    const bool model = m_current && m_current->spec();
    m_saveAction->setEnabled(model);
    m_saveAsAction->setEnabled(model);
    m_exportSnippetAction->setEnabled(model);
    m_fitAction->setEnabled(model && m_current->spec()->fittingSupported());
}

void EditingController::onDocumentOpened(Document* document)
{
    // A model with names nemos cannot resolve is not usable until they are mapped: ask at once.
    if (document && document->spec() && !document->spec()->unresolved().isEmpty())
        openMappingDialog(document);
}

MappingDialog* EditingController::openMappingDialog(Document* document)
{
    if (!document || !document->spec())
        return nullptr;
    if (m_mappingDialog)
        m_mappingDialog->close();
    if (document->spec()->unresolved().isEmpty()) {
        QMessageBox::information(m_window, tr("Map Unresolved Names"),
            tr("Every name in %1 is a nemos built-in: there is nothing to map.").arg(document->fileName()));
        return nullptr;
    }

    auto* dialog = new MappingDialog(*document->spec(), document->path(), m_window);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    QPointer<Document> target(document);
    connect(dialog, &QDialog::accepted, this, [target, dialog] {
        if (!target || !target->spec())
            return;
        QStringList parts;
        for (const model::AppliedMapping& mapping : dialog->mappings()) {
            if (mapping.builtin)
                parts << QStringLiteral("%1 → %2").arg(mapping.key, mapping.builtin->name);
        }
        target->undoStack()->push(new SpecEditCommand(
            target, dialog->mappedSpec(), QObject::tr("Map %1").arg(parts.join(QStringLiteral(", ")))));
    });
    m_mappingDialog = dialog;
    dialog->open();
    return dialog;
}

void EditingController::applyFitResult(Document* document, const fit::FitResult& result)
{
    if (document && document->spec())
        document->undoStack()->push(new FitResultCommand(document, result));
}

bool EditingController::checkFittable(Document* document)
{
    if (!document || !document->spec())
        return false;
    const model::ModelSpec& spec = *document->spec();
    if (!spec.fittingSupported()) {
        QMessageBox::information(m_window, tr("Fit to Data"),
            tr("Nemoscope refits GLM and PopulationGLM models; this file holds a %1.")
                .arg(model::toString(spec.modelKind())));
        return false;
    }
    if (!spec.unresolved().isEmpty()) {
        QMessageBox::information(m_window, tr("Fit to Data"), tr("Map the names nemos cannot resolve before fitting."));
        openMappingDialog(document);
        return false;
    }
    if (const QStringList problems = spec.validate(); !problems.isEmpty()) {
        QMessageBox::warning(m_window, tr("Fit to Data"),
            tr("The model cannot be fitted as it is:\n\n%1").arg(problems.join(QStringLiteral("\n"))));
        return false;
    }
    return true;
}

void EditingController::fitToData(Document* document)
{
    if (!checkFittable(document))
        return;
    const QString path = QFileDialog::getOpenFileName(m_window, tr("Open Data"),
        QFileInfo(document->path()).absolutePath(), tr("Data (*.npz *.npy *.csv *.tsv *.txt);;All files (*)"));
    if (!path.isEmpty())
        fitToDataFile(document, path);
}

FitDialog* EditingController::fitToDataFile(Document* document, const QString& dataPath)
{
    if (!checkFittable(document))
        return nullptr;
    const model::ModelSpec& spec = *document->spec();
    Result<model::FitSetup> setup = model::fitSetup(spec);
    if (!setup) {
        QMessageBox::warning(m_window, tr("Fit to Data"), setup.error().message());
        return nullptr;
    }
    Result<data::DataSet> dataSet = data::loadDataFile(dataPath);
    if (!dataSet) {
        QMessageBox::warning(m_window, tr("Open Data"), dataSet.error().message());
        return nullptr;
    }

    DataExpectations expected { setup->problem, setup->expectedFeatures, model::toString(spec.modelKind()) };
    DataPickerDialog picker(*dataSet, expected, m_window);
    if (picker.exec() != QDialog::Accepted)
        return nullptr;
    Result<data::XYData> xy = picker.selection();
    if (!xy) {
        QMessageBox::warning(m_window, tr("Open Data"), xy.error().message());
        return nullptr;
    }

    FitRequest request;
    request.problem = setup->problem;
    request.options = setup->options;
    request.X = std::move(xy->X);
    request.Y = std::move(xy->Y);
    request.observedName = xy->yName;
    if (spec.coef().type() == model::ParamNode::Type::Array) {
        if (Result<Eigen::MatrixXd> coef = spec.coef().array().toMatrix())
            request.coefBefore = *coef;
    }
    if (spec.intercept().type() == model::ParamNode::Type::Array) {
        if (Result<Eigen::VectorXd> intercept = spec.intercept().array().toVector())
            request.interceptBefore = *intercept;
    }
    const QString regularizer = spec.regularizer().builtin ? spec.regularizer().builtin->name : QString();
    request.title = tr("%1 %2 (%3, %4) on %5: X = %6, y = %7")
                        .arg(regularizer, model::toString(spec.modelKind()), fit::toString(setup->problem.observation),
                            fit::toString(setup->options.solver), QFileInfo(dataPath).fileName(), xy->xName, xy->yName);

    auto* dialog = new FitDialog(std::move(request), m_window);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(tr("Fit %1").arg(document->fileName()));
    QPointer<Document> target(document);
    connect(dialog, &FitDialog::resultAccepted, this, [this, target](const fit::FitResult& result) {
        if (target)
            applyFitResult(target, result);
    });
    m_fitDialog = dialog;
    dialog->show();
    dialog->start();
    return dialog;
}

bool EditingController::save(Document* document)
{
    if (!document || !document->spec())
        return false;
    const QString path = document->path();
    if (!path.endsWith(QStringLiteral(".npz"), Qt::CaseInsensitive))
        return saveAs(document);

    // Someone else's change to the file is noticed here even when the file watcher has not reported it yet.
    bool overwrite = false;
    if (Result<void> unchanged = document->checkUnchangedOnDisk(); !unchanged) {
        const auto answer = QMessageBox::question(m_window, tr("Save"),
            tr("%1 changed on disk since it was opened.\n\nOverwrite it with this model anyway?")
                .arg(QDir::toNativeSeparators(path)),
            QMessageBox::Save | QMessageBox::Cancel, QMessageBox::Cancel);
        if (answer != QMessageBox::Save)
            return false;
        overwrite = true;
    }
    Result<void> saved = writeDocument(document, path, saveLayout(document), overwrite);
    if (!saved) {
        QMessageBox::critical(m_window, tr("Save"), tr("The file was not saved.\n\n%1").arg(saved.error().message()));
        return false;
    }
    return true;
}

bool EditingController::saveAs(Document* document)
{
    if (!document || !document->spec())
        return false;
    const QString current = tr("nemos model, current layout (*.npz)");
    const QString legacy = tr("nemos model, legacy layout for nemos 0.2.4 and 0.2.5 (*.npz)");
    QString filter = saveLayout(document) == model::KeyLayout::Legacy ? legacy : current;
    QString path = QFileDialog::getSaveFileName(
        m_window, tr("Save As"), document->path(), current + QStringLiteral(";;") + legacy, &filter);
    if (path.isEmpty())
        return false;
    if (!path.endsWith(QStringLiteral(".npz"), Qt::CaseInsensitive))
        path += QStringLiteral(".npz");

    const model::KeyLayout layout = filter == legacy ? model::KeyLayout::Legacy : model::KeyLayout::Current;
    Result<void> saved = writeDocument(document, path, layout, !samePath(path, document->path()));
    if (!saved) {
        QMessageBox::critical(
            m_window, tr("Save As"), tr("The file was not saved.\n\n%1").arg(saved.error().message()));
        return false;
    }
    return true;
}

bool EditingController::exportSnippet(Document* document)
{
    if (!document || !document->nemosFile())
        return false;
    const QString suggested = QFileInfo(document->path()).completeBaseName() + QStringLiteral("_load.py");
    const QString path = QFileDialog::getSaveFileName(m_window, tr("Export Python Snippet"),
        QFileInfo(document->path()).absoluteDir().filePath(suggested), tr("Python (*.py)"));
    if (path.isEmpty())
        return false;

    if (Result<void> written = writePythonSnippet(document, path); !written) {
        QMessageBox::critical(m_window, tr("Export Python Snippet"), written.error().message());
        return false;
    }
    return true;
}

} // namespace nemoscope::ui
