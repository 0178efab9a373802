#pragma once

// The tree of parameters a nemos model file holds, and the two key layouts that flatten it into npz
// members.
//
// nemos' save_params flattens a nested dict into one member per leaf. Each member name is a chain of
// "<container><sep><key>" pairs, where <container> names the type of the value under <key> ("dict",
// "list", "tuple", or "item" for a leaf):
//   current layout (nemos >= 0.2.6): sep "::", dict keys typed "strkey:", "intkey:", "floatkey:",
//                                    "reprkey:"; list and tuple indices bare digits
//   legacy layout (nemos 0.2.4, 0.2.5): sep "__", every key bare
// Leaves are 0-d arrays for scalars (None as a 0-d float NaN, strings as 0-d `<U`) and arrays otherwise.

#include "error.h"
#include "npy/ndarray.h"

#include <QString>
#include <QStringList>

#include <optional>
#include <variant>
#include <vector>

namespace nemoscope::model {

enum class KeyLayout
{
    Current,
    Legacy,
};

QString toString(KeyLayout layout); // "current", "legacy"
std::optional<KeyLayout> keyLayoutFromString(const QString& text);

// A dict key of the current layout, with its type. Legacy files have only Str keys.
struct DictKey
{
    enum class Kind
    {
        Str,
        Int,
        Float,
        Repr,
    };
    Kind kind = Kind::Str;
    QString text; // the key as written after its prefix ("new_param", "3", "0.5", "('a', 1)")

    static DictKey str(const QString& text) { return { Kind::Str, text }; }
    bool operator==(const DictKey& other) const = default;
};

// One node of the parameter tree: None, a scalar (bool, int, float, string), an array, or a container
// (dict with ordered typed keys, list, tuple). Copies are cheap for arrays (their data is shared).
class ParamNode
{
public:
    enum class Type
    {
        None,
        Bool,
        Int,
        Float,
        String,
        Array,
        Dict,
        List,
        Tuple,
    };

    ParamNode(); // None

    static ParamNode none() { return {}; }
    static ParamNode fromBool(bool value);
    static ParamNode fromInt(qint64 value);
    static ParamNode fromFloat(double value);
    static ParamNode fromString(const QString& value);
    static ParamNode fromArray(const npy::NdArray& array);
    static ParamNode dict();
    static ParamNode list();
    static ParamNode tuple();

    Type type() const { return m_type; }
    bool isNone() const { return m_type == Type::None; }
    bool isScalar() const;
    bool isNumber() const { return m_type == Type::Int || m_type == Type::Float || m_type == Type::Bool; }
    bool isContainer() const { return m_type == Type::Dict || m_type == Type::List || m_type == Type::Tuple; }
    bool isSequence() const { return m_type == Type::List || m_type == Type::Tuple; }

    bool toBool() const;
    qint64 toInt() const;
    double toDouble() const; // Int, Float and Bool as a number; NaN otherwise
    QString toString() const; // String only; empty otherwise
    const npy::NdArray& array() const; // Array only; a null array otherwise

    // A scalar decoded from a file remembers the 0-d array it came from (float32, int32...), so that
    // encoding it again writes the same bytes. Changing the value forgets it.
    const npy::NdArray& sourceArray() const { return m_source; }
    void setSourceArray(const npy::NdArray& array) { m_source = array; }

    // Containers. Dict children pair with keys(); list and tuple children are in index order.
    qsizetype childCount() const { return qsizetype(m_children.size()); }
    const std::vector<ParamNode>& children() const { return m_children; }
    std::vector<ParamNode>& children() { return m_children; }
    const std::vector<DictKey>& keys() const { return m_keys; }
    void append(const ParamNode& child); // list, tuple

    // Dict access by key text (any key kind whose text matches, Str first).
    const ParamNode* find(const QString& key) const;
    ParamNode* find(const QString& key);
    const ParamNode* find(const DictKey& key) const;
    // Replaces the value of an existing key in place (keeping its position) or appends a new one.
    void insert(const DictKey& key, const ParamNode& value);
    void insert(const QString& key, const ParamNode& value) { insert(DictKey::str(key), value); }
    // Appends a key the caller knows is not present yet (no search: for building large dicts).
    void appendEntry(const DictKey& key, const ParamNode& value);
    bool remove(const QString& key);
    // The node at a path of dict keys, or nullptr.
    const ParamNode* at(const QStringList& path) const;
    ParamNode* at(const QStringList& path);

    // Same type, same scalars (floats by bits, so NaN equals NaN), same arrays (dtype, shape and bytes),
    // same keys in the same order and equal children. The remembered source array of a scalar counts.
    bool operator==(const ParamNode& other) const;
    bool operator!=(const ParamNode& other) const { return !(*this == other); }

    // A one-line Python-like rendering: None, True, 3, 0.1, 'text', array(float32, (3, 6)), {...}, [...], (...).
    QString displayText() const;

private:
    Type m_type = Type::None;
    std::variant<std::monostate, bool, qint64, double, QString, npy::NdArray> m_value;
    npy::NdArray m_source;
    std::vector<DictKey> m_keys;
    std::vector<ParamNode> m_children;
};

// One member of an archive as the decoder sees it: its key (without ".npy") and its array.
struct FlatMember
{
    QString name;
    npy::NdArray array;
};

struct DecodedFile
{
    // The layout found, or none for an archive that is not a nemos file (it stays a plain archive).
    std::optional<KeyLayout> layout;
    ParamNode tree; // a Dict; empty when layout is none
    // Names of members that do not fit the layout (or that clash with another member's path), in archive
    // order. They are kept as they are when the file is saved.
    QStringList unknownMembers;
    // Why each unknown member was set aside, in the order of unknownMembers (empty for a plain archive,
    // where every member is listed in unknownMembers).
    QStringList problems;
};

// Detects the layout and rebuilds the tree as nemos' unflatten does: a 0-d float NaN becomes None; 0-d
// strings, integers, floats and booleans become scalars; other arrays stay arrays; dicts keep the order
// in which their keys first appear; list and tuple items are ordered by index. A file is a nemos file when
// its members parse in one layout and the tree names a model ("model_class" or "observation_model" at the
// top); otherwise the result has no layout and no error.
DecodedFile decodeNemos(const std::vector<FlatMember>& members);

// Decodes one member name in a layout into its path of (container, key) pairs; std::nullopt if the name
// does not follow the layout.
struct KeyStep
{
    ParamNode::Type container = ParamNode::Type::None; // Dict, List, Tuple, or None for "item"
    DictKey key;
};
std::optional<std::vector<KeyStep>> parseMemberName(const QString& name, KeyLayout layout);

// The flat members nemos' unflatten turns back into tree (a Dict). Scalars remembered from a file are written
// as their source array; new ones as NumPy writes Python scalars (float64, int64, bool, `<U`). None becomes
// a 0-d float64 NaN. Empty containers have no member (nemos writes none either) and are lost. The legacy
// layout writes dict keys bare, so key types other than str do not survive in it.
std::vector<FlatMember> encodeNemos(const ParamNode& tree, KeyLayout layout = KeyLayout::Current);

} // namespace nemoscope::model
