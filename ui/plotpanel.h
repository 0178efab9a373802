#pragma once

#include "arraycontext.h"
#include "npy/ndarray.h"

#include <QList>
#include <QPointF>
#include <QWidget>

#include <functional>

class QChart;
class QChartView;
class QComboBox;
class QLabel;
class QLineEdit;
class QStackedWidget;

namespace nemoscope::ui {

class HeatmapView;

// The plot tab of the array viewer (Qt Charts, and an image view for two dimensions): a line plot of a
// 1-D array or of chosen rows or columns of a 2-D slice, a histogram, a heatmap with a colour bar, and for
// a model's coefficients a stem plot with the intercept marked (a PopulationGLM's coef_ as a heatmap of
// features by neurons). Long series are reduced to their minimum and maximum per pixel column's worth of
// elements, so that a 10^8-element array plots at once.
class PlotPanel : public QWidget
{
    Q_OBJECT

public:
    enum class Kind
    {
        Line,
        Histogram,
        Heatmap,
        Stem,
    };

    explicit PlotPanel(QWidget* parent = nullptr);
    ~PlotPanel() override;

    // view: the 2-D slice the table shows (rows x columns; a 1-D array as n x 1).
    void setData(const npy::NdArray& view, const ArrayContext& context);
    QList<Kind> availableKinds() const { return m_kinds; }
    void setKind(Kind kind);
    Kind kind() const { return m_kind; }

    QChart* chart() const;
    HeatmapView* heatmap() const { return m_heatmap; }

    // Selects which rows or columns the line plot draws, e.g. "0-3, 7" (at most 20 lines).
    void setLineSelection(bool columns, const QString& indices);

    // Points of a long series reduced to at most about 2 * buckets: each bucket's minimum and maximum,
    // reading at most samplesPerBucket elements of it.
    static QList<QPointF> reduceSeries(
        const std::function<double(qint64)>& at, qint64 count, qint64 buckets = 2000, qint64 samplesPerBucket = 64);

private:
    void rebuild();
    void plotLine();
    void plotHistogram();
    void plotStem();
    void plotHeatmap();
    void resetChart(const QString& title);

    npy::NdArray m_view;
    ArrayContext m_context;
    QList<Kind> m_kinds;
    Kind m_kind = Kind::Line;

    QComboBox* m_kindBox = nullptr;
    QComboBox* m_alongBox = nullptr;
    QLineEdit* m_indices = nullptr;
    QWidget* m_lineControls = nullptr;
    QLabel* m_caption = nullptr;
    QStackedWidget* m_stack = nullptr;
    QChartView* m_chartView = nullptr;
    HeatmapView* m_heatmap = nullptr;
};

} // namespace nemoscope::ui
