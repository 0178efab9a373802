#include "gui.h"

#include "documentview.h"
#include "editing/editingcontroller.h"
#include "mainwindow.h"
#include "screenshot.h"
#include "theme.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QImage>
#include <QRegularExpression>
#include <QTextStream>
#include <QTimer>

namespace nemoscope::app {

namespace {

// How long --screenshot waits for files to open before it renders whatever is shown.
constexpr int screenshotTimeoutMs = 60000;
// Time for layouts, dialogs opened right after a file (the mapping dialog) and charts to settle.
constexpr int screenshotSettleMs = 400;

QString description()
{
    return QStringLiteral("Inspect, edit and refit nemos GLM files, and look inside any NumPy .npz or .npy archive.\n"
                          "\n"
                          "Without FILE the start page opens, with recent files and bundled examples.\n"
                          "With FILE... each file opens in its own tab.\n"
                          "\n"
                          "Headless commands (no window; see each command's own help):\n"
                          "  nemoscope inspect FILE [--json]       list the members (and the model) of a file\n"
                          "  nemoscope edit FILE [--set KEY=VALUE]... [--map KEY=BUILTIN]... -o OUT\n"
                          "                                        change hyperparameters or map names, save\n"
                          "  nemoscope fit MODEL --data DATA [-o OUT] [--json]\n"
                          "                                        refit a model on data");
}

// Saves the window (and any dialog it shows) once every file has opened and the window has laid out.
void scheduleScreenshot(ui::MainWindow* window, const QString& path, const QString& select, int* status)
{
    auto* timer = new QTimer(window);
    auto* clock = new QElapsedTimer;
    clock->start();
    QObject::connect(timer, &QTimer::timeout, window, [=] {
        const bool reading = [&] {
            for (ui::DocumentView* view : window->views()) {
                if (view->isReadingMember())
                    return true;
            }
            return false;
        }();
        if ((window->isLoading() || reading) && clock->elapsed() < screenshotTimeoutMs)
            return;
        timer->stop();
        if (!select.isEmpty()) {
            if (ui::DocumentView* view = window->currentView(); view && !view->selectKey(select))
                QTextStream(stderr) << "nemoscope: --select: no node named " << select << "\n";
            timer->setProperty("selected", true);
        }
        QTimer::singleShot(screenshotSettleMs, window, [=] {
            // A selected member may still be reading; give it the rest of the time allowed.
            for (ui::DocumentView* view : window->views()) {
                if (view->isReadingMember() && clock->elapsed() < screenshotTimeoutMs) {
                    timer->start();
                    return;
                }
            }
            delete clock;
            const QImage image = ui::grabWindowWithDialogs(window);
            if (image.isNull() || !image.save(path, "PNG")) {
                QTextStream(stderr) << "nemoscope: " << QDir::toNativeSeparators(path)
                                    << ": cannot write the screenshot\n";
                *status = 1;
            }
            QApplication::exit(*status);
        });
    });
    timer->start(50);
}

} // namespace

namespace {

void setApplicationNames()
{
    QCoreApplication::setApplicationName(QStringLiteral("Nemoscope"));
    QCoreApplication::setOrganizationName(QStringLiteral("Nemoscope"));
    QCoreApplication::setApplicationVersion(QStringLiteral(NEMOSCOPE_VERSION));
}

// The window's options, registered on a parser.
struct GuiOptions
{
    QCommandLineOption screenshot { QStringLiteral("screenshot"),
        QStringLiteral("Render the window as it would appear (the start page, or the files) into PNG once "
                       "everything has opened, then exit."),
        QStringLiteral("PNG") };
    QCommandLineOption size { QStringLiteral("size"),
        QStringLiteral("The window size for --screenshot, in logical pixels (default 1200x760)."),
        QStringLiteral("WIDTHxHEIGHT"), QStringLiteral("1200x760") };
    QCommandLineOption select { QStringLiteral("select"),
        QStringLiteral("Select this node of the tree (a nemos key such as coef_, or a member name) once the "
                       "first file has opened."),
        QStringLiteral("KEY") };
    QCommandLineOption theme { QStringLiteral("theme"),
        QStringLiteral("The colour scheme: system, light or dark (remembered)."), QStringLiteral("THEME") };

    explicit GuiOptions(QCommandLineParser& parser)
    {
        parser.setApplicationDescription(description());
        parser.addHelpOption();
        parser.addVersionOption();
        parser.addPositionalArgument(
            QStringLiteral("files"), QStringLiteral("Files to open (.npz, .npy)."), QStringLiteral("[FILE...]"));
        parser.addOptions({ screenshot, size, select, theme });
    }
};

// --help and --version answer without a window, so that they work in a terminal with no display.
bool asksForHelpOrVersion(int argc, char** argv)
{
    for (int i = 1; i < argc; ++i) {
        const QByteArray argument(argv[i]);
        if (argument == "--") // what follows are file names
            return false;
        if (argument == "-h" || argument == "--help" || argument == "-?" || argument == "--help-all" || argument == "-v"
            || argument == "--version")
            return true;
    }
    return false;
}

} // namespace

int runGui(int argc, char** argv)
{
    if (asksForHelpOrVersion(argc, argv)) {
        QCoreApplication core(argc, argv);
        setApplicationNames();
        QCommandLineParser parser;
        const GuiOptions options(parser);
        parser.process(core); // prints and exits
        return 0;
    }

    QApplication::setHighDpiScaleFactorRoundingPolicy(Qt::HighDpiScaleFactorRoundingPolicy::PassThrough);
    QApplication app(argc, argv);
    setApplicationNames();
    QApplication::setDesktopFileName(QStringLiteral("org.nemoscope.Nemoscope"));

    QCommandLineParser parser;
    const GuiOptions options(parser);
    const QCommandLineOption& screenshot = options.screenshot;
    const QCommandLineOption& size = options.size;
    const QCommandLineOption& select = options.select;
    const QCommandLineOption& theme = options.theme;
    parser.process(app);

    ui::applyTheme(parser.isSet(theme) ? ui::themeFromName(parser.value(theme), ui::storedTheme()) : ui::storedTheme());

    ui::MainWindow window;
    new ui::EditingController(&window); // owned by the window
    QStringList files;
    for (const QString& file : parser.positionalArguments())
        files << QFileInfo(file).absoluteFilePath();

    int status = 0;
    if (parser.isSet(screenshot)) {
        static const QRegularExpression pattern(QStringLiteral("^(\\d{2,5})x(\\d{2,5})$"));
        const QRegularExpressionMatch match = pattern.match(parser.value(size));
        if (!match.hasMatch()) {
            QTextStream(stderr) << "nemoscope: --size wants WIDTHxHEIGHT, such as 1200x760\n";
            return 1;
        }
        window.setRecordRecentFiles(false);
        window.resize(match.captured(1).toInt(), match.captured(2).toInt());
        scheduleScreenshot(
            &window, QFileInfo(parser.value(screenshot)).absoluteFilePath(), parser.value(select), &status);
    } else if (parser.isSet(select)) {
        const QString key = parser.value(select);
        QObject::connect(
            &window, &ui::MainWindow::loadingFinished, &window,
            [&window, key] {
                if (ui::DocumentView* view = window.currentView())
                    view->selectKey(key);
            },
            Qt::SingleShotConnection);
    }

    window.show();
    window.openFiles(files);
    const int result = app.exec();
    return status != 0 ? status : result;
}

} // namespace nemoscope::app
