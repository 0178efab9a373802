// Fuzz harness for the archive reader: the input is an .npz (or .npy) in memory. It is opened, listed,
// and every member is read three ways (by name, by index, raw). A member that lists as readable and
// reads must give an array of the shape its header promised.
#include "fuzzcheck.h"
#include "npy/npzarchive.h"

#include <cstdint>

using namespace nemoscope;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    fuzz::quietLogging();
    QByteArray bytes(reinterpret_cast<const char*>(data), qsizetype(size));
    const Result<std::shared_ptr<npy::NpzArchive>> opened = npy::NpzArchive::openBytes(bytes, QStringLiteral("fuzz"));
    if (!opened.ok()) {
        NEMOSCOPE_FUZZ_EXPECT(!opened.error().reason.isEmpty());
        return 0;
    }

    const npy::NpzArchive& archive = *opened.value();
    NEMOSCOPE_FUZZ_EXPECT(archive.names().size() == qsizetype(archive.members().size()));
    for (qsizetype i = 0; i < qsizetype(archive.members().size()); ++i) {
        const npy::NpzMember& member = archive.members()[size_t(i)];
        NEMOSCOPE_FUZZ_EXPECT(!member.error || !member.error->reason.isEmpty());
        NEMOSCOPE_FUZZ_EXPECT(archive.member(member.name) != nullptr);

        const Result<npy::NdArray> byIndex = archive.readAt(i);
        if (byIndex.ok()) {
            NEMOSCOPE_FUZZ_EXPECT(member.header.has_value());
            NEMOSCOPE_FUZZ_EXPECT(byIndex->shape() == member.header->shape);
            if (byIndex->size() > 0)
                (void)byIndex->displayText(byIndex->size() - 1);
        } else {
            NEMOSCOPE_FUZZ_EXPECT(!byIndex.error().reason.isEmpty());
        }

        (void)archive.read(member.name);
        (void)archive.readRawNpy(member.name);
    }
    (void)archive.allReadable();
    return 0;
}
