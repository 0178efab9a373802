// Saving under faults: a folder that cannot be written, a read-only target, a full disk, and the process
// killed in the middle of a save. Every time, the file that was there before is intact, nothing is left
// beside it that could be taken for it, and a failed save says why.
//
// Root ignores permission bits, and these tests run as root in CI containers: there, the unwritable folder
// is a read-only tmpfs mount, the read-only target carries the immutable attribute, and the full disk is a
// 64 KB tmpfs. Where the process may not mount (not root, no CAP_SYS_ADMIN), permission bits stand in for
// the first two and the full disk is skipped with the reason.
#include "model/nemosfile.h"
#include "npy/ndarray.h"
#include "npy/npzarchive.h"
#include "npy/npzwriter.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>

using namespace nemoscope;

namespace {

// A tmpfs mounted over a folder for the life of the object.
class ScopedTmpfs
{
public:
    ScopedTmpfs(const QString& dir, const QByteArray& options)
        : m_dir(QFile::encodeName(dir))
    {
        m_mounted = ::mount("tmpfs", m_dir.constData(), "tmpfs", 0, options.constData()) == 0;
        if (!m_mounted)
            m_error = QString::fromLocal8Bit(std::strerror(errno));
    }
    ~ScopedTmpfs()
    {
        if (m_mounted)
            ::umount2(m_dir.constData(), MNT_DETACH);
    }
    ScopedTmpfs(const ScopedTmpfs&) = delete;
    ScopedTmpfs& operator=(const ScopedTmpfs&) = delete;

    bool mounted() const { return m_mounted; }
    QString error() const { return m_error; }
    bool remountReadOnly()
    {
        return ::mount("tmpfs", m_dir.constData(), "tmpfs", MS_REMOUNT | MS_RDONLY, nullptr) == 0;
    }

private:
    QByteArray m_dir;
    bool m_mounted = false;
    QString m_error;
};

// The immutable attribute on a file for the life of the object (even root cannot replace such a file).
class ScopedImmutable
{
public:
    explicit ScopedImmutable(const QString& path)
        : m_path(QFile::encodeName(path))
    {
        m_set = setFlag(true);
    }
    ~ScopedImmutable()
    {
        if (m_set)
            setFlag(false);
    }
    ScopedImmutable(const ScopedImmutable&) = delete;
    ScopedImmutable& operator=(const ScopedImmutable&) = delete;

    bool isSet() const { return m_set; }

private:
    bool setFlag(bool on)
    {
        const int fd = ::open(m_path.constData(), O_RDONLY);
        if (fd < 0)
            return false;
        int flags = 0;
        bool ok = ::ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0;
        if (ok) {
            flags = on ? (flags | FS_IMMUTABLE_FL) : (flags & ~FS_IMMUTABLE_FL);
            ok = ::ioctl(fd, FS_IOC_SETFLAGS, &flags) == 0;
        }
        ::close(fd);
        return ok;
    }

    QByteArray m_path;
    bool m_set = false;
};

QByteArray readAll(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

std::vector<npy::NpzEntry> entriesOfSize(qint64 doubles, double seed)
{
    Eigen::VectorXd values(doubles);
    for (qint64 i = 0; i < doubles; ++i)
        values[i] = std::sin(seed + double(i) * 0.7311) * 1e3; // poorly compressible
    return { { QStringLiteral("values"), npy::NdArray::fromVector(values), {} } };
}

// Saves the original: a small, valid archive.
void writeOriginal(const QString& path)
{
    const Result<void> written = npy::writeNpz(path, entriesOfSize(16, 1.0));
    QVERIFY2(written.ok(), written.ok() ? "" : qPrintable(written.error().message()));
}

// Every file in dir except the original. A temporary beside the target would show up here.
QStringList othersIn(const QString& dir, const QString& original)
{
    QStringList others = QDir(dir).entryList(QDir::Files | QDir::Hidden | QDir::System);
    others.removeAll(original);
    return others;
}

void verifyOriginalIntact(const QString& path, const QByteArray& before)
{
    const QByteArray after = readAll(path);
    QVERIFY2(after == before, "the original file changed");
    const Result<std::shared_ptr<npy::NpzArchive>> archive = npy::NpzArchive::open(path);
    QVERIFY2(archive.ok(), archive.ok() ? "" : qPrintable(archive.error().message()));
    QVERIFY(archive.value()->allReadable());
}

} // namespace

class TestSaveFaults : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void folderNotWritable_data();
    void folderNotWritable();
    void targetReadOnly();
    void diskFull();
    void killedMidSave();

private:
    QTemporaryDir m_dir;
};

