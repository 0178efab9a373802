#include "arraytablemodel.h"

#include <QBrush>
#include <QColor>
#include <QFont>
#include <QFontDatabase>

#include <climits>
#include <cmath>

namespace nemoscope::ui {

namespace {

bool isFloating(const npy::DType& dtype)
{
    return dtype.kind() == npy::DTypeKind::Float || dtype.kind() == npy::DTypeKind::Complex;
}

// The elements of a subarray field cell, NumPy style, the first few only.
QString subarrayText(const npy::NdArray& field, qint64 first, qint64 count)
{
    constexpr qint64 shown = 6;
    QStringList parts;
    for (qint64 k = 0; k < std::min(count, shown); ++k)
        parts << field.displayText(first + k);
    if (count > shown)
        parts << QStringLiteral("…");
    return QLatin1Char('[') + parts.join(QStringLiteral(", ")) + QLatin1Char(']');
}

} // namespace

ArrayTableModel::ArrayTableModel(QObject* parent)
    : QAbstractTableModel(parent)
{ }

ArrayTableModel::~ArrayTableModel() = default;

void ArrayTableModel::setArray(const npy::NdArray& array)
{
    beginResetModel();
    m_array = array;
    m_index.assign(size_t(std::max(array.ndim(), 0)), 0);
    m_rowAxis = array.ndim() >= 1 ? 0 : -1;
    m_columnAxis = array.ndim() >= 2 && array.dtype().kind() != npy::DTypeKind::Structured ? 1 : -1;
    m_rowOffset = 0;
    m_floating = !array.isNull() && isFloating(array.dtype());
    m_numeric = !array.isNull() && array.isNumeric();
    if (!rebuildView())
        m_view = npy::NdArray();
    endResetModel();
}

Result<void> ArrayTableModel::setSlice(int rowAxis, int columnAxis, const std::vector<qint64>& index)
{
    const int ndim = m_array.ndim();
    if (rowAxis < -1 || rowAxis >= ndim || columnAxis < -1 || columnAxis >= ndim
        || (rowAxis >= 0 && rowAxis == columnAxis) || (rowAxis < 0 && ndim > 0))
        return Error { {}, {},
            tr("axes %1 and %2 do not fit an array of %3 dimensions").arg(rowAxis).arg(columnAxis).arg(ndim) };
    if (index.size() != size_t(ndim))
        return Error { {}, {}, tr("the index has %1 entries for %2 dimensions").arg(index.size()).arg(ndim) };
    for (int axis = 0; axis < ndim; ++axis) {
        if (axis == rowAxis || axis == columnAxis)
            continue;
        if (index[size_t(axis)] < 0 || index[size_t(axis)] >= m_array.shape()[size_t(axis)])
            return Error { {}, {},
                tr("index %1 is outside axis %2 of length %3")
                    .arg(index[size_t(axis)])
                    .arg(axis)
                    .arg(m_array.shape()[size_t(axis)]) };
    }
    if (m_array.dtype().kind() == npy::DTypeKind::Structured && columnAxis >= 0)
        return Error { {}, {}, tr("a structured array shows its fields as columns") };

    const int oldRowAxis = m_rowAxis;
    const int oldColumnAxis = m_columnAxis;
    const std::vector<qint64> oldIndex = m_index;
    beginResetModel();
    m_rowAxis = rowAxis;
    m_columnAxis = columnAxis;
    m_index = index;
    m_rowOffset = 0;
    Result<void> built = rebuildView();
    if (!built) {
        m_rowAxis = oldRowAxis;
        m_columnAxis = oldColumnAxis;
        m_index = oldIndex;
        (void)rebuildView();
    }
    endResetModel();
    return built;
}

Result<void> ArrayTableModel::rebuildView()
{
    m_fields.clear();
    m_fieldNames.clear();
    if (m_array.isNull()) {
        m_view = npy::NdArray();
        return {};
    }
    auto view = m_array.view2D(m_rowAxis, m_columnAxis, m_index);
    if (!view)
        return view.error();
    m_view = view.value();

    if (m_array.dtype().kind() == npy::DTypeKind::Structured) {
        for (const npy::DTypeField& field : m_array.dtype().fields()) {
            auto fieldView = m_view.field(field.name);
            if (!fieldView)
                continue;
            m_fields.push_back(fieldView.value());
            m_fieldNames << field.name;
        }
    }
    return {};
}

qint64 ArrayTableModel::totalRows() const
{
    return m_view.isNull() ? 0 : m_view.shape()[0];
}

void ArrayTableModel::setRowOffset(qint64 offset)
{
    offset = std::clamp<qint64>(offset, 0, std::max<qint64>(0, totalRows() - 1));
    if (offset == m_rowOffset)
        return;
    beginResetModel();
    m_rowOffset = offset;
    endResetModel();
}

int ArrayTableModel::rowCount(const QModelIndex& parent) const
{
    if (parent.isValid() || m_view.isNull())
        return 0;
    return int(std::min(totalRows() - m_rowOffset, pageRows));
}

int ArrayTableModel::columnCount(const QModelIndex& parent) const
{
    if (parent.isValid() || m_view.isNull())
        return 0;
    if (showsFields())
        return int(m_fieldNames.size());
    return int(std::min(m_view.shape()[1], maxColumns));
}

QString ArrayTableModel::cellText(qint64 row, int column) const
{
    m_cellReads.fetch_add(1, std::memory_order_relaxed);
    if (showsFields()) {
        const npy::NdArray& field = m_fields[size_t(column)];
        qint64 perRecord = 1;
        for (size_t axis = 2; axis < field.shape().size(); ++axis)
            perRecord *= field.shape()[axis];
        if (field.ndim() <= 2)
            return field.displayText(std::vector<qint64> { row, 0 });
        return subarrayText(field, row * perRecord, perRecord);
    }
    return m_view.displayText(std::vector<qint64> { row, column });
}

double ArrayTableModel::cellValue(qint64 row, int column) const
{
    if (showsFields()) {
        const npy::NdArray& field = m_fields[size_t(column)];
        if (field.ndim() > 2 || !field.isNumeric())
            return std::nan("");
        return field.toDouble(std::vector<qint64> { row, 0 });
    }
    return m_view.toDouble(std::vector<qint64> { row, column });
}

QString ArrayTableModel::cellLiteral(qint64 row, int column) const
{
    const QString text = cellText(row, column);
    const npy::DTypeKind kind = showsFields() ? m_fields[size_t(column)].dtype().kind() : m_view.dtype().kind();
    switch (kind) {
    case npy::DTypeKind::Float:
    case npy::DTypeKind::Complex:
        if (text == QLatin1String("nan"))
            return QStringLiteral("np.nan");
        if (text == QLatin1String("inf"))
            return QStringLiteral("np.inf");
        if (text == QLatin1String("-inf"))
            return QStringLiteral("-np.inf");
        return kind == npy::DTypeKind::Complex ? QLatin1Char('(') + text + QLatin1Char(')') : text;
    case npy::DTypeKind::Bool:
    case npy::DTypeKind::Int:
    case npy::DTypeKind::UInt:
        return text;
    default: {
        QString escaped = text;
        escaped.replace(QLatin1Char('\\'), QStringLiteral("\\\\")).replace(QLatin1Char('\''), QStringLiteral("\\'"));
        return QLatin1Char('\'') + escaped + QLatin1Char('\'');
    }
    }
}

QVariant ArrayTableModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const qint64 row = m_rowOffset + index.row();
    const int column = index.column();

