#include "npy/npyheader.h"

#include "npy/ndarray.h"
#include "npy/pyliteral.h"

#include <QJsonArray>
#include <QJsonValue>
#include <QStringDecoder>
#include <QStringList>

#include <cstring>
#include <limits>

namespace nemoscope::npy {

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr qint64 kMagicLength = 6;
constexpr qint64 kArrayAlign = 64;
constexpr qint64 kGrowthAxisMaxDigits = 21;

Error headerError(const QString& reason)
{
    return Error { {}, {}, reason };
}

quint32 readLittle(const char* p, int bytes)
{
    quint32 value = 0;
    for (int i = bytes - 1; i >= 0; --i)
        value = (value << 8) | quint8(p[i]);
    return value;
}

// Python literal (from the header) to JSON, for DType::fromDescr. Integers must stay exact in a double.
Result<QJsonValue> descrToJson(const PyValue& value)
{
    switch (value.kind) {
    case PyValue::Kind::String:
        return QJsonValue(value.text);
    case PyValue::Kind::Int:
        if (value.integerOverflow || value.integer > (qint64(1) << 53) || value.integer < -(qint64(1) << 53))
            return headerError(QStringLiteral("descr holds an integer too large to be a dimension"));
        return QJsonValue(double(value.integer));
    case PyValue::Kind::Tuple:
    case PyValue::Kind::List: {
        QJsonArray array;
        for (const PyValue& item : value.items) {
            auto converted = descrToJson(item);
            if (!converted)
                return converted;
            array.append(converted.value());
        }
        return QJsonValue(array);
    }
    default:
        return headerError(
            QStringLiteral("descr holds %1 where a string, list or tuple was expected").arg(value.kindName()));
    }
}

} // namespace

qint64 NpyHeader::elementCount() const
{
    auto count = checkedElementCount(shape);
    return count ? count.value() : -1;
}

qint64 NpyHeader::dataBytes() const
{
    auto bytes = checkedByteCount(elementCount(), dtype.itemSize());
    return bytes ? bytes.value() : -1;
}

Result<qint64> npyPreambleSize(QByteArrayView prefix)
{
    if (prefix.size() < 10 || std::memcmp(prefix.data(), kMagic, kMagicLength) != 0) {
        if (prefix.size() >= kMagicLength && std::memcmp(prefix.data(), kMagic, kMagicLength) != 0)
            return headerError(QStringLiteral("not an .npy: the NumPy magic \\x93NUMPY is missing"));
        return headerError(QStringLiteral("not an .npy: only %1 bytes, too short for the preamble").arg(prefix.size()));
    }
    const int major = quint8(prefix[6]);
    const int minor = quint8(prefix[7]);
    if ((major != 1 && major != 2 && major != 3) || minor != 0)
        return headerError(
            QStringLiteral("unsupported .npy format version %1.%2 (1.0, 2.0 and 3.0 are known)").arg(major).arg(minor));

    const int lengthBytes = major == 1 ? 2 : 4;
    if (prefix.size() < 8 + lengthBytes)
        return headerError(QStringLiteral("the .npy preamble is truncated after %1 bytes").arg(prefix.size()));
    const qint64 headerLength = readLittle(prefix.data() + 8, lengthBytes);
    if (headerLength > kMaxNpyHeaderLength)
        return headerError(QStringLiteral("header of %1 bytes exceeds the limit of %2 bytes")
                               .arg(headerLength)
                               .arg(kMaxNpyHeaderLength));
    return 8 + lengthBytes + headerLength;
}

