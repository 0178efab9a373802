#pragma once

#include "error.h"
#include "npy/dtype.h"

#include <Eigen/Core>
#include <QByteArray>
#include <QString>
#include <QStringList>

#include <complex>
#include <memory>
#include <optional>
#include <vector>

namespace nemoscope::npy {

// A zero-copy view of float64 data as an Eigen matrix, with the array's own strides (in doubles).
using ConstMatrixMap
    = Eigen::Map<const Eigen::MatrixXd, Eigen::Unaligned, Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>>;

// An immutable, typed n-dimensional array: a dtype, a shape, byte strides and the bytes they index. The bytes
// are either owned (a QByteArray) or borrowed from a memory-mapped file whose mapping a shared owner keeps
// alive as long as any copy or view of the array exists. Copies are cheap: every copy shares the same data.
//
// Elements are addressed by their logical flat index in C order (the last axis varies fastest), whatever the
// memory layout, or by a multi-index. Indices are not range-checked beyond what Q_ASSERT catches in debug
// builds; callers stay within size() and shape().
class NdArray
{
public:
    // A null array (isNull()): no dtype, no shape, no data.
    NdArray();

    // An array over data laid out in C order (or Fortran order) with the dtype's byte order. Fails when the
    // dtype is not readable or data does not hold exactly product(shape) * itemsize bytes (sizes overflow-checked).
    static Result<NdArray> fromBytes(
        const DType& dtype, const std::vector<qint64>& shape, QByteArray data, bool fortranOrder = false);
    // As fromBytes, but borrowing size bytes at data; owner keeps them valid (a file mapping, a buffer).
    static Result<NdArray> fromBorrowed(const DType& dtype, const std::vector<qint64>& shape, bool fortranOrder,
        const char* data, qint64 size, std::shared_ptr<const void> owner);

    // float64 arrays from Eigen: a matrix becomes 2-D (rows, cols) in C order, a vector 1-D.
    static NdArray fromMatrix(const Eigen::MatrixXd& matrix);
    static NdArray fromVector(const Eigen::VectorXd& vector);
    // 0-d arrays, as nemos stores scalars: float64, int64, bool, and `<U` text (at least one character wide,
    // as NumPy makes np.array("")).
    static NdArray fromDouble(double value);
    static NdArray fromInt64(qint64 value);
    static NdArray fromBool(bool value);
    static NdArray fromString(const QString& value);
    // 1-D `<U` array as wide as its longest string (NumPy's np.array(list_of_str)).
    static NdArray fromStrings(const QStringList& values);

    bool isNull() const;
    const DType& dtype() const;
    const std::vector<qint64>& shape() const;
    const std::vector<qint64>& strides() const; // bytes per step along each axis; may be 0 or negative in views
    int ndim() const;
    qint64 size() const; // number of elements
    bool fortranOrder() const; // laid out as Fortran order on disk / in memory
    bool isCContiguous() const;
    bool isFContiguous() const;
    bool isBorrowed() const; // data lives in a file mapping rather than owned memory

    // Address of element (0, ..., 0). Element at multi-index i is at constData() + sum(i[k] * strides()[k]).
    const char* constData() const;
    qint64 byteOffset(qint64 flatIndex) const; // from constData(), for a C-order flat index
    qint64 byteOffset(const std::vector<qint64>& index) const;

    // The elements in C order as one contiguous buffer in the array's own dtype (a copy unless already so).
    QByteArray toCOrderBytes() const;

    // Element access. toDouble is NaN for non-numeric dtypes (text, dates give NaN; bool gives 0/1; complex
    // its real part). datetime64/timedelta64 give their integer count (NaT as NaN) in toDouble.
    bool isNumeric() const;
    double toDouble(qint64 flatIndex) const;
    double toDouble(const std::vector<qint64>& index) const;
    qint64 toInt64(qint64 flatIndex) const; // integers, bools, datetimes exactly; floats truncated
    std::complex<double> toComplex(qint64 flatIndex) const;
    std::complex<double> toComplex(const std::vector<qint64>& index) const;
    // The text of `<U` (trailing NULs stripped) and `|S` (bytes as Latin-1, trailing NULs stripped) elements.
    QString toText(qint64 flatIndex) const;
    // How NumPy would print the element: 1.5, -3, True, nan, inf, 1+2j, text, 2026-01-01 / 2026-01-01T10:00
    // (datetime64 in ISO form, NaT), `5 days` style for timedelta64, hex for void, (a, b) for structured records.
    QString displayText(qint64 flatIndex) const;
    QString displayText(const std::vector<qint64>& index) const;

    // 0-d convenience (element 0 of any array).
    bool isScalar() const { return ndim() == 0; }
    double scalarDouble() const { return toDouble(qint64(0)); }
    qint64 scalarInt() const { return toInt64(0); }
    bool scalarBool() const { return toInt64(0) != 0; }
    QString scalarString() const { return toText(0); }

    // A view of one field of a structured array: the field's dtype, the array's shape followed by the field's
    // subarray shape. No copy.
    Result<NdArray> field(const QString& name) const;

    // A 2-D view for display: rows along rowAxis, columns along columnAxis (or one column when columnAxis is
    // -1), every other axis k fixed at index[k] (index has ndim() entries; those of the two shown axes are
    // ignored). A 0-d array gives a 1x1 view. No copy.
    Result<NdArray> view2D(int rowAxis, int columnAxis, const std::vector<qint64>& index) const;
    // A view of the sub-array at index along axis 0 (ndim() - 1 dimensions).
    Result<NdArray> subArray(qint64 index) const;

    // A converted float64 copy of any numeric array: 0-d as 1x1, 1-D as a column, 2-D as is. More dimensions,
    // non-numeric dtypes or more elements than memory allows give an Error.
    Result<Eigen::MatrixXd> toMatrix() const;
    // 0-d or 1-D numeric arrays, and 2-D arrays with one row or one column, as a float64 vector (a copy).
    Result<Eigen::VectorXd> toVector() const;
    // Zero-copy access when the data is native float64, at most 2-D, aligned for double and with strides
    // that are whole doubles; std::nullopt otherwise (use toMatrix()).
    std::optional<ConstMatrixMap> matrixMap() const;

    // Same dtype, shape and element values (bytes compared element by element in C order).
    bool operator==(const NdArray& other) const;
    bool operator!=(const NdArray& other) const { return !(*this == other); }

private:
    struct Data;
    std::shared_ptr<const Data> d;
};

// The product of shape, or an Error if it overflows qint64 or a dimension is negative.
Result<qint64> checkedElementCount(const std::vector<qint64>& shape);
// elements * itemSize, or an Error on overflow.
Result<qint64> checkedByteCount(qint64 elements, qint64 itemSize);

} // namespace nemoscope::npy
