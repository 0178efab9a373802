#include "editing/fitplots.h"

#include <QLegendMarker>
#include <QLineSeries>
#include <QScatterSeries>
#include <QValueAxis>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace nemoscope::ui {

namespace {

QChart* makeChart(const QString& title)
{
    auto* chart = new QChart;
    chart->setTitle(title);
    chart->setMargins(QMargins(4, 4, 4, 4));
    chart->legend()->setAlignment(Qt::AlignBottom);
    return chart;
}

// Axis limits with a small margin, never an empty range.
std::pair<double, double> padded(double low, double high)
{
    // A span of at least 1e-4 of the values (distinct tick labels at six digits): an objective that only moves by
    // rounding (a refit that starts at the optimum) draws as a flat line, not as magnified rounding noise.
    const double magnitude = std::max(std::abs(low), std::abs(high));
    const double minimumSpan = magnitude > 0 ? 5e-5 * magnitude : 1.0;
    if (high - low < minimumSpan) {
        const double middle = low + (high - low) / 2;
        return { middle - minimumSpan, middle + minimumSpan };
    }
    const double pad = (high - low) * 0.05;
    return { low - pad, high + pad };
}

} // namespace

std::vector<PredictionBin> binByPrediction(const Eigen::VectorXd& predicted, const Eigen::VectorXd& observed, int bins)
{
    std::vector<Eigen::Index> order;
    const Eigen::Index n = std::min(predicted.size(), observed.size());
    order.reserve(static_cast<size_t>(n));
    for (Eigen::Index i = 0; i < n; ++i) {
        if (std::isfinite(predicted[i]) && std::isfinite(observed[i]))
            order.push_back(i);
    }
    if (order.empty() || bins <= 0)
        return {};

    std::stable_sort(
        order.begin(), order.end(), [&](Eigen::Index a, Eigen::Index b) { return predicted[a] < predicted[b]; });

    const auto total = static_cast<Eigen::Index>(order.size());
    const Eigen::Index binCount = std::min<Eigen::Index>(bins, total);
    std::vector<PredictionBin> result;
    result.reserve(static_cast<size_t>(binCount));
    for (Eigen::Index b = 0; b < binCount; ++b) {
        const Eigen::Index begin = b * total / binCount;
        const Eigen::Index end = (b + 1) * total / binCount;
        PredictionBin bin;
        for (Eigen::Index k = begin; k < end; ++k) {
            bin.predicted += predicted[order[static_cast<size_t>(k)]];
            bin.observed += observed[order[static_cast<size_t>(k)]];
        }
        bin.count = end - begin;
        bin.predicted /= static_cast<double>(bin.count);
        bin.observed /= static_cast<double>(bin.count);
        result.push_back(bin);
    }
    return result;
}

// Each view is given its chart at construction: QChartView() would make a default chart that
// setChart() leaves for the caller to delete.
ObjectivePlot::ObjectivePlot(QWidget* parent)
    : QChartView(makeChart(tr("Objective per iteration")), parent)
{
    QChart* chart = this->chart();
    chart->legend()->hide();
    m_series = new QLineSeries;
    chart->addSeries(m_series);
    m_xAxis = new QValueAxis;
    m_xAxis->setTitleText(tr("iteration"));
    m_xAxis->setLabelFormat(QStringLiteral("%d"));
    m_yAxis = new QValueAxis;
    m_yAxis->setTitleText(tr("objective"));
    m_yAxis->setLabelFormat(QStringLiteral("%.6g"));
    chart->addAxis(m_xAxis, Qt::AlignBottom);
    chart->addAxis(m_yAxis, Qt::AlignLeft);
    m_series->attachAxis(m_xAxis);
    m_series->attachAxis(m_yAxis);
    setRenderHint(QPainter::Antialiasing);
    setMinimumSize(320, 200);

    m_rescaleTimer.setSingleShot(true);
    m_rescaleTimer.setInterval(40);
    connect(&m_rescaleTimer, &QTimer::timeout, this, &ObjectivePlot::rescale);
    reset();
}

void ObjectivePlot::reset()
{
    m_series->clear();
    m_minY = m_maxY = m_maxX = 0;
    m_xAxis->setRange(0, 10);
    m_yAxis->setRange(0, 1);
}

void ObjectivePlot::appendPoints(const QList<QPointF>& points)
{
    QList<QPointF> finite;
    finite.reserve(points.size());
    for (const QPointF& p : points) {
        if (!std::isfinite(p.y()))
            continue;
        if (m_series->count() == 0 && finite.isEmpty()) {
            m_minY = m_maxY = p.y();
        }
        m_minY = std::min(m_minY, p.y());
        m_maxY = std::max(m_maxY, p.y());
        m_maxX = std::max(m_maxX, p.x());
        finite.append(p);
    }
    if (finite.isEmpty())
        return;

    m_series->append(finite);
    if (!m_rescaleTimer.isActive())
        m_rescaleTimer.start();
}

int ObjectivePlot::pointCount() const
{
    return static_cast<int>(m_series->count());
}

void ObjectivePlot::rescale()
{
    m_xAxis->setRange(0, std::max(m_maxX, 1.0));
    const auto [low, high] = padded(m_minY, m_maxY);
    m_yAxis->setRange(low, high);
}

