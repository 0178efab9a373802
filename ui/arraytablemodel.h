#pragma once

#include "error.h"
#include "npy/ndarray.h"

#include <QAbstractTableModel>
#include <QStringList>

#include <atomic>
#include <vector>

namespace nemoscope::ui {

// A table over a two-dimensional slice of an n-dimensional array that reads only the cells the view asks
// for: a memory-mapped array of 10^8 elements scrolls without its pages being touched beyond those shown.
//
// Rows run along rowAxis, columns along columnAxis (or a single column when it is -1); every other axis is
// fixed at its entry of sliceIndex. A structured array shows its fields as columns, rows along rowAxis.
// Cells show elements as NumPy prints them (complex as a+bj, dates in ISO form); NaN and infinities are
// tinted.
//
// Rows come in pages of pageRows: QHeaderView keeps a few bytes for every row it is given, so a view over
// 10^8 rows would cost 800 MB however little of the array it reads. The viewer moves between pages with
// setRowOffset(); the row headers show the true index along the axis. Columns are not paged: an axis of
// more than a million columns shows its first million.
class ArrayTableModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Role
    {
        ValueRole = Qt::UserRole + 1, // the element as a double (NaN for text)
        NonFiniteRole, // bool: NaN or infinite
    };

    explicit ArrayTableModel(QObject* parent = nullptr);
    ~ArrayTableModel() override;

    // Shows array, rows along axis 0 and columns along axis 1 (when it has one), other axes at 0.
    void setArray(const npy::NdArray& array);
    const npy::NdArray& array() const { return m_array; }

    // Chooses the slice shown. Fails (leaving the table as it was) for axes out of range, equal axes,
    // or an index outside an axis.
    Result<void> setSlice(int rowAxis, int columnAxis, const std::vector<qint64>& index);
    int rowAxis() const { return m_rowAxis; }
    int columnAxis() const { return m_columnAxis; }
    const std::vector<qint64>& sliceIndex() const { return m_index; }
    // The two-dimensional view shown (rows x columns; for a structured array, rows x 1 records).
    const npy::NdArray& view() const { return m_view; }
    bool showsFields() const { return !m_fieldNames.isEmpty(); }
    QStringList fieldNames() const { return m_fieldNames; }

    static constexpr qint64 pageRows = qint64(1) << 20;
    static constexpr qint64 maxColumns = qint64(1) << 20;

    // All rows of the slice, and the first row of the page shown (a multiple of nothing in particular).
    qint64 totalRows() const;
    qint64 rowOffset() const { return m_rowOffset; }
    // Shows the page starting at offset (clamped to the slice).
    void setRowOffset(qint64 offset);

    // The text and number of a cell of the slice, by its row along the whole slice (not the page).
    QString cellText(qint64 row, int column) const;
    double cellValue(qint64 row, int column) const;
    // A cell's text as a Python literal for NumPy (strings quoted, nan as np.nan).
    QString cellLiteral(qint64 row, int column) const;

    // How many elements data() has read since the last reset: what a test checks to see that only the
    // visible cells are read.
    qint64 cellReads() const { return m_cellReads.load(); }
    void resetCellReads() { m_cellReads.store(0); }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    Result<void> rebuildView();

    npy::NdArray m_array;
    npy::NdArray m_view;
    std::vector<npy::NdArray> m_fields; // field views (rows x 1 x subarray shape) of a structured array
    QStringList m_fieldNames;
    int m_rowAxis = -1;
    int m_columnAxis = -1;
    std::vector<qint64> m_index;
    qint64 m_rowOffset = 0;
    bool m_floating = false;
    bool m_numeric = false;
    mutable std::atomic<qint64> m_cellReads { 0 };
};

} // namespace nemoscope::ui
