#include "plotpanel.h"

#include "heatmapview.h"
#include "theme.h"

#include <QAreaSeries>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLegendMarker>
#include <QLineEdit>
#include <QLineSeries>
#include <QRegularExpression>
#include <QScatterSeries>
#include <QStackedWidget>
#include <QVBoxLayout>
#include <QValueAxis>

#include <cmath>

namespace nemoscope::ui {

namespace {

constexpr int maxLines = 20;

QString kindName(PlotPanel::Kind kind)
{
    switch (kind) {
    case PlotPanel::Kind::Line:
        return PlotPanel::tr("Line");
    case PlotPanel::Kind::Histogram:
        return PlotPanel::tr("Histogram");
    case PlotPanel::Kind::Heatmap:
        return PlotPanel::tr("Heatmap");
    case PlotPanel::Kind::Stem:
        return PlotPanel::tr("Coefficients (stem)");
    }
    return {};
}

// "0-3, 7" -> 0 1 2 3 7, within [0, limit), at most maxLines.
QList<qint64> parseIndices(const QString& text, qint64 limit)
{
    QList<qint64> result;
    static const QRegularExpression separators(QStringLiteral("[,;\\s]+"));
    for (const QString& part : text.split(separators, Qt::SkipEmptyParts)) {
        const QStringList ends = part.split(QLatin1Char('-'));
        bool okFirst = false;
        bool okLast = false;
        const qint64 first = ends.value(0).toLongLong(&okFirst);
        const qint64 last = ends.size() > 1 ? ends.value(1).toLongLong(&okLast) : first;
        if (!okFirst || (ends.size() > 1 && !okLast))
            continue;
        for (qint64 i = first; i <= last && result.size() < maxLines; ++i) {
            if (i >= 0 && i < limit && !result.contains(i))
                result << i;
        }
    }
    return result;
}

void fitAxes(QChart* chart, const QString& xTitle, const QString& yTitle)
{
    chart->createDefaultAxes();
    const auto horizontal = chart->axes(Qt::Horizontal);
    const auto vertical = chart->axes(Qt::Vertical);
    if (!horizontal.isEmpty())
        horizontal.first()->setTitleText(xTitle);
    if (!vertical.isEmpty())
        vertical.first()->setTitleText(yTitle);
}

} // namespace

PlotPanel::PlotPanel(QWidget* parent)
    : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    auto* controls = new QHBoxLayout;
    controls->addWidget(new QLabel(tr("Plot:"), this));
    m_kindBox = new QComboBox(this);
    m_kindBox->setToolTip(tr("How to draw the values shown in the table"));
    controls->addWidget(m_kindBox);

    m_lineControls = new QWidget(this);
    auto* lineLayout = new QHBoxLayout(m_lineControls);
    lineLayout->setContentsMargins(12, 0, 0, 0);
    m_alongBox = new QComboBox(m_lineControls);
    m_alongBox->addItem(tr("columns"), true);
    m_alongBox->addItem(tr("rows"), false);
    m_alongBox->setToolTip(tr("Draw one line per column (values down the rows), or one per row"));
    m_indices = new QLineEdit(QStringLiteral("0-4"), m_lineControls);
    m_indices->setToolTip(tr("Which columns or rows to draw, e.g. 0-3, 7 (at most %1)").arg(maxLines));
    m_indices->setMaximumWidth(120);
    lineLayout->addWidget(new QLabel(tr("lines for"), m_lineControls));
    lineLayout->addWidget(m_alongBox);
    lineLayout->addWidget(m_indices);
    controls->addWidget(m_lineControls);
    controls->addStretch(1);
    layout->addLayout(controls);

    m_stack = new QStackedWidget(this);
    m_chartView = new QChartView(new QChart, m_stack);
    m_chartView->setRenderHint(QPainter::Antialiasing);
    m_heatmap = new HeatmapView(m_stack);
    m_stack->addWidget(m_chartView);
    m_stack->addWidget(m_heatmap);
    layout->addWidget(m_stack, 1);
    m_caption = new QLabel(this);
    m_caption->setWordWrap(true);
    layout->addWidget(m_caption);

