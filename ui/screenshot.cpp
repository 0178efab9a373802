#include "screenshot.h"

#include <QApplication>
#include <QDialog>
#include <QImage>
#include <QPainter>
#include <QPixmap>
#include <QWidget>

namespace nemoscope::ui {

namespace {

bool isDialogOf(const QWidget* candidate, const QWidget* window)
{
    if (candidate == window || !candidate->isWindow() || !candidate->isVisible())
        return false;
    if (!qobject_cast<const QDialog*>(candidate))
        return false;
    for (const QWidget* parent = candidate->parentWidget(); parent; parent = parent->parentWidget()) {
        if (parent == window)
            return true;
    }
    return false;
}

} // namespace

QImage grabWindowWithDialogs(QWidget* window)
{
    const QPixmap base = window->grab();
    QImage image = base.toImage().convertToFormat(QImage::Format_ARGB32_Premultiplied);
    image.setDevicePixelRatio(base.devicePixelRatio());

    QPainter painter(&image);
    painter.setRenderHint(QPainter::Antialiasing);
    const QRect windowRect = window->geometry();
    for (QWidget* widget : QApplication::topLevelWidgets()) {
        if (!isDialogOf(widget, window))
            continue;

        const QPixmap dialog = widget->grab();
        const QSize size = widget->size();
        const int titleHeight = widget->fontMetrics().height() + 12;

        // Keep the dialog where it is over the window when it lies inside; centre it otherwise.
        QPoint topLeft = widget->geometry().topLeft() - windowRect.topLeft();
        const QRect placed(topLeft - QPoint(0, titleHeight), QSize(size.width(), size.height() + titleHeight));
        if (!QRect(QPoint(0, 0), windowRect.size()).contains(placed))
            topLeft = QPoint(
                (windowRect.width() - size.width()) / 2, (windowRect.height() - size.height() + titleHeight) / 2);
        const QRect frame(
            topLeft - QPoint(1, titleHeight + 1), QSize(size.width() + 2, size.height() + titleHeight + 2));

        for (int i = 6; i > 0; --i) {
            painter.setPen(Qt::NoPen);
            painter.setBrush(QColor(0, 0, 0, 10));
            painter.drawRoundedRect(frame.adjusted(-i, -i + 2, i, i + 2), 6 + i, 6 + i);
        }
        const QPalette palette = widget->palette();
        painter.setBrush(palette.color(QPalette::Window).darker(112));
        painter.setPen(palette.color(QPalette::Mid));
        painter.drawRoundedRect(frame, 5, 5);
        painter.setPen(palette.color(QPalette::WindowText));
        painter.setFont(widget->font());
        painter.drawText(
            QRect(frame.left(), frame.top(), frame.width(), titleHeight), Qt::AlignCenter, widget->windowTitle());
        painter.drawPixmap(topLeft, dialog);
    }
    painter.end();
    return image;
}

} // namespace nemoscope::ui
