#include "npy/dtype.h"

#include "npy/pyliteral.h"

#include <QJsonArray>
#include <QJsonValue>
#include <QSet>
#include <QStringList>

#include <cmath>
#include <limits>

namespace nemoscope::npy {

struct DType::Data
{
    DTypeKind kind = DTypeKind::Void;
    ByteOrder order = ByteOrder::NotApplicable;
    qint64 itemSize = 0;
    DateTimeUnit unit = DateTimeUnit::Generic;
    int unitCount = 1;
    std::vector<DTypeField> fields;
    bool valid = false;
};

namespace {

// NumPy refuses itemsizes that do not fit a C int; so does Nemoscope.
constexpr qint64 kMaxItemSize = std::numeric_limits<int>::max();

struct UnitName
{
    DateTimeUnit unit;
    const char* code;
};

constexpr UnitName kUnits[] = {
    { DateTimeUnit::Year, "Y" },
    { DateTimeUnit::Month, "M" },
    { DateTimeUnit::Week, "W" },
    { DateTimeUnit::Day, "D" },
    { DateTimeUnit::Hour, "h" },
    { DateTimeUnit::Minute, "m" },
    { DateTimeUnit::Second, "s" },
    { DateTimeUnit::Millisecond, "ms" },
    { DateTimeUnit::Microsecond, "us" },
    { DateTimeUnit::Nanosecond, "ns" },
    { DateTimeUnit::Picosecond, "ps" },
    { DateTimeUnit::Femtosecond, "fs" },
    { DateTimeUnit::Attosecond, "as" },
};

QString unitCode(DateTimeUnit unit)
{
    for (const auto& u : kUnits)
        if (u.unit == unit)
            return QString::fromLatin1(u.code);
    return QString();
}

Error dtypeError(const QString& reason)
{
    return Error { {}, {}, reason };
}

bool isSingleByteKind(DTypeKind kind, qint64 itemSize)
{
    switch (kind) {
    case DTypeKind::Bytes:
    case DTypeKind::Void:
    case DTypeKind::Object:
    case DTypeKind::Structured:
        return true;
    case DTypeKind::Unicode:
        return false;
    default:
        return itemSize == 1;
    }
}

QString shapeRepr(const std::vector<qint64>& shape)
{
    QStringList dims;
    for (const qint64 dim : shape)
        dims << QString::number(dim);
    if (shape.size() == 1)
        return QLatin1Char('(') + dims.front() + QStringLiteral(",)");
    return QLatin1Char('(') + dims.join(QStringLiteral(", ")) + QLatin1Char(')');
}

// Padding entries as NumPy's dtype.descr lists them: ('', '|V<gap>').
QString paddingDescr(qint64 gap)
{
    return QStringLiteral("|V%1").arg(gap);
}

} // namespace

DType::DType()
    : d(std::make_shared<Data>())
{ }

DType::DType(std::shared_ptr<const Data> data)
    : d(std::move(data))
{ }

DType DType::numeric(DTypeKind kind, int itemSize, ByteOrder order)
{
    auto data = std::make_shared<Data>();
    data->kind = kind;
    data->itemSize = itemSize;
    data->order = isSingleByteKind(kind, itemSize) ? ByteOrder::NotApplicable : order;
    data->valid = true;
    return DType(std::move(data));
}

DType DType::boolean()
{
    return numeric(DTypeKind::Bool, 1);
}
DType DType::int8()
{
    return numeric(DTypeKind::Int, 1);
}
DType DType::int16()
{
    return numeric(DTypeKind::Int, 2);
}
DType DType::int32()
{
    return numeric(DTypeKind::Int, 4);
}
DType DType::int64()
{
    return numeric(DTypeKind::Int, 8);
}
DType DType::uint8()
{
    return numeric(DTypeKind::UInt, 1);
}
DType DType::uint16()
{
    return numeric(DTypeKind::UInt, 2);
}
DType DType::uint32()
{
    return numeric(DTypeKind::UInt, 4);
}
DType DType::uint64()
{
    return numeric(DTypeKind::UInt, 8);
}
DType DType::float16()
{
    return numeric(DTypeKind::Float, 2);
}
DType DType::float32()
{
    return numeric(DTypeKind::Float, 4);
}
DType DType::float64()
{
    return numeric(DTypeKind::Float, 8);
}
DType DType::complex64()
{
    return numeric(DTypeKind::Complex, 8);
}
DType DType::complex128()
{
    return numeric(DTypeKind::Complex, 16);
}

DType DType::unicode(qint64 characters, ByteOrder order)
{
    auto data = std::make_shared<Data>();
    data->kind = DTypeKind::Unicode;
    data->itemSize = characters * 4;
    data->order = order == ByteOrder::NotApplicable ? ByteOrder::Little : order;
    data->valid = true;
    return DType(std::move(data));
}

DType DType::bytes(qint64 size)
{
    auto data = std::make_shared<Data>();
    data->kind = DTypeKind::Bytes;
    data->itemSize = size;
    data->valid = true;
    return DType(std::move(data));
}

DType DType::voidType(qint64 size)
{
    auto data = std::make_shared<Data>();
    data->kind = DTypeKind::Void;
    data->itemSize = size;
    data->valid = true;
    return DType(std::move(data));
}

DType DType::dateTime(DateTimeUnit unit, int unitCount, ByteOrder order)
{
    auto data = std::make_shared<Data>();
    data->kind = DTypeKind::DateTime;
    data->itemSize = 8;
    data->unit = unit;
    data->unitCount = unitCount;
    data->order = order == ByteOrder::NotApplicable ? ByteOrder::Little : order;
    data->valid = true;
    return DType(std::move(data));
}

DType DType::timeDelta(DateTimeUnit unit, int unitCount, ByteOrder order)
{
    auto data = std::make_shared<Data>(*dateTime(unit, unitCount, order).d);
    data->kind = DTypeKind::TimeDelta;
    return DType(std::move(data));
}

Result<DType> DType::structured(std::vector<DTypeField> fields, qint64 itemSize)
{
    qint64 end = 0;
    QSet<QString> names;
    for (const DTypeField& field : fields) {
        if (field.name.isEmpty())
            return dtypeError(QStringLiteral("a structured field has an empty name"));
        if (names.contains(field.name))
            return dtypeError(QStringLiteral("field '%1' appears twice").arg(field.name));
        names.insert(field.name);
        if (!field.dtype.isValid())
            return dtypeError(QStringLiteral("field '%1' has no valid dtype").arg(field.name));
        qint64 count = 1;
        for (const qint64 dim : field.shape) {
            if (dim < 0 || (dim > 0 && count > kMaxItemSize / dim))
                return dtypeError(QStringLiteral("field '%1' has an invalid subarray shape").arg(field.name));
            count *= dim;
        }
        if (count > 0 && field.dtype.itemSize() > kMaxItemSize / count)
            return dtypeError(QStringLiteral("field '%1' is larger than %2 bytes").arg(field.name).arg(kMaxItemSize));
        if (field.offset < end)
            return dtypeError(
                QStringLiteral("field '%1' overlaps the field before it or is out of order").arg(field.name));
        end = field.offset + count * field.dtype.itemSize();
        if (end > kMaxItemSize)
            return dtypeError(QStringLiteral("structured dtype larger than %1 bytes").arg(kMaxItemSize));
    }
    if (itemSize < end)
        return dtypeError(
            QStringLiteral("structured itemsize %1 is smaller than its fields (%2 bytes)").arg(itemSize).arg(end));
    if (itemSize > kMaxItemSize)
        return dtypeError(QStringLiteral("structured dtype larger than %1 bytes").arg(kMaxItemSize));

    auto data = std::make_shared<Data>();
    data->kind = DTypeKind::Structured;
    data->itemSize = itemSize;
    data->fields = std::move(fields);
    data->valid = true;
    return DType(std::move(data));
}

Result<DType> DType::fromDescr(const QString& descr)
{
    const auto bad = [&](const QString& why) {
        return dtypeError(QStringLiteral("dtype '%1' is not understood: %2").arg(descr.left(60), why));
    };
    if (descr.isEmpty())
        return bad(QStringLiteral("it is empty"));

    qsizetype pos = 0;
    ByteOrder order = ByteOrder::Little;
    bool orderGiven = true;
    switch (descr.at(0).unicode()) {
    case u'<':
    case u'=':
        order = ByteOrder::Little;
        ++pos;
        break;
    case u'>':
        order = ByteOrder::Big;
        ++pos;
        break;
    case u'|':
        order = ByteOrder::NotApplicable;
        ++pos;
        break;
    default:
        orderGiven = false;
        break;
    }
    if (pos >= descr.size())
        return bad(QStringLiteral("no type code"));

    const QChar code = descr.at(pos++);
    qsizetype digitsStart = pos;
    qint64 size = 0;
    bool sizeGiven = false;
    while (pos < descr.size() && descr.at(pos).unicode() >= u'0' && descr.at(pos).unicode() <= u'9') {
        sizeGiven = true;
        size = size * 10 + (descr.at(pos).unicode() - u'0');
        if (size > kMaxItemSize)
            return bad(QStringLiteral("an item size over %1 bytes").arg(kMaxItemSize));
        ++pos;
    }
    if (sizeGiven && pos - digitsStart > 1 && descr.at(digitsStart) == u'0')
        return bad(QStringLiteral("a size with leading zeros"));
    const QString rest = descr.mid(pos);

    auto data = std::make_shared<Data>();
    data->valid = true;
    data->order = order;
    data->itemSize = size;

    const auto numericKind = [&](DTypeKind kind, std::initializer_list<int> sizes) -> Result<DType> {
        if (!rest.isEmpty())
            return bad(QStringLiteral("unexpected '%1'").arg(rest));
        if (!sizeGiven)
            return bad(QStringLiteral("no item size"));
        bool known = false;
        for (const int s : sizes)
            known = known || s == size;
        if (!known)
            return bad(QStringLiteral("no such item size for this kind"));
        data->kind = kind;
        if (size == 1)
            data->order = ByteOrder::NotApplicable;
        else if (data->order == ByteOrder::NotApplicable)
            return bad(QStringLiteral("a multi-byte number needs a byte order"));
        return DType(data);
    };

    switch (code.unicode()) {
    case u'b':
        return numericKind(DTypeKind::Bool, { 1 });
    case u'i':
        return numericKind(DTypeKind::Int, { 1, 2, 4, 8 });
    case u'u':
        return numericKind(DTypeKind::UInt, { 1, 2, 4, 8 });
    case u'f':
        return numericKind(DTypeKind::Float, { 2, 4, 8, 12, 16 });
    case u'c':
        return numericKind(DTypeKind::Complex, { 8, 16, 24, 32 });
    case u'M':
    case u'm': {
        data->kind = code == u'M' ? DTypeKind::DateTime : DTypeKind::TimeDelta;
        if (!sizeGiven || size != 8)
            return bad(QStringLiteral("datetime64 and timedelta64 are 8 bytes"));
        if (data->order == ByteOrder::NotApplicable)
            return bad(QStringLiteral("datetime64 and timedelta64 need a byte order"));
        if (rest.isEmpty())
            return DType(data);
        if (!rest.startsWith(u'[') || !rest.endsWith(u']'))
            return bad(QStringLiteral("a unit must be written in brackets"));
        QString unit = rest.mid(1, rest.size() - 2);
        qsizetype digits = 0;
        while (digits < unit.size() && unit.at(digits).unicode() >= u'0' && unit.at(digits).unicode() <= u'9')
            ++digits;
        if (digits > 0) {
            bool ok = false;
            const int count = unit.left(digits).toInt(&ok);
            if (!ok || count <= 0)
                return bad(QStringLiteral("an invalid unit multiplier"));
            data->unitCount = count;
            unit = unit.mid(digits);
        }
        for (const auto& u : kUnits) {
            if (unit == QLatin1String(u.code)) {
                data->unit = u.unit;
                return DType(data);
            }
        }
        return bad(QStringLiteral("unknown time unit '%1'").arg(unit));
    }
    case u'U':
        if (!rest.isEmpty() || !sizeGiven)
            return bad(QStringLiteral("a text dtype needs its length"));
        if (size > kMaxItemSize / 4)
            return bad(QStringLiteral("an item size over %1 bytes").arg(kMaxItemSize));
        data->kind = DTypeKind::Unicode;
        data->itemSize = size * 4;
        if (data->order == ByteOrder::NotApplicable)
            data->order = ByteOrder::Little;
        return DType(data);
    case u'S':
    case u'a':
    case u'V':
        if (!rest.isEmpty() || !sizeGiven)
            return bad(QStringLiteral("a byte-string or void dtype needs its length"));
        data->kind = code == u'V' ? DTypeKind::Void : DTypeKind::Bytes;
        data->order = ByteOrder::NotApplicable;
        return DType(data);
    case u'O':
        if (!rest.isEmpty() || (sizeGiven && size != 8))
            return bad(QStringLiteral("unexpected text after the object code"));
        data->kind = DTypeKind::Object;
        data->itemSize = 8;
        data->order = ByteOrder::NotApplicable;
        return DType(data);
    default:
        break;
    }
    Q_UNUSED(orderGiven);
    return bad(QStringLiteral("unknown type code '%1'").arg(code));
}

namespace {

Result<std::vector<qint64>> shapeFromJson(const QJsonValue& value, const QString& fieldName)
{
    std::vector<qint64> shape;
    const auto dimension = [&](const QJsonValue& v) -> bool {
        if (!v.isDouble())
            return false;
        const double x = v.toDouble();
        if (!(x >= 0 && x <= 9007199254740992.0) || std::floor(x) != x)
            return false;
        shape.push_back(qint64(x));
        return true;
    };
    if (value.isArray()) {
        for (const QJsonValue& v : value.toArray())
            if (!dimension(v))
                return Error { {}, {}, QStringLiteral("field '%1' has an invalid subarray shape").arg(fieldName) };
    } else if (!dimension(value)) {
        return Error { {}, {}, QStringLiteral("field '%1' has an invalid subarray shape").arg(fieldName) };
    }
    return shape;
}

Result<DType> fromDescrJson(const QJsonValue& descr, int depth)
{
    if (depth > 16)
        return Error { {}, {}, QStringLiteral("structured dtype nested deeper than 16 levels") };
    if (descr.isString())
        return DType::fromDescr(descr.toString());
    if (!descr.isArray())
        return Error { {}, {}, QStringLiteral("descr must be a string or a list of fields") };

    std::vector<DTypeField> fields;
    qint64 offset = 0;
    for (const QJsonValue& entry : descr.toArray()) {
        const QJsonArray parts = entry.toArray();
        if (!entry.isArray() || parts.size() < 2 || parts.size() > 3)
            return Error { {}, {}, QStringLiteral("a structured field must be (name, descr) or (name, descr, shape)") };

        // A name may be given as (title, name); the title is only a label and is not kept.
        QString name;
        if (parts.at(0).isString())
            name = parts.at(0).toString();
        else if (parts.at(0).isArray() && parts.at(0).toArray().size() == 2 && parts.at(0).toArray().at(1).isString())
            name = parts.at(0).toArray().at(1).toString();
        else
            return Error { {}, {}, QStringLiteral("a structured field name must be a string") };

        auto fieldType = fromDescrJson(parts.at(1), depth + 1);
        if (!fieldType)
            return fieldType.error();
        std::vector<qint64> shape;
        if (parts.size() == 3) {
            auto parsed = shapeFromJson(parts.at(2), name);
            if (!parsed)
                return parsed.error();
            shape = std::move(parsed.value());
        }

        DTypeField field { name, fieldType.value(), offset, shape };
        const qint64 byteSize = field.byteSize();
        if (byteSize < 0 || offset > kMaxItemSize - byteSize)
            return Error { {}, {}, QStringLiteral("structured dtype larger than %1 bytes").arg(kMaxItemSize) };
        offset += byteSize;

        if (name.isEmpty()) {
            // Padding: void bytes with an empty name only take room.
            if (fieldType->kind() != DTypeKind::Void || !shape.empty())
                return Error { {}, {}, QStringLiteral("a structured field has an empty name") };
            continue;
        }
        fields.push_back(std::move(field));
    }
    return DType::structured(std::move(fields), offset);
}

} // namespace

Result<DType> DType::fromDescr(const QJsonValue& descr)
{
    return fromDescrJson(descr, 0);
}

bool DType::isValid() const
{
    return d->valid;
}
DTypeKind DType::kind() const
{
    return d->kind;
}
ByteOrder DType::byteOrder() const
{
    return d->order;
}
qint64 DType::itemSize() const
{
    return d->itemSize;
}
DateTimeUnit DType::dateTimeUnit() const
{
    return d->unit;
}
int DType::dateTimeUnitCount() const
{
    return d->unitCount;
}
const std::vector<DTypeField>& DType::fields() const
{
    return d->fields;
}

bool DType::isNativeOrder() const
{
    if (d->order == ByteOrder::Big)
        return false;
    for (const DTypeField& field : d->fields)
        if (!field.dtype.isNativeOrder())
            return false;
    return true;
}

DType DType::withNativeOrder() const
{
    if (isNativeOrder())
        return *this;
    auto data = std::make_shared<Data>(*d);
    if (data->order == ByteOrder::Big)
        data->order = ByteOrder::Little;
    for (DTypeField& field : data->fields)
        field.dtype = field.dtype.withNativeOrder();
    return DType(std::move(data));
}

qint64 DType::characterCount() const
{
    if (d->kind == DTypeKind::Unicode)
        return d->itemSize / 4;
    if (d->kind == DTypeKind::Bytes)
        return d->itemSize;
    return 0;
}

const DTypeField* DType::field(const QString& name) const
{
    for (const DTypeField& field : d->fields)
        if (field.name == name)
            return &field;
    return nullptr;
}

bool DType::isNumeric() const
{
    switch (d->kind) {
    case DTypeKind::Bool:
    case DTypeKind::Int:
    case DTypeKind::UInt:
    case DTypeKind::Float:
    case DTypeKind::Complex:
        return isReadable();
    default:
        return false;
    }
}

bool DType::isReadable() const
{
    return unreadableReason().isEmpty();
}

QString DType::unreadableReason() const
{
    if (!d->valid)
        return QStringLiteral("invalid dtype");
    switch (d->kind) {
    case DTypeKind::Object:
        return QStringLiteral("object array: it holds a Python pickle, which Nemoscope does not run");
    case DTypeKind::Float:
        if (d->itemSize > 8)
            return QStringLiteral("long double (%1) has no portable layout and is not supported").arg(descr());
        break;
    case DTypeKind::Complex:
        if (d->itemSize > 16)
            return QStringLiteral("complex long double (%1) has no portable layout and is not supported").arg(descr());
        break;
    case DTypeKind::Structured:
        for (const DTypeField& field : d->fields) {
            const QString reason = field.dtype.unreadableReason();
            if (!reason.isEmpty())
                return QStringLiteral("field '%1': %2").arg(field.name, reason);
        }
        break;
    default:
        break;
    }
    return QString();
}

QString DType::descr() const
{
    if (d->kind == DTypeKind::Structured) {
        QStringList parts;
        qint64 offset = 0;
        for (const DTypeField& field : d->fields) {
            if (field.offset > offset)
                parts << QStringLiteral("('', '%1')").arg(paddingDescr(field.offset - offset));
            QString part = QLatin1Char('(') + pyRepr(field.name) + QStringLiteral(", ");
            part += field.dtype.kind() == DTypeKind::Structured ? field.dtype.descr() : pyRepr(field.dtype.descr());
            if (!field.shape.empty())
                part += QStringLiteral(", ") + shapeRepr(field.shape);
            part += QLatin1Char(')');
            parts << part;
            offset = field.offset + field.byteSize();
        }
        if (d->itemSize > offset)
            parts << QStringLiteral("('', '%1')").arg(paddingDescr(d->itemSize - offset));
        return QLatin1Char('[') + parts.join(QStringLiteral(", ")) + QLatin1Char(']');
    }

    QChar order = u'|';
    if (d->order == ByteOrder::Little)
        order = u'<';
    else if (d->order == ByteOrder::Big)
        order = u'>';

    switch (d->kind) {
    case DTypeKind::Bool:
        return QStringLiteral("|b1");
    case DTypeKind::Int:
        return order + QStringLiteral("i%1").arg(d->itemSize);
    case DTypeKind::UInt:
        return order + QStringLiteral("u%1").arg(d->itemSize);
    case DTypeKind::Float:
        return order + QStringLiteral("f%1").arg(d->itemSize);
    case DTypeKind::Complex:
        return order + QStringLiteral("c%1").arg(d->itemSize);
    case DTypeKind::DateTime:
    case DTypeKind::TimeDelta: {
        QString text = order + QLatin1String(d->kind == DTypeKind::DateTime ? "M8" : "m8");
        if (d->unit != DateTimeUnit::Generic)
            text += QLatin1Char('[') + (d->unitCount != 1 ? QString::number(d->unitCount) : QString())
                + unitCode(d->unit) + QLatin1Char(']');
        return text;
    }
    case DTypeKind::Unicode:
        return order + QStringLiteral("U%1").arg(d->itemSize / 4);
    case DTypeKind::Bytes:
        return QStringLiteral("|S%1").arg(d->itemSize);
    case DTypeKind::Void:
        return QStringLiteral("|V%1").arg(d->itemSize);
    case DTypeKind::Object:
        return QStringLiteral("|O");
    case DTypeKind::Structured:
        break;
    }
    return QString();
}

QJsonValue DType::descrJson() const
{
    if (d->kind != DTypeKind::Structured)
        return descr();
    QJsonArray list;
    qint64 offset = 0;
    for (const DTypeField& field : d->fields) {
        if (field.offset > offset)
            list.append(QJsonArray { QString(), paddingDescr(field.offset - offset) });
        QJsonArray entry { field.name, field.dtype.descrJson() };
        if (!field.shape.empty()) {
            QJsonArray shape;
            for (const qint64 dim : field.shape)
                shape.append(double(dim));
            entry.append(shape);
        }
        list.append(entry);
        offset = field.offset + field.byteSize();
    }
    if (d->itemSize > offset)
        list.append(QJsonArray { QString(), paddingDescr(d->itemSize - offset) });
    return list;
}

QString DType::name() const
{
    if (d->order == ByteOrder::Big)
        return descr();
    switch (d->kind) {
    case DTypeKind::Bool:
        return QStringLiteral("bool");
    case DTypeKind::Int:
        return QStringLiteral("int%1").arg(d->itemSize * 8);
    case DTypeKind::UInt:
        return QStringLiteral("uint%1").arg(d->itemSize * 8);
    case DTypeKind::Float:
        return QStringLiteral("float%1").arg(d->itemSize * 8);
    case DTypeKind::Complex:
        return QStringLiteral("complex%1").arg(d->itemSize * 8);
    case DTypeKind::DateTime:
    case DTypeKind::TimeDelta: {
        QString text = QLatin1String(d->kind == DTypeKind::DateTime ? "datetime64" : "timedelta64");
        if (d->unit != DateTimeUnit::Generic)
            text += QLatin1Char('[') + (d->unitCount != 1 ? QString::number(d->unitCount) : QString())
                + unitCode(d->unit) + QLatin1Char(']');
        return text;
    }
    case DTypeKind::Object:
        return QStringLiteral("object");
    default:
        return descr();
    }
}

bool DType::operator==(const DType& other) const
{
    if (d == other.d)
        return true;
    if (d->valid != other.d->valid || d->kind != other.d->kind || d->order != other.d->order
        || d->itemSize != other.d->itemSize || d->unit != other.d->unit || d->unitCount != other.d->unitCount
        || d->fields.size() != other.d->fields.size())
        return false;
    for (std::size_t i = 0; i < d->fields.size(); ++i) {
        const DTypeField& a = d->fields[i];
        const DTypeField& b = other.d->fields[i];
        if (a.name != b.name || a.offset != b.offset || a.shape != b.shape || a.dtype != b.dtype)
            return false;
    }
    return true;
}

qint64 DTypeField::byteSize() const
{
    qint64 count = 1;
    for (const qint64 dim : shape) {
        if (dim < 0 || (dim > 0 && count > kMaxItemSize / dim))
            return -1;
        count *= dim;
    }
    if (count > 0 && dtype.itemSize() > kMaxItemSize / count)
        return -1;
    return count * dtype.itemSize();
}

} // namespace nemoscope::npy
