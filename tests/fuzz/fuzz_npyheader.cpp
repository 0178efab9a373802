// Fuzz harness for the .npy header parser: any bytes go to npyPreambleSize and parseNpyHeader. A header
// that parses must keep the parser's promises (sizes that fit, a data offset inside the input), survive
// being written again by serializeNpyHeader and parsed back, and give an array whose elements display.
#include "fuzzcheck.h"
#include "npy/ndarray.h"
#include "npy/npyheader.h"

#include <algorithm>
#include <cstdint>

using namespace nemoscope;

namespace {

void displaySomeElements(const npy::NdArray& array)
{
    const qint64 count = std::min<qint64>(array.size(), 16);
    for (qint64 i = 0; i < count; ++i) {
        (void)array.displayText(i);
        (void)array.toDouble(i);
    }
    for (const npy::DTypeField& field : array.dtype().fields()) {
        const Result<npy::NdArray> view = array.field(field.name);
        if (view.ok() && view->size() > 0)
            (void)view->displayText(0);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    fuzz::quietLogging();
    const QByteArrayView bytes(reinterpret_cast<const char*>(data), qsizetype(size));

    const Result<qint64> preamble = npy::npyPreambleSize(bytes);
    const Result<npy::NpyHeader> parsed = npy::parseNpyHeader(bytes);
    if (!parsed.ok()) {
        NEMOSCOPE_FUZZ_EXPECT(!parsed.error().reason.isEmpty());
        return 0;
    }

    // What the parser guarantees about a header it accepts.
    const npy::NpyHeader& header = parsed.value();
    NEMOSCOPE_FUZZ_EXPECT(preamble.ok() && preamble.value() == header.dataOffset);
    NEMOSCOPE_FUZZ_EXPECT(header.dataOffset > 0 && header.dataOffset <= qint64(size));
    NEMOSCOPE_FUZZ_EXPECT(header.dtype.isValid() && header.dtype.itemSize() >= 0);
    for (qint64 dim : header.shape)
        NEMOSCOPE_FUZZ_EXPECT(dim >= 0);
    NEMOSCOPE_FUZZ_EXPECT(header.elementCount() >= 0 && header.dataBytes() >= 0);

    // Written again as NumPy would write it, it parses back to the same header.
    const QByteArray again = npy::serializeNpyHeader(header.dtype, header.fortranOrder, header.shape);
    if (again.size() <= npy::kMaxNpyHeaderLength) {
        const Result<npy::NpyHeader> reparsed = npy::parseNpyHeader(again);
        NEMOSCOPE_FUZZ_EXPECT(reparsed.ok());
        NEMOSCOPE_FUZZ_EXPECT(reparsed->dtype == header.dtype);
        NEMOSCOPE_FUZZ_EXPECT(reparsed->shape == header.shape);
        NEMOSCOPE_FUZZ_EXPECT(reparsed->fortranOrder == header.fortranOrder);
    }

    // The data that follows, when it is all there, makes an array whose elements display.
    const qint64 available = qint64(size) - header.dataOffset;
    if (header.dtype.isReadable() && available >= header.dataBytes()) {
        const QByteArray payload(reinterpret_cast<const char*>(data) + header.dataOffset, header.dataBytes());
        const Result<npy::NdArray> array
            = npy::NdArray::fromBytes(header.dtype, header.shape, payload, header.fortranOrder);
        NEMOSCOPE_FUZZ_EXPECT(array.ok());
        displaySomeElements(array.value());
    }
    return 0;
}
