#include "model/literal.h"

#include <QByteArray>

#include <cmath>
#include <cstring>

namespace nemoscope::model {

namespace {

// A recursive-descent reader over the text; depth is bounded so hostile input cannot exhaust the stack.
class LiteralReader
{
public:
    explicit LiteralReader(const QString& text)
        : m_text(text)
    { }

    Result<ParamNode> readTop()
    {
        skipSpace();
        auto first = readValue(0, false);
        if (!first)
            return first;
        skipSpace();
        if (atEnd())
            return first;

        // A bare "a, b" is a tuple, as in Python.
        ParamNode tuple = ParamNode::tuple();
        tuple.append(*first);
        while (!atEnd()) {
            if (peek() != u',')
                return fail(QStringLiteral("expected ',' or the end"));
            ++m_pos;
            skipSpace();
            if (atEnd())
                break;
            auto next = readValue(0, false);
            if (!next)
                return next;
            tuple.append(*next);
            skipSpace();
        }
        return tuple;
    }

private:
    static constexpr int kMaxDepth = 32;

    bool atEnd() const { return m_pos >= m_text.size(); }
    QChar peek() const { return atEnd() ? QChar() : m_text[m_pos]; }
    void skipSpace()
    {
        while (!atEnd() && peek().isSpace())
            ++m_pos;
    }
    Error fail(const QString& reason) const
    {
        return Error { {}, {}, QStringLiteral("%1 at character %2 of \"%3\"").arg(reason).arg(m_pos + 1).arg(m_text) };
    }

    Result<ParamNode> readValue(int depth, bool insideList)
    {
        if (depth > kMaxDepth)
            return fail(QStringLiteral("nested too deeply"));
        skipSpace();
        if (atEnd())
            return fail(QStringLiteral("expected a value"));
        const QChar c = peek();
        if (c == u'\'' || c == u'"')
            return readString(c);
        if (c == u'(' || c == u'[')
            return readSequence(depth, insideList);
        return readWord();
    }

    Result<ParamNode> readString(QChar quote)
    {
        ++m_pos;
        QString out;
        while (!atEnd() && peek() != quote) {
            if (peek() == u'\\' && m_pos + 1 < m_text.size())
                ++m_pos;
            out += peek();
            ++m_pos;
        }
        if (atEnd())
            return fail(QStringLiteral("unterminated string"));
        ++m_pos;
        return ParamNode::fromString(out);
    }

    Result<ParamNode> readSequence(int depth, bool insideList)
    {
        const QChar open = peek();
        const QChar close = open == u'(' ? u')' : u']';
        ++m_pos;
        ParamNode node = open == u'(' ? ParamNode::tuple() : ParamNode::list();
        bool sawComma = false;
        skipSpace();
        while (!atEnd() && peek() != close) {
            auto item = readValue(depth + 1, open == u'[');
            if (!item)
                return item;
            node.append(*item);
            skipSpace();
            if (atEnd())
                break;
            if (peek() == u',') {
                sawComma = true;
                ++m_pos;
                skipSpace();
            } else if (peek() != close) {
                return fail(QStringLiteral("expected ',' or '%1'").arg(close));
            }
        }
        if (atEnd())
            return fail(QStringLiteral("missing '%1'").arg(close));
        ++m_pos;

        // (x) is x in Python; (x,) is a tuple.
        if (open == u'(' && node.childCount() == 1 && !sawComma)
            return node.children()[0];
        // A list of numbers becomes an array at its outermost bracket only.
        if (open == u'[' && !insideList)
            return toArray(node);
        return node;
    }

    Result<ParamNode> readWord()
    {
        const qsizetype start = m_pos;
        while (!atEnd() && peek() != u',' && peek() != u')' && peek() != u']')
            ++m_pos;
        const QString word = m_text.mid(start, m_pos - start).trimmed();
        if (word == QLatin1String("None"))
            return ParamNode();
        if (word == QLatin1String("True") || word == QLatin1String("true"))
            return ParamNode::fromBool(true);
        if (word == QLatin1String("False") || word == QLatin1String("false"))
            return ParamNode::fromBool(false);
        bool ok = false;
        const qint64 integer = word.toLongLong(&ok);
        if (ok)
            return ParamNode::fromInt(integer);
        const double number = word.toDouble(&ok);
        if (ok)
            return ParamNode::fromFloat(number);
        if (word == QLatin1String("inf") || word == QLatin1String("+inf"))
            return ParamNode::fromFloat(INFINITY);
        if (word == QLatin1String("-inf"))
            return ParamNode::fromFloat(-INFINITY);
        if (word == QLatin1String("nan"))
            return ParamNode::fromFloat(std::nan(""));
        if (word.isEmpty())
            return fail(QStringLiteral("expected a value"));
        return ParamNode::fromString(word);
    }

    // A list of numbers (nested, rectangular) becomes an array as np.array builds it; anything else
    // stays a list.
    static Result<ParamNode> toArray(const ParamNode& list)
    {
        std::vector<qint64> shape;
        std::vector<const ParamNode*> leaves;
        if (!collect(list, 0, shape, leaves) || leaves.empty())
            return list;

        bool allBool = true;
        bool allInt = true;
        for (const ParamNode* leaf : leaves) {
            allBool = allBool && leaf->type() == ParamNode::Type::Bool;
            allInt = allInt && (leaf->type() == ParamNode::Type::Int || leaf->type() == ParamNode::Type::Bool);
        }

        QByteArray bytes;
        npy::DType dtype;
        if (allBool) {
            dtype = npy::DType::boolean();
            for (const ParamNode* leaf : leaves)
                bytes.append(char(leaf->toBool() ? 1 : 0));
        } else if (allInt) {
            dtype = npy::DType::int64();
            for (const ParamNode* leaf : leaves) {
                const qint64 v = leaf->toInt();
                bytes.append(reinterpret_cast<const char*>(&v), sizeof v);
            }
        } else {
            dtype = npy::DType::float64();
            for (const ParamNode* leaf : leaves) {
                const double v = leaf->toDouble();
                bytes.append(reinterpret_cast<const char*>(&v), sizeof v);
            }
        }
        auto array = npy::NdArray::fromBytes(dtype, shape, bytes);
        if (!array)
            return array.error();
        return ParamNode::fromArray(*array);
    }

    static bool collect(
        const ParamNode& node, size_t depth, std::vector<qint64>& shape, std::vector<const ParamNode*>& leaves)
    {
        if (node.type() != ParamNode::Type::List)
            return false;
        if (depth == shape.size())
            shape.push_back(node.childCount());
        else if (shape[depth] != node.childCount())
            return false; // ragged
        for (const ParamNode& child : node.children()) {
            if (child.type() == ParamNode::Type::List) {
                if (!collect(child, depth + 1, shape, leaves))
                    return false;
            } else if (child.isNumber() && depth + 1 == shape.size()) {
                leaves.push_back(&child);
            } else {
                return false;
            }
        }
        return true;
    }

    QString m_text;
    qsizetype m_pos = 0;
};

} // namespace

Result<ParamNode> parseLiteral(const QString& text)
{
    return LiteralReader(text).readTop();
}

QString unquote(const QString& text)
{
    const QString trimmed = text.trimmed();
    if (trimmed.size() >= 2 && (trimmed.front() == u'\'' || trimmed.front() == u'"')
        && trimmed.back() == trimmed.front())
        return trimmed.mid(1, trimmed.size() - 2);
    return trimmed;
}

} // namespace nemoscope::model
