#include "model/nemosfile.h"

#include "logging.h"
#include "npy/npzarchive.h"

#include <QHash>
#include <QSet>

namespace nemoscope::model {

namespace {

// A Python string literal for text.
QString pyString(const QString& text)
{
    QString out = text;
    out.replace(QLatin1Char('\\'), QStringLiteral("\\\\"));
    out.replace(QLatin1Char('"'), QStringLiteral("\\\""));
    out.replace(QLatin1Char('\n'), QStringLiteral("\\n"));
    return QLatin1Char('"') + out + QLatin1Char('"');
}

bool anyNameInLayout(const QStringList& names)
{
    for (const QString& name : names) {
        if (parseMemberName(name, KeyLayout::Current) || parseMemberName(name, KeyLayout::Legacy))
            return true;
    }
    return false;
}

} // namespace

Result<NemosFile> NemosFile::load(const QString& path)
{
    auto opened = npy::NpzArchive::open(path);
    if (!opened)
        return opened.error();

    NemosFile file;
    file.m_path = path;
    file.m_archive = *opened;
    const npy::NpzArchive& archive = *file.m_archive;

    // A plain archive is left unread: its members are only listed (reading a large one would cost its size).
    if (archive.kind() != npy::ArchiveKind::Npz || !anyNameInLayout(archive.names())) {
        for (const npy::NpzMember& member : archive.members())
            file.m_unknown.push_back({ member.name, member.error ? member.error->reason : QString(), {} });
        return file;
    }

    std::vector<FlatMember> flat;
    QStringList refused;
    QStringList refusedReasons;
    for (const npy::NpzMember& member : archive.members()) {
        if (!member.isReadable()) {
            refused << member.name;
            refusedReasons << (member.error ? member.error->reason : QStringLiteral("the member cannot be read"));
            continue;
        }
        auto array = archive.read(member.name);
        if (!array) {
            refused << member.name;
            refusedReasons << array.error().reason;
            continue;
        }
        flat.push_back({ member.name, *array });
    }

    DecodedFile decoded = decodeNemos(flat);
    file.m_layout = decoded.layout;
    file.m_tree = decoded.tree;
    for (qsizetype i = 0; i < refused.size(); ++i)
        file.m_unknown.push_back({ refused[i], refusedReasons[i], {} });
    file.keepUnknown(decoded, flat);

    if (file.m_layout) {
        auto spec = ModelSpec::fromTree(file.m_tree);
        if (spec)
            file.m_spec = std::move(*spec);
        qCDebug(lcModel) << path << "decoded in the" << toString(*file.m_layout) << "layout," << file.m_unknown.size()
                         << "members set aside";
    }
    return file;
}

NemosFile NemosFile::fromMembers(const QString& path, const std::vector<FlatMember>& members)
{
    NemosFile file;
    file.m_path = path;
    DecodedFile decoded = decodeNemos(members);
    file.m_layout = decoded.layout;
    file.m_tree = decoded.tree;
    file.keepUnknown(decoded, members);
    if (file.m_layout) {
        if (auto spec = ModelSpec::fromTree(file.m_tree))
            file.m_spec = std::move(*spec);
    }
    return file;
}

void NemosFile::keepUnknown(const DecodedFile& decoded, const std::vector<FlatMember>& members)
{
    QHash<QString, size_t> byName;
    for (size_t i = 0; i < members.size(); ++i)
        byName.insert(members[i].name, i);
    for (qsizetype i = 0; i < decoded.unknownMembers.size(); ++i) {
        const auto found = byName.constFind(decoded.unknownMembers[i]);
        if (found != byName.constEnd())
            m_unknown.push_back({ members[*found].name, decoded.problems.value(i), members[*found].array });
    }
}

QStringList NemosFile::unknownMembers() const
{
    QStringList names;
    for (const Unknown& unknown : m_unknown)
        names << unknown.name;
    return names;
}

QStringList NemosFile::unknownReasons() const
{
    QStringList reasons;
    for (const Unknown& unknown : m_unknown)
        reasons << unknown.reason;
    return reasons;
}

Result<std::vector<npy::NpzEntry>> NemosFile::entries(KeyLayout layout) const
{
    std::vector<npy::NpzEntry> out;
    QSet<QString> written;

    if (m_layout || m_spec) {
        const ParamNode tree = m_spec ? m_spec->toTree() : m_tree;
        for (FlatMember& member : encodeNemos(tree, layout)) {
            written.insert(member.name);
            out.push_back({ member.name, member.array, {} });
        }
    }

    // Members Nemoscope does not understand go back as they were: their raw .npy bytes when an archive is
    // open, else the array.
    for (const Unknown& unknown : m_unknown) {
        if (written.contains(unknown.name)) {
            return Error { m_path, unknown.name,
                QStringLiteral("the member clashes with a parameter of the same name; it cannot be kept beside it") };
        }
        written.insert(unknown.name);
        if (m_archive) {
            auto raw = m_archive->readRawNpy(unknown.name);
            if (!raw) {
                return Error { m_path, unknown.name,
                    QStringLiteral("the member cannot be carried over (%1); nothing was written")
                        .arg(raw.error().reason) };
            }
            out.push_back({ unknown.name, {}, *raw });
        } else if (!unknown.array.isNull()) {
            out.push_back({ unknown.name, unknown.array, {} });
        } else {
            return Error { m_path, unknown.name,
                QStringLiteral("the member has no data to carry over; nothing was written") };
        }
    }
    return out;
}

Result<void> NemosFile::save(const QString& path, KeyLayout layout, npy::Compression compression) const
{
    auto list = entries(layout);
    if (!list)
        return list.error();
    auto written = npy::writeNpz(path, *list, compression);
    if (!written) {
        Error error = written.error();
        if (error.file.isEmpty())
            error.file = path;
        return error;
    }
    qCInfo(lcModel) << "saved" << path << "in the" << toString(layout) << "layout," << list->size() << "members";
    return {};
}

QString NemosFile::pythonSnippet() const
{
    return pythonSnippet(m_path);
}

QString NemosFile::pythonSnippet(const QString& path) const
{
    return model::pythonSnippet(path, m_spec ? m_spec->mappings() : QList<AppliedMapping>());
}

QString pythonSnippet(const QString& path, const QList<AppliedMapping>& mappings)
{
    QStringList lines;
    lines << QStringLiteral("import nemos as nmo");

    QStringList imports;
    for (const AppliedMapping& mapping : mappings) {
        if (!mapping.builtin || mapping.builtin->pythonName.startsWith(QLatin1String("nmo.")))
            continue;
        const QString module = mapping.builtin->pythonName.section(QLatin1Char('.'), 0, -2);
        if (!module.isEmpty() && !imports.contains(module))
            imports << module;
    }
    for (const QString& module : imports)
        lines << QStringLiteral("import ") + module;
    lines << QString();

    if (mappings.isEmpty()) {
        lines << QStringLiteral("model = nmo.load_model(%1)").arg(pyString(path));
        return lines.join(QLatin1Char('\n')) + QLatin1Char('\n');
    }

    lines << QStringLiteral("# mapping_dict takes the classes and functions themselves, not their names.");
    for (const AppliedMapping& mapping : mappings) {
        if (mapping.droppedParams.isEmpty() || !mapping.builtin)
            continue;
        lines << QStringLiteral("# nemos passes the saved parameters to a mapped class, and %1 does not accept %2:")
                     .arg(mapping.builtin->pythonName, mapping.droppedParams.join(QStringLiteral(", ")));
        lines << QStringLiteral("# map to a class that accepts them, or load the file Nemoscope saves without them.");
    }
    lines << QStringLiteral("model = nmo.load_model(");
    lines << QStringLiteral("    %1,").arg(pyString(path));
    lines << QStringLiteral("    mapping_dict={");
    for (const AppliedMapping& mapping : mappings) {
        lines << QStringLiteral("        %1: %2,")
                     .arg(
                         pyString(mapping.key), mapping.builtin ? mapping.builtin->pythonName : QStringLiteral("None"));
    }
    lines << QStringLiteral("    },");
    lines << QStringLiteral(")");
    return lines.join(QLatin1Char('\n')) + QLatin1Char('\n');
}

} // namespace nemoscope::model