    connect(m_kindBox, &QComboBox::activated, this,
        [this](int index) { setKind(Kind(m_kindBox->itemData(index).toInt())); });
    connect(m_alongBox, &QComboBox::activated, this, &PlotPanel::rebuild);
    connect(m_indices, &QLineEdit::editingFinished, this, &PlotPanel::rebuild);
}

PlotPanel::~PlotPanel() = default;

QChart* PlotPanel::chart() const
{
    return m_chartView->chart();
}

void PlotPanel::setData(const npy::NdArray& view, const ArrayContext& context)
{
    m_view = view;
    m_context = context;
    m_kinds.clear();
    const bool numeric = !view.isNull() && view.isNumeric() && view.ndim() == 2;
    const bool oneColumn = numeric && view.shape()[1] == 1;
    if (numeric) {
        if (context.coefficients && oneColumn)
            m_kinds << Kind::Stem;
        if (context.coefficients && context.population)
            m_kinds << Kind::Heatmap;
        m_kinds << Kind::Line << Kind::Histogram;
        if (!oneColumn && !m_kinds.contains(Kind::Heatmap))
            m_kinds << Kind::Heatmap;
    }

    const QSignalBlocker blocker(m_kindBox);
    m_kindBox->clear();
    for (Kind kind : std::as_const(m_kinds))
        m_kindBox->addItem(kindName(kind), int(kind));
    m_kind = m_kinds.isEmpty() ? Kind::Line : m_kinds.first();
    m_kindBox->setEnabled(!m_kinds.isEmpty());
    rebuild();
}

void PlotPanel::setKind(Kind kind)
{
    if (!m_kinds.contains(kind))
        return;
    m_kind = kind;
    const QSignalBlocker blocker(m_kindBox);
    m_kindBox->setCurrentIndex(m_kindBox->findData(int(kind)));
    rebuild();
}

void PlotPanel::setLineSelection(bool columns, const QString& indices)
{
    m_alongBox->setCurrentIndex(columns ? 0 : 1);
    m_indices->setText(indices);
    rebuild();
}

QList<QPointF> PlotPanel::reduceSeries(
    const std::function<double(qint64)>& at, qint64 count, qint64 buckets, qint64 samplesPerBucket)
{
    QList<QPointF> points;
    if (count <= 2 * buckets) {
        points.reserve(count);
        for (qint64 i = 0; i < count; ++i)
            points << QPointF(double(i), at(i));
        return points;
    }
    const double width = double(count) / double(buckets);
    for (qint64 b = 0; b < buckets; ++b) {
        const qint64 first = qint64(b * width);
        const qint64 last = std::min(count, qint64((b + 1) * width));
        // A run of consecutive elements at the bucket's start: a few pages of a memory-mapped array per bucket.
        const qint64 end = std::min(last, first + samplesPerBucket);
        qint64 lowAt = first;
        qint64 highAt = first;
        double low = INFINITY;
        double high = -INFINITY;
        for (qint64 i = first; i < end; ++i) {
            const double value = at(i);
            if (value < low) {
                low = value;
                lowAt = i;
            }
            if (value > high) {
                high = value;
                highAt = i;
            }
        }
        if (!std::isfinite(low) && !std::isfinite(high))
            continue;
        points << QPointF(double(std::min(lowAt, highAt)), lowAt < highAt ? low : high);
        points << QPointF(double(std::max(lowAt, highAt)), lowAt < highAt ? high : low);
    }
    return points;
}

void PlotPanel::resetChart(const QString& title)
{
    QChart* chart = m_chartView->chart();
    chart->removeAllSeries();
    // removeAxis() hands the axis back to the caller; the chart only owns the series it deletes.
    for (QAbstractAxis* axis : chart->axes()) {
        chart->removeAxis(axis);
        delete axis;
    }
    chart->setTheme(isDarkPalette() ? QChart::ChartThemeDark : QChart::ChartThemeLight);
    chart->setBackgroundBrush(palette().color(QPalette::Base));
    chart->setBackgroundRoundness(0);
    chart->setTitle(title);
    chart->legend()->setAlignment(Qt::AlignBottom);
    chart->setAnimationOptions(QChart::NoAnimation);
    m_caption->clear();
}

