// nemoscope fit MODEL.npz --data DATA [--x KEY] [--y KEY] [--set KEY=VALUE]... [--map KEY=BUILTIN]...
//               [-o OUT.npz] [--json]

#include "cli.h"
#include "data/dataset.h"
#include "fit/glm.h"
#include "model/fitbridge.h"
#include "model/modelspec.h"
#include "model/nemosfile.h"

#include <QCommandLineParser>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>

#include <cmath>

namespace nemoscope::app {

namespace {

QJsonValue number(double value)
{
    if (std::isnan(value))
        return QStringLiteral("nan");
    if (std::isinf(value))
        return value > 0 ? QStringLiteral("inf") : QStringLiteral("-inf");
    return value;
}

QJsonArray vectorJson(const Eigen::VectorXd& v)
{
    QJsonArray out;
    for (Eigen::Index i = 0; i < v.size(); ++i)
        out.append(number(v(i)));
    return out;
}

// coef_ as nemos holds it: (n_features,) for a GLM, (n_features, n_neurons) for a PopulationGLM.
QJsonArray coefJson(const Eigen::MatrixXd& coef, bool population)
{
    if (!population)
        return vectorJson(coef.col(0));
    QJsonArray rows;
    for (Eigen::Index r = 0; r < coef.rows(); ++r)
        rows.append(vectorJson(coef.row(r).transpose()));
    return rows;
}

QString vectorText(const Eigen::VectorXd& v)
{
    QStringList items;
    for (Eigen::Index i = 0; i < v.size(); ++i)
        items << QString::number(v(i), 'g', 10);
    return QLatin1Char('[') + items.join(QStringLiteral(", ")) + QLatin1Char(']');
}

} // namespace

int runFit(const QStringList& arguments)
{
    QCommandLineParser parser;
    const QCommandLineOption data(
        QStringLiteral("data"), QStringLiteral("The data file: .npz, .npy or CSV."), QStringLiteral("DATA"));
    const QCommandLineOption xKey(
        QStringLiteral("x"), QStringLiteral("The design matrix's name (default X)."), QStringLiteral("KEY"));
    const QCommandLineOption yKey(QStringLiteral("y"),
        QStringLiteral("The observations' name (default y, then counts, then spikes)."), QStringLiteral("KEY"));
    const QCommandLineOption set(QStringLiteral("set"),
        QStringLiteral("Set a parameter before fitting, as in nemoscope edit. Repeatable."),
        QStringLiteral("KEY=VALUE"));
    const QCommandLineOption map(QStringLiteral("map"),
        QStringLiteral("Map a class or callable to a built-in, as in nemoscope edit. Repeatable."),
        QStringLiteral("KEY=BUILTIN"));
    const QCommandLineOption output({ QStringLiteral("o"), QStringLiteral("output") },
        QStringLiteral("Write the refitted model here (atomically)."), QStringLiteral("OUT"));
    const QCommandLineOption layout(QStringLiteral("layout"),
        QStringLiteral("Key layout of OUT: current (default) or legacy."), QStringLiteral("LAYOUT"),
        QStringLiteral("current"));
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Print one JSON object."));
    const QCommandLineOption dropInvalid(
        QStringLiteral("drop-invalid-rows"), QStringLiteral("Drop samples with NaN or Inf, as nemos does."));
    parser.addOptions({ data, xKey, yKey, set, map, output, layout, json, dropInvalid });
    parser.addPositionalArgument(QStringLiteral("MODEL"), QStringLiteral("The nemos model file to refit."));
    const int early = parseOrExit(parser, arguments,
        QStringLiteral("Refits a nemos model on data and prints coefficients, intercept, objective, status, "
                       "iterations and seconds.\n\nExit status: 0 converged, 5 not converged, 2 a file that cannot "
                       "be read or written, 4 an invalid model or invalid data."));
    if (early >= 0)
        return early;

    if (parser.positionalArguments().size() != 1 || !parser.isSet(data)) {
        printError(QStringLiteral("fit expects MODEL and --data DATA (see --help)"));
        return ExitUnreadable;
    }
    const QString path = parser.positionalArguments().first();
    const auto keyLayout = model::keyLayoutFromString(parser.value(layout));
    if (!keyLayout) {
        printError(QStringLiteral("--layout must be current or legacy, not '%1'").arg(parser.value(layout)));
        return ExitUnreadable;
    }

    // The model, edited and checked.
    int status = ExitOk;
    std::optional<model::NemosFile> loaded = loadForCommand(path, true, &status);
    if (!loaded)
        return status;
    model::NemosFile& file = *loaded;
    model::ModelSpec& spec = *file.spec();
    QStringList report;
    if (auto edited = applyEdits(spec, path, parser.values(map), parser.values(set), &report); !edited) {
        printError(edited.error());
        return ExitInvalid;
    }
    const QStringList problems = spec.validate();
    if (!problems.isEmpty()) {
        for (const QString& problem : problems)
            printError(Error { path, {}, problem });
        return ExitInvalid;
    }
    auto setup = model::fitSetup(spec);
    if (!setup) {
        Error error = setup.error();
        error.file = path;
        printError(error);
        return ExitInvalid;
    }

    // The data.
    const QString dataPath = parser.value(data);
    auto dataSet = data::loadDataFile(dataPath);
    if (!dataSet) {
        Error error = dataSet.error();
        if (error.file.isEmpty())
            error.file = dataPath;
        printError(error);
        return ExitUnreadable;
    }
    auto xy = data::selectXY(*dataSet, parser.value(xKey), parser.value(yKey));
    if (!xy) {
        Error error = xy.error();
        if (error.file.isEmpty())
            error.file = dataPath;
        printError(error);
        return ExitInvalid;
    }
    const bool dropRows = parser.isSet(dropInvalid);
    if (auto checked = fit::checkData(setup->problem, xy->X, xy->Y, setup->expectedFeatures, dropRows); !checked) {
        Error error = checked.error();
        if (error.file.isEmpty())
            error.file = dataPath;
        printError(error);
        return ExitInvalid;
    }

    // The fit.
    fit::FitControl control;
    control.dropInvalidRows = dropRows;
    const fit::FitResult result = fit::fitGlm(setup->problem, setup->options, xy->X, xy->Y, control);
    if (result.status == fit::FitStatus::InvalidInput) {
        printError(Error { dataPath, {}, result.message });
        return ExitInvalid;
    }

    const bool population = spec.isPopulation();
    QTextStream out(stdout);
    if (parser.isSet(json)) {
        QJsonObject object;
        object.insert(QStringLiteral("status"), fit::toString(result.status));
        object.insert(QStringLiteral("iterations"), result.iterations);
        object.insert(QStringLiteral("objective"), number(result.objective));
        object.insert(QStringLiteral("seconds"), result.seconds);
        object.insert(QStringLiteral("coef"), coefJson(result.coef, population));
        object.insert(QStringLiteral("intercept"), vectorJson(result.intercept));
        if (population) {
            object.insert(QStringLiteral("scale"), vectorJson(result.scale));
            object.insert(QStringLiteral("dof_resid"),
                result.dofResidPerOutput.size() > 0 ? QJsonValue(vectorJson(result.dofResidPerOutput))
                                                    : number(result.dofResid));
        } else {
            object.insert(QStringLiteral("scale"), number(result.scale.size() > 0 ? result.scale(0) : 1.0));
            object.insert(QStringLiteral("dof_resid"), number(result.dofResid));
        }
        object.insert(QStringLiteral("message"), result.message);
        out << QJsonDocument(object).toJson(QJsonDocument::Indented);
    } else {
        for (const QString& line : report)
            out << line << '\n';
        out << "model:       " << path << " (" << fit::toString(setup->problem.observation) << ", "
            << fit::toString(setup->problem.link) << ", " << fit::toString(setup->problem.penalty) << ", "
            << fit::toString(setup->options.solver) << ")\n";
        out << "data:        " << dataPath << " (X = " << xy->xName << " " << xy->X.rows() << "x" << xy->X.cols()
            << ", y = " << xy->yName << ")\n";
        if (population) {
            out << "coef:\n";
            for (Eigen::Index r = 0; r < result.coef.rows(); ++r)
                out << "  " << vectorText(result.coef.row(r).transpose()) << '\n';
        } else {
            out << "coef:        " << vectorText(result.coef.col(0)) << '\n';
        }
        out << "intercept:   " << vectorText(result.intercept) << '\n';
        out << "objective:   " << QString::number(result.objective, 'g', 15) << '\n';
        out << "status:      " << fit::toString(result.status)
            << (result.message.isEmpty() ? QString() : QStringLiteral(" (") + result.message + QLatin1Char(')'))
            << '\n';
        out << "iterations:  " << result.iterations << '\n';
        out << "seconds:     " << QString::number(result.seconds, 'f', 4) << '\n';
    }
    out.flush();

    // The refitted model.
    if (parser.isSet(output)) {
        if (!result.hasModel()) {
            printError(Error { path, {},
                QStringLiteral("the fit gave no usable model (%1); nothing was written")
                    .arg(fit::toString(result.status)) });
            return ExitNotConverged;
        }
        model::storeFitResult(spec, result);
        const QString target = parser.value(output);
        if (auto saved = file.save(target, *keyLayout); !saved) {
            Error error = saved.error();
            if (error.file.isEmpty())
                error.file = target;
            printError(error);
            return ExitUnreadable;
        }
        if (!parser.isSet(json))
            out << "wrote " << target << '\n';
    }

    return result.converged() ? ExitOk : ExitNotConverged;
}

} // namespace nemoscope::app
