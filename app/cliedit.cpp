// nemoscope edit FILE [--set KEY=VALUE]... [--map KEY=BUILTIN]... [--layout current|legacy] -o OUT | --in-place

#include "cli.h"
#include "model/modelspec.h"
#include "model/nemosfile.h"
#include "npy/npzarchive.h"

#include <QCommandLineParser>
#include <QFileInfo>
#include <QTextStream>

namespace nemoscope::app {

namespace {

// Deflated output when the input was written with np.savez_compressed.
npy::Compression inputCompression(const model::NemosFile& file)
{
    if (!file.archive())
        return npy::Compression::Stored;
    for (const npy::NpzMember& member : file.archive()->members()) {
        if (member.compressed)
            return npy::Compression::Deflated;
    }
    return npy::Compression::Stored;
}

bool samePath(const QString& a, const QString& b)
{
    const QFileInfo fa(a);
    const QFileInfo fb(b);
    if (fa.exists() && fb.exists())
        return fa.canonicalFilePath() == fb.canonicalFilePath();
    return fa.absoluteFilePath() == fb.absoluteFilePath();
}

} // namespace

int runEdit(const QStringList& arguments)
{
    QCommandLineParser parser;
    const QCommandLineOption set(QStringLiteral("set"),
        QStringLiteral("Set a parameter with a nemos key: regularizer_strength=0.1, solver_name=LBFGS, "
                       "solver_kwargs__tol=1e-8, observation_model__scale=0.5, regularizer=Lasso, ... Repeatable."),
        QStringLiteral("KEY=VALUE"));
    const QCommandLineOption map(QStringLiteral("map"),
        QStringLiteral("Map a class or callable to a built-in, as load_model's mapping_dict does: regularizer=Ridge, "
                       "inverse_link_function=exp. Repeatable."),
        QStringLiteral("KEY=BUILTIN"));
    const QCommandLineOption layout(QStringLiteral("layout"),
        QStringLiteral("Key layout to write: current (nemos 0.2.6 and later, the default) or legacy (0.2.4, 0.2.5)."),
        QStringLiteral("LAYOUT"), QStringLiteral("current"));
    const QCommandLineOption output(
        { QStringLiteral("o"), QStringLiteral("output") }, QStringLiteral("The file to write."), QStringLiteral("OUT"));
    const QCommandLineOption inPlace(QStringLiteral("in-place"), QStringLiteral("Overwrite FILE (atomically)."));
    const QCommandLineOption compress(
        QStringLiteral("compress"), QStringLiteral("Deflate the members (default: as the input file)."));
    const QCommandLineOption python(
        QStringLiteral("python"), QStringLiteral("Print the nemos call that loads FILE with these mappings."));
    parser.addOptions({ set, map, layout, output, inPlace, compress, python });
    parser.addPositionalArgument(QStringLiteral("FILE"), QStringLiteral("The nemos model file to edit."));
    const int early = parseOrExit(parser, arguments,
        QStringLiteral("Edits a nemos model file: applies mappings (--map) then edits (--set), validates the model as "
                       "nemos would, and writes OUT atomically. FILE is never overwritten unless --in-place is "
                       "given.\n\nExit status: 0 written, 2 a file that cannot be read or written, 4 invalid edits, "
                       "mappings or model."));
    if (early >= 0)
        return early;

    if (parser.positionalArguments().size() != 1) {
        printError(QStringLiteral("edit expects one FILE (see --help)"));
        return ExitUnreadable;
    }
    const QString path = parser.positionalArguments().first();
    const auto keyLayout = model::keyLayoutFromString(parser.value(layout));
    if (!keyLayout) {
        printError(QStringLiteral("--layout must be current or legacy, not '%1'").arg(parser.value(layout)));
        return ExitUnreadable;
    }
    QString target = parser.value(output);
    if (parser.isSet(inPlace)) {
        if (!target.isEmpty() && !samePath(target, path)) {
            printError(QStringLiteral("give either -o OUT or --in-place, not both"));
            return ExitUnreadable;
        }
        target = path;
    } else if (target.isEmpty()) {
        printError(QStringLiteral("edit needs -o OUT (or --in-place to overwrite %1)").arg(path));
        return ExitUnreadable;
    } else if (samePath(target, path)) {
        printError(QStringLiteral("%1: refusing to overwrite the input file; pass --in-place to do so").arg(path));
        return ExitUnreadable;
    }

    // Read.
    int status = ExitOk;
    std::optional<model::NemosFile> loaded = loadForCommand(path, true, &status);
    if (!loaded)
        return status;
    model::NemosFile& file = *loaded;

    // Edit and validate.
    QStringList report;
    if (auto edited = applyEdits(*file.spec(), path, parser.values(map), parser.values(set), &report); !edited) {
        printError(edited.error());
        return ExitInvalid;
    }
    const QStringList problems = file.spec()->validate();
    if (!problems.isEmpty()) {
        for (const QString& problem : problems)
            printError(Error { path, {}, problem });
        return ExitInvalid;
    }
    for (const QString& warning : file.spec()->warnings())
        printError(Error { path, {}, QStringLiteral("warning: ") + warning });

    // Write.
    const npy::Compression compression = parser.isSet(compress) ? npy::Compression::Deflated : inputCompression(file);
    if (auto saved = file.save(target, *keyLayout, compression); !saved) {
        Error error = saved.error();
        if (error.file.isEmpty())
            error.file = target;
        printError(error);
        return ExitUnreadable;
    }

    QTextStream out(stdout);
    for (const QString& line : report)
        out << line << '\n';
    out << "wrote " << target << " (" << model::toString(*keyLayout) << " layout)\n";
    if (parser.isSet(python))
        out << '\n' << file.pythonSnippet(path);
    return ExitOk;
}

} // namespace nemoscope::app
