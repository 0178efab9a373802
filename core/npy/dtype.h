#pragma once

#include "error.h"

#include <QString>

#include <memory>
#include <vector>

class QJsonValue;

namespace nemoscope::npy {

struct DTypeField;

// What a NumPy element is, independent of byte order and size.
enum class DTypeKind
{
    Bool,
    Int,
    UInt,
    Float,
    Complex,
    DateTime,
    TimeDelta,
    Unicode, // fixed-width UCS-4 text (`<U5`), itemsize = 4 * characters
    Bytes, // fixed-width byte string (`|S5`)
    Void, // opaque bytes (`|V8`)
    Structured, // named fields at byte offsets, possibly with padding between them
    Object, // pickled Python objects: listed, never read
};

enum class ByteOrder
{
    Little,
    Big,
    NotApplicable, // `|`: single bytes, strings, void, object
};

// The unit of a datetime64 / timedelta64 (`M8[ns]`); Generic is NumPy's unit-less `M8`.
enum class DateTimeUnit
{
    Generic,
    Year,
    Month,
    Week,
    Day,
    Hour,
    Minute,
    Second,
    Millisecond,
    Microsecond,
    Nanosecond,
    Picosecond,
    Femtosecond,
    Attosecond,
};

// A NumPy dtype as it appears in an .npy header's `descr`: the string form (`<f8`, `|S3`, `<M8[D]`) or,
// for structured dtypes, the list form `[('x', '<f8'), ('', '|V4'), ('m', '<i4', (2, 3))]` in which an
// empty name marks padding. Immutable and cheap to copy.
//
// Every dtype NumPy can write is parsed so that it can be listed; isReadable() says whether Nemoscope can
// also read its values (object arrays hold pickles and are never read; long double has no portable layout).
class DType
{
public:
    // A default DType is `|V0`, which no parser produces; isValid() tells it apart.
    DType();

    static DType boolean();
    static DType int8();
    static DType int16();
    static DType int32();
    static DType int64();
    static DType uint8();
    static DType uint16();
    static DType uint32();
    static DType uint64();
    static DType float16();
    static DType float32();
    static DType float64();
    static DType complex64();
    static DType complex128();
    // Numeric kinds (Bool, Int, UInt, Float, Complex) of the given itemsize in the given order.
    // itemsize must be one NumPy uses for that kind; nothing is checked here beyond what descr() needs.
    static DType numeric(DTypeKind kind, int itemSize, ByteOrder order = ByteOrder::Little);
    static DType unicode(qint64 characters, ByteOrder order = ByteOrder::Little);
    static DType bytes(qint64 size);
    static DType voidType(qint64 size);
    static DType dateTime(DateTimeUnit unit, int unitCount = 1, ByteOrder order = ByteOrder::Little);
    static DType timeDelta(DateTimeUnit unit, int unitCount = 1, ByteOrder order = ByteOrder::Little);
    // Fields must be ordered by offset and must not overlap; itemSize covers every field (trailing padding
    // allowed). Returns an Error otherwise.
    static Result<DType> structured(std::vector<DTypeField> fields, qint64 itemSize);

    // Parses NumPy's descr in string form: `<f8`, `>i4`, `|b1`, `<U5`, `|S3`, `|V8`, `<M8[ns]`, `|O`, ...
    static Result<DType> fromDescr(const QString& descr);
    // Parses NumPy's descr as JSON: a string as above, or the list form [[name, descr], [name, descr, shape]]
    // where descr may itself be a list (nested structured dtype) and an empty name marks padding.
    static Result<DType> fromDescr(const QJsonValue& descr);

    bool isValid() const;
    DTypeKind kind() const;
    ByteOrder byteOrder() const;
    qint64 itemSize() const;
    // True when the bytes need no swapping on this machine (little-endian, or order not applicable).
    bool isNativeOrder() const;
    // This dtype with native (little-endian) byte order, fields included.
    DType withNativeOrder() const;
    DateTimeUnit dateTimeUnit() const;
    int dateTimeUnitCount() const; // 10 for `M8[10ms]`, 1 usually
    qint64 characterCount() const; // Unicode: itemSize / 4; Bytes: itemSize; else 0
    // Named fields of a Structured dtype, by offset (padding is not a field: it is the gaps between them).
    const std::vector<DTypeField>& fields() const;
    const DTypeField* field(const QString& name) const;

    // Numbers (bool, int, uint, float, complex) that toDouble() converts.
    bool isNumeric() const;
    // False for object arrays, long double and complex long double, and structured dtypes containing them.
    bool isReadable() const;
    // Why isReadable() is false, in words for the user; empty when readable.
    QString unreadableReason() const;

    // NumPy's descr in string form (`<f8`); for Structured, the Python literal of the list form exactly as
    // NumPy writes it in an .npy header (`[('x', '<f8'), ('', '|V4')]`).
    QString descr() const;
    // The descr as JSON: a string, or for Structured a list of [name, descr] / [name, descr, shape] lists.
    QJsonValue descrJson() const;
    // A human name: float64, int32, bool, complex128, datetime64[ns], <U5, |S3, ..., big-endian marked
    // (`>f8`), structured dtypes as their descr.
    QString name() const;

    bool operator==(const DType& other) const;
    bool operator!=(const DType& other) const { return !(*this == other); }

private:
    struct Data;
    explicit DType(std::shared_ptr<const Data> data);
    std::shared_ptr<const Data> d;
};

// One named field of a structured dtype. A subarray field (`('m', '<i4', (2, 3))`) has a shape; its dtype is
// the element type and it occupies product(shape) * dtype.itemSize() bytes from offset.
struct DTypeField
{
    QString name;
    DType dtype;
    qint64 offset = 0;
    std::vector<qint64> shape;

    qint64 byteSize() const; // dtype.itemSize() times the product of shape
};

} // namespace nemoscope::npy
