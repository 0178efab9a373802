// Fuzz harness for the nemos tree decoder. The input is a list of members, one a line: the first byte
// picks the leaf (n None as a 0-d NaN, f float, i int, b bool, s string, a a 1-D array, anything else a
// float32 scalar) and the rest of the line is the member name, so the fuzzer works on key syntax rather
// than on zip bytes. The decoded tree, encoded again in the layout found, must decode to the same tree;
// the model specification and the Python snippet are built from it too.
#include "fuzzcheck.h"
#include "model/nemosfile.h"
#include "model/paramtree.h"

#include <cmath>
#include <cstdint>

using namespace nemoscope;

namespace {

npy::NdArray leafFor(char kind, qsizetype line)
{
    switch (kind) {
    case 'n':
        return npy::NdArray::fromDouble(std::nan(""));
    case 'f':
        return npy::NdArray::fromDouble(0.5 * double(line));
    case 'i':
        return npy::NdArray::fromInt64(line);
    case 'b':
        return npy::NdArray::fromBool(line % 2 == 0);
    case 's':
        return npy::NdArray::fromString(QStringLiteral("nemos.glm.GLM"));
    case 'a':
        return npy::NdArray::fromVector(Eigen::VectorXd::LinSpaced(3, 0.0, double(line)));
    default: {
        const float value = 1.5f;
        return npy::NdArray::fromBytes(npy::DType::float32(), {}, QByteArray(reinterpret_cast<const char*>(&value), 4))
            .value();
    }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    fuzz::quietLogging();
    const QList<QByteArray> lines = QByteArray(reinterpret_cast<const char*>(data), qsizetype(size)).split('\n');
    if (lines.size() > 256)
        return 0;

    std::vector<model::FlatMember> members;
    for (qsizetype i = 0; i < lines.size(); ++i) {
        if (lines[i].isEmpty())
            continue;
        members.push_back({ QString::fromUtf8(lines[i].mid(1)), leafFor(lines[i].at(0), i) });
    }

    const model::DecodedFile decoded = model::decodeNemos(members);
    NEMOSCOPE_FUZZ_EXPECT(decoded.unknownMembers.size() == decoded.problems.size());
    if (decoded.layout) {
        // Encoding and decoding again gives the same tree.
        const model::DecodedFile again = model::decodeNemos(model::encodeNemos(decoded.tree, *decoded.layout));
        NEMOSCOPE_FUZZ_EXPECT(again.layout == decoded.layout);
        NEMOSCOPE_FUZZ_EXPECT(again.tree == decoded.tree);
    }

    const model::NemosFile file = model::NemosFile::fromMembers(QStringLiteral("fuzz.npz"), members);
    (void)file.pythonSnippet();
    (void)file.tree().displayText();
    return 0;
}
