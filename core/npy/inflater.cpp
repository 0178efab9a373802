#include "npy/inflater.h"

#include <zlib.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

namespace nemoscope::npy {

namespace {

// zlib counts in uInt; feed it at most this much per call, and CRC output while it is still in cache.
constexpr qint64 kInputChunk = qint64(1) << 30;
constexpr qint64 kOutputChunk = qint64(256) << 10;
constexpr qint64 kProgressEvery = qint64(16) << 20;
// Reads from this size on check their CRC on a second thread, fed in chunks of kParallelChunk.
constexpr qint64 kParallelCrcFrom = qint64(16) << 20;
constexpr qint64 kParallelChunk = qint64(1) << 20;

} // namespace

struct Inflater::Stream
{
    z_stream z {};
    bool initialised = false;
};

quint32 crc32Of(quint32 crc, const char* data, qint64 size)
{
    uLong value = crc;
    while (size > 0) {
        const uInt chunk = uInt(std::min<qint64>(size, kInputChunk));
        value = ::crc32(value, reinterpret_cast<const Bytef*>(data), chunk);
        data += chunk;
        size -= chunk;
    }
    return quint32(value);
}

Inflater::Inflater(const char* compressed, qint64 compressedSize)
    : m_stream(std::make_unique<Stream>())
    , m_input(compressed)
    , m_inputSize(compressedSize)
{
    // Negative window bits: a raw deflate stream, as zip stores it (no zlib header or trailer).
    m_stream->initialised = inflateInit2(&m_stream->z, -MAX_WBITS) == Z_OK;
    m_failed = !m_stream->initialised;
}

Inflater::~Inflater()
{
    if (m_stream->initialised)
        inflateEnd(&m_stream->z);
}

namespace {

// Computes the CRC-32 of a buffer on a second thread while the inflater is still filling it, following the
// bytes published through ready(). Hides the CRC's cost (about a tenth of inflating) when a core is free.
// The destructor stops and joins the thread, so no early return can leave it running.
class ParallelCrc
{
public:
    ParallelCrc(const char* data, quint32 start)
        : m_data(data)
        , m_crc(start)
        , m_thread([this] { run(); })
    { }

    ~ParallelCrc() { finish(); }

    void ready(qint64 bytes)
    {
        {
            std::lock_guard lock(m_mutex);
            m_ready = bytes;
        }
        m_wake.notify_one();
    }

    // Waits for the CRC of everything published so far.
    quint32 finish()
    {
        if (m_thread.joinable()) {
            {
                std::lock_guard lock(m_mutex);
                m_stop = true;
            }
            m_wake.notify_one();
            m_thread.join();
        }
        return m_crc;
    }

private:
    void run()
    {
        qint64 done = 0;
        while (true) {
            qint64 ready = 0;
            bool stop = false;
            {
                std::unique_lock lock(m_mutex);
                m_wake.wait(lock, [&] { return m_ready > done || m_stop; });
                ready = m_ready;
                stop = m_stop;
            }
            if (ready > done) {
                m_crc = crc32Of(m_crc, m_data + done, ready - done);
                done = ready;
            } else if (stop) {
                return;
            }
        }
    }

    const char* m_data;
    quint32 m_crc;
    qint64 m_ready = 0;
    bool m_stop = false;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::thread m_thread;
};

} // namespace

Result<void> Inflater::read(char* out, qint64 size, const std::function<bool(qint64)>& progress)
{
    if (m_failed)
        return Error { {}, {}, QStringLiteral("the deflate stream could not be decoded") };

    // Large reads check their CRC on a second thread; the result is only taken on success.
    std::optional<ParallelCrc> parallel;
    if (size >= kParallelCrcFrom)
        parallel.emplace(out, m_crc);

    z_stream& z = m_stream->z;
    qint64 done = 0;
    qint64 nextProgress = kProgressEvery;
    while (done < size) {
        if (m_ended)
            return Error { {}, {}, QStringLiteral("the deflate stream ends after %1 bytes").arg(m_produced) };

        if (z.avail_in == 0 && m_consumed < m_inputSize) {
            const qint64 chunk = std::min(m_inputSize - m_consumed, kInputChunk);
            z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(m_input + m_consumed));
            z.avail_in = uInt(chunk);
            m_consumed += chunk;
        }
        const qint64 want = std::min(size - done, parallel ? kParallelChunk : kOutputChunk);
        z.next_out = reinterpret_cast<Bytef*>(out + done);
        z.avail_out = uInt(want);
        const int status = inflate(&z, Z_NO_FLUSH);
        const qint64 got = want - qint64(z.avail_out);
        if (!parallel)
            m_crc = crc32Of(m_crc, out + done, got);
        done += got;
        m_produced += got;
        if (parallel)
            parallel->ready(done);

        if (status == Z_STREAM_END) {
            m_ended = true;
        } else if (status == Z_BUF_ERROR && got == 0) {
            // No progress possible: the input is exhausted before the stream's end.
            m_failed = true;
            return Error { {}, {}, QStringLiteral("the deflate stream is truncated after %1 bytes").arg(m_produced) };
        } else if (status != Z_OK && status != Z_BUF_ERROR) {
            m_failed = true;
            return Error { {}, {},
                QStringLiteral("the deflate stream is corrupt after %1 bytes (%2)")
                    .arg(m_produced)
                    .arg(QString::fromLatin1(z.msg ? z.msg : "zlib error")) };
        }

        if (progress && done >= nextProgress) {
            nextProgress += kProgressEvery;
            if (!progress(done))
                return Error { {}, {}, QStringLiteral("reading was cancelled") };
        }
    }
    if (parallel)
        m_crc = parallel->finish();
    return {};
}

Result<bool> Inflater::atEnd()
{
    if (m_ended)
        return true;
    if (m_failed)
        return Error { {}, {}, QStringLiteral("the deflate stream could not be decoded") };

    // Ask for one more byte: a stream that gives one holds more than was promised.
    char extra = 0;
    auto more = read(&extra, 1);
    if (more)
        return false;
    if (m_ended)
        return true;
    return more.error();
}

} // namespace nemoscope::npy
