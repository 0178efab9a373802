#include "heatmapview.h"

#include <QPainter>

#include <cmath>

namespace nemoscope::ui {

namespace {

QColor mix(const QColor& a, const QColor& b, double t)
{
    return QColor::fromRgbF(float(a.redF() + (b.redF() - a.redF()) * t),
        float(a.greenF() + (b.greenF() - a.greenF()) * t), float(a.blueF() + (b.blueF() - a.blueF()) * t));
}

QColor ramp(const QList<QColor>& stops, double t)
{
    t = std::clamp(t, 0.0, 1.0) * double(stops.size() - 1);
    const int i = std::min(int(t), int(stops.size()) - 2);
    return mix(stops[i], stops[i + 1], t - i);
}

} // namespace

HeatmapView::HeatmapView(QWidget* parent)
    : QWidget(parent)
{
    setMinimumSize(240, 180);
}

QColor HeatmapView::colourAt(double t) const
{
    static const QList<QColor> sequential = { QColor(0x44, 0x01, 0x54), QColor(0x3b, 0x52, 0x8b),
        QColor(0x21, 0x91, 0x8c), QColor(0x5e, 0xc9, 0x62), QColor(0xfd, 0xe7, 0x25) };
    static const QList<QColor> diverging = { QColor(0x21, 0x66, 0xac), QColor(0x92, 0xc5, 0xde),
        QColor(0xf7, 0xf7, 0xf7), QColor(0xf4, 0xa5, 0x82), QColor(0xb2, 0x18, 0x2b) };
    return ramp(m_diverging ? diverging : sequential, t);
}

void HeatmapView::setData(const npy::NdArray& view, bool diverging, const QString& rowLabel, const QString& columnLabel)
{
    m_diverging = diverging;
    m_rowLabel = rowLabel;
    m_columnLabel = columnLabel;
    m_image = QImage();
    if (view.isNull() || view.ndim() != 2) {
        update();
        return;
    }
    m_rows = view.shape()[0];
    m_columns = view.shape()[1];
    m_rowStep = std::max<qint64>(1, (m_rows + maxSide - 1) / maxSide);
    m_columnStep = std::max<qint64>(1, (m_columns + maxSide - 1) / maxSide);
    const int height = int((m_rows + m_rowStep - 1) / m_rowStep);
    const int width = int((m_columns + m_columnStep - 1) / m_columnStep);

    // Sample once, then colour.
    std::vector<double> values(size_t(width) * size_t(height));
    m_min = INFINITY;
    m_max = -INFINITY;
    for (int y = 0; y < height; ++y) {
        for (int x = 0; x < width; ++x) {
            const double value = view.toDouble(std::vector<qint64> { y * m_rowStep, x * m_columnStep });
            values[size_t(y) * size_t(width) + size_t(x)] = value;
            if (std::isfinite(value)) {
                m_min = std::min(m_min, value);
                m_max = std::max(m_max, value);
            }
        }
    }
    if (!std::isfinite(m_min)) {
        m_min = 0;
        m_max = 0;
    }
    if (m_diverging) {
        const double bound = std::max(std::abs(m_min), std::abs(m_max));
        m_min = -bound;
        m_max = bound;
    }
    const double span = m_max > m_min ? m_max - m_min : 1.0;

    m_image = QImage(std::max(width, 1), std::max(height, 1), QImage::Format_RGB32);
    m_image.fill(Qt::gray);
    for (int y = 0; y < height; ++y) {
        auto* line = reinterpret_cast<QRgb*>(m_image.scanLine(y));
        for (int x = 0; x < width; ++x) {
            const double value = values[size_t(y) * size_t(width) + size_t(x)];
            line[x] = std::isfinite(value) ? colourAt((value - m_min) / span).rgb() : qRgb(0x9e, 0x9e, 0x9e);
        }
    }
    update();
}

void HeatmapView::paintEvent(QPaintEvent*)
{
    QPainter painter(this);
    painter.fillRect(rect(), palette().color(QPalette::Base));
    if (m_image.isNull()) {
        painter.drawText(rect(), Qt::AlignCenter, tr("No two-dimensional numeric data to show"));
        return;
    }

    const QFontMetrics metrics = fontMetrics();
    const int margin = metrics.height();
    const int barWidth = 16;
    const int labelWidth = metrics.horizontalAdvance(QStringLiteral("-0.000000e+00"));
    const QRect plot(margin * 3, margin, width() - margin * 5 - barWidth - labelWidth, height() - margin * 4);
    if (plot.width() < 10 || plot.height() < 10)
        return;

    painter.drawImage(plot, m_image);
    painter.setPen(palette().color(QPalette::Mid));
    painter.drawRect(plot.adjusted(0, 0, -1, -1));

    // Axis ends and titles.
    painter.setPen(palette().color(QPalette::Text));
    painter.drawText(
        QRect(plot.left() - margin * 3, plot.top(), margin * 3 - 4, margin), Qt::AlignRight, QStringLiteral("0"));
    painter.drawText(QRect(plot.left() - margin * 3, plot.bottom() - margin, margin * 3 - 4, margin), Qt::AlignRight,
        QString::number(m_rows - 1));
    painter.drawText(QRect(plot.left(), plot.bottom() + 2, margin * 4, margin), Qt::AlignLeft, QStringLiteral("0"));
    painter.drawText(QRect(plot.right() - margin * 4, plot.bottom() + 2, margin * 4, margin), Qt::AlignRight,
        QString::number(m_columns - 1));
    QString caption = m_columnLabel;
    if (m_rowStep > 1 || m_columnStep > 1)
        caption += tr("   (every %1th row, %2th column shown)").arg(m_rowStep).arg(m_columnStep);
    painter.drawText(QRect(plot.left(), plot.bottom() + margin + 2, plot.width(), margin), Qt::AlignCenter, caption);
    painter.save();
    painter.translate(margin, plot.center().y());
    painter.rotate(-90);
    painter.drawText(QRect(-plot.height() / 2, -margin, plot.height(), margin * 2), Qt::AlignCenter, m_rowLabel);
    painter.restore();

    // Colour bar with its scale.
    const QRect bar(plot.right() + margin, plot.top(), barWidth, plot.height());
    for (int y = 0; y < bar.height(); ++y) {
        painter.setPen(colourAt(1.0 - double(y) / std::max(1, bar.height() - 1)));
        painter.drawLine(bar.left(), bar.top() + y, bar.right(), bar.top() + y);
    }
    painter.setPen(palette().color(QPalette::Mid));
    painter.drawRect(bar.adjusted(0, 0, -1, -1));
    painter.setPen(palette().color(QPalette::Text));
    const int textLeft = bar.right() + 6;
    painter.drawText(QRect(textLeft, bar.top() - 2, labelWidth, margin), Qt::AlignLeft, QString::number(m_max, 'g', 4));
    painter.drawText(QRect(textLeft, bar.center().y() - margin / 2, labelWidth, margin), Qt::AlignLeft,
        QString::number((m_min + m_max) / 2, 'g', 4));
    painter.drawText(
        QRect(textLeft, bar.bottom() - margin + 2, labelWidth, margin), Qt::AlignLeft, QString::number(m_min, 'g', 4));
}

} // namespace nemoscope::ui
