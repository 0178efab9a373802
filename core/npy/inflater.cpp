#include "npy/inflater.h"

#include <zlib.h>

#include <algorithm>

namespace nemoscope::npy {

namespace {

// zlib counts in uInt; feed it at most this much per call, and CRC output while it is still in cache.
constexpr qint64 kInputChunk = qint64(1) << 30;
constexpr qint64 kOutputChunk = qint64(256) << 10;
constexpr qint64 kProgressEvery = qint64(16) << 20;

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

Result<void> Inflater::read(char* out, qint64 size, const std::function<bool(qint64)>& progress)
{
    if (m_failed)
        return Error { {}, {}, QStringLiteral("the deflate stream could not be decoded") };

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
        const qint64 want = std::min(size - done, kOutputChunk);
        z.next_out = reinterpret_cast<Bytef*>(out + done);
        z.avail_out = uInt(want);
        const int status = inflate(&z, Z_NO_FLUSH);
        const qint64 got = want - qint64(z.avail_out);
        m_crc = crc32Of(m_crc, out + done, got);
        done += got;
        m_produced += got;

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