void PlotPanel::rebuild()
{
    m_lineControls->setVisible(m_kind == Kind::Line && !m_view.isNull() && m_view.ndim() == 2 && m_view.shape()[1] > 1);
    if (m_kinds.isEmpty()) {
        resetChart(
            tr("Nothing to plot: %1 values are not numbers").arg(m_view.isNull() ? QString() : m_view.dtype().name()));
        m_stack->setCurrentWidget(m_chartView);
        return;
    }
    switch (m_kind) {
    case Kind::Line:
        plotLine();
        break;
    case Kind::Histogram:
        plotHistogram();
        break;
    case Kind::Stem:
        plotStem();
        break;
    case Kind::Heatmap:
        plotHeatmap();
        break;
    }
}

void PlotPanel::plotLine()
{
    resetChart(m_context.title);
    m_stack->setCurrentWidget(m_chartView);
    const qint64 rows = m_view.shape()[0];
    const qint64 columns = m_view.shape()[1];
    const bool alongColumns = columns == 1 || m_alongBox->currentData().toBool();
    const QList<qint64> chosen
        = columns == 1 ? QList<qint64> { 0 } : parseIndices(m_indices->text(), alongColumns ? columns : rows);

    bool reduced = false;
    for (qint64 line : chosen) {
        auto* series = new QLineSeries;
        const qint64 count = alongColumns ? rows : columns;
        const auto at = [&](qint64 i) {
            return alongColumns ? m_view.toDouble(std::vector<qint64> { i, line })
                                : m_view.toDouble(std::vector<qint64> { line, i });
        };
        const QList<QPointF> points = reduceSeries(at, count);
        reduced = reduced || points.size() < count;
        series->replace(points);
        series->setName(columns == 1 ? m_context.title : (alongColumns ? tr("column %1") : tr("row %1")).arg(line));
        m_chartView->chart()->addSeries(series);
    }
    m_chartView->chart()->legend()->setVisible(chosen.size() > 1);
    fitAxes(m_chartView->chart(), alongColumns ? tr("row") : tr("column"), tr("value"));
    if (reduced)
        m_caption->setText(tr("A long series is previewed: the minimum and maximum of a run of elements at the start "
                              "of each of %1 stretches. Zoom in with the slicer or the table for every value.")
                               .arg(2000));
}

void PlotPanel::plotHistogram()
{
    resetChart(tr("Distribution of %1").arg(m_context.title));
    m_stack->setCurrentWidget(m_chartView);

    // Every value of a slice up to a million; beyond, 256 runs of 4096 consecutive values spread through it,
    // so that a memory-mapped array has a few pages read rather than all of them.
    constexpr qint64 runs = 64;
    constexpr qint64 runLength = 16384;
    const qint64 total = m_view.size();
    const bool sampled = total > runs * runLength;
    const qint64 columns = m_view.shape()[1];
    std::vector<double> values;
    values.reserve(size_t(std::min(total, runs * runLength)));
    double low = INFINITY;
    double high = -INFINITY;
    const auto take = [&](qint64 i) {
        const double value = m_view.toDouble(std::vector<qint64> { i / columns, i % columns });
        if (!std::isfinite(value))
            return;
        values.push_back(value);
        low = std::min(low, value);
        high = std::max(high, value);
    };
    if (sampled) {
        for (qint64 run = 0; run < runs; ++run) {
            const qint64 first = run * (total / runs);
            for (qint64 i = first; i < first + runLength; ++i)
                take(i);
        }
    } else {
        for (qint64 i = 0; i < total; ++i)
            take(i);
    }
    if (values.empty()) {
        m_caption->setText(tr("No finite values to count."));
        return;
    }
    constexpr int bins = 50;
    if (high <= low)
        high = low + 1;
    std::vector<qint64> counts(bins, 0);
    for (double value : values)
        ++counts[size_t(std::min(bins - 1, int((value - low) / (high - low) * bins)))];

    auto* upper = new QLineSeries;
    const double width = (high - low) / bins;
    upper->append(low, 0);
    for (int b = 0; b < bins; ++b) {
        upper->append(low + b * width, double(counts[size_t(b)]));
        upper->append(low + (b + 1) * width, double(counts[size_t(b)]));
    }
    upper->append(high, 0);
    auto* area = new QAreaSeries(upper);
    upper->setParent(area); // the area series draws the line but does not own it
    area->setName(tr("count"));
    QColor fill = palette().color(QPalette::Highlight);
    area->setPen(QPen(fill, 1.5));
    fill.setAlpha(110);
    area->setBrush(fill);
    m_chartView->chart()->addSeries(area);
    m_chartView->chart()->legend()->setVisible(false);
    fitAxes(m_chartView->chart(), tr("value"), tr("count"));
    if (sampled)
        m_caption->setText(tr("%1 bins over a sample of %2 values: %3 runs of consecutive elements spread through "
                              "the slice.")
                               .arg(bins)
                               .arg(values.size())
                               .arg(runs));
    else
        m_caption->setText(tr("%1 bins over %2 finite values.").arg(bins).arg(values.size()));
}