Result<NpyHeader> parseNpyHeader(QByteArrayView bytes)
{
    auto preamble = npyPreambleSize(bytes);
    if (!preamble)
        return preamble.error();

    NpyHeader header;
    header.majorVersion = quint8(bytes[6]);
    header.minorVersion = quint8(bytes[7]);
    const qint64 textStart = header.majorVersion == 1 ? 10 : 12;
    header.dataOffset = preamble.value();
    if (bytes.size() < header.dataOffset)
        return headerError(QStringLiteral("header promises %1 bytes but only %2 follow the preamble")
                               .arg(header.dataOffset - textStart)
                               .arg(bytes.size() - textStart));

    // Versions 1 and 2 are Latin-1, version 3 is UTF-8.
    const QByteArrayView raw = bytes.sliced(textStart, header.dataOffset - textStart);
    QString text;
    if (header.majorVersion == 3) {
        QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
        text = decoder(raw);
        if (decoder.hasError())
            return headerError(QStringLiteral("header of a version 3.0 .npy is not valid UTF-8"));
    } else {
        text = QString::fromLatin1(raw);
    }

    auto literal = parsePyLiteral(text);
    if (!literal)
        return literal.error();
    const PyValue& dict = literal.value();
    if (dict.kind != PyValue::Kind::Dict)
        return headerError(QStringLiteral("header is %1, not a dict").arg(dict.kindName()));

    const PyValue* descr = nullptr;
    const PyValue* fortran = nullptr;
    const PyValue* shape = nullptr;
    for (const auto& [key, value] : dict.entries) {
        if (key.kind != PyValue::Kind::String)
            return headerError(QStringLiteral("header has a key that is %1, not a string").arg(key.kindName()));
        const PyValue** slot = nullptr;
        if (key.text == u"descr")
            slot = &descr;
        else if (key.text == u"fortran_order")
            slot = &fortran;
        else if (key.text == u"shape")
            slot = &shape;
        else
            return headerError(
                QStringLiteral("header has an unexpected key '%1' (expected descr, fortran_order and shape)")
                    .arg(key.text.left(60)));
        if (*slot)
            return headerError(QStringLiteral("header has the key '%1' twice").arg(key.text));
        *slot = &value;
    }
    if (!descr)
        return headerError(QStringLiteral("header lacks the key 'descr'"));
    if (!fortran)
        return headerError(QStringLiteral("header lacks the key 'fortran_order'"));
    if (!shape)
        return headerError(QStringLiteral("header lacks the key 'shape'"));

    if (fortran->kind != PyValue::Kind::Bool)
        return headerError(QStringLiteral("fortran_order is %1, not True or False").arg(fortran->kindName()));
    header.fortranOrder = fortran->boolean;

    if (shape->kind != PyValue::Kind::Tuple)
        return headerError(QStringLiteral("shape is %1, not a tuple of integers").arg(shape->kindName()));
    for (const PyValue& dim : shape->items) {
        if (dim.kind != PyValue::Kind::Int)
            return headerError(QStringLiteral("shape holds %1, not an integer").arg(dim.kindName()));
        if (dim.integerOverflow)
            return headerError(QStringLiteral("shape holds a dimension too large for 64 bits"));
        if (dim.integer < 0)
            return headerError(QStringLiteral("shape holds the negative dimension %1").arg(dim.integer));
        header.shape.push_back(dim.integer);
    }

    Result<DType> dtype = Error {};
    if (descr->kind == PyValue::Kind::String) {
        dtype = DType::fromDescr(descr->text);
    } else if (descr->kind == PyValue::Kind::List) {
        auto json = descrToJson(*descr);
        if (!json)
            return json.error();
        dtype = DType::fromDescr(json.value());
    } else {
        return headerError(QStringLiteral("descr is %1, not a string or a list of fields").arg(descr->kindName()));
    }
    if (!dtype)
        return dtype.error();
    header.dtype = dtype.value();

    auto count = checkedElementCount(header.shape);
    if (!count)
        return count.error();
    auto byteCount = checkedByteCount(count.value(), header.dtype.itemSize());
    if (!byteCount)
        return byteCount.error();
    // As NumPy, refuse a shape whose non-zero dimensions times the itemsize overflow, even if a zero empties it.
    qint64 extentBytes = std::max<qint64>(header.dtype.itemSize(), 1);
    for (const qint64 dim : header.shape) {
        if (__builtin_mul_overflow(extentBytes, std::max<qint64>(dim, 1), &extentBytes))
            return headerError(QStringLiteral("shape's dimensions times the item size overflow 64 bits"));
    }
    if (byteCount.value() > std::numeric_limits<qint64>::max() - header.dataOffset)
        return headerError(QStringLiteral("shape %1 makes the file larger than 2^63 bytes").arg(byteCount.value()));
    return header;
}

QByteArray serializeNpyHeader(const DType& dtype, bool fortranOrder, const std::vector<qint64>& shape)
{
    // The dict as NumPy's repr() writes it: keys sorted, each followed by ", ".
    const QString descr = dtype.kind() == DTypeKind::Structured ? dtype.descr() : pyRepr(dtype.descr());
    QStringList dims;
    for (const qint64 dim : shape)
        dims << QString::number(dim);
    QString shapeText;
    if (shape.size() == 1)
        shapeText = QLatin1Char('(') + dims.front() + QStringLiteral(",)");
    else
        shapeText = QLatin1Char('(') + dims.join(QStringLiteral(", ")) + QLatin1Char(')');

    QString text = QStringLiteral("{'descr': ") + descr + QStringLiteral(", 'fortran_order': ")
        + (fortranOrder ? QStringLiteral("True") : QStringLiteral("False")) + QStringLiteral(", 'shape': ") + shapeText
        + QStringLiteral(", }");

    // Room for the growing axis to gain digits in place, as NumPy leaves it.
    if (!shape.empty()) {
        const qint64 growing = fortranOrder ? shape.back() : shape.front();
        text += QString(qMax<qint64>(0, kGrowthAxisMaxDigits - QString::number(growing).size()), u' ');
    }

    // Oldest version that can hold it: 1.0 (Latin-1, 16-bit length), 2.0 (32-bit length), 3.0 (UTF-8).
    bool latin1 = true;
    for (const QChar c : text)
        latin1 = latin1 && c.unicode() < 256;
    const QByteArray encoded = latin1 ? text.toLatin1() : text.toUtf8();

    const auto wrap = [&](int major) {
        const qint64 lengthBytes = major == 1 ? 2 : 4;
        const qint64 withNewline = encoded.size() + 1;
        const qint64 padding = kArrayAlign - ((kMagicLength + 2 + lengthBytes + withNewline) % kArrayAlign);
        const qint64 total = withNewline + padding;
        QByteArray out(kMagic, kMagicLength);
        out.append(char(major));
        out.append(char(0));
        for (qint64 i = 0; i < lengthBytes; ++i)
            out.append(char((total >> (8 * i)) & 0xff));
        out.append(encoded);
        out.append(QByteArray(padding, ' '));
        out.append('\n');
        return out;
    };

    if (!latin1)
        return wrap(3);
    // Version 1.0 stores the padded length in 16 bits; the padding never exceeds 64 bytes.
    const qint64 withNewline = encoded.size() + 1;
    const qint64 version1Length = withNewline + kArrayAlign - ((kMagicLength + 4 + withNewline) % kArrayAlign);
    return version1Length <= 0xffff ? wrap(1) : wrap(2);
}

} // namespace nemoscope::npy
