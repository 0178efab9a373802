#include "commandline.h"

#include "cli.h"
#include "model/modelspec.h"
#include "model/nemosfile.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QTextStream>

#include <cstring>

namespace nemoscope::app {

bool isCommand(const char* word)
{
    for (const char* command : { "inspect", "edit", "fit" }) {
        if (std::strcmp(word, command) == 0)
            return true;
    }
    return false;
}

int runCommand(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("nemoscope"));
#ifdef NEMOSCOPE_VERSION
    QCoreApplication::setApplicationVersion(QStringLiteral(NEMOSCOPE_VERSION));
#endif

    // The command and its own arguments; QCommandLineParser wants a program name first.
    const QStringList all = QCoreApplication::arguments();
    const QString command = all.value(1);
    const QStringList arguments = QStringList { QStringLiteral("nemoscope ") + command } + all.mid(2);

    if (command == QLatin1String("inspect"))
        return runInspect(arguments);
    if (command == QLatin1String("edit"))
        return runEdit(arguments);
    if (command == QLatin1String("fit"))
        return runFit(arguments);
    printError(QStringLiteral("unknown command '%1' (use inspect, edit or fit)").arg(command));
    return ExitUnreadable;
}

void printError(const Error& error)
{
    printError(error.message());
}

void printError(const QString& message)
{
    QString line = message;
    line.replace(QLatin1Char('\n'), QLatin1Char(' '));
    QTextStream(stderr) << "nemoscope: " << printable(line) << '\n';
}

QString printable(const QString& text)
{
    QString out;
    out.reserve(text.size());
    for (const QChar c : text) {
        const QChar::Category category = c.category();
        if (c == QLatin1Char('\n') || (category != QChar::Other_Control && category != QChar::Other_Format))
            out += c;
        else if (c.unicode() < 0x100)
            out += QStringLiteral("\\x%1").arg(c.unicode(), 2, 16, QLatin1Char('0'));
        else
            out += QStringLiteral("\\u%1").arg(c.unicode(), 4, 16, QLatin1Char('0'));
    }
    return out;
}

std::optional<model::NemosFile> loadForCommand(const QString& path, bool requireModel, int* status)
{
    auto loaded = model::NemosFile::load(path);
    if (!loaded) {
        Error error = loaded.error();
        if (error.file.isEmpty())
            error.file = path;
        printError(error);
        *status = ExitUnreadable;
        return std::nullopt;
    }
    if (requireModel && !loaded->spec()) {
        printError(
            Error { path, {}, QStringLiteral("not a nemos model file (no model parameters in either key layout)") });
        *status = ExitInvalid;
        return std::nullopt;
    }
    return std::move(loaded).value();
}

int parseOrExit(QCommandLineParser& parser, const QStringList& arguments, const QString& description)
{
    parser.setApplicationDescription(description);
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    const QCommandLineOption help = parser.addHelpOption();
    if (!parser.parse(arguments)) {
        printError(parser.errorText() + QStringLiteral(" (see --help)"));
        return ExitUnreadable;
    }
    if (parser.isSet(help)) {
        QTextStream(stdout) << parser.helpText();
        return ExitOk;
    }
    return -1;
}

Result<void> applyEdits(
    model::ModelSpec& spec, const QString& file, const QStringList& maps, const QStringList& sets, QStringList* report)
{
    for (const QString& map : maps) {
        const qsizetype eq = map.indexOf(QLatin1Char('='));
        if (eq <= 0)
            return Error { file, map, QStringLiteral("--map expects KEY=BUILTIN") };
        auto applied = spec.applyMapping(map.left(eq).trimmed(), map.mid(eq + 1).trimmed());
        if (!applied) {
            Error error = applied.error();
            error.file = file;
            return error;
        }
        if (report) {
            QString line
                = QStringLiteral("mapped %1: %2 -> %3").arg(applied->key, applied->saved, applied->builtin->savedName);
            if (!applied->droppedParams.isEmpty())
                line += QStringLiteral(" (dropped parameters it does not accept: %1)")
                            .arg(applied->droppedParams.join(QStringLiteral(", ")));
            *report << line;
        }
    }
    for (const QString& set : sets) {
        const qsizetype eq = set.indexOf(QLatin1Char('='));
        if (eq <= 0)
            return Error { file, set, QStringLiteral("--set expects KEY=VALUE") };
        auto done = spec.set(set.left(eq).trimmed(), set.mid(eq + 1));
        if (!done) {
            Error error = done.error();
            error.file = file;
            return error;
        }
    }
    return {};
}

} // namespace nemoscope::app