void PlotPanel::plotStem()
{
    resetChart(tr("Coefficients"));
    m_stack->setCurrentWidget(m_chartView);
    const qint64 count = m_view.shape()[0];

    // One zig-zag series draws every stem and the baseline between them.
    auto* stems = new QLineSeries;
    stems->setName(tr("coef_"));
    auto* heads = new QScatterSeries;
    heads->setName(tr("coef_"));
    heads->setMarkerSize(8);
    double low = 0;
    double high = 0;
    for (qint64 i = 0; i < count; ++i) {
        const double value = m_view.toDouble(std::vector<qint64> { i, 0 });
        stems->append(double(i), 0);
        stems->append(double(i), value);
        stems->append(double(i), 0);
        heads->append(double(i), value);
        if (std::isfinite(value)) {
            low = std::min(low, value);
            high = std::max(high, value);
        }
    }
    QChart* chart = m_chartView->chart();
    chart->addSeries(stems);
    chart->addSeries(heads);
    heads->setColor(stems->color());

    QString caption = tr("Each stem is the weight of one feature.");
    if (!m_context.intercept.isNull() && m_context.intercept.size() > 0) {
        const double intercept = m_context.intercept.toDouble(qint64(0));
        auto* line = new QLineSeries;
        line->setName(tr("intercept_ = %1").arg(intercept, 0, 'g', 5));
        line->append(-0.5, intercept);
        line->append(double(count) - 0.5, intercept);
        QPen pen(QColor(0xe0, 0x8e, 0x0b), 2, Qt::DashLine);
        line->setPen(pen);
        chart->addSeries(line);
        low = std::min(low, intercept);
        high = std::max(high, intercept);
        caption += tr(" The dashed line marks the intercept, the baseline of the linear predictor.");
    }
    fitAxes(chart, tr("feature"), tr("weight"));
    const double pad = std::max(1e-12, (high - low) * 0.08);
    if (auto axes = chart->axes(Qt::Vertical); !axes.isEmpty())
        axes.first()->setRange(low - pad, high + pad);
    if (auto axes = chart->axes(Qt::Horizontal); !axes.isEmpty())
        axes.first()->setRange(-0.5, double(count) - 0.5);
    chart->legend()->markers(heads).first()->setVisible(false);
    m_caption->setText(caption);
}

void PlotPanel::plotHeatmap()
{
    m_stack->setCurrentWidget(m_heatmap);
    const bool coefficients = m_context.coefficients && m_context.population;
    m_heatmap->setData(
        m_view, coefficients, coefficients ? tr("features") : tr("rows"), coefficients ? tr("neurons") : tr("columns"));
    m_caption->setText(coefficients ? tr("coef_ of a PopulationGLM: one row per feature, one column per neuron; red "
                                         "weights raise the rate, blue ones lower it.")
                                    : tr("Each cell's colour gives its value; grey cells are NaN."));
}

} // namespace nemoscope::ui