void TestSaveFaults::initTestCase()
{
    QVERIFY(m_dir.isValid());
}

void TestSaveFaults::folderNotWritable_data()
{
    QTest::addColumn<bool>("nemosFile");
    QTest::newRow("writeNpz") << false;
    QTest::newRow("NemosFile::save") << true;
}

void TestSaveFaults::folderNotWritable()
{
    QFETCH(bool, nemosFile);
    const QString dir = m_dir.filePath(QStringLiteral("readonly-folder"));
    QVERIFY(QDir().mkpath(dir));
    const QString target = dir + QStringLiteral("/model.npz");

    // A read-only filesystem where mounting is allowed; permission bits elsewhere (they do not stop root).
    ScopedTmpfs tmpfs(dir, "size=4m");
    if (tmpfs.mounted()) {
        QFile::copy(QStringLiteral(NEMOSCOPE_TEST_DATA "/nemos/ridge_glm_params_fitted.npz"), target);
        QVERIFY(tmpfs.remountReadOnly());
    } else if (::geteuid() != 0) {
        QFile::copy(QStringLiteral(NEMOSCOPE_TEST_DATA "/nemos/ridge_glm_params_fitted.npz"), target);
        QVERIFY(QFile::setPermissions(dir, QFileDevice::ReadOwner | QFileDevice::ExeOwner));
    } else {
        QSKIP(qPrintable(QStringLiteral("root may not mount a read-only tmpfs here: ") + tmpfs.error()));
    }
    const QByteArray before = readAll(target);
    QVERIFY(!before.isEmpty());

    // Overwriting fails, says which file and why, and leaves the original as it was.
    Result<void> saved;
    if (nemosFile) {
        const Result<model::NemosFile> loaded = model::NemosFile::load(target);
        QVERIFY2(loaded.ok(), loaded.ok() ? "" : qPrintable(loaded.error().message()));
        saved = loaded->save(target);
    } else {
        saved = npy::writeNpz(target, entriesOfSize(1000, 2.0));
    }
    QVERIFY(!saved.ok());
    QVERIFY2(saved.error().message().contains(QStringLiteral("model.npz")), qPrintable(saved.error().message()));
    QVERIFY2(saved.error().reason.contains(QRegularExpression(
                 QStringLiteral("read-only|permission|writ|denied"), QRegularExpression::CaseInsensitiveOption)),
        qPrintable(saved.error().message()));
    verifyOriginalIntact(target, before);
    QCOMPARE(othersIn(dir, QStringLiteral("model.npz")), QStringList());

    // A new file in that folder fails the same way.
    const Result<void> fresh = npy::writeNpz(dir + QStringLiteral("/new.npz"), entriesOfSize(10, 3.0));
    QVERIFY(!fresh.ok());
    QVERIFY(!fresh.error().reason.isEmpty());
    QVERIFY(!QFile::exists(dir + QStringLiteral("/new.npz")));

    QFile::setPermissions(dir, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
}

void TestSaveFaults::targetReadOnly()
{
    const QString dir = m_dir.filePath(QStringLiteral("readonly-target"));
    QVERIFY(QDir().mkpath(dir));
    const QString target = dir + QStringLiteral("/data.npz");
    writeOriginal(target);
    const QByteArray before = readAll(target);

    // Root replaces a file whatever its permission bits; the immutable attribute stops root too.
    std::unique_ptr<ScopedImmutable> immutable;
    if (::geteuid() == 0) {
        immutable = std::make_unique<ScopedImmutable>(target);
        if (!immutable->isSet())
            QSKIP("root cannot set the immutable attribute on this filesystem");
    } else {
        QVERIFY(QFile::setPermissions(target, QFileDevice::ReadOwner));
    }

    const Result<void> saved = npy::writeNpz(target, entriesOfSize(1000, 4.0));
    QVERIFY(!saved.ok());
    QVERIFY2(saved.error().message().contains(QStringLiteral("data.npz")), qPrintable(saved.error().message()));
    QVERIFY(!saved.error().reason.isEmpty());
    immutable.reset();
    verifyOriginalIntact(target, before);
    QCOMPARE(othersIn(dir, QStringLiteral("data.npz")), QStringList());
}

void TestSaveFaults::diskFull()
{
    const QString dir = m_dir.filePath(QStringLiteral("small-disk"));
    QVERIFY(QDir().mkpath(dir));
    ScopedTmpfs tmpfs(dir, "size=64k");
    if (!tmpfs.mounted())
        QSKIP(qPrintable(QStringLiteral("cannot mount a 64 KB tmpfs to fill: ") + tmpfs.error()));

    const QString target = dir + QStringLiteral("/fit.npz");
    writeOriginal(target);
    const QByteArray before = readAll(target);

    // 800 KB of doubles, stored and deflated, do not fit in what is left.
    for (npy::Compression compression : { npy::Compression::Stored, npy::Compression::Deflated }) {
        const Result<void> saved = npy::writeNpz(target, entriesOfSize(100000, 5.0), compression);
        QVERIFY(!saved.ok());
        QVERIFY2(saved.error().message().contains(QStringLiteral("fit.npz")), qPrintable(saved.error().message()));
        QVERIFY2(saved.error().reason.contains(
                     QRegularExpression(QStringLiteral("space|full|writ"), QRegularExpression::CaseInsensitiveOption)),
            qPrintable(saved.error().message()));
        verifyOriginalIntact(target, before);
        QCOMPARE(othersIn(dir, QStringLiteral("fit.npz")), QStringList());
    }
}

void TestSaveFaults::killedMidSave()
{
    const QString dir = m_dir.filePath(QStringLiteral("killed"));
    QVERIFY(QDir().mkpath(dir));
    const QString target = dir + QStringLiteral("/big.npz");
    writeOriginal(target);
    const QByteArray before = readAll(target);

    // A child process (this test run with --save-child) deflates about 64 MB over the original and is
    // killed once the save has begun.
    QProcess child;
    child.start(QCoreApplication::applicationFilePath(), { QStringLiteral("--save-child"), target });
    QVERIFY(child.waitForStarted());
    QVERIFY(child.waitForReadyRead(60000));
    QCOMPARE(child.readLine().trimmed(), QByteArray("saving"));
    QTest::qWait(300);
    QVERIFY2(child.state() == QProcess::Running, "the save finished before it could be interrupted");
    child.kill();
    QVERIFY(child.waitForFinished(10000));
    QCOMPARE(child.exitStatus(), QProcess::CrashExit);

    verifyOriginalIntact(target, before);
    QCOMPARE(othersIn(dir, QStringLiteral("big.npz")), QStringList());
}

// `tst_savefaults --save-child PATH`: the process killedMidSave kills. Says "saving", then saves.
static int saveChild(const char* path)
{
    const std::vector<npy::NpzEntry> entries = entriesOfSize(8 * 1024 * 1024, 6.0);
    std::printf("saving\n");
    std::fflush(stdout);
    const Result<void> saved = npy::writeNpz(QString::fromLocal8Bit(path), entries, npy::Compression::Deflated);
    return saved.ok() ? 0 : 1;
}

int main(int argc, char** argv)
{
    if (argc == 3 && std::strcmp(argv[1], "--save-child") == 0)
        return saveChild(argv[2]);
    QCoreApplication app(argc, argv);
    TestSaveFaults test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_savefaults.moc"
