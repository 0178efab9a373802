#pragma once

#include "npy/ndarray.h"

#include <QImage>
#include <QWidget>

namespace nemoscope::ui {

// An image of a two-dimensional array with a colour bar: rows down, columns across. Large arrays are
// sampled to at most maxSide rows and columns (every k-th element), which the caption says. NaN cells are
// grey. A diverging scale (blue, white, red, centred on zero) suits coefficients; the sequential one
// (dark blue to yellow) suits everything else.
class HeatmapView : public QWidget
{
    Q_OBJECT

public:
    explicit HeatmapView(QWidget* parent = nullptr);

    static constexpr qint64 maxSide = 800;

    // view must be two-dimensional and numeric.
    void setData(const npy::NdArray& view, bool diverging, const QString& rowLabel, const QString& columnLabel);
    const QImage& image() const { return m_image; }
    double minimum() const { return m_min; }
    double maximum() const { return m_max; }

    QSize sizeHint() const override { return { 480, 360 }; }

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    QColor colourAt(double t) const;

    QImage m_image;
    double m_min = 0;
    double m_max = 0;
    bool m_diverging = false;
    qint64 m_rows = 0;
    qint64 m_columns = 0;
    qint64 m_rowStep = 1;
    qint64 m_columnStep = 1;
    QString m_rowLabel;
    QString m_columnLabel;
};

} // namespace nemoscope::ui
