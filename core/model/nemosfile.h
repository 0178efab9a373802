#pragma once

// A file opened as a nemos model: the archive, its decoded parameter tree and layout, the model
// specification, and the members Nemoscope does not understand (kept byte for byte on save).

#include "error.h"
#include "model/modelspec.h"
#include "model/paramtree.h"
#include "npy/npzwriter.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <memory>
#include <optional>
#include <vector>

namespace nemoscope::npy {
class NpzArchive;
} // namespace nemoscope::npy

namespace nemoscope::model {

class NemosFile
{
public:
    // Opens path (npz or npy). Fails only when the file cannot be read as an archive at all. A plain
    // archive loads with isNemos() false; refused members are listed in unknownMembers() with their
    // reasons, and the readable ones are decoded.
    static Result<NemosFile> load(const QString& path);
    // The same from flat members already read (no archive): for tests and for in-memory models.
    static NemosFile fromMembers(const QString& path, const std::vector<FlatMember>& members);

    QString path() const { return m_path; }
    const std::shared_ptr<npy::NpzArchive>& archive() const { return m_archive; } // null for fromMembers()
    bool isNemos() const { return m_layout.has_value(); }
    std::optional<KeyLayout> layout() const { return m_layout; }
    const ParamNode& tree() const { return m_tree; } // the tree as decoded
    // The model: present for a nemos file whose tree names a model.
    const std::optional<ModelSpec>& spec() const { return m_spec; }
    std::optional<ModelSpec>& spec() { return m_spec; }

    // Members outside the nemos layout or refused by the reader, with why; saved back unchanged.
    QStringList unknownMembers() const;
    QStringList unknownReasons() const;

    // Writes the model (the spec's tree, or the decoded tree when there is no spec) in layout with the
    // unknown members carried over unchanged, atomically. Fails with the reason, leaving any existing file
    // untouched; a member that could not even be read raw is reported rather than dropped silently.
    Result<void> save(const QString& path, KeyLayout layout = KeyLayout::Current,
        npy::Compression compression = npy::Compression::Stored) const;
    // The entries save() writes, in order.
    Result<std::vector<npy::NpzEntry>> entries(KeyLayout layout) const;

    // The nemos call that loads this file with the spec's mappings:
    //   import nemos as nmo
    //   model = nmo.load_model("path", mapping_dict={"regularizer": nmo.regularizer.Ridge, ...})
    // Classes are given as classes and callables as functions, as load_model expects; the imports they
    // need come first. Without mappings the call has no mapping_dict.
    QString pythonSnippet() const;
    QString pythonSnippet(const QString& path) const;

private:
    struct Unknown
    {
        QString name;
        QString reason;
        npy::NdArray array; // the array when decoded; with an archive open, the raw bytes are read at save
    };

    void keepUnknown(const DecodedFile& decoded, const std::vector<FlatMember>& members);

    QString m_path;
    std::shared_ptr<npy::NpzArchive> m_archive;
    std::optional<KeyLayout> m_layout;
    ParamNode m_tree;
    std::optional<ModelSpec> m_spec;
    std::vector<Unknown> m_unknown;
};

// The Python snippet for a path and a list of mappings (what NemosFile::pythonSnippet prints).
QString pythonSnippet(const QString& path, const QList<AppliedMapping>& mappings);

} // namespace nemoscope::model
