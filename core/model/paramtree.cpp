#include "model/paramtree.h"

#include "logging.h"

#include <QHash>
#include <QLatin1StringView>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>

namespace nemoscope::model {

namespace {

const ParamNode kNone;
const npy::NdArray kNullArray;

// Nesting beyond this is not decoded (nemos models nest three or four levels).
constexpr size_t kMaxDepth = 64;

QString separator(KeyLayout layout)
{
    return layout == KeyLayout::Current ? QStringLiteral("::") : QStringLiteral("__");
}

struct ContainerToken
{
    QLatin1StringView text;
    ParamNode::Type type;
};

constexpr ContainerToken kTokens[] = {
    { QLatin1StringView("dict"), ParamNode::Type::Dict },
    { QLatin1StringView("list"), ParamNode::Type::List },
    { QLatin1StringView("tuple"), ParamNode::Type::Tuple },
    { QLatin1StringView("item"), ParamNode::Type::None },
};

QLatin1StringView tokenFor(ParamNode::Type type)
{
    for (const ContainerToken& token : kTokens) {
        if (token.type == type)
            return token.text;
    }
    return QLatin1StringView("item");
}

bool isDigits(const QString& text)
{
    if (text.isEmpty())
        return false;
    return std::all_of(text.begin(), text.end(), [](QChar c) { return c >= u'0' && c <= u'9'; });
}

// Python's repr of a float: the shortest decimal that reads back as the same double.
QString floatRepr(double value)
{
    if (std::isnan(value))
        return QStringLiteral("nan");
    if (std::isinf(value))
        return value > 0 ? QStringLiteral("inf") : QStringLiteral("-inf");
    QString text;
    for (int precision = 1; precision <= 17; ++precision) {
        text = QString::number(value, 'g', precision);
        if (text.toDouble() == value)
            break;
    }
    if (!text.contains(QLatin1Char('.')) && !text.contains(QLatin1Char('e')) && !text.contains(QLatin1Char('n')))
        text += QStringLiteral(".0");
    return text;
}

// ----------------------------------------------------------------- building the tree from members

// A tree under construction: sequences are keyed by their index text until they are finished.
struct BuildNode
{
    ParamNode::Type type = ParamNode::Type::Dict;
    std::vector<DictKey> keys;
    std::vector<std::unique_ptr<BuildNode>> children;
    QHash<QString, size_t> index; // kind and text of each key, so that wide dicts build in linear time
    std::optional<ParamNode> leaf; // set for an "item"

    static QString indexKey(const DictKey& key) { return QChar(u'0' + int(key.kind)) + key.text; }

    BuildNode* child(const DictKey& key)
    {
        const auto found = index.constFind(indexKey(key));
        return found == index.constEnd() ? nullptr : children[*found].get();
    }