CoefficientPlot::CoefficientPlot(QWidget* parent)
    : QChartView(makeChart(tr("Coefficients before and after the fit")), parent)
{
    setRenderHint(QPainter::Antialiasing);
    setMinimumSize(320, 200);
}

void CoefficientPlot::setCoefficients(const Eigen::VectorXd& before, const Eigen::VectorXd& after)
{
    QChart* chart = this->chart();
    chart->removeAllSeries();
    for (QAbstractAxis* axis : chart->axes()) {
        chart->removeAxis(axis); // hands the axis back: ours to delete
        delete axis;
    }

    auto* xAxis = new QValueAxis;
    xAxis->setTitleText(tr("coefficient index"));
    xAxis->setLabelFormat(QStringLiteral("%d"));
    auto* yAxis = new QValueAxis;
    yAxis->setTitleText(tr("value"));
    chart->addAxis(xAxis, Qt::AlignBottom);
    chart->addAxis(yAxis, Qt::AlignLeft);

    double low = 0;
    double high = 0;
    auto addSeries = [&](const Eigen::VectorXd& values, const QString& name, QColor colour, qreal size) {
        auto* series = new QScatterSeries;
        series->setName(name);
        series->setMarkerSize(size);
        series->setColor(colour);
        series->setBorderColor(colour.darker(130));
        for (Eigen::Index i = 0; i < values.size(); ++i) {
            if (!std::isfinite(values[i]))
                continue;
            series->append(static_cast<double>(i), values[i]);
            low = std::min(low, values[i]);
            high = std::max(high, values[i]);
        }
        chart->addSeries(series);
        series->attachAxis(xAxis);
        series->attachAxis(yAxis);
    };
    if (before.size() > 0)
        addSeries(before, tr("before"), QColor(0x9e, 0x9e, 0x9e), 14);
    addSeries(after, tr("after"), QColor(0x1f, 0x77, 0xb4), 9);

    // A zero line makes the sign of each coefficient readable at a glance.
    const double n = static_cast<double>(std::max(before.size(), after.size()));
    auto* zero = new QLineSeries;
    zero->setName(tr("zero"));
    zero->append(-0.5, 0);
    zero->append(n - 0.5, 0);
    zero->setPen(QPen(QColor(0x60, 0x60, 0x60), 1, Qt::DashLine));
    chart->addSeries(zero);
    zero->attachAxis(xAxis);
    zero->attachAxis(yAxis);
    chart->legend()->markers(zero).first()->setVisible(false);

    xAxis->setRange(-0.5, std::max(n - 0.5, 0.5));
    // Ticks on whole indices, about ten of them however many coefficients there are.
    xAxis->setTickType(QValueAxis::TicksDynamic);
    xAxis->setTickAnchor(0);
    xAxis->setTickInterval(std::max(1.0, std::ceil(n / 10.0)));
    const auto [lo, hi] = padded(low, high);
    yAxis->setRange(lo, hi);
}

PredictedObservedPlot::PredictedObservedPlot(QWidget* parent)
    : QChartView(makeChart(tr("Predicted against observed (binned)")), parent)
{
    setRenderHint(QPainter::Antialiasing);
    setMinimumSize(320, 200);
}

void PredictedObservedPlot::setData(const Eigen::VectorXd& predicted, const Eigen::VectorXd& observed,
    const QString& predictedName, const QString& observedName)
{
    QChart* chart = this->chart();
    chart->removeAllSeries();
    for (QAbstractAxis* axis : chart->axes()) {
        chart->removeAxis(axis); // hands the axis back: ours to delete
        delete axis;
    }

    const std::vector<PredictionBin> bins = binByPrediction(predicted, observed, 20);
    auto* xAxis = new QValueAxis;
    xAxis->setTitleText(tr("predicted %1").arg(predictedName));
    auto* yAxis = new QValueAxis;
    yAxis->setTitleText(tr("observed %1").arg(observedName));
    xAxis->setLabelFormat(QStringLiteral("%.3g"));
    yAxis->setLabelFormat(QStringLiteral("%.3g"));
    chart->addAxis(xAxis, Qt::AlignBottom);
    chart->addAxis(yAxis, Qt::AlignLeft);

    auto* points = new QScatterSeries;
    points->setName(tr("mean per bin (bins of equal size)"));
    points->setMarkerSize(9);
    double low = 0;
    double high = 0;
    bool first = true;
    for (const PredictionBin& bin : bins) {
        points->append(bin.predicted, bin.observed);
        const double lo = std::min(bin.predicted, bin.observed);
        const double hi = std::max(bin.predicted, bin.observed);
        low = first ? lo : std::min(low, lo);
        high = first ? hi : std::max(high, hi);
        first = false;
    }
    const auto [lo, hi] = padded(low, high);

    auto* identity = new QLineSeries;
    identity->setName(tr("predicted = observed"));
    identity->setPen(QPen(QColor(0x60, 0x60, 0x60), 1, Qt::DashLine));
    identity->append(lo, lo);
    identity->append(hi, hi);

    chart->addSeries(identity);
    chart->addSeries(points);
    for (QAbstractSeries* series : { static_cast<QAbstractSeries*>(identity), static_cast<QAbstractSeries*>(points) }) {
        series->attachAxis(xAxis);
        series->attachAxis(yAxis);
    }
    xAxis->setRange(lo, hi);
    yAxis->setRange(lo, hi);
}

} // namespace nemoscope::ui
