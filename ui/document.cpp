#include "document.h"

#include "model/nemosfile.h"
#include "npy/npzarchive.h"
#include "uilogging.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QFileSystemWatcher>
#include <QLocale>
#include <QPointer>
#include <QThreadPool>
#include <QTimer>
#include <QUndoStack>

namespace nemoscope::ui {

namespace {

// Member names of nemos files carry the names of the model's top-level keys; a plain archive's do not.
// Checking names first keeps a large plain archive from being read just to learn it holds no model.
bool mayHoldModel(const npy::NpzArchive& archive)
{
    for (const npy::NpzMember& member : archive.members()) {
        if (member.name.contains(QLatin1String("model_class"))
            || member.name.contains(QLatin1String("observation_model")))
            return true;
    }
    return false;
}

} // namespace

Result<OpenedFile> openFile(const QString& path)
{
    auto archive = npy::NpzArchive::open(path);
    if (!archive)
        return archive.error();

    OpenedFile opened;
    opened.path = path;
    opened.archive = archive.value();
    if (mayHoldModel(*opened.archive)) {
        auto nemos = model::NemosFile::load(path);
        if (nemos && nemos->isNemos())
            opened.nemos = std::make_shared<model::NemosFile>(std::move(nemos.value()));
        else if (!nemos)
            qCWarning(lcUi) << "not decoded as a nemos file:" << nemos.error().message();
    }
    return opened;
}

Document::Document(OpenedFile file, QObject* parent)
    : QObject(parent)
    , m_path(file.path)
    , m_archive(std::move(file.archive))
    , m_nemos(std::move(file.nemos))
    , m_undoStack(new QUndoStack(this))
    , m_watcher(new QFileSystemWatcher(this))
{
    connect(m_undoStack, &QUndoStack::cleanChanged, this, [this](bool clean) { emit modifiedChanged(!clean); });
    connect(m_watcher, &QFileSystemWatcher::fileChanged, this, &Document::onFileChanged);
    recordDiskState();
    watch();
    updateProblems();
    verifyInBackground();
}

Document::~Document()
{
    if (m_stopVerifying)
        m_stopVerifying->store(true);
}

void Document::verifyInBackground()
{
    if (m_stopVerifying)
        m_stopVerifying->store(true);
    m_stopVerifying.reset();
    if (!m_archive)
        return;
    std::vector<qsizetype> unchecked = m_archive->membersUncheckedOnRead();
    if (unchecked.empty())
        return;
    auto stop = std::make_shared<std::atomic<bool>>(false);
    m_stopVerifying = stop;
    qCDebug(lcUi) << "verifying" << unchecked.size() << "large members of" << m_path << "in the background";
    // The task holds the archive (and so its mapping) but never the document: results travel back through
    // the application object and find the document only if it still holds this archive.
    QThreadPool::globalInstance()->start(
        [archive = m_archive, unchecked = std::move(unchecked), stop, self = QPointer<Document>(this)] {
            for (qsizetype index : unchecked) {
                Result<void> verified = archive->verify(
                    index, [&stop](qint64, qint64) { return !stop->load(std::memory_order_relaxed); });
                if (stop->load())
                    return;
                QCoreApplication* application = QCoreApplication::instance();
                if (verified || !application)
                    continue;
                QMetaObject::invokeMethod(
                    application,
                    [self, archive, member = archive->members()[size_t(index)].name, reason = verified.error().reason] {
                        if (self && self->m_archive == archive)
                            self->reportReadFault(member, reason);
                    },
                    Qt::QueuedConnection);
            }
        });
}

Result<std::unique_ptr<Document>> Document::open(const QString& path)
{
    auto opened = openFile(path);
    if (!opened)
        return opened.error();
    return std::make_unique<Document>(std::move(opened.value()));
}

QString Document::fileName() const
{
    return QFileInfo(m_path).fileName();
}

model::ModelSpec* Document::spec() const
{
    if (!m_nemos || !m_nemos->spec())
        return nullptr;
    return &*m_nemos->spec();
}

bool Document::isNemos() const
{
    return m_nemos && m_nemos->isNemos();
}

QString Document::summary() const
{
    QStringList parts;
    if (const model::ModelSpec* model = spec()) {
        parts << tr("nemos %1, %2 layout")
                     .arg(model::toString(model->modelKind()),
                         m_nemos->layout() ? model::toString(*m_nemos->layout()) : tr("unknown"));
    } else if (m_archive && m_archive->kind() == npy::ArchiveKind::Npy) {
        parts << tr("NumPy array (.npy)");
    } else {
        parts << tr("NumPy archive (.npz)");
    }
    if (m_archive) {
        parts << tr("%n members", nullptr, int(m_archive->members().size()));
        parts << QLocale().formattedDataSize(m_archive->fileSize());
    }
    return parts.join(QStringLiteral("  ·  "));
}

bool Document::isModified() const
{
    return !m_undoStack->isClean();
}

Result<void> Document::checkUnchangedOnDisk() const
{
    const QFileInfo info(m_path);
    if (!info.exists())
        return {};
    if (m_changedOnDisk || info.size() != m_diskSize || info.lastModified() != m_diskModified)
        return Error { m_path, {},
            tr("the file changed on disk since it was opened; reload it or save under another name") };
    return {};
}

void Document::markSaved(const QString& path)
{
    const bool renamed = path != m_path;
    m_path = path;
    m_changedOnDisk = false;
    recordDiskState();
    watch();
    m_undoStack->setClean();
    if (renamed)
        emit pathChanged(m_path);
    emit saved();
}

void Document::replaceContents(OpenedFile file)
{
    m_archive = std::move(file.archive);
    m_nemos = std::move(file.nemos);
    m_readFaults.clear();
    m_undoStack->clear();
    m_changedOnDisk = false;
    recordDiskState();
    watch();
    updateProblems();
    verifyInBackground();
    emit reloaded();
    emit modelChanged();
    emit fitChanged();
    emit modifiedChanged(false);
}

void Document::reportReadFault(const QString& member, const QString& reason)
{
    const bool known = std::any_of(m_readFaults.cbegin(), m_readFaults.cend(),
        [&](const Problem& problem) { return problem.where == member && problem.message == reason; });
    if (known)
        return;
    qCDebug(lcUi) << "member" << member << "of" << m_path << "failed to read:" << reason;
    m_readFaults.append({ Problem::Severity::Error, member, reason });
    updateProblems();
    emit readFaultReported(member);
}

QString Document::readFault(const QString& member) const
{
    for (const Problem& problem : m_readFaults) {
        if (problem.where == member)
            return problem.message;
    }
    return {};
}

void Document::notifyModelChanged()
{
    updateProblems();
    emit modelChanged();
}

void Document::notifyFitChanged()
{
    updateProblems();
    emit fitChanged();
}

void Document::recordDiskState()
{
    const QFileInfo info(m_path);
    m_diskSize = info.exists() ? info.size() : -1;
    m_diskModified = info.exists() ? info.lastModified() : QDateTime();
}

void Document::watch()
{
    const QStringList watched = m_watcher->files();
    if (!watched.isEmpty())
        m_watcher->removePaths(watched);
    if (QFileInfo::exists(m_path))
        m_watcher->addPath(m_path);
}

void Document::onFileChanged(const QString& path)
{
    if (path != m_path)
        return;

    // A save that replaces the file by renaming drops it from the watcher: watch the new file again.
    const QFileInfo info(m_path);
    if (info.exists() && !m_watcher->files().contains(m_path))
        m_watcher->addPath(m_path);

    const bool same = info.exists() && info.size() == m_diskSize && info.lastModified() == m_diskModified;
    if (same || m_changedOnDisk)
        return;
    qCDebug(lcUi) << "changed on disk:" << m_path;
    m_changedOnDisk = true;
    emit changedOnDisk();
}

void Document::updateProblems()
{
    QList<Problem> problems;
    if (m_archive) {
        for (const npy::NpzMember& member : m_archive->members()) {
            if (member.error)
                problems.append({ Problem::Severity::Error, member.name, member.error->reason });
        }
    }
    problems.append(m_readFaults);
    if (m_nemos) {
        const QStringList names = m_nemos->unknownMembers();
        const QStringList reasons = m_nemos->unknownReasons();
        for (qsizetype i = 0; i < names.size(); ++i) {
            const bool refused = std::any_of(
                problems.cbegin(), problems.cend(), [&](const Problem& problem) { return problem.where == names[i]; });
            if (!refused)
                problems.append({ Problem::Severity::Info, names.at(i),
                    i < reasons.size() ? reasons.at(i) : tr("not part of the nemos layout; kept on save") });
        }
    }
    if (const model::ModelSpec* model = spec()) {
        const QList<model::UnresolvedName> unresolved = model->unresolved();
        for (const model::UnresolvedName& name : unresolved)
            problems.append({ Problem::Severity::Warning, name.key,
                tr("\"%1\" is not a nemos built-in: %2").arg(name.saved, name.need()) });
        const QStringList invalid = model->validate();
        for (const QString& message : invalid) {
            // validate() repeats the unresolved names in its own words; list each name once.
            const bool aboutUnresolved
                = std::any_of(unresolved.cbegin(), unresolved.cend(), [&](const model::UnresolvedName& name) {
                      return message.contains(name.saved) || message.contains(name.saved.section(QLatin1Char('.'), -1));
                  });
            if (!aboutUnresolved)
                problems.append({ Problem::Severity::Warning, {}, message });
        }
    }

    const bool changed = problems.size() != m_problems.size()
        || !std::equal(problems.cbegin(), problems.cend(), m_problems.cbegin(), [](const Problem& a, const Problem& b) {
               return a.severity == b.severity && a.where == b.where && a.message == b.message;
           });
    m_problems = problems;
    if (changed)
        emit problemsChanged();
}

} // namespace nemoscope::ui