    switch (role) {
    case Qt::DisplayRole:
    case Qt::ToolTipRole:
        return cellText(row, column);
    case ValueRole:
        m_cellReads.fetch_add(1, std::memory_order_relaxed);
        return cellValue(row, column);
    case NonFiniteRole:
    case Qt::BackgroundRole:
    case Qt::ForegroundRole: {
        const bool floating = showsFields()
            ? isFloating(m_fields[size_t(column)].dtype()) && m_fields[size_t(column)].ndim() <= 2
            : m_floating;
        if (!floating)
            return role == NonFiniteRole ? QVariant(false) : QVariant();
        m_cellReads.fetch_add(1, std::memory_order_relaxed);
        double value = 0;
        double imaginary = 0;
        if (showsFields()) {
            value = cellValue(row, column);
        } else {
            const std::complex<double> element = m_view.toComplex(std::vector<qint64> { row, column });
            value = element.real();
            imaginary = element.imag();
        }
        const bool nan = std::isnan(value) || std::isnan(imaginary);
        const bool inf = std::isinf(value) || std::isinf(imaginary);
        if (role == NonFiniteRole)
            return nan || inf;
        if (!nan && !inf)
            return {};
        if (role == Qt::ForegroundRole)
            return QBrush(nan ? QColor(0xb0, 0x1e, 0x1e) : QColor(0xa8, 0x55, 0x00));
        return QBrush(nan ? QColor(0xe5, 0x39, 0x35, 60) : QColor(0xfb, 0x8c, 0x00, 60));
    }
    case Qt::TextAlignmentRole:
        if (showsFields() ? m_fields[size_t(column)].isNumeric() : m_numeric)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        return int(Qt::AlignLeft | Qt::AlignVCenter);
    case Qt::FontRole:
        return QFontDatabase::systemFont(QFontDatabase::FixedFont);
    }
    return {};
}

QVariant ArrayTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (role == Qt::ToolTipRole && orientation == Qt::Horizontal && showsFields() && section < m_fieldNames.size()) {
        const npy::DTypeField* field = m_array.dtype().field(m_fieldNames[section]);
        return field ? field->dtype.name() : QVariant();
    }
    if (role != Qt::DisplayRole)
        return {};
    if (orientation == Qt::Horizontal && showsFields())
        return section < m_fieldNames.size() ? QVariant(m_fieldNames[section]) : QVariant();
    if (orientation == Qt::Horizontal && m_columnAxis < 0)
        return tr("value");
    return QString::number(orientation == Qt::Vertical ? m_rowOffset + section : qint64(section));
}

} // namespace nemoscope::ui
