#include "mainwindow.h"

namespace nemoscope::ui {

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent)
{
    setWindowTitle(QStringLiteral("Nemoscope"));
    resize(1100, 720);
}

} // namespace nemoscope::ui
