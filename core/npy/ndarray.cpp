#include "npy/ndarray.h"

#include <QDate>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <new>

namespace nemoscope::npy {

struct NdArray::Data
{
    DType dtype;
    std::vector<qint64> shape;
    std::vector<qint64> strides;
    qint64 size = 0;
    bool fortranOrder = false;
    bool borrowed = false;
    QByteArray owned; // the bytes when owned (views share them)
    std::shared_ptr<const void> owner; // keeps borrowed bytes alive
    const char* base = nullptr; // element (0, ..., 0)
};

namespace {

Error arrayError(const QString& reason)
{
    return Error { {}, {}, reason };
}

std::vector<qint64> contiguousStrides(const std::vector<qint64>& shape, qint64 itemSize, bool fortranOrder)
{
    std::vector<qint64> strides(shape.size());
    qint64 step = itemSize;
    const qsizetype n = qsizetype(shape.size());
    for (qsizetype i = 0; i < n; ++i) {
        const qsizetype axis = fortranOrder ? i : n - 1 - i;
        strides[axis] = step;
        // Only an array with a zero dimension gets a product beyond 64 bits here, and it has no elements.
        if (__builtin_mul_overflow(step, qMax<qint64>(shape[axis], 1), &step))
            step = 0;
    }
    return strides;
}

// Reads itemSize bytes at p into out in native byte order.
void loadNative(const char* p, qint64 itemSize, bool swap, unsigned char* out)
{
    std::memcpy(out, p, size_t(itemSize));
    if (swap)
        std::reverse(out, out + itemSize);
}

template<typename T> T loadAs(const char* p, bool swap)
{
    unsigned char bytes[sizeof(T)];
    loadNative(p, sizeof(T), swap, bytes);
    T value;
    std::memcpy(&value, bytes, sizeof(T));
    return value;
}

double halfToDouble(quint16 h)
{
    const int sign = (h >> 15) & 1;
    const int exponent = (h >> 10) & 0x1f;
    const int mantissa = h & 0x3ff;
    double value;
    if (exponent == 0)
        value = std::ldexp(double(mantissa), -24);
    else if (exponent == 31)
        value = mantissa ? std::numeric_limits<double>::quiet_NaN() : std::numeric_limits<double>::infinity();
    else
        value = std::ldexp(double(mantissa | 0x400), exponent - 25);
    return sign ? -value : value;
}

// Nearest half-precision bits of a double (round half to even), for printing halves at their own precision.
quint16 doubleToHalf(double value)
{
    const quint16 sign = std::signbit(value) ? 0x8000 : 0;
    value = std::fabs(value);
    if (std::isnan(value))
        return sign | 0x7e00;
    if (value >= 65520.0)
        return sign | 0x7c00;
    if (value < std::ldexp(1.0, -14)) {
        const double scaled = std::nearbyint(value * std::ldexp(1.0, 24));
        return sign | quint16(scaled);
    }
    int exponent = 0;
    const double fraction = std::frexp(value, &exponent); // value = fraction * 2^exponent, fraction in [0.5, 1)
    double mantissa = std::nearbyint(fraction * 2048.0); // 11 significant bits
    if (mantissa >= 2048.0) {
        mantissa /= 2;
        ++exponent;
    }
    const int biased = exponent - 1 + 15;
    if (biased >= 31)
        return sign | 0x7c00;
    return sign | quint16(biased << 10) | quint16(qint64(mantissa) & 0x3ff);
}

// Python-like shortest text of a floating value: nan, inf, -inf, and "1.0" rather than "1".
template<typename T> QString shortestText(T value)
{
    if (std::isnan(value))
        return QStringLiteral("nan");
    if (std::isinf(value))
        return value > 0 ? QStringLiteral("inf") : QStringLiteral("-inf");
    char buffer[64];
    const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
    QString text = QString::fromLatin1(buffer, result.ptr - buffer);
    if (!text.contains(u'.') && !text.contains(u'e'))
        text += QStringLiteral(".0");
    return text;
}

QString halfText(quint16 bits)
{
    const double value = halfToDouble(bits);
    if (std::isnan(value) || std::isinf(value))
        return shortestText(value);
    for (int precision = 1; precision < 6; ++precision) {
        QString text = QString::number(value, 'g', precision);
        if (doubleToHalf(text.toDouble()) == bits) {
            if (!text.contains(u'.') && !text.contains(u'e'))
                text += QStringLiteral(".0");
            return text;
        }
    }
    return shortestText(value);
}

constexpr qint64 kNaT = std::numeric_limits<qint64>::min();

qint64 floorDiv(qint64 a, qint64 b)
{
    qint64 q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        --q;
    return q;
}

QString dateText(qint64 days)
{
    // QDate covers far more than NumPy's practical range; beyond it the raw count is shown.
    if (days > 100'000'000'000LL || days < -100'000'000'000LL)
        return QString();
    const QDate date = QDate::fromJulianDay(days + 2440588);
    if (!date.isValid())
        return QString();
    return QStringLiteral("%1-%2-%3")
        .arg(date.year(), 4, 10, QChar(u'0'))
        .arg(date.month(), 2, 10, QChar(u'0'))
        .arg(date.day(), 2, 10, QChar(u'0'));
}

QString dateTimeText(qint64 count, DateTimeUnit unit, int unitCount)
{
    if (count == kNaT)
        return QStringLiteral("NaT");
    qint64 n = 0;
    if (__builtin_mul_overflow(count, qint64(unitCount), &n))
        return QString::number(count);

    QString text;
    switch (unit) {
    case DateTimeUnit::Generic:
        return QString::number(n);
    case DateTimeUnit::Year:
        return QString::number(1970 + n);
    case DateTimeUnit::Month: {
        const qint64 years = floorDiv(n, 12);
        return QStringLiteral("%1-%2").arg(1970 + years).arg(n - years * 12 + 1, 2, 10, QChar(u'0'));
    }
    case DateTimeUnit::Week:
        if (__builtin_mul_overflow(n, qint64(7), &n))
            return QString::number(count);
        text = dateText(n);
        break;
    case DateTimeUnit::Day:
        text = dateText(n);
        break;
    case DateTimeUnit::Hour: {
        const qint64 days = floorDiv(n, 24);
        text = dateText(days);
        if (!text.isEmpty())
            text += QStringLiteral("T%1").arg(n - days * 24, 2, 10, QChar(u'0'));
        break;
    }
    case DateTimeUnit::Minute: {
        const qint64 days = floorDiv(n, 1440);
        const qint64 minutes = n - days * 1440;
        text = dateText(days);
        if (!text.isEmpty())
            text
                += QStringLiteral("T%1:%2").arg(minutes / 60, 2, 10, QChar(u'0')).arg(minutes % 60, 2, 10, QChar(u'0'));
        break;
    }
    default: {
        int digits = 0;
        switch (unit) {
        case DateTimeUnit::Millisecond:
            digits = 3;
            break;
        case DateTimeUnit::Microsecond:
            digits = 6;
            break;
        case DateTimeUnit::Nanosecond:
            digits = 9;
            break;
        case DateTimeUnit::Picosecond:
            digits = 12;
            break;
        case DateTimeUnit::Femtosecond:
            digits = 15;
            break;
        case DateTimeUnit::Attosecond:
            digits = 18;
            break;
        default:
            break;
        }
        qint64 perSecond = 1;
        for (int i = 0; i < digits; ++i)
            perSecond *= 10;
        const qint64 seconds = floorDiv(n, perSecond);
        const qint64 fraction = n - seconds * perSecond;
        const qint64 days = floorDiv(seconds, 86400);
        const qint64 secondOfDay = seconds - days * 86400;
        text = dateText(days);
        if (!text.isEmpty()) {
            text += QStringLiteral("T%1:%2:%3")
                        .arg(secondOfDay / 3600, 2, 10, QChar(u'0'))
                        .arg(secondOfDay / 60 % 60, 2, 10, QChar(u'0'))
                        .arg(secondOfDay % 60, 2, 10, QChar(u'0'));
            if (digits > 0)
                text += QLatin1Char('.') + QStringLiteral("%1").arg(fraction, digits, 10, QChar(u'0'));
        }
        break;
    }
    }
    return text.isEmpty() ? QString::number(count) : text;
}

QString timeDeltaText(qint64 count, DateTimeUnit unit, int unitCount)
{
    if (count == kNaT)
        return QStringLiteral("NaT");
    static const char* const names[] = { "", "years", "months", "weeks", "days", "hours", "minutes", "seconds",
        "milliseconds", "microseconds", "nanoseconds", "picoseconds", "femtoseconds", "attoseconds" };
    QString text = QString::number(count);
    if (unit == DateTimeUnit::Generic)
        return text;
    if (unitCount != 1)
        return text + QStringLiteral(" x %1 %2").arg(unitCount).arg(QLatin1String(names[int(unit)]));
    return text + QLatin1Char(' ') + QLatin1String(names[int(unit)]);
}

QString bytesText(const char* p, qint64 size)
{
    while (size > 0 && p[size - 1] == 0)
        --size;
    return QString::fromLatin1(p, size);
}

QString unicodeText(const char* p, qint64 itemSize, bool swap)
{
    const qint64 count = itemSize / 4;
    std::u32string codes;
    codes.reserve(size_t(count));
    for (qint64 i = 0; i < count; ++i) {
        char32_t c = loadAs<quint32>(p + 4 * i, swap);
        if (c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
            c = 0xFFFD;
        codes.push_back(c);
    }
    while (!codes.empty() && codes.back() == 0)
        codes.pop_back();
    return QString::fromUcs4(codes.data(), qsizetype(codes.size()));
}

double elementDouble(const char* p, const DType& dtype)
{
    const bool swap = dtype.byteOrder() == ByteOrder::Big;
    switch (dtype.kind()) {
    case DTypeKind::Bool:
        return *p ? 1.0 : 0.0;
    case DTypeKind::Int:
        switch (dtype.itemSize()) {
        case 1:
            return double(qint8(*p));
        case 2:
            return double(loadAs<qint16>(p, swap));
        case 4:
            return double(loadAs<qint32>(p, swap));
        case 8:
            return double(loadAs<qint64>(p, swap));
        }
        break;
    case DTypeKind::UInt:
        switch (dtype.itemSize()) {
        case 1:
            return double(quint8(*p));
        case 2:
            return double(loadAs<quint16>(p, swap));
        case 4:
            return double(loadAs<quint32>(p, swap));
        case 8:
            return double(loadAs<quint64>(p, swap));
        }
        break;
    case DTypeKind::Float:
    case DTypeKind::Complex:
        switch (dtype.itemSize() / (dtype.kind() == DTypeKind::Complex ? 2 : 1)) {
        case 2:
            return halfToDouble(loadAs<quint16>(p, swap));
        case 4:
            return double(loadAs<float>(p, swap));
        case 8:
            return loadAs<double>(p, swap);
        }
        break;
    case DTypeKind::DateTime:
    case DTypeKind::TimeDelta: {
        const qint64 count = loadAs<qint64>(p, swap);
        return count == kNaT ? std::numeric_limits<double>::quiet_NaN() : double(count);
    }
    default:
        break;
    }
    return std::numeric_limits<double>::quiet_NaN();
}

double elementImaginary(const char* p, const DType& dtype)
{
    if (dtype.kind() != DTypeKind::Complex || !dtype.isReadable())
        return 0.0;
    const qint64 half = dtype.itemSize() / 2;
    return elementDouble(p + half, DType::numeric(DTypeKind::Float, int(half), dtype.byteOrder()));
}

QString floatText(const char* p, const DType& dtype, qint64 size)
{
    const bool swap = dtype.byteOrder() == ByteOrder::Big;
    switch (size) {
    case 2:
        return halfText(loadAs<quint16>(p, swap));
    case 4:
        return shortestText(loadAs<float>(p, swap));
    case 8:
        return shortestText(loadAs<double>(p, swap));
    }
    return QStringLiteral("?");
}

QString elementText(const char* p, const DType& dtype, int depth);

// The text of a field value, with subarray fields as [a, b, ...].
QString subarrayText(const char* p, const DTypeField& field, int depth)
{
    qint64 count = 1;
    for (const qint64 dim : field.shape)
        count *= dim;
    QStringList items;
    for (qint64 i = 0; i < count && i < 16; ++i)
        items << elementText(p + i * field.dtype.itemSize(), field.dtype, depth + 1);
    if (count > 16)
        items << QStringLiteral("...");
    return QLatin1Char('[') + items.join(QStringLiteral(", ")) + QLatin1Char(']');
}

QString elementText(const char* p, const DType& dtype, int depth)
{
    const bool swap = dtype.byteOrder() == ByteOrder::Big;
    switch (dtype.kind()) {
    case DTypeKind::Bool:
        return *p ? QStringLiteral("True") : QStringLiteral("False");
    case DTypeKind::Int:
        switch (dtype.itemSize()) {
        case 1:
            return QString::number(qint8(*p));
        case 2:
            return QString::number(loadAs<qint16>(p, swap));
        case 4:
            return QString::number(loadAs<qint32>(p, swap));
        case 8:
            return QString::number(loadAs<qint64>(p, swap));
        }
        break;
    case DTypeKind::UInt:
        switch (dtype.itemSize()) {
        case 1:
            return QString::number(quint8(*p));
        case 2:
            return QString::number(loadAs<quint16>(p, swap));
        case 4:
            return QString::number(loadAs<quint32>(p, swap));
        case 8:
            return QString::number(loadAs<quint64>(p, swap));
        }
        break;
    case DTypeKind::Float:
        if (!dtype.isReadable())
            break;
        return floatText(p, dtype, dtype.itemSize());
    case DTypeKind::Complex: {
        if (!dtype.isReadable())
            break;
        // As Python writes complex numbers: 1+2j, 1.5-0.5j, 2j when the real part is +0.
        const qint64 half = dtype.itemSize() / 2;
        const auto part = [&](const char* at) {
            QString text = floatText(at, dtype, half);
            if (text.endsWith(QStringLiteral(".0")))
                text.chop(2);
            return text;
        };
        const QString real = part(p);
        QString imaginary = part(p + half);
        if (real == u"0" && !std::signbit(elementDouble(p, dtype)))
            return imaginary + u'j';
        if (!imaginary.startsWith(u'-'))
            imaginary.prepend(u'+');
        return real + imaginary + u'j';
    }
    case DTypeKind::DateTime:
        return dateTimeText(loadAs<qint64>(p, swap), dtype.dateTimeUnit(), dtype.dateTimeUnitCount());
    case DTypeKind::TimeDelta:
        return timeDeltaText(loadAs<qint64>(p, swap), dtype.dateTimeUnit(), dtype.dateTimeUnitCount());
    case DTypeKind::Unicode:
        return unicodeText(p, dtype.itemSize(), swap);
    case DTypeKind::Bytes: {
        const QString text = bytesText(p, dtype.itemSize());
        QString out;
        for (const QChar c : text) {
            if (c.unicode() < 0x20 || c.unicode() >= 0x7f)
                out += QStringLiteral("\\x%1").arg(c.unicode(), 2, 16, QChar(u'0'));
            else
                out += c;
        }
        return out;
    }
    case DTypeKind::Void: {
        const qint64 shown = qMin<qint64>(dtype.itemSize(), 32);
        QString text = QStringLiteral("0x") + QString::fromLatin1(QByteArray(p, shown).toHex());
        return dtype.itemSize() > shown ? text + QStringLiteral("...") : text;
    }
    case DTypeKind::Structured: {
        if (depth > 8)
            return QStringLiteral("(...)");
        QStringList parts;
        for (const DTypeField& field : dtype.fields()) {
            if (field.shape.empty())
                parts << elementText(p + field.offset, field.dtype, depth + 1);
            else
                parts << subarrayText(p + field.offset, field, depth);
        }
        return QLatin1Char('(') + parts.join(QStringLiteral(", ")) + QLatin1Char(')');
    }
    case DTypeKind::Object:
        break;
    }
    return QStringLiteral("?");
}

// Visits every element in C order, passing its address.
template<typename Visit>
void forEachElement(
    const char* base, const std::vector<qint64>& shape, const std::vector<qint64>& strides, qint64 size, Visit&& visit)
{
    if (size == 0)
        return;
    const qsizetype ndim = qsizetype(shape.size());
    if (ndim == 0) {
        visit(base);
        return;
    }
    std::vector<qint64> index(size_t(ndim), 0);
    const qint64 innerCount = shape[ndim - 1];
    const qint64 innerStride = strides[ndim - 1];
    const char* row = base;
    for (qint64 done = 0; done < size; done += innerCount) {
        const char* p = row;
        for (qint64 i = 0; i < innerCount; ++i, p += innerStride)
            visit(p);
        // Advance the odometer over the outer axes.
        for (qsizetype axis = ndim - 2; axis >= 0; --axis) {
            if (++index[axis] < shape[axis]) {
                row += strides[axis];
                break;
            }
            row -= strides[axis] * (shape[axis] - 1);
            index[axis] = 0;
        }
    }
}

} // namespace

Result<qint64> checkedElementCount(const std::vector<qint64>& shape)
{
    qint64 count = 1;
    qint64 extent = 1; // the product of the non-zero dimensions: NumPy refuses it too large even for an empty array
    for (const qint64 dim : shape) {
        if (dim < 0)
            return arrayError(QStringLiteral("shape holds the negative dimension %1").arg(dim));
        if (__builtin_mul_overflow(count, dim, &count) || __builtin_mul_overflow(extent, qMax<qint64>(dim, 1), &extent))
            return arrayError(QStringLiteral("shape's element count overflows 64 bits"));
    }
    return count;
}

Result<qint64> checkedByteCount(qint64 elements, qint64 itemSize)
{
    qint64 bytes = 0;
    if (elements < 0 || itemSize < 0 || __builtin_mul_overflow(elements, itemSize, &bytes))
        return arrayError(QStringLiteral("%1 elements of %2 bytes overflow 64 bits").arg(elements).arg(itemSize));
    return bytes;
}

NdArray::NdArray() = default;

Result<NdArray> NdArray::fromBorrowed(const DType& dtype, const std::vector<qint64>& shape, bool fortranOrder,
    const char* data, qint64 size, std::shared_ptr<const void> owner)
{
    if (!dtype.isValid())
        return arrayError(QStringLiteral("invalid dtype"));
    if (!dtype.isReadable())
        return arrayError(dtype.unreadableReason());
    auto count = checkedElementCount(shape);
    if (!count)
        return count.error();
    auto bytes = checkedByteCount(count.value(), dtype.itemSize());
    if (!bytes)
        return bytes.error();
    if (bytes.value() != size)
        return arrayError(
            QStringLiteral("shape and dtype need %1 bytes of data, %2 were given").arg(bytes.value()).arg(size));

    auto array = std::make_shared<Data>();
    array->dtype = dtype;
    array->shape = shape;
    array->strides = contiguousStrides(shape, dtype.itemSize(), fortranOrder);
    array->size = count.value();
    array->fortranOrder = fortranOrder;
    array->borrowed = owner != nullptr;
    array->owner = std::move(owner);
    array->base = data;
    NdArray result;
    result.d = std::move(array);
    return result;
}

Result<NdArray> NdArray::fromBytes(
    const DType& dtype, const std::vector<qint64>& shape, QByteArray data, bool fortranOrder)
{
    auto result = fromBorrowed(dtype, shape, fortranOrder, data.constData(), data.size(), nullptr);
    if (!result)
        return result;
    auto array = std::make_shared<Data>(*result->d);
    array->owned = std::move(data);
    array->base = array->owned.constData();
    array->borrowed = false;
    NdArray owned;
    owned.d = std::move(array);
    return owned;
}

NdArray NdArray::fromMatrix(const Eigen::MatrixXd& matrix)
{
    QByteArray bytes(qsizetype(matrix.size()) * qsizetype(sizeof(double)), Qt::Uninitialized);
    double* out = reinterpret_cast<double*>(bytes.data());
    for (Eigen::Index r = 0; r < matrix.rows(); ++r)
        for (Eigen::Index c = 0; c < matrix.cols(); ++c)
            out[r * matrix.cols() + c] = matrix(r, c);
    return fromBytes(DType::float64(), { qint64(matrix.rows()), qint64(matrix.cols()) }, std::move(bytes)).value();
}

NdArray NdArray::fromVector(const Eigen::VectorXd& vector)
{
    QByteArray bytes(
        reinterpret_cast<const char*>(vector.data()), qsizetype(vector.size()) * qsizetype(sizeof(double)));
    return fromBytes(DType::float64(), { qint64(vector.size()) }, std::move(bytes)).value();
}

NdArray NdArray::fromDouble(double value)
{
    return fromBytes(DType::float64(), {}, QByteArray(reinterpret_cast<const char*>(&value), sizeof value)).value();
}

NdArray NdArray::fromInt64(qint64 value)
{
    return fromBytes(DType::int64(), {}, QByteArray(reinterpret_cast<const char*>(&value), sizeof value)).value();
}

NdArray NdArray::fromBool(bool value)
{
    return fromBytes(DType::boolean(), {}, QByteArray(1, value ? 1 : 0)).value();
}

namespace {

QByteArray ucs4Bytes(const QString& text, qint64 width)
{
    QList<uint> codes = text.toUcs4();
    QByteArray bytes(width * 4, '\0');
    for (qsizetype i = 0; i < codes.size() && i < width; ++i) {
        const quint32 code = codes[i];
        std::memcpy(bytes.data() + 4 * i, &code, 4);
    }
    return bytes;
}

} // namespace

NdArray NdArray::fromString(const QString& value)
{
    const qint64 width = qMax<qint64>(1, value.toUcs4().size());
    return fromBytes(DType::unicode(width), {}, ucs4Bytes(value, width)).value();
}

NdArray NdArray::fromStrings(const QStringList& values)
{
    qint64 width = 1;
    for (const QString& value : values)
        width = qMax<qint64>(width, value.toUcs4().size());
    QByteArray bytes;
    bytes.reserve(width * 4 * values.size());
    for (const QString& value : values)
        bytes.append(ucs4Bytes(value, width));
    return fromBytes(DType::unicode(width), { qint64(values.size()) }, std::move(bytes)).value();
}

bool NdArray::isNull() const
{
    return !d;
}

const DType& NdArray::dtype() const
{
    static const DType none;
    return d ? d->dtype : none;
}

const std::vector<qint64>& NdArray::shape() const
{
    static const std::vector<qint64> none;
    return d ? d->shape : none;
}

const std::vector<qint64>& NdArray::strides() const
{
    static const std::vector<qint64> none;
    return d ? d->strides : none;
}

int NdArray::ndim() const
{
    return d ? int(d->shape.size()) : 0;
}
qint64 NdArray::size() const
{
    return d ? d->size : 0;
}
bool NdArray::fortranOrder() const
{
    return d && d->fortranOrder;
}
bool NdArray::isBorrowed() const
{
    return d && d->borrowed;
}
const char* NdArray::constData() const
{
    return d ? d->base : nullptr;
}

bool NdArray::isCContiguous() const
{
    if (!d)
        return false;
    if (d->size == 0)
        return true;
    qint64 expected = d->dtype.itemSize();
    for (qsizetype axis = qsizetype(d->shape.size()) - 1; axis >= 0; --axis) {
        if (d->shape[axis] != 1 && d->strides[axis] != expected)
            return false;
        expected *= d->shape[axis];
    }
    return true;
}

bool NdArray::isFContiguous() const
{
    if (!d)
        return false;
    if (d->size == 0)
        return true;
    qint64 expected = d->dtype.itemSize();
    for (std::size_t axis = 0; axis < d->shape.size(); ++axis) {
        if (d->shape[axis] != 1 && d->strides[axis] != expected)
            return false;
        expected *= d->shape[axis];
    }
    return true;
}

qint64 NdArray::byteOffset(qint64 flatIndex) const
{
    Q_ASSERT(d && flatIndex >= 0 && flatIndex < qMax<qint64>(d->size, 1));
    qint64 offset = 0;
    for (qsizetype axis = qsizetype(d->shape.size()) - 1; axis >= 0; --axis) {
        const qint64 dim = d->shape[axis];
        if (dim <= 0)
            continue;
        offset += (flatIndex % dim) * d->strides[axis];
        flatIndex /= dim;
    }
    return offset;
}

qint64 NdArray::byteOffset(const std::vector<qint64>& index) const
{
    Q_ASSERT(d && index.size() == d->shape.size());
    qint64 offset = 0;
    for (std::size_t axis = 0; axis < index.size() && axis < d->strides.size(); ++axis)
        offset += index[axis] * d->strides[axis];
    return offset;
}

QByteArray NdArray::toCOrderBytes() const
{
    if (!d)
        return QByteArray();
    const qint64 itemSize = d->dtype.itemSize();
    if (isCContiguous()) {
        if (!d->borrowed && d->base == d->owned.constData() && d->owned.size() == d->size * itemSize)
            return d->owned;
        return QByteArray(d->base, d->size * itemSize);
    }
    QByteArray out(d->size * itemSize, Qt::Uninitialized);
    char* write = out.data();
    forEachElement(d->base, d->shape, d->strides, d->size, [&](const char* p) {
        std::memcpy(write, p, size_t(itemSize));
        write += itemSize;
    });
    return out;
}

bool NdArray::isNumeric() const
{
    return d && d->dtype.isNumeric();
}

double NdArray::toDouble(qint64 flatIndex) const
{
    return elementDouble(d->base + byteOffset(flatIndex), d->dtype);
}

double NdArray::toDouble(const std::vector<qint64>& index) const
{
    return elementDouble(d->base + byteOffset(index), d->dtype);
}

qint64 NdArray::toInt64(qint64 flatIndex) const
{
    const char* p = d->base + byteOffset(flatIndex);
    const bool swap = d->dtype.byteOrder() == ByteOrder::Big;
    switch (d->dtype.kind()) {
    case DTypeKind::Bool:
        return *p ? 1 : 0;
    case DTypeKind::Int:
    case DTypeKind::DateTime:
    case DTypeKind::TimeDelta:
        switch (d->dtype.itemSize()) {
        case 1:
            return qint8(*p);
        case 2:
            return loadAs<qint16>(p, swap);
        case 4:
            return loadAs<qint32>(p, swap);
        case 8:
            return loadAs<qint64>(p, swap);
        }
        break;
    case DTypeKind::UInt:
        switch (d->dtype.itemSize()) {
        case 1:
            return quint8(*p);
        case 2:
            return loadAs<quint16>(p, swap);
        case 4:
            return loadAs<quint32>(p, swap);
        case 8:
            return qint64(loadAs<quint64>(p, swap));
        }
        break;
    default: {
        const double value = elementDouble(p, d->dtype);
        if (std::isnan(value))
            return 0;
        if (value >= 9.2233720368547758e18)
            return std::numeric_limits<qint64>::max();
        if (value <= -9.2233720368547758e18)
            return std::numeric_limits<qint64>::min();
        return qint64(value);
    }
    }
    return 0;
}

std::complex<double> NdArray::toComplex(qint64 flatIndex) const
{
    const char* p = d->base + byteOffset(flatIndex);
    return { elementDouble(p, d->dtype), elementImaginary(p, d->dtype) };
}

std::complex<double> NdArray::toComplex(const std::vector<qint64>& index) const
{
    const char* p = d->base + byteOffset(index);
    return { elementDouble(p, d->dtype), elementImaginary(p, d->dtype) };
}

QString NdArray::toText(qint64 flatIndex) const
{
    const char* p = d->base + byteOffset(flatIndex);
    if (d->dtype.kind() == DTypeKind::Unicode)
        return unicodeText(p, d->dtype.itemSize(), d->dtype.byteOrder() == ByteOrder::Big);
    if (d->dtype.kind() == DTypeKind::Bytes)
        return bytesText(p, d->dtype.itemSize());
    return elementText(p, d->dtype, 0);
}

QString NdArray::displayText(qint64 flatIndex) const
{
    return elementText(d->base + byteOffset(flatIndex), d->dtype, 0);
}

QString NdArray::displayText(const std::vector<qint64>& index) const
{
    return elementText(d->base + byteOffset(index), d->dtype, 0);
}

Result<NdArray> NdArray::field(const QString& name) const
{
    if (!d || d->dtype.kind() != DTypeKind::Structured)
        return arrayError(QStringLiteral("'%1' is not a field: the array is not structured").arg(name));
    const DTypeField* field = d->dtype.field(name);
    if (!field)
        return arrayError(QStringLiteral("the array has no field '%1'").arg(name));

    auto view = std::make_shared<Data>(*d);
    view->dtype = field->dtype;
    view->base = d->base + field->offset;
    view->fortranOrder = false;
    const std::vector<qint64> subStrides = contiguousStrides(field->shape, field->dtype.itemSize(), false);
    for (std::size_t i = 0; i < field->shape.size(); ++i) {
        view->shape.push_back(field->shape[i]);
        view->strides.push_back(subStrides[i]);
        view->size *= field->shape[i];
    }
    NdArray result;
    result.d = std::move(view);
    return result;
}

Result<NdArray> NdArray::view2D(int rowAxis, int columnAxis, const std::vector<qint64>& index) const
{
    if (!d)
        return arrayError(QStringLiteral("the array is empty"));
    const int n = ndim();
    auto view = std::make_shared<Data>(*d);
    view->fortranOrder = false;
    if (n == 0) {
        view->shape = { 1, 1 };
        view->strides = { 0, 0 };
        view->size = 1;
        NdArray result;
        result.d = std::move(view);
        return result;
    }
    if (rowAxis < 0 || rowAxis >= n || columnAxis < -1 || columnAxis >= n || rowAxis == columnAxis)
        return arrayError(
            QStringLiteral("axes %1 and %2 do not name two axes of a %3-D array").arg(rowAxis).arg(columnAxis).arg(n));
    if (qsizetype(index.size()) != n)
        return arrayError(QStringLiteral("an index of %1 entries was given for a %2-D array").arg(index.size()).arg(n));

    const char* base = d->base;
    for (int axis = 0; axis < n; ++axis) {
        if (axis == rowAxis || axis == columnAxis)
            continue;
        if (index[axis] < 0 || index[axis] >= d->shape[axis])
            return arrayError(QStringLiteral("index %1 is outside axis %2 of length %3")
                                  .arg(index[axis])
                                  .arg(axis)
                                  .arg(d->shape[axis]));
        base += index[axis] * d->strides[axis];
    }
    view->base = base;
    const qint64 columns = columnAxis >= 0 ? d->shape[columnAxis] : 1;
    view->shape = { d->shape[rowAxis], columns };
    view->strides = { d->strides[rowAxis], columnAxis >= 0 ? d->strides[columnAxis] : d->dtype.itemSize() };
    view->size = d->shape[rowAxis] * columns;
    NdArray result;
    result.d = std::move(view);
    return result;
}

Result<NdArray> NdArray::subArray(qint64 index) const
{
    if (!d || d->shape.empty())
        return arrayError(QStringLiteral("a 0-d array has no sub-arrays"));
    if (index < 0 || index >= d->shape.front())
        return arrayError(QStringLiteral("index %1 is outside axis 0 of length %2").arg(index).arg(d->shape.front()));
    auto view = std::make_shared<Data>(*d);
    view->base = d->base + index * d->strides.front();
    view->shape.erase(view->shape.begin());
    view->strides.erase(view->strides.begin());
    view->size = checkedElementCount(view->shape).value();
    view->fortranOrder = false;
    NdArray result;
    result.d = std::move(view);
    return result;
}

Result<Eigen::MatrixXd> NdArray::toMatrix() const
{
    if (!d)
        return arrayError(QStringLiteral("the array is empty"));
    if (!d->dtype.isNumeric())
        return arrayError(QStringLiteral("a %1 array is not numeric").arg(d->dtype.name()));
    if (d->shape.size() > 2)
        return arrayError(QStringLiteral("a %1-D array is not a matrix").arg(d->shape.size()));

    const qint64 rows = d->shape.empty() ? 1 : d->shape[0];
    const qint64 columns = d->shape.size() == 2 ? d->shape[1] : 1;
    Eigen::MatrixXd matrix;
    try {
        matrix.resize(Eigen::Index(rows), Eigen::Index(columns));
    } catch (const std::bad_alloc&) {
        return arrayError(QStringLiteral("not enough memory for a %1 x %2 matrix").arg(rows).arg(columns));
    }

    const qint64 rowStride = d->shape.empty() ? 0 : d->strides[0];
    const qint64 columnStride = d->shape.size() == 2 ? d->strides[1] : 0;
    const DType& dtype = d->dtype;
    const bool nativeDouble = dtype.kind() == DTypeKind::Float && dtype.itemSize() == 8 && dtype.isNativeOrder();
    for (qint64 c = 0; c < columns; ++c) {
        const char* p = d->base + c * columnStride;
        double* out = matrix.col(Eigen::Index(c)).data();
        if (nativeDouble) {
            for (qint64 r = 0; r < rows; ++r, p += rowStride)
                std::memcpy(out + r, p, sizeof(double));
        } else {
            for (qint64 r = 0; r < rows; ++r, p += rowStride)
                out[r] = elementDouble(p, dtype);
        }
    }
    return matrix;
}

Result<Eigen::VectorXd> NdArray::toVector() const
{
    if (!d)
        return arrayError(QStringLiteral("the array is empty"));
    if (d->shape.size() == 2 && d->shape[0] != 1 && d->shape[1] != 1)
        return arrayError(QStringLiteral("a %1 x %2 array is not a vector").arg(d->shape[0]).arg(d->shape[1]));
    if (d->shape.size() > 2)
        return arrayError(QStringLiteral("a %1-D array is not a vector").arg(d->shape.size()));
    auto matrix = toMatrix();
    if (!matrix)
        return matrix.error();
    return Eigen::VectorXd(matrix->reshaped());
}

std::optional<ConstMatrixMap> NdArray::matrixMap() const
{
    if (!d || d->shape.size() > 2)
        return std::nullopt;
    const DType& dtype = d->dtype;
    if (dtype.kind() != DTypeKind::Float || dtype.itemSize() != 8 || !dtype.isNativeOrder())
        return std::nullopt;
    if (reinterpret_cast<quintptr>(d->base) % alignof(double) != 0)
        return std::nullopt;
    for (const qint64 stride : d->strides)
        if (stride < 0 || stride % qint64(sizeof(double)) != 0)
            return std::nullopt;

    const qint64 rows = d->shape.empty() ? 1 : d->shape[0];
    const qint64 columns = d->shape.size() == 2 ? d->shape[1] : 1;
    const qint64 inner = d->shape.empty() ? 1 : d->strides[0] / qint64(sizeof(double));
    const qint64 outer = d->shape.size() == 2 ? d->strides[1] / qint64(sizeof(double)) : rows * inner;
    return ConstMatrixMap(reinterpret_cast<const double*>(d->base), Eigen::Index(rows), Eigen::Index(columns),
        Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>(Eigen::Index(outer), Eigen::Index(inner)));
}

bool NdArray::operator==(const NdArray& other) const
{
    if (isNull() || other.isNull())
        return isNull() == other.isNull();
    return d->dtype == other.d->dtype && d->shape == other.d->shape && toCOrderBytes() == other.toCOrderBytes();
}

} // namespace nemoscope::npy
