#pragma once

#include "error.h"

#include <QtGlobal>

#include <functional>
#include <memory>

namespace nemoscope::npy {

// Raw-deflate decompression (zip method 8) of a compressed span held in memory, into caller buffers, never past
// what the caller asks for. Tracks the CRC-32 of everything produced. Not copyable; one per stream.
class Inflater
{
public:
    Inflater(const char* compressed, qint64 compressedSize);
    ~Inflater();
    Inflater(const Inflater&) = delete;
    Inflater& operator=(const Inflater&) = delete;

    // Produces exactly size bytes into out, or an Error when the stream is corrupt or ends early (the reason
    // says how many bytes it gave). progress, when set, is called between chunks and may cancel.
    Result<void> read(char* out, qint64 size, const std::function<bool(qint64)>& progress = {});
    // After the promised bytes: true when the stream has ended cleanly, false when it would produce more.
    Result<bool> atEnd();

    qint64 produced() const { return m_produced; }
    quint32 crc() const { return m_crc; }

private:
    struct Stream;
    std::unique_ptr<Stream> m_stream;
    const char* m_input;
    qint64 m_inputSize;
    qint64 m_consumed = 0;
    qint64 m_produced = 0;
    quint32 m_crc = 0;
    bool m_ended = false;
    bool m_failed = false;
};

// CRC-32 (zip's) of size bytes, continuing from crc.
quint32 crc32Of(quint32 crc, const char* data, qint64 size);

} // namespace nemoscope::npy
