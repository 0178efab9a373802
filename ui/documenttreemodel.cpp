#include "documenttreemodel.h"

#include "document.h"
#include "glossary.h"
#include "icons.h"
#include "model/modelspec.h"
#include "model/nemosfile.h"
#include "model/registry.h"
#include "npy/npzarchive.h"

#include <QBrush>
#include <QColor>
#include <QFont>
#include <QLocale>
#include <QSet>

namespace nemoscope::ui {

struct DocumentTreeModel::Item
{
    Kind kind = Kind::Value;
    QString name;
    QString value;
    QString type;
    QString toolTip;
    QString description;
    QString member;
    QString key;
    QString error;
    npy::NdArray array;
    bool hasArray = false;

    Item* parent = nullptr;
    int row = 0;
    std::vector<std::unique_ptr<Item>> children;
};

namespace {

QString shapeText(const std::vector<qint64>& shape)
{
    if (shape.empty())
        return QStringLiteral("scalar");
    QStringList parts;
    for (qint64 dim : shape)
        parts << QString::number(dim);
    return shape.size() == 1 ? QStringLiteral("(%1,)").arg(parts.first())
                             : QLatin1Char('(') + parts.join(QStringLiteral(", ")) + QLatin1Char(')');
}

QString arrayType(const npy::NdArray& array)
{
    return array.dtype().name() + QLatin1Char(' ') + shapeText(array.shape());
}

// The first few elements of a small array, as NumPy prints them.
QString preview(const npy::NdArray& array)
{
    if (array.isNull())
        return {};
    if (array.ndim() == 0)
        return array.displayText(qint64(0));
    if (array.ndim() != 1 || array.size() > 6)
        return {};
    QStringList parts;
    for (qint64 i = 0; i < array.size(); ++i)
        parts << array.displayText(i);
    return QLatin1Char('[') + parts.join(QStringLiteral(", ")) + QLatin1Char(']');
}

QString scalarType(const model::ParamNode& node)
{
    if (node.type() == model::ParamNode::Type::String)
        return QStringLiteral("str");
    if (!node.sourceArray().isNull())
        return node.sourceArray().dtype().name();
    switch (node.type()) {
    case model::ParamNode::Type::Bool:
        return QStringLiteral("bool");
    case model::ParamNode::Type::Int:
        return QStringLiteral("int");
    case model::ParamNode::Type::Float:
        return QStringLiteral("float");
    case model::ParamNode::Type::String:
        return QStringLiteral("str");
    case model::ParamNode::Type::Dict:
        return QStringLiteral("dict");
    case model::ParamNode::Type::List:
        return QStringLiteral("list");
    case model::ParamNode::Type::Tuple:
        return QStringLiteral("tuple");
    default:
        return {};
    }
}

bool isClassRef(const model::ParamNode& node)
{
    return node.type() == model::ParamNode::Type::Dict && node.find(QStringLiteral("class"))
        && node.find(QStringLiteral("class"))->type() == model::ParamNode::Type::String;
}

std::optional<model::BuiltinCategory> categoryOf(const QString& key)
{
    if (key == QLatin1String("observation_model"))
        return model::BuiltinCategory::ObservationModel;
    if (key == QLatin1String("regularizer"))
        return model::BuiltinCategory::Regularizer;
    if (key == QLatin1String("inverse_link_function"))
        return model::BuiltinCategory::InverseLink;
    if (key == QLatin1String("solver_name"))
        return model::BuiltinCategory::Solver;
    if (key == QLatin1String("model_class"))
        return model::BuiltinCategory::ModelClass;
    return std::nullopt;
}

// keys with those named in order first, in that order, then the rest as they came.
QStringList ordered(const QStringList& keys, const QStringList& order)
{
    QStringList result;
    for (const QString& key : order) {
        if (keys.contains(key))
            result << key;
    }
    for (const QString& key : keys) {
        if (!order.contains(key))
            result << key;
    }
    return result;
}

} // namespace

DocumentTreeModel::DocumentTreeModel(QObject* parent)
    : QAbstractItemModel(parent)
    , m_root(std::make_unique<Item>())
{ }

DocumentTreeModel::~DocumentTreeModel() = default;

void DocumentTreeModel::setDocument(Document* document)
{
    if (m_document)
        disconnect(m_document, nullptr, this, nullptr);
    m_document = document;
    if (m_document) {
        connect(m_document, &Document::modelChanged, this, &DocumentTreeModel::rebuild);
        connect(m_document, &Document::fitChanged, this, &DocumentTreeModel::rebuild);
        connect(m_document, &Document::reloaded, this, &DocumentTreeModel::rebuild);
        connect(m_document, &Document::readFaultReported, this,
            [this](const QString& member) { markReadFaults(m_root.get(), member, true); });
    }
    rebuild();
}

void DocumentTreeModel::setMode(Mode mode)
{
    if (mode == m_mode)
        return;
    m_mode = mode;
    rebuild();
}

DocumentTreeModel::Mode DocumentTreeModel::effectiveMode() const
{
    return m_document && m_document->spec() ? m_mode : Mode::RawMembers;
}

void DocumentTreeModel::rebuild()
{
    beginResetModel();
    m_root = std::make_unique<Item>();
    m_unresolvedKeys.clear();
    if (m_document) {
        if (effectiveMode() == Mode::Model)
            buildModel(m_root.get());
        else
            buildMembers(m_root.get());
        markReadFaults(m_root.get(), {}, false);
    }
    endResetModel();
}

void DocumentTreeModel::markReadFaults(Item* parent, const QString& member, bool notify)
{
    if (!m_document || !parent)
        return;
    for (const auto& child : parent->children) {
        Item* item = child.get();
        markReadFaults(item, member, notify);
        if (item->member.isEmpty() || item->kind == Kind::Refused || (!member.isEmpty() && item->member != member))
            continue;
        const QString reason = m_document->readFault(item->member);
        if (reason.isEmpty())
            continue;
        // As a member refused when the archive was listed.
        markRefused(item, reason);
        const QModelIndex first = notify ? indexOf(item) : QModelIndex();
        if (first.isValid())
            emit dataChanged(first, first.siblingAtColumn(columnCount(first.parent()) - 1));
    }
}

void DocumentTreeModel::markRefused(Item* item, const QString& reason)
{
    item->kind = Kind::Refused;
    item->error = reason;
    item->value = reason;
    item->hasArray = false;
    item->toolTip = tr("<p>This member cannot be read:</p><p>%1</p>").arg(reason.toHtmlEscaped());
}

DocumentTreeModel::Item* DocumentTreeModel::addItem(Item* parent, Kind kind, const QString& name)
{
    auto item = std::make_unique<Item>();
    item->kind = kind;
    item->name = name;
    item->parent = parent;
    item->row = int(parent->children.size());
    parent->children.push_back(std::move(item));
    return parent->children.back().get();
}

void DocumentTreeModel::buildModel(Item* root)
{
    const model::ModelSpec& spec = *m_document->spec();
    const model::ParamNode tree = spec.toTree();
    for (const model::UnresolvedName& name : spec.unresolved())
        m_unresolvedKeys << name.key;

    auto section = [&](const QString& title) {
        Item* item = addItem(root, Kind::Section, title);
        item->description = describeSection(title);
        item->toolTip = item->description;
        return item;
    };

    // Metadata: the library versions that saved the file.
    Item* metadata = section(tr("Metadata"));
    const model::ParamNode& versions = spec.metadata();
    if (versions.type() == model::ParamNode::Type::Dict) {
        for (qsizetype i = 0; i < versions.childCount(); ++i)
            addParam(metadata, versions.keys()[size_t(i)].text, versions.children()[size_t(i)], {});
        metadata->value = tr("%n libraries", nullptr, int(versions.childCount()));
    } else {
        metadata->value = tr("none saved");
    }

    // Model class: a single value.
    Item* modelClass = section(tr("Model class"));
    modelClass->key = QStringLiteral("model_class");
    const model::Builtin* classBuiltin = model::resolveBuiltin(model::BuiltinCategory::ModelClass, spec.modelClass());
    modelClass->value = classBuiltin ? classBuiltin->name : spec.modelClass();
    modelClass->type = spec.modelClass();
    modelClass->toolTip
        = QStringLiteral("<p><b>%1</b></p><p>%2</p>").arg(spec.modelClass().toHtmlEscaped(), modelClass->description);

    // Model parameters: every top-level key that is neither fit state, metadata nor the class.
    // Known keys come in the order a reader thinks about them; others follow in file order.
    Item* params = section(tr("Model parameters"));
    const QStringList fitKeys = spec.fitKeys();
    QStringList paramKeys;
    for (qsizetype i = 0; i < tree.childCount(); ++i) {
        const QString key = tree.keys()[size_t(i)].text;
        if (key != QLatin1String("model_class") && key != QLatin1String("save_metadata") && !fitKeys.contains(key))
            paramKeys << key;
    }
    static const QStringList paramOrder = { QStringLiteral("observation_model"),
        QStringLiteral("inverse_link_function"), QStringLiteral("regularizer"), QStringLiteral("regularizer_strength"),
        QStringLiteral("solver_name"), QStringLiteral("solver_kwargs"), QStringLiteral("feature_mask") };
    for (const QString& key : ordered(paramKeys, paramOrder))
        addParam(params, key, *tree.find(key), key);

    // Fit parameters: the attributes nemos sets when fitting.
    Item* fit = section(tr("Fit parameters"));
    fit->value = spec.isFitted() ? tr("fitted") : tr("not fitted");
    static const QStringList fitOrder = { QStringLiteral("coef_"), QStringLiteral("intercept_"),
        QStringLiteral("scale_"), QStringLiteral("dof_resid_"), QStringLiteral("aux_") };
    for (const QString& key : ordered(fitKeys, fitOrder)) {
        if (const model::ParamNode* node = tree.find(key))
            addParam(fit, key, *node, key);
    }

    // Members outside the layout, kept on save.
    const model::NemosFile* file = m_document->nemosFile();
    const QStringList unknown = file ? file->unknownMembers() : QStringList();
    if (!unknown.isEmpty()) {
        Item* other = section(tr("Other members"));
        const QStringList reasons = file->unknownReasons();
        const npy::NpzArchive* archive = m_document->archive();
        for (qsizetype i = 0; i < unknown.size(); ++i) {
            const npy::NpzMember* member = archive ? archive->member(unknown[i]) : nullptr;
            const bool refused = member && member->error;
            Item* item = addItem(other, refused ? Kind::Refused : Kind::Member, unknown[i]);
            item->member = unknown[i];
            item->value = i < reasons.size() ? reasons[i] : QString();
            if (refused)
                item->error = member->error->reason;
            if (member && member->header)
                item->type = member->header->dtype.name() + QLatin1Char(' ') + shapeText(member->header->shape);
            item->hasArray = member && member->isReadable();
            item->toolTip = item->value;
        }
    }
}

void DocumentTreeModel::addParam(Item* parent, const QString& name, const model::ParamNode& node, const QString& key)
{
    using Type = model::ParamNode::Type;
    const bool unresolved = !key.isEmpty() && m_unresolvedKeys.contains(key);
    Item* item = addItem(parent, unresolved ? Kind::Unresolved : Kind::Value, name);
    item->key = key;
    item->description = describeKey(key.isEmpty() ? name : key);

    if (isClassRef(node)) {
        // A class saved with its parameters: show the class, its parameters below.
        const QString saved = node.find(QStringLiteral("class"))->toString();
        const auto category = categoryOf(key);
        const model::Builtin* builtin = category ? model::resolveBuiltin(*category, saved) : nullptr;
        item->value = builtin ? builtin->name : saved;
        item->type = tr("class");
        item->toolTip = saved;
        if (builtin && !builtin->description.isEmpty())
            item->toolTip += QStringLiteral(": ") + builtin->description;
        if (const model::ParamNode* params = node.find(QStringLiteral("params"));
            params && params->type() == Type::Dict) {
            for (qsizetype i = 0; i < params->childCount(); ++i) {
                const QString param = params->keys()[size_t(i)].text;
                addParam(item, param, params->children()[size_t(i)], key + QStringLiteral("__") + param);
            }
        }
    } else if (node.type() == Type::Dict) {
        item->value = node.childCount() == 0 ? tr("{}") : tr("%n entries", nullptr, int(node.childCount()));
        item->type = QStringLiteral("dict");
        for (qsizetype i = 0; i < node.childCount(); ++i) {
            const QString child = node.keys()[size_t(i)].text;
            addParam(item, child, node.children()[size_t(i)],
                key.isEmpty() ? QString() : key + QStringLiteral("__") + child);
        }
    } else if (node.isSequence()) {
        item->value = node.displayText();
        item->type = scalarType(node);
        for (qsizetype i = 0; i < node.childCount(); ++i)
            addParam(item, QStringLiteral("[%1]").arg(i), node.children()[size_t(i)], {});
    } else if (node.type() == Type::Array) {
        item->kind = unresolved ? Kind::Unresolved : Kind::Array;
        item->array = node.array();
        item->hasArray = true;
        item->value = preview(node.array());
        item->type = arrayType(node.array());
    } else if (node.isNone()) {
        item->value = QStringLiteral("None");
        item->type = QStringLiteral("None");
    } else {
        item->value = node.type() == Type::String ? node.toString() : node.displayText();
        item->type = scalarType(node);
        const auto category = categoryOf(key);
        if (category && node.type() == Type::String) {
            if (const model::Builtin* builtin = model::resolveBuiltin(*category, node.toString())) {
                item->value = builtin->name;
                item->toolTip = node.toString() + QStringLiteral(": ") + builtin->description;
            }
        }
        if (!node.sourceArray().isNull()) {
            item->array = node.sourceArray();
            item->hasArray = false;
        }
    }

    if (unresolved) {
        const QList<model::UnresolvedName> names = m_document->spec()->unresolved();
        for (const model::UnresolvedName& entry : names) {
            if (entry.key == key)
                item->toolTip = tr("<p><b>%1</b> is not a nemos built-in.</p><p>Needed: %2.</p>"
                                   "<p>Use Model ▸ Map Unresolved Names… to bind it to a built-in.</p>")
                                    .arg(entry.saved.toHtmlEscaped(), entry.need().toHtmlEscaped());
        }
    } else if (item->toolTip.isEmpty()) {
        item->toolTip = item->description;
    }
}

void DocumentTreeModel::buildMembers(Item* root)
{
    const npy::NpzArchive* archive = m_document->archive();
    if (!archive)
        return;
    const QLocale locale;
    for (const npy::NpzMember& member : archive->members()) {
        Item* item = addItem(root, member.error ? Kind::Refused : Kind::Member, member.name);
        item->member = member.name;
        if (member.header)
            item->type = member.header->dtype.name() + QLatin1Char(' ') + shapeText(member.header->shape);
        const QString size = locale.formattedDataSize(member.uncompressedSize);
        if (archive->kind() == npy::ArchiveKind::Npy)
            item->value = size;
        else if (member.compressed)
            item->value = tr("deflated, %1 → %2").arg(locale.formattedDataSize(member.compressedSize), size);
        else
            item->value = tr("stored, %1").arg(size);
        if (member.error) {
            markRefused(item, member.error->reason);
        } else {
            item->hasArray = true;
            // Scalars are tiny: show their value right in the tree.
            if (member.header && member.header->shape.empty()) {
                auto array = archive->read(member.name);
                if (array)
                    item->value = array->displayText(qint64(0));
            }
            item->toolTip = tr("%1\n%2, %3 bytes in the archive (%4 in memory)")
                                .arg(member.entryName, member.compressed ? tr("deflated") : tr("stored"))
                                .arg(member.compressedSize)
                                .arg(member.uncompressedSize);
        }
    }
}

DocumentTreeModel::Item* DocumentTreeModel::itemAt(const QModelIndex& index) const
{
    return index.isValid() ? static_cast<Item*>(index.internalPointer()) : m_root.get();
}

QModelIndex DocumentTreeModel::indexOf(const Item* item) const
{
    if (!item || item == m_root.get())
        return {};
    return createIndex(item->row, 0, const_cast<Item*>(item));
}

npy::NdArray DocumentTreeModel::arrayAt(const QModelIndex& index) const
{
    return index.isValid() ? itemAt(index)->array : npy::NdArray();
}

QModelIndex DocumentTreeModel::findKey(const QString& key) const
{
    std::function<const Item*(const Item*)> search = [&](const Item* item) -> const Item* {
        for (const auto& child : item->children) {
            if (child->key == key || (child->key.isEmpty() && child->member == key))
                return child.get();
            if (const Item* found = search(child.get()))
                return found;
        }
        return nullptr;
    };
    return indexOf(search(m_root.get()));
}

QModelIndex DocumentTreeModel::findSection(const QString& title) const
{
    for (const auto& child : m_root->children) {
        if (child->kind == Kind::Section && child->name == title)
            return indexOf(child.get());
    }
    return {};
}

QModelIndex DocumentTreeModel::index(int row, int column, const QModelIndex& parent) const
{
    if (!hasIndex(row, column, parent))
        return {};
    const Item* parentItem = itemAt(parent);
    return createIndex(row, column, parentItem->children[size_t(row)].get());
}

QModelIndex DocumentTreeModel::parent(const QModelIndex& child) const
{
    if (!child.isValid())
        return {};
    return indexOf(itemAt(child)->parent);
}

int DocumentTreeModel::rowCount(const QModelIndex& parent) const
{
    if (parent.isValid() && parent.column() != 0)
        return 0;
    return int(itemAt(parent)->children.size());
}

int DocumentTreeModel::columnCount(const QModelIndex&) const
{
    return ColumnCount;
}

QVariant DocumentTreeModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const Item* item = itemAt(index);

    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case NameColumn:
            return item->name;
        case ValueColumn:
            return item->value;
        case TypeColumn:
            return item->type;
        }
        return {};
    case Qt::ToolTipRole:
        return item->toolTip.isEmpty() ? QVariant() : QVariant(item->toolTip);
    case Qt::DecorationRole:
        if (index.column() != NameColumn)
            return {};
        switch (item->kind) {
        case Kind::Section:
            return icons::section(QColor(0x4a, 0x78, 0xa8));
        case Kind::Unresolved:
            return icons::unresolved();
        case Kind::Refused:
            return icons::problem();
        case Kind::Array:
            return icons::array();
        case Kind::Member:
            return item->hasArray ? icons::array() : QVariant();
        case Kind::Value:
            return icons::scalar();
        }
        return {};
    case Qt::FontRole:
        if (item->kind == Kind::Section && index.column() == NameColumn) {
            QFont font;
            font.setBold(true);
            return font;
        }
        return {};
    case Qt::ForegroundRole:
        if (item->kind == Kind::Unresolved && index.column() != TypeColumn)
            return QBrush(QColor(0xd0, 0x7a, 0x00));
        if (item->kind == Kind::Refused && index.column() == ValueColumn)
            return QBrush(QColor(0xd0, 0x30, 0x30));
        return {};
    case KindRole:
        return int(item->kind);
    case MemberRole:
        return item->member;
    case KeyRole:
        return item->key;
    case DescriptionRole:
        return item->description;
    case ErrorRole:
        return item->error;
    case HasArrayRole:
        return item->hasArray;
    }
    return {};
}

QVariant DocumentTreeModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn:
        return tr("Name");
    case ValueColumn:
        return tr("Value");
    case TypeColumn:
        return tr("Type");
    }
    return {};
}

} // namespace nemoscope::ui
