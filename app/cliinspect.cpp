// nemoscope inspect FILE [--json]: the members of an .npz or .npy and, for a nemos model file, the sections
// nemos' inspect_npz prints followed by the names that need a mapping.

#include "cli.h"
#include "model/modelspec.h"
#include "model/nemosfile.h"
#include "model/paramjson.h"
#include "npy/npzarchive.h"

#include <QCommandLineParser>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>

#include <algorithm>
#include <map>

namespace nemoscope::app {

namespace {

using model::ParamNode;

QString shapeText(const std::vector<qint64>& shape)
{
    QStringList dims;
    for (qint64 d : shape)
        dims << QString::number(d);
    return QLatin1Char('(') + dims.join(QStringLiteral(", "))
        + (dims.size() == 1 ? QStringLiteral(",)") : QStringLiteral(")"));
}

// An array as NumPy prints a small one, or its dtype and shape when it is large.
QString arrayText(const npy::NdArray& array)
{
    if (array.ndim() == 0)
        return array.displayText(qint64(0));
    if (array.size() > 60 || array.ndim() > 2)
        return QStringLiteral("array of %1, shape %2").arg(array.dtype().name(), shapeText(array.shape()));
    if (array.ndim() == 1) {
        QStringList items;
        for (qint64 i = 0; i < array.size(); ++i)
            items << array.displayText(i);
        return QLatin1Char('[') + items.join(QLatin1Char(' ')) + QLatin1Char(']');
    }
    QStringList rows;
    const qint64 columns = array.shape()[1];
    for (qint64 r = 0; r < array.shape()[0]; ++r) {
        QStringList items;
        for (qint64 c = 0; c < columns; ++c)
            items << array.displayText(r * columns + c);
        rows << QLatin1Char('[') + items.join(QLatin1Char(' ')) + QLatin1Char(']');
    }
    return QLatin1Char('[') + rows.join(QStringLiteral("\n ")) + QLatin1Char(']');
}

// A value as inspect_npz prints it: strings bare, floats with 6 significant digits, the rest as Python.
QString valueText(const ParamNode& node)
{
    switch (node.type()) {
    case ParamNode::Type::String:
        return node.toString();
    case ParamNode::Type::Float:
        return QString::number(node.toDouble(), 'g', 6);
    case ParamNode::Type::Array:
        return arrayText(node.array());
    default:
        return node.displayText();
    }
}

QString padded(const QString& text, qsizetype width)
{
    return text.leftJustified(width, QLatin1Char(' '));
}

// Faults found by reading members through (CRC, a deflate stream that runs long), by member position.
using Verified = std::map<qsizetype, Error>;

// The member's error: recorded at listing, or found when its bytes were read through.
const Error* memberError(const npy::NpzArchive& archive, const Verified& verified, qsizetype index)
{
    const npy::NpzMember& member = archive.members()[size_t(index)];
    if (member.error)
        return &*member.error;
    const auto it = verified.find(index);
    return it == verified.end() ? nullptr : &it->second;
}

void printListing(QTextStream& out, const npy::NpzArchive& archive, const Verified& verified)
{
    const auto& members = archive.members();
    out << archive.path() << ": " << (archive.kind() == npy::ArchiveKind::Npz ? "npz archive" : "npy file") << ", "
        << members.size() << (members.size() == 1 ? " member" : " members") << '\n';

    qsizetype width = 4;
    for (const npy::NpzMember& member : members)
        width = std::max(width, member.name.size());
    out << "  " << padded(QStringLiteral("name"), width) << "  " << padded(QStringLiteral("dtype"), 12) << "  "
        << padded(QStringLiteral("shape"), 14) << "  order  storage\n";
    for (qsizetype i = 0; i < qsizetype(members.size()); ++i) {
        const npy::NpzMember& member = members[size_t(i)];
        out << "  " << padded(member.name, width) << "  ";
        if (member.header) {
            out << padded(member.header->dtype.descr(), 12) << "  " << padded(shapeText(member.header->shape), 14)
                << "  " << (member.header->fortranOrder ? "F    " : "C    ");
        } else {
            out << padded(QStringLiteral("?"), 12) << "  " << padded(QStringLiteral("?"), 14) << "  ?    ";
        }
        out << "  " << (member.compressed ? "deflated" : "stored  ");
        if (const Error* error = memberError(archive, verified, i))
            out << "  REFUSED: " << error->reason;
        out << '\n';
    }
}

void printModel(QTextStream& out, const model::NemosFile& file)
{
    const model::ModelSpec& spec = *file.spec();
    const ParamNode tree = spec.toTree();

    qsizetype pad = 0;
    for (const model::DictKey& key : tree.keys())
        pad = std::max(pad, key.text.size());
    pad += 2;

    out << "\nlayout: " << model::toString(*file.layout()) << " (nemos "
        << (*file.layout() == model::KeyLayout::Current ? "0.2.6 and later" : "0.2.4 and 0.2.5") << ")\n";

    const ParamNode& metadata = spec.metadata();
    if (metadata.type() == ParamNode::Type::Dict) {
        out << "\nMetadata\n--------\n";
        for (size_t i = 0; i < metadata.keys().size(); ++i)
            out << padded(metadata.keys()[i].text + QStringLiteral(" version"), pad) << ": "
                << valueText(metadata.children()[i]) << '\n';
    }

    out << "\nModel class\n-----------\n";
    if (!spec.modelClass().isEmpty()) {
        out << padded(QStringLiteral("Saved model class"), pad) << ": " << spec.modelClass();
        if (!spec.fittingSupported())
            out << " (Nemoscope cannot refit it)";
        out << '\n';
    }

    out << "\nModel parameters\n----------------\n";
    for (size_t i = 0; i < tree.keys().size(); ++i) {
        const QString& key = tree.keys()[i].text;
        if (key == QLatin1String("save_metadata") || key == QLatin1String("model_class")
            || key.endsWith(QLatin1Char('_')))
            continue;
        out << padded(key, pad) << ": " << valueText(tree.children()[i]) << '\n';
    }

    out << "\nModel fit parameters\n--------------------\n";
    for (size_t i = 0; i < tree.keys().size(); ++i) {
        const QString& key = tree.keys()[i].text;
        // Fit values as Python prints them (1.0, not 1).
        const ParamNode& value = tree.children()[i];
        if (key.endsWith(QLatin1Char('_')))
            out << key << ": " << (value.type() == ParamNode::Type::Float ? value.displayText() : valueText(value))
                << '\n';
    }

    const auto unresolved = spec.unresolved();
    if (!unresolved.isEmpty()) {
        out << "\nUnresolved names\n----------------\n";
        for (const model::UnresolvedName& name : unresolved) {
            out << padded(name.key, pad) << ": " << name.saved << " (" << model::toString(name.kind) << ")\n";
            out << padded(QString(), pad) << "  needs " << name.need() << '\n';
        }
    }

    // Problems beyond the unresolved names (validate() lists those first).
    const QStringList problems = spec.validate().mid(unresolved.size());
    const QStringList warnings = spec.warnings();
    if (!problems.isEmpty() || !warnings.isEmpty()) {
        out << "\nProblems\n--------\n";
        for (const QString& problem : problems)
            out << "error: " << problem << '\n';
        for (const QString& warning : warnings)
            out << "warning: " << warning << '\n';
    }

    if (!file.unknownMembers().isEmpty()) {
        out << "\nOther members (kept on save)\n----------------------------\n";
        const QStringList names = file.unknownMembers();
        const QStringList reasons = file.unknownReasons();
        for (qsizetype i = 0; i < names.size(); ++i)
            out << names[i] << (reasons.value(i).isEmpty() ? QString() : QStringLiteral(": ") + reasons[i]) << '\n';
    }
}

QJsonObject modelJson(const model::ModelSpec& spec)
{
    const ParamNode tree = spec.toTree();
    QJsonObject params;
    QJsonObject fit;
    for (size_t i = 0; i < tree.keys().size(); ++i) {
        const QString& key = tree.keys()[i].text;
        const ParamNode& value = tree.children()[i];
        if (key == QLatin1String("save_metadata") || key == QLatin1String("model_class"))
            continue;
        if (key.endsWith(QLatin1Char('_'))) {
            // Fit values as arrays, 0-d ones included (scale_ and dof_resid_ are 0-d float32 in nemos files).
            fit.insert(key,
                value.isNone() || value.sourceArray().isNull() ? model::paramToJson(value)
                                                               : QJsonValue(model::arrayToJson(value.sourceArray())));
        } else {
            params.insert(key, model::paramToJson(value));
        }
    }

    QJsonObject object;
    object.insert(QStringLiteral("model_class"), spec.modelClass().isEmpty() ? QJsonValue() : spec.modelClass());
    object.insert(QStringLiteral("params"), params);
    object.insert(QStringLiteral("fit"), spec.isFitted() ? QJsonValue(fit) : QJsonValue());
    object.insert(QStringLiteral("metadata"), model::paramToJson(spec.metadata()));
    object.insert(QStringLiteral("fitting_supported"), spec.fittingSupported());
    object.insert(QStringLiteral("validation"), QJsonArray::fromStringList(spec.validate()));
    object.insert(QStringLiteral("warnings"), QJsonArray::fromStringList(spec.warnings()));
    return object;
}

QJsonObject listingJson(const npy::NpzArchive& archive, const Verified& verified)
{
    QJsonArray members;
    for (qsizetype i = 0; i < qsizetype(archive.members().size()); ++i) {
        const npy::NpzMember& member = archive.members()[size_t(i)];
        QJsonObject m;
        m.insert(QStringLiteral("name"), member.name);
        if (member.header) {
            m.insert(QStringLiteral("descr"), member.header->dtype.descrJson());
            QJsonArray shape;
            for (qint64 d : member.header->shape)
                shape.append(double(d));
            m.insert(QStringLiteral("shape"), shape);
            m.insert(QStringLiteral("fortran_order"), member.header->fortranOrder);
        } else {
            m.insert(QStringLiteral("descr"), QJsonValue());
            m.insert(QStringLiteral("shape"), QJsonValue());
            m.insert(QStringLiteral("fortran_order"), QJsonValue());
        }
        m.insert(QStringLiteral("compressed"), member.compressed);
        const Error* error = memberError(archive, verified, i);
        m.insert(QStringLiteral("error"), error ? QJsonValue(error->reason) : QJsonValue());
        members.append(m);
    }
    QJsonObject object;
    object.insert(QStringLiteral("file"), archive.path());
    object.insert(QStringLiteral("kind"), archive.kind() == npy::ArchiveKind::Npz ? "npz" : "npy");
    object.insert(QStringLiteral("members"), members);
    return object;
}

} // namespace

int runInspect(const QStringList& arguments)
{
    QCommandLineParser parser;
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Print one JSON object instead of text."));
    parser.addOption(json);
    const QCommandLineOption headersOnly(QStringLiteral("headers-only"),
        QStringLiteral("List from the zip directory and the .npy headers alone, without reading each member's data "
                       "through to check its CRC and length (faster on very large archives)."));
    parser.addOption(headersOnly);
    parser.addPositionalArgument(QStringLiteral("FILE"), QStringLiteral("The .npz or .npy file to inspect."));
    const int early = parseOrExit(parser, arguments,
        QStringLiteral(
            "Lists the members of an .npz or .npy file (name, dtype, shape, order, storage, error) and, "
            "for a nemos model file, its metadata, model class, parameters, fit parameters and the saved "
            "names that need a mapping. Every member's bytes are read through once, in constant memory, to check "
            "them against the archive's CRC and sizes.\n\nExit status: 0 every member readable, 3 some "
            "members refused, 2 the file is not readable as npz or npy."));
    if (early >= 0)
        return early;
    if (parser.positionalArguments().size() != 1) {
        printError(QStringLiteral("inspect expects one FILE (see --help)"));
        return ExitUnreadable;
    }
    const QString path = parser.positionalArguments().first();

    int status = ExitOk;
    std::optional<model::NemosFile> loaded = loadForCommand(path, false, &status);
    if (!loaded)
        return status;
    const model::NemosFile& file = *loaded;
    const npy::NpzArchive& archive = *file.archive();
    const bool hasModel = file.isNemos() && file.spec().has_value();

    Verified verified;
    if (!parser.isSet(headersOnly)) {
        for (qsizetype i = 0; i < qsizetype(archive.members().size()); ++i) {
            if (archive.members()[size_t(i)].error)
                continue;
            if (auto ok = archive.verify(i); !ok)
                verified.emplace(i, ok.error());
        }
    }

    QTextStream out(stdout);
    if (parser.isSet(json)) {
        QJsonObject object = listingJson(archive, verified);
        object.insert(
            QStringLiteral("layout"), file.layout() ? QJsonValue(model::toString(*file.layout())) : QJsonValue());
        object.insert(QStringLiteral("model"), hasModel ? QJsonValue(modelJson(*file.spec())) : QJsonValue());
        QJsonArray unresolved;
        if (hasModel) {
            for (const model::UnresolvedName& name : file.spec()->unresolved()) {
                QJsonObject u;
                u.insert(QStringLiteral("key"), name.key);
                u.insert(QStringLiteral("saved"), name.saved);
                u.insert(QStringLiteral("kind"), model::toString(name.kind));
                u.insert(QStringLiteral("params"), model::paramToJson(name.params));
                u.insert(QStringLiteral("need"), name.need());
                unresolved.append(u);
            }
        }
        object.insert(QStringLiteral("unresolved"), unresolved);
        out << QJsonDocument(object).toJson(QJsonDocument::Indented);
    } else {
        // Member names and saved strings come from the file: escaped before they reach a terminal.
        QString text;
        QTextStream buffer(&text);
        printListing(buffer, archive, verified);
        if (hasModel)
            printModel(buffer, file);
        buffer.flush();
        out << printable(text);
    }
    out.flush();

    // Refused members: listed above with their reasons, and one line each on stderr.
    bool refused = false;
    for (qsizetype i = 0; i < qsizetype(archive.members().size()); ++i) {
        const npy::NpzMember& member = archive.members()[size_t(i)];
        if (const Error* found = memberError(archive, verified, i)) {
            refused = true;
            Error error = *found;
            if (error.file.isEmpty())
                error.file = path;
            if (error.member.isEmpty())
                error.member = member.name;
            printError(error);
        }
    }
    return refused ? ExitRefusedMembers : ExitOk;
}

} // namespace nemoscope::app
