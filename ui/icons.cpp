#include "icons.h"

#include <QColor>
#include <QIcon>
#include <QIconEngine>
#include <QPainter>
#include <QPainterPath>
#include <QPixmap>

#include <functional>

namespace nemoscope::ui::icons {

namespace {

using Painter = std::function<void(QPainter&, const QRectF&)>;

// Draws the icon afresh for each requested size; caches nothing, since the shapes are cheap.
class PaintedIconEngine : public QIconEngine
{
public:
    explicit PaintedIconEngine(Painter painter)
        : m_painter(std::move(painter))
    { }

    void paint(QPainter* painter, const QRect& rect, QIcon::Mode mode, QIcon::State) override
    {
        painter->save();
        painter->setRenderHint(QPainter::Antialiasing);
        if (mode == QIcon::Disabled)
            painter->setOpacity(0.4);
        m_painter(*painter, QRectF(rect));
        painter->restore();
    }

    QPixmap pixmap(const QSize& size, QIcon::Mode mode, QIcon::State state) override
    {
        QPixmap pixmap(size);
        pixmap.fill(Qt::transparent);
        QPainter painter(&pixmap);
        paint(&painter, QRect(QPoint(0, 0), size), mode, state);
        return pixmap;
    }

    QIconEngine* clone() const override { return new PaintedIconEngine(m_painter); }

private:
    Painter m_painter;
};

QIcon painted(Painter painter)
{
    return QIcon(new PaintedIconEngine(std::move(painter)));
}

QRectF square(const QRectF& rect, qreal margin)
{
    const qreal side = qMin(rect.width(), rect.height()) * (1.0 - 2 * margin);
    return QRectF(rect.center().x() - side / 2, rect.center().y() - side / 2, side, side);
}

} // namespace

QIcon application()
{
    return painted([](QPainter& p, const QRectF& rect) {
        const QRectF r = square(rect, 0.04);
        const qreal s = r.width();

        QLinearGradient background(r.topLeft(), r.bottomRight());
        background.setColorAt(0, QColor(0x1f, 0x6f, 0xb2));
        background.setColorAt(1, QColor(0x12, 0x3c, 0x69));
        p.setPen(Qt::NoPen);
        p.setBrush(background);
        p.drawRoundedRect(r, s * 0.2, s * 0.2);

        // A lens over three bars: looking inside a model.
        p.setBrush(QColor(0xff, 0xff, 0xff, 0xe6));
        const qreal barWidth = s * 0.1;
        const qreal base = r.top() + s * 0.66;
        const qreal heights[] = { 0.18, 0.32, 0.24 };
        for (int i = 0; i < 3; ++i) {
            const qreal x = r.left() + s * (0.26 + 0.14 * i);
            p.drawRoundedRect(QRectF(x, base - s * heights[i], barWidth, s * heights[i]), s * 0.02, s * 0.02);
        }
        QPen lens(QColor(0xf6, 0xc3, 0x44), qMax(1.0, s * 0.07));
        lens.setCapStyle(Qt::RoundCap);
        p.setPen(lens);
        p.setBrush(Qt::NoBrush);
        const QPointF centre(r.left() + s * 0.45, r.top() + s * 0.48);
        p.drawEllipse(centre, s * 0.27, s * 0.27);
        p.drawLine(centre + QPointF(s * 0.19, s * 0.19), QPointF(r.left() + s * 0.84, r.top() + s * 0.87));
    });
}

QIcon unresolved()
{
    return painted([](QPainter& p, const QRectF& rect) {
        const QRectF r = square(rect, 0.06);
        const qreal s = r.width();
        QPainterPath triangle;
        triangle.moveTo(r.center().x(), r.top());
        triangle.lineTo(r.right(), r.bottom());
        triangle.lineTo(r.left(), r.bottom());
        triangle.closeSubpath();
        p.setPen(Qt::NoPen);
        p.setBrush(QColor(0xe0, 0x8e, 0x0b));
        p.drawPath(triangle);
        p.setBrush(Qt::white);
        p.drawRoundedRect(
            QRectF(r.center().x() - s * 0.06, r.top() + s * 0.32, s * 0.12, s * 0.36), s * 0.04, s * 0.04);
        p.drawEllipse(QPointF(r.center().x(), r.top() + s * 0.82), s * 0.07, s * 0.07);
    });
}

QIcon problem()
{
    return painted([](QPainter& p, const QRectF& rect) {
        const QRectF r = square(rect, 0.06);
        const qreal s = r.width();
        p.setPen(Qt::NoPen);
        p.setBrush(QColor(0xc6, 0x28, 0x28));
        p.drawEllipse(r);
        QPen cross(Qt::white, qMax(1.0, s * 0.13));
        cross.setCapStyle(Qt::RoundCap);
        p.setPen(cross);
        p.drawLine(r.topLeft() + QPointF(s * 0.32, s * 0.32), r.topLeft() + QPointF(s * 0.68, s * 0.68));
        p.drawLine(r.topLeft() + QPointF(s * 0.68, s * 0.32), r.topLeft() + QPointF(s * 0.32, s * 0.68));
    });
}

QIcon section(const QColor& tint)
{
    return painted([tint](QPainter& p, const QRectF& rect) {
        const QRectF r = square(rect, 0.1);
        const qreal s = r.width();
        p.setPen(Qt::NoPen);
        p.setBrush(tint);
        p.drawRoundedRect(r, s * 0.22, s * 0.22);
        p.setBrush(QColor(255, 255, 255, 210));
        for (int i = 0; i < 3; ++i)
            p.drawRoundedRect(
                QRectF(r.left() + s * 0.22, r.top() + s * (0.24 + 0.2 * i), s * (i == 1 ? 0.4 : 0.56), s * 0.1),
                s * 0.04, s * 0.04);
    });
}

QIcon array()
{
    return painted([](QPainter& p, const QRectF& rect) {
        const QRectF r = square(rect, 0.1);
        const qreal s = r.width();
        const QColor ink(0x3b, 0x7d, 0xc4);
        p.setPen(QPen(ink, qMax(1.0, s * 0.07)));
        p.setBrush(QColor(0x3b, 0x7d, 0xc4, 40));
        p.drawRoundedRect(r, s * 0.1, s * 0.1);
        p.drawLine(QPointF(r.left() + s / 3, r.top()), QPointF(r.left() + s / 3, r.bottom()));
        p.drawLine(QPointF(r.left() + 2 * s / 3, r.top()), QPointF(r.left() + 2 * s / 3, r.bottom()));
        p.drawLine(QPointF(r.left(), r.top() + s / 2), QPointF(r.right(), r.top() + s / 2));
    });
}

QIcon scalar()
{
    return painted([](QPainter& p, const QRectF& rect) {
        const QRectF r = square(rect, 0.22);
        p.setPen(Qt::NoPen);
        p.setBrush(QColor(0x5c, 0x9d, 0x6b));
        p.drawEllipse(r);
    });
}

QIcon mapping()
{
    return painted([](QPainter& p, const QRectF& rect) {
        const QRectF r = square(rect, 0.08);
        const qreal s = r.width();
        QPen pen(QColor(0x1f, 0x6f, 0xb2), qMax(1.0, s * 0.1));
        pen.setCapStyle(Qt::RoundCap);
        pen.setJoinStyle(Qt::RoundJoin);
        p.setPen(pen);
        p.setBrush(Qt::NoBrush);
        const qreal y = r.center().y();
        p.drawLine(QPointF(r.left() + s * 0.1, y), QPointF(r.right() - s * 0.1, y));
        p.drawLine(QPointF(r.right() - s * 0.35, y - s * 0.25), QPointF(r.right() - s * 0.1, y));
        p.drawLine(QPointF(r.right() - s * 0.35, y + s * 0.25), QPointF(r.right() - s * 0.1, y));
    });
}

} // namespace nemoscope::ui::icons
