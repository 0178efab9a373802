#pragma once

#include "arraycontext.h"
#include "npy/ndarray.h"

#include <QWidget>

class QComboBox;
class QHBoxLayout;
class QLabel;
class QSpinBox;
class QTableView;
class QTabWidget;

namespace nemoscope::ui {

class ArrayTableModel;
class PlotPanel;
class StatisticsPanel;

// The detail area for an array: what it is (dtype, shape, memory layout, where it comes from), a table of
// its values with a slicer for more than two dimensions (pick the two axes shown, index the others),
// statistics and plots. Copies a selection as tab-separated text or a NumPy literal; exports the shown
// slice as CSV or the whole array as .npy.
class ArrayViewer : public QWidget
{
    Q_OBJECT

public:
    enum class CopyFormat
    {
        TabSeparated,
        NumPyLiteral,
    };

    explicit ArrayViewer(QWidget* parent = nullptr);
    ~ArrayViewer() override;

    void setArray(const npy::NdArray& array, const ArrayContext& context = {});
    const npy::NdArray& array() const { return m_array; }
    const ArrayContext& context() const { return m_context; }

    ArrayTableModel* tableModel() const { return m_model; }
    QTableView* tableView() const { return m_table; }
    StatisticsPanel* statisticsPanel() const { return m_statistics; }
    PlotPanel* plotPanel() const { return m_plot; }
    QTabWidget* tabs() const { return m_tabs; }

    // Scrolls to a row of the slice, moving to the page that holds it.
    void goToRow(qint64 row);

    // Chooses the slice (as ArrayTableModel::setSlice) and updates the slicer's controls.
    bool setSlice(int rowAxis, int columnAxis, const std::vector<qint64>& index);

    // The selected cells (their bounding rectangle) as text; everything shown when nothing is selected
    // and the slice is small. Empty when the selection is too large to copy (over a million cells).
    QString selectionText(CopyFormat format) const;
    void copySelection(CopyFormat format);

    // Writes the shown slice as CSV, or the whole array as .npy (atomically). The Error says why not.
    Result<void> exportCsv(const QString& path) const;
    Result<void> exportNpy(const QString& path) const;

private:
    void buildSlicer();
    void applySlicer();
    void sliceChanged();
    void fitColumns();
    void updatePageBar();
    void exportWithDialog(bool npy);

    npy::NdArray m_array;
    ArrayContext m_context;
    QLabel* m_title = nullptr;
    QLabel* m_facts = nullptr;
    QLabel* m_description = nullptr;
    QWidget* m_slicer = nullptr;
    QHBoxLayout* m_slicerLayout = nullptr;
    QComboBox* m_rowAxisBox = nullptr;
    QComboBox* m_columnAxisBox = nullptr;
    QList<QSpinBox*> m_axisSpins;
    QWidget* m_pageBar = nullptr;
    QLabel* m_pageLabel = nullptr;
    QTabWidget* m_tabs = nullptr;
    QTableView* m_table = nullptr;
    ArrayTableModel* m_model = nullptr;
    StatisticsPanel* m_statistics = nullptr;
    PlotPanel* m_plot = nullptr;
    bool m_plotStale = true;
    bool m_statisticsStarted = false;
};

} // namespace nemoscope::ui
