#pragma once

#include "error.h"

#include <QDateTime>
#include <QList>
#include <QObject>
#include <QString>

#include <atomic>
#include <memory>

class QFileSystemWatcher;
class QUndoStack;

namespace nemoscope::npy {
class NpzArchive;
} // namespace nemoscope::npy

namespace nemoscope::model {
class ModelSpec;
class NemosFile;
} // namespace nemoscope::model

namespace nemoscope::ui {

// Something the user should know about an open file: a member that could not be read, a name that
// needs mapping, a value nemos would refuse, a member kept as it is.
struct Problem
{
    enum class Severity
    {
        Error, // a member or value that cannot be used
        Warning, // usable, but needs attention (an unresolved name, an invalid setting)
        Info, // for the record (a member outside the nemos layout, kept on save)
    };

    Severity severity = Severity::Error;
    QString where; // the member name or nemos key it concerns; empty for the whole file
    QString message; // the reason, in words for the user
};

// What opening a file produces before any widget sees it: the archive as listed and, when the members
// name a nemos model, the decoded file. Plain data, safe to build on a worker thread.
struct OpenedFile
{
    QString path;
    std::shared_ptr<npy::NpzArchive> archive;
    std::shared_ptr<model::NemosFile> nemos; // null for a plain archive
};

// Opens path (npz or npy, told apart by content), lists it, and decodes the model when the member names
// say it is a nemos file. Blocking and thread-safe: the window calls it on a worker thread. Fails only when
// the file cannot be read as an archive at all; refused members are recorded on the archive.
Result<OpenedFile> openFile(const QString& path);

// One open file in the window. Owns its undo stack: every edit of the model goes through it, and the
// document counts as modified while the stack is not clean. Watches the file on disk.
//
// Changes to the model are made on spec() (or nemosFile()) inside QUndoCommands, which then call
// notifyModelChanged() or notifyFitChanged() so that the tree and the views follow.
class Document : public QObject
{
    Q_OBJECT

public:
    explicit Document(OpenedFile file, QObject* parent = nullptr);
    ~Document() override;

    // Opens a file synchronously (openFile() then a Document); for tests and small files.
    static Result<std::unique_ptr<Document>> open(const QString& path);

    QString path() const { return m_path; }
    QString fileName() const; // the name shown on the tab
    npy::NpzArchive* archive() const { return m_archive.get(); }
    std::shared_ptr<npy::NpzArchive> sharedArchive() const { return m_archive; }
    // The decoded nemos file; null for a plain archive or .npy.
    model::NemosFile* nemosFile() const { return m_nemos.get(); }
    // The model specification; null when the file is not a nemos model.
    model::ModelSpec* spec() const;
    bool isNemos() const;
    // One line on what the file is: "nemos GLM, current layout · 17 members · 5.6 KB".
    QString summary() const;

    QUndoStack* undoStack() const { return m_undoStack; }
    bool isModified() const;

    // Refused members, members kept as they are, unresolved names and what nemos would refuse.
    QList<Problem> problems() const { return m_problems; }
    // A member that listed well but failed when its bytes were read (a CRC mismatch, a deflate stream that
    // runs long): it joins problems() until the file is read again. Members too large to be checked when
    // they are shown are read through on a worker thread after the file opens; a fault found there is
    // reported the same way.
    void reportReadFault(const QString& member, const QString& reason);
    // Why member failed when it was read, or an empty string.
    QString readFault(const QString& member) const;

    // True once the file on disk changed (or went away) since it was opened, reloaded or saved.
    bool isChangedOnDisk() const { return m_changedOnDisk; }
    // Before overwriting path(): fails with the reason when the file changed on disk since it was read,
    // so that a save does not silently discard someone else's change.
    Result<void> checkUnchangedOnDisk() const;
    // After the file was written to path: the document now stands for it, unmodified, watched again.
    void markSaved(const QString& path);
    // Replaces everything with a fresh reading of the file (reload): the undo history is cleared.
    void replaceContents(OpenedFile file);

public slots:
    void notifyModelChanged();
    void notifyFitChanged();

signals:
    void modelChanged();
    void fitChanged();
    void modifiedChanged(bool modified);
    void problemsChanged();
    // reportReadFault() recorded a new fault of member.
    void readFaultReported(const QString& member);
    void pathChanged(const QString& path);
    // The file changed on disk, or was removed: the window offers a reload.
    void changedOnDisk();
    // The contents were replaced by replaceContents().
    void reloaded();
    // markSaved() was called: the file on disk is this document's own again.
    void saved();

private:
    void recordDiskState();
    void watch();
    void onFileChanged(const QString& path);
    void updateProblems();
    void verifyInBackground();

    QString m_path;
    std::shared_ptr<npy::NpzArchive> m_archive;
    std::shared_ptr<model::NemosFile> m_nemos;
    QUndoStack* m_undoStack = nullptr;
    QFileSystemWatcher* m_watcher = nullptr;
    QList<Problem> m_problems;
    QList<Problem> m_readFaults;
    // Set to stop the background verification of the current archive.
    std::shared_ptr<std::atomic<bool>> m_stopVerifying;

    // What the file on disk looked like when it was last read or written.
    qint64 m_diskSize = -1;
    QDateTime m_diskModified;
    bool m_changedOnDisk = false;
};

} // namespace nemoscope::ui