    void add(const DictKey& key, std::unique_ptr<BuildNode> node)
    {
        index.insert(indexKey(key), keys.size());
        keys.push_back(key);
        children.push_back(std::move(node));
    }
};

ParamNode leafFromArray(const npy::NdArray& array)
{
    if (array.ndim() != 0)
        return ParamNode::fromArray(array);

    ParamNode node;
    switch (array.dtype().kind()) {
    case npy::DTypeKind::Unicode:
        node = ParamNode::fromString(array.scalarString());
        break;
    case npy::DTypeKind::Float: {
        const double value = array.scalarDouble();
        node = std::isnan(value) ? ParamNode::none() : ParamNode::fromFloat(value);
        break;
    }
    case npy::DTypeKind::Int:
    case npy::DTypeKind::UInt:
        node = ParamNode::fromInt(array.scalarInt());
        break;
    case npy::DTypeKind::Bool:
        node = ParamNode::fromBool(array.scalarBool());
        break;
    default:
        return ParamNode::fromArray(array);
    }
    node.setSourceArray(array);
    return node;
}

ParamNode finish(const BuildNode& build)
{
    if (build.leaf)
        return *build.leaf;

    ParamNode node = build.type == ParamNode::Type::List ? ParamNode::list()
        : build.type == ParamNode::Type::Tuple           ? ParamNode::tuple()
                                                         : ParamNode::dict();
    if (build.type == ParamNode::Type::Dict) {
        for (size_t i = 0; i < build.keys.size(); ++i)
            node.appendEntry(build.keys[i], finish(*build.children[i]));
        return node;
    }

    // Sequences: by index, as nemos sorts its digit keys.
    std::vector<size_t> order(build.keys.size());
    for (size_t i = 0; i < order.size(); ++i)
        order[i] = i;
    std::stable_sort(order.begin(), order.end(),
        [&](size_t a, size_t b) { return build.keys[a].text.toLongLong() < build.keys[b].text.toLongLong(); });
    for (size_t i : order)
        node.append(finish(*build.children[i]));
    return node;
}

// Inserts one member into the tree under construction; returns why it does not fit, or an empty string.
QString insertMember(BuildNode& root, const std::vector<KeyStep>& steps, const npy::NdArray& array)
{
    BuildNode* node = &root;
    for (size_t i = 0; i < steps.size(); ++i) {
        const KeyStep& step = steps[i];
        const bool last = i + 1 == steps.size();
        BuildNode* existing = node->child(step.key);

        if (last) {
            if (existing)
                return QStringLiteral("another member already holds the value at this key path");
            auto leaf = std::make_unique<BuildNode>();
            leaf->type = ParamNode::Type::None;
            leaf->leaf = leafFromArray(array);
            node->add(step.key, std::move(leaf));
            return {};
        }

        if (existing) {
            if (existing->leaf || existing->type != step.container)
                return QStringLiteral("its path clashes with another member's (a %1 where that one has a %2)")
                    .arg(tokenFor(step.container), existing->leaf ? QStringLiteral("value") : tokenFor(existing->type));
            node = existing;
            continue;
        }

        auto container = std::make_unique<BuildNode>();
        container->type = step.container;
        node->add(step.key, std::move(container));
        node = node->children.back().get();
    }
    return QStringLiteral("the name holds no value");
}

// ----------------------------------------------------------------- writing members from the tree

npy::NdArray leafArray(const ParamNode& node)
{
    if (!node.sourceArray().isNull())
        return node.sourceArray();
    switch (node.type()) {
    case ParamNode::Type::None:
        return npy::NdArray::fromDouble(std::nan(""));
    case ParamNode::Type::Bool:
        return npy::NdArray::fromBool(node.toBool());
    case ParamNode::Type::Int:
        return npy::NdArray::fromInt64(node.toInt());
    case ParamNode::Type::Float:
        return npy::NdArray::fromDouble(node.toDouble());
    case ParamNode::Type::String:
        return npy::NdArray::fromString(node.toString());
    case ParamNode::Type::Array:
        return node.array();
    default:
        return {};
    }
}

QString keyText(const DictKey& key, ParamNode::Type parent, KeyLayout layout)
{
    if (layout == KeyLayout::Legacy || parent != ParamNode::Type::Dict)
        return key.text;
    switch (key.kind) {
    case DictKey::Kind::Str:
        return QStringLiteral("strkey:") + key.text;
    case DictKey::Kind::Int:
        return QStringLiteral("intkey:") + key.text;
    case DictKey::Kind::Float:
        return QStringLiteral("floatkey:") + key.text;
    case DictKey::Kind::Repr:
        return QStringLiteral("reprkey:") + key.text;
    }
    return key.text;
}

void encodeInto(const ParamNode& node, const QString& prefix, KeyLayout layout, std::vector<FlatMember>& out)
{
    const QString sep = separator(layout);
    for (qsizetype i = 0; i < node.childCount(); ++i) {
        const ParamNode& child = node.children()[size_t(i)];
        const DictKey key = node.type() == ParamNode::Type::Dict ? node.keys()[size_t(i)]
                                                                 : DictKey { DictKey::Kind::Int, QString::number(i) };
        const QLatin1StringView container = child.isContainer() ? tokenFor(child.type()) : QLatin1StringView("item");
        QString name = container + sep + keyText(key, node.type(), layout);
        if (!prefix.isEmpty())
            name = prefix + sep + name;

        if (child.isContainer())
            encodeInto(child, name, layout, out);
        else
            out.push_back({ name, leafArray(child) });
    }
}

} // namespace

QString toString(KeyLayout layout)
{
    return layout == KeyLayout::Current ? QStringLiteral("current") : QStringLiteral("legacy");
}

std::optional<KeyLayout> keyLayoutFromString(const QString& text)
{
    if (text == QLatin1String("current"))
        return KeyLayout::Current;
    if (text == QLatin1String("legacy"))
        return KeyLayout::Legacy;
    return std::nullopt;
}

// ----------------------------------------------------------------- ParamNode

ParamNode::ParamNode() = default;

ParamNode ParamNode::fromBool(bool value)
{
    ParamNode node;
    node.m_type = Type::Bool;
    node.m_value = value;
    return node;
}

ParamNode ParamNode::fromInt(qint64 value)
{
    ParamNode node;
    node.m_type = Type::Int;
    node.m_value = value;
    return node;
}

ParamNode ParamNode::fromFloat(double value)
{
    ParamNode node;
    node.m_type = Type::Float;
    node.m_value = value;
    return node;
}

ParamNode ParamNode::fromString(const QString& value)
{
    ParamNode node;
    node.m_type = Type::String;
    node.m_value = value;
    return node;
}

ParamNode ParamNode::fromArray(const npy::NdArray& array)
{
    ParamNode node;
    node.m_type = Type::Array;
    node.m_value = array;
    return node;
}

ParamNode ParamNode::dict()
{
    ParamNode node;
    node.m_type = Type::Dict;
    return node;
}

ParamNode ParamNode::list()
{
    ParamNode node;
    node.m_type = Type::List;
    return node;
}

ParamNode ParamNode::tuple()
{
    ParamNode node;
    node.m_type = Type::Tuple;
    return node;
}

bool ParamNode::isScalar() const
{
    return m_type == Type::Bool || m_type == Type::Int || m_type == Type::Float || m_type == Type::String;
}

bool ParamNode::toBool() const
{
    switch (m_type) {
    case Type::Bool:
        return std::get<bool>(m_value);
    case Type::Int:
        return std::get<qint64>(m_value) != 0;
    case Type::Float:
        return std::get<double>(m_value) != 0;
    default:
        return false;
    }
}

qint64 ParamNode::toInt() const
{
    switch (m_type) {
    case Type::Bool:
        return std::get<bool>(m_value) ? 1 : 0;
    case Type::Int:
        return std::get<qint64>(m_value);
    case Type::Float: {
        const double value = std::get<double>(m_value);
        return std::isfinite(value) && std::abs(value) < 9.2e18 ? qint64(value) : 0;
    }
    default:
        return 0;
    }
}

double ParamNode::toDouble() const
{
    switch (m_type) {
    case Type::Bool:
        return std::get<bool>(m_value) ? 1.0 : 0.0;
    case Type::Int:
        return double(std::get<qint64>(m_value));
    case Type::Float:
        return std::get<double>(m_value);
    default:
        return std::nan("");
    }
}

QString ParamNode::toString() const
{
    return m_type == Type::String ? std::get<QString>(m_value) : QString();
}

const npy::NdArray& ParamNode::array() const
{
    return m_type == Type::Array ? std::get<npy::NdArray>(m_value) : kNullArray;
}

void ParamNode::append(const ParamNode& child)
{
    m_children.push_back(child);
}

const ParamNode* ParamNode::find(const QString& key) const
{
    if (m_type != Type::Dict)
        return nullptr;
    for (size_t i = 0; i < m_keys.size(); ++i) {
        if (m_keys[i].kind == DictKey::Kind::Str && m_keys[i].text == key)
            return &m_children[i];
    }
    for (size_t i = 0; i < m_keys.size(); ++i) {
        if (m_keys[i].text == key)
            return &m_children[i];
    }
    return nullptr;
}

ParamNode* ParamNode::find(const QString& key)
{
    return const_cast<ParamNode*>(std::as_const(*this).find(key));
}

const ParamNode* ParamNode::find(const DictKey& key) const
{
    for (size_t i = 0; i < m_keys.size(); ++i) {
        if (m_keys[i] == key)
            return &m_children[i];
    }
    return nullptr;
}

void ParamNode::insert(const DictKey& key, const ParamNode& value)
{
    for (size_t i = 0; i < m_keys.size(); ++i) {
        if (m_keys[i] == key) {
            m_children[i] = value;
            return;
        }
    }
    m_keys.push_back(key);
    m_children.push_back(value);
}

void ParamNode::appendEntry(const DictKey& key, const ParamNode& value)
{
    m_keys.push_back(key);
    m_children.push_back(value);
}

bool ParamNode::remove(const QString& key)
{
    for (size_t i = 0; i < m_keys.size(); ++i) {
        if (m_keys[i].text == key) {
            m_keys.erase(m_keys.begin() + qsizetype(i));
            m_children.erase(m_children.begin() + qsizetype(i));
            return true;
        }
    }
    return false;
}

const ParamNode* ParamNode::at(const QStringList& path) const
{
    const ParamNode* node = this;
    for (const QString& key : path) {
        node = node->find(key);
        if (!node)
            return nullptr;
    }
    return node;
}

ParamNode* ParamNode::at(const QStringList& path)
{
    return const_cast<ParamNode*>(std::as_const(*this).at(path));
}

bool ParamNode::operator==(const ParamNode& other) const
{
    if (m_type != other.m_type || m_keys != other.m_keys || m_children != other.m_children)
        return false;
    if (m_source.isNull() != other.m_source.isNull() || (!m_source.isNull() && m_source != other.m_source))
        return false;

    switch (m_type) {
    case Type::Float: {
        const double a = std::get<double>(m_value);
        const double b = std::get<double>(other.m_value);
        return std::memcmp(&a, &b, sizeof a) == 0 || (std::isnan(a) && std::isnan(b));
    }
    case Type::Array:
        return std::get<npy::NdArray>(m_value) == std::get<npy::NdArray>(other.m_value);
    default:
        return m_value == other.m_value;
    }
}

QString ParamNode::displayText() const
{
    switch (m_type) {
    case Type::None:
        return QStringLiteral("None");
    case Type::Bool:
        return toBool() ? QStringLiteral("True") : QStringLiteral("False");
    case Type::Int:
        return QString::number(toInt());
    case Type::Float:
        return floatRepr(toDouble());
    case Type::String:
        return QLatin1Char('\'') + toString() + QLatin1Char('\'');
    case Type::Array: {
        const npy::NdArray& a = array();
        QStringList dims;
        for (qint64 d : a.shape())
            dims << QString::number(d);
        const QString shape = dims.size() == 1 ? dims.first() + QLatin1Char(',') : dims.join(QStringLiteral(", "));
        return QStringLiteral("array(%1, (%2))").arg(a.dtype().name(), shape);
    }
    case Type::Dict: {
        QStringList parts;
        for (size_t i = 0; i < m_keys.size(); ++i) {
            const QString key = m_keys[i].kind == DictKey::Kind::Str
                ? QLatin1Char('\'') + m_keys[i].text + QLatin1Char('\'')
                : m_keys[i].text;
            parts << key + QStringLiteral(": ") + m_children[i].displayText();
        }
        return QLatin1Char('{') + parts.join(QStringLiteral(", ")) + QLatin1Char('}');
    }
    case Type::List:
    case Type::Tuple: {
        QStringList parts;
        for (const ParamNode& child : m_children)
            parts << child.displayText();
        if (m_type == Type::List)
            return QLatin1Char('[') + parts.join(QStringLiteral(", ")) + QLatin1Char(']');
        return QLatin1Char('(') + parts.join(QStringLiteral(", "))
            + (parts.size() == 1 ? QStringLiteral(",)") : QStringLiteral(")"));
    }
    }
    return {};
}

// ----------------------------------------------------------------- layouts

std::optional<std::vector<KeyStep>> parseMemberName(const QString& name, KeyLayout layout)
{
    const QString sep = separator(layout);
    std::vector<KeyStep> steps;
    ParamNode::Type parent = ParamNode::Type::Dict;
    qsizetype pos = 0;

    while (pos < name.size()) {
        // The container token and its separator.
        const ContainerToken* token = nullptr;
        for (const ContainerToken& candidate : kTokens) {
            if (QStringView(name).mid(pos).startsWith(QString(candidate.text + sep))) {
                token = &candidate;
                break;
            }
        }
        if (!token)
            return std::nullopt;
        const qsizetype keyStart = pos + token->text.size() + sep.size();

        // The key runs to the next "<sep><container><sep>", or to the end for an item.
        qsizetype keyEnd = name.size();
        if (token->type != ParamNode::Type::None) {
            keyEnd = -1;
            for (qsizetype at = name.indexOf(sep, keyStart); at >= 0; at = name.indexOf(sep, at + 1)) {
                const QStringView rest = QStringView(name).mid(at + sep.size());
                const bool next = std::any_of(std::begin(kTokens), std::end(kTokens),
                    [&](const ContainerToken& t) { return rest.startsWith(QString(t.text + sep)); });
                if (next) {
                    keyEnd = at;
                    break;
                }
            }
            if (keyEnd < 0)
                return std::nullopt; // a container with nothing in it: not a name nemos writes
        }
        const QString rawKey = name.mid(keyStart, keyEnd - keyStart);

        // The key, typed by its prefix in a dict of the current layout, digits in a sequence.
        DictKey key;
        if (parent == ParamNode::Type::List || parent == ParamNode::Type::Tuple) {
            if (!isDigits(rawKey))
                return std::nullopt;
            key = { DictKey::Kind::Int, rawKey };
        } else if (layout == KeyLayout::Current) {
            static const std::pair<QLatin1StringView, DictKey::Kind> prefixes[] = {
                { QLatin1StringView("strkey:"), DictKey::Kind::Str },
                { QLatin1StringView("intkey:"), DictKey::Kind::Int },
                { QLatin1StringView("floatkey:"), DictKey::Kind::Float },
                { QLatin1StringView("reprkey:"), DictKey::Kind::Repr },
            };
            // Keys without a prefix (written by the nemos releases that introduced "::") are strings.
            key = DictKey::str(rawKey);
            for (const auto& [prefix, kind] : prefixes) {
                if (rawKey.startsWith(prefix)) {
                    key = { kind, rawKey.mid(prefix.size()) };
                    break;
                }
            }
        } else {
            key = DictKey::str(rawKey);
        }
        if (key.text.isEmpty() && key.kind != DictKey::Kind::Str)
            return std::nullopt;

        steps.push_back({ token->type, key });
        if (token->type == ParamNode::Type::None)
            return steps;
        if (steps.size() >= kMaxDepth)
            return std::nullopt; // deeper than any model nemos writes: not followed, so nothing recurses without bound
        parent = token->type;
        pos = keyEnd + sep.size();
    }
    return std::nullopt;
}

DecodedFile decodeNemos(const std::vector<FlatMember>& members)
{
    DecodedFile out;

    // The layout most members follow; the current one wins a tie.
    qsizetype current = 0;
    qsizetype legacy = 0;
    for (const FlatMember& member : members) {
        current += parseMemberName(member.name, KeyLayout::Current).has_value() ? 1 : 0;
        legacy += parseMemberName(member.name, KeyLayout::Legacy).has_value() ? 1 : 0;
    }
    if (current == 0 && legacy == 0) {
        for (const FlatMember& member : members) {
            out.unknownMembers << member.name;
            out.problems << QStringLiteral("not a nemos file: no member follows a nemos key layout");
        }
        return out;
    }
    const KeyLayout layout = current >= legacy ? KeyLayout::Current : KeyLayout::Legacy;

    BuildNode root;
    QStringList unknown;
    QStringList problems;
    for (const FlatMember& member : members) {
        const auto steps = parseMemberName(member.name, layout);
        QString problem;
        if (!steps)
            problem = QStringLiteral("the name does not follow the %1 nemos key layout").arg(toString(layout));
        else if (member.array.isNull())
            problem = QStringLiteral("the member holds no readable array");
        else
            problem = insertMember(root, *steps, member.array);
        if (!problem.isEmpty()) {
            qCDebug(lcModel) << "member" << member.name << "set aside:" << problem;
            unknown << member.name;
            problems << problem;
        }
    }

    ParamNode tree = finish(root);
    if (!tree.find(QStringLiteral("model_class")) && !tree.find(QStringLiteral("observation_model"))) {
        qCDebug(lcModel) << "members follow the" << toString(layout) << "layout but name no model: a plain archive";
        for (const FlatMember& member : members) {
            out.unknownMembers << member.name;
            out.problems << QStringLiteral("not a nemos file: the members name no model");
        }
        return out;
    }

    out.layout = layout;
    out.tree = std::move(tree);
    out.unknownMembers = unknown;
    out.problems = problems;
    return out;
}

std::vector<FlatMember> encodeNemos(const ParamNode& tree, KeyLayout layout)
{
    std::vector<FlatMember> out;
    if (tree.type() == ParamNode::Type::Dict)
        encodeInto(tree, {}, layout, out);
    return out;
}

} // namespace nemoscope::model
