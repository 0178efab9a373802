#pragma once

#include <QMainWindow>

namespace nemoscope::ui {

class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    explicit MainWindow(QWidget* parent = nullptr);
};

} // namespace nemoscope::ui
