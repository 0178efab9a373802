#include "gui.h"

#include "mainwindow.h"

#include <QApplication>
#include <QCommandLineParser>

namespace nemoscope::app {

int runGui(int argc, char** argv)
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("Nemoscope"));
    QApplication::setOrganizationName(QStringLiteral("Nemoscope"));
    QApplication::setApplicationVersion(QStringLiteral(NEMOSCOPE_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Inspect, edit and refit nemos GLM files and NumPy archives."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(
        QStringLiteral("files"), QStringLiteral("Files to open."), QStringLiteral("[FILE...]"));
    parser.process(app);

    ui::MainWindow window;
    window.show();
    return app.exec();
}

} // namespace nemoscope::app
