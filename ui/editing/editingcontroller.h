#pragma once

#include "error.h"
#include "fit/glm.h"
#include "model/paramtree.h"

#include <QObject>
#include <QPointer>

class QAction;
class QDockWidget;

namespace nemoscope::ui {

class Document;
class FitDialog;
class HyperparameterEditor;
class MainWindow;
class MappingDialog;

// Writes the document's model as a nemos file at path, atomically, keeping the members Nemoscope does
// not understand; deflated when the file read was. Refuses to overwrite the document's own file when it
// changed on disk since it was read. On success the document stands for path, unmodified.
Result<void> saveDocument(Document* document, const QString& path, model::KeyLayout layout);

// Writes the nemos call that loads the document's file with its mappings (a Python snippet) to path,
// atomically.
Result<void> writePythonSnippet(const Document* document, const QString& path);

// The layout a document is saved in by File > Save: the one chosen in Save As for this document, else the
// one the file was read in (current for a new or plain file).
model::KeyLayout saveLayout(const Document* document);

// Everything of editing, mapping, refitting and saving that the main window offers, installed with one
// object: the hyperparameter dock, the mapping dialog (opened by itself for a file with unresolved
// names, and on MainWindow::mappingRequested), File > Save, Save As and Export Python Snippet,
// Model > Fit to Data. Every change of a model goes through the document's undo stack.
class EditingController : public QObject
{
    Q_OBJECT

public:
    // Installs into window (which becomes the parent of this object).
    explicit EditingController(MainWindow* window);
    ~EditingController() override;

    HyperparameterEditor* editor() const { return m_editor; }
    QDockWidget* editorDock() const { return m_dock; }
    // The mapping dialog currently open, if any (also what --screenshot shows over the window).
    MappingDialog* mappingDialog() const;
    FitDialog* fitDialog() const;

    QAction* saveAction() const { return m_saveAction; }
    QAction* saveAsAction() const { return m_saveAsAction; }
    QAction* exportSnippetAction() const { return m_exportSnippetAction; }
    QAction* fitAction() const { return m_fitAction; }

    // Opens the mapping dialog for document (window-modal, not blocking); Apply puts the mappings on the
    // document's undo stack.
    MappingDialog* openMappingDialog(Document* document);
    // Stores a fit result in document's model, undoably.
    void applyFitResult(Document* document, const fit::FitResult& result);
    // Asks for a data file, lets the user pick X and y, and starts the fit in a FitDialog.
    void fitToData(Document* document);
    // The same with the data file given (no file dialog); returns the fit dialog, running, or null.
    FitDialog* fitToDataFile(Document* document, const QString& dataPath);

    // File > Save (as the document's layout) and Save As; report problems in message boxes.
    bool save(Document* document);
    bool saveAs(Document* document);
    bool exportSnippet(Document* document);

private:
    void setCurrent(Document* document);
    void refreshEditor();
    void updateActions();
    void onDocumentOpened(Document* document);
    bool checkFittable(Document* document);

    MainWindow* m_window = nullptr;
    QPointer<Document> m_current;
    HyperparameterEditor* m_editor = nullptr;
    QDockWidget* m_dock = nullptr;
    bool m_dockHiddenForArchive = false; // hidden by setCurrent() for a document without a model
    QPointer<MappingDialog> m_mappingDialog;
    QPointer<FitDialog> m_fitDialog;
    QAction* m_saveAction = nullptr;
    QAction* m_saveAsAction = nullptr;
    QAction* m_exportSnippetAction = nullptr;
    QAction* m_fitAction = nullptr;
    QList<QMetaObject::Connection> m_documentConnections;
};

} // namespace nemoscope::ui
