// Benchmark driver for the npy/npz engine. Each command does one measured thing in a fresh process and prints
// one JSON object, so that bench_npz.py can compare it with NumPy doing the same in its own fresh process.
//
//   npz_bench list FILE                       open and list every member's name, dtype and shape
//   npz_bench read FILE NAME [touch]          read one member (stored: a view of the mapping); touch sums it
//   npz_bench zlib FILE OFFSET CSIZE USIZE    raw zlib inflate of USIZE bytes from CSIZE bytes at OFFSET

#include "npy/npzarchive.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>

#include <zlib.h>

#include <cstdio>
#include <cstring>
#include <ctime>
#include <new>

using namespace nemoscope::npy;

namespace {

// Peak and current memory of this process from /proc/self/status, in bytes.
qint64 statusValue(const char* key)
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray& line : status.readAll().split('\n')) {
        if (line.startsWith(key)) {
            const QByteArray number = line.mid(qsizetype(qstrlen(key))).trimmed().split(' ').front();
            return number.toLongLong() * 1024;
        }
    }
    return -1;
}

// CPU time of the whole process (every thread), in seconds: on a shared machine it says more than wall time.
double cpuSeconds()
{
    timespec now {};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
    return double(now.tv_sec) + double(now.tv_nsec) * 1e-9;
}

double g_cpuStart = 0;

void print(QJsonObject object)
{
    object.insert(QStringLiteral("cpu_seconds"), cpuSeconds() - g_cpuStart);
    object.insert(QStringLiteral("peak_rss"), double(statusValue("VmHWM:")));
    object.insert(QStringLiteral("rss_anon"), double(statusValue("RssAnon:")));
    object.insert(QStringLiteral("rss_file"), double(statusValue("RssFile:")));
    std::fputs(QJsonDocument(object).toJson(QJsonDocument::Compact).constData(), stdout);
    std::fputs("\n", stdout);
}

int fail(const QString& message)
{
    std::fprintf(stderr, "%s\n", qPrintable(message));
    return 1;
}

int list(const QString& path)
{
    g_cpuStart = cpuSeconds();
    QElapsedTimer timer;
    timer.start();
    auto archive = NpzArchive::open(path);
    if (!archive)
        return fail(archive.error().message());
    qint64 dims = 0;
    QStringList dtypes;
    for (const NpzMember& member : (*archive)->members()) {
        if (!member.header)
            continue;
        dtypes << member.header->dtype.name();
        dims += qint64(member.header->shape.size());
    }
    const double seconds = double(timer.nsecsElapsed()) * 1e-9;
    print({ { QStringLiteral("seconds"), seconds }, { QStringLiteral("members"), double((*archive)->members().size()) },
        { QStringLiteral("dims"), double(dims) } });
    return 0;
}

int read(const QString& path, const QString& name, bool touch)
{
    g_cpuStart = cpuSeconds();
    QElapsedTimer timer;
    timer.start();
    auto archive = NpzArchive::open(path);
    if (!archive)
        return fail(archive.error().message());
    auto array = (*archive)->read(name);
    if (!array)
        return fail(array.error().message());
    const double readSeconds = double(timer.nsecsElapsed()) * 1e-9;

    // Touching every element: through the zero-copy Eigen map when aligned, else straight from the borrowed
    // bytes (a contiguous native float64 member needs no conversion), else element by element.
    double sum = 0;
    if (touch) {
        const DType& dtype = array->dtype();
        const bool nativeDoubles = dtype == DType::float64() && array->isCContiguous();
        if (auto map = array->matrixMap()) {
            sum = map->sum();
        } else if (nativeDoubles) {
            const char* p = array->constData();
            for (qint64 i = 0; i < array->size(); ++i, p += sizeof(double)) {
                double value;
                std::memcpy(&value, p, sizeof value);
                sum += value;
            }
        } else {
            for (qint64 i = 0; i < array->size(); ++i)
                sum += array->toDouble(i);
        }
    }
    const double seconds = double(timer.nsecsElapsed()) * 1e-9;
    print({ { QStringLiteral("seconds"), seconds }, { QStringLiteral("read_seconds"), readSeconds },
        { QStringLiteral("bytes"), double(array->size() * array->dtype().itemSize()) },
        { QStringLiteral("borrowed"), array->isBorrowed() }, { QStringLiteral("sum"), sum } });
    return 0;
}

int rawZlib(const QString& path, qint64 offset, qint64 compressedSize, qint64 uncompressedSize)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return fail(file.errorString());
    const uchar* mapped = file.map(offset, compressedSize);
    if (!mapped)
        return fail(file.errorString());

    g_cpuStart = cpuSeconds();
    QElapsedTimer timer;
    timer.start();
    QByteArray out(uncompressedSize, Qt::Uninitialized);
    z_stream z {};
    inflateInit2(&z, -MAX_WBITS);
    z.next_in = const_cast<Bytef*>(mapped);
    qint64 inLeft = compressedSize;
    qint64 done = 0;
    int status = Z_OK;
    while (status == Z_OK && done < uncompressedSize) {
        if (z.avail_in == 0) {
            z.avail_in = uInt(std::min<qint64>(inLeft, qint64(1) << 30));
            inLeft -= z.avail_in;
        }
        const qint64 want = std::min<qint64>(uncompressedSize - done, qint64(1) << 30);
        z.next_out = reinterpret_cast<Bytef*>(out.data() + done);
        z.avail_out = uInt(want);
        status = inflate(&z, Z_NO_FLUSH);
        done += want - qint64(z.avail_out);
    }
    inflateEnd(&z);
    const double seconds = double(timer.nsecsElapsed()) * 1e-9;
    if (done != uncompressedSize)
        return fail(QStringLiteral("zlib produced %1 of %2 bytes").arg(done).arg(uncompressedSize));
    print({ { QStringLiteral("seconds"), seconds }, { QStringLiteral("bytes"), double(done) } });
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() >= 3 && args[1] == u"list")
        return list(args[2]);
    if (args.size() >= 4 && args[1] == u"read")
        return read(args[2], args[3], args.size() > 4 && args[4] == u"touch");
    if (args.size() >= 6 && args[1] == u"zlib")
        return rawZlib(args[2], args[3].toLongLong(), args[4].toLongLong(), args[5].toLongLong());
    return fail(QStringLiteral("usage: npz_bench list FILE | read FILE NAME [touch] | zlib FILE OFFSET CSIZE USIZE"));
}
