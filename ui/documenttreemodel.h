#pragma once

#include "npy/ndarray.h"

#include <QAbstractItemModel>
#include <QIcon>
#include <QPointer>

#include <memory>
#include <vector>

namespace nemoscope::model {
class ParamNode;
} // namespace nemoscope::model

namespace nemoscope::ui {

class Document;

// The tree on the left of the window. For a nemos file (Model mode) it shows the sections Metadata,
// Model class, Model parameters and Fit parameters, with each node's value or dtype and shape; names
// that do not resolve to nemos built-ins stand out. RawMembers mode (and any plain archive) lists the
// archive's members as stored: flattened key, dtype and shape, size, stored or deflated, or the reason
// a member was refused. The model follows the document: it rebuilds when the model or fit changes.
class DocumentTreeModel : public QAbstractItemModel
{
    Q_OBJECT

public:
    enum Column
    {
        NameColumn,
        ValueColumn,
        TypeColumn,
        ColumnCount
    };

    enum Role
    {
        KindRole = Qt::UserRole + 1, // Kind, as int
        MemberRole, // the archive member's name (RawMembers mode), or empty
        KeyRole, // the nemos key ("regularizer", "regularizer__mask", "coef_"), or empty
        DescriptionRole, // what the node means, a sentence or two
        ErrorRole, // why a member was refused, or empty
        HasArrayRole, // bool: the node holds an array the viewer can show
    };

    enum class Kind
    {
        Section, // a group: Metadata, Model parameters, ...
        Value, // a scalar, string, None or container value
        Array, // an n-dimensional array
        Unresolved, // a saved name that needs mapping to a built-in
        Member, // an archive member (RawMembers mode)
        Refused, // an archive member that could not be read
    };

    enum class Mode
    {
        Model,
        RawMembers
    };

    explicit DocumentTreeModel(QObject* parent = nullptr);
    ~DocumentTreeModel() override;

    void setDocument(Document* document);
    Document* document() const { return m_document; }

    // RawMembers is the only mode for a file that is not a nemos model.
    void setMode(Mode mode);
    Mode mode() const { return m_mode; }
    Mode effectiveMode() const;

    // The array a node holds (a model value, or an archive member already read); a null array otherwise.
    // Archive members are read by the caller through the archive (MemberRole), since reading may be slow.
    npy::NdArray arrayAt(const QModelIndex& index) const;
    // The first node with this nemos key (Model mode) or member name (RawMembers mode).
    QModelIndex findKey(const QString& key) const;
    // The section row with this title ("Fit parameters"...), in Model mode.
    QModelIndex findSection(const QString& title) const;

    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct Item;

    void rebuild();
    void buildModel(Item* root);
    void buildMembers(Item* root);
    Item* addItem(Item* parent, Kind kind, const QString& name);
    // Marks the member items below parent that failed when their bytes were read (member empty: every
    // such item); notify emits dataChanged for each (not while the model is being reset).
    void markReadFaults(Item* parent, const QString& member, bool notify);
    // A member that cannot be read: the reason in place of the value, in the tooltip and ErrorRole; no array.
    void markRefused(Item* item, const QString& reason);
    void addParam(Item* parent, const QString& name, const model::ParamNode& node, const QString& key);
    Item* itemAt(const QModelIndex& index) const;
    QModelIndex indexOf(const Item* item) const;

    QPointer<Document> m_document;
    Mode m_mode = Mode::Model;
    std::unique_ptr<Item> m_root;
    QStringList m_unresolvedKeys;
};

} // namespace nemoscope::ui
