#include "npy/pyliteral.h"

#include <QList>

#include <limits>

namespace nemoscope::npy {

namespace {

constexpr int kMaxDepth = 32;

class LiteralParser
{
public:
    explicit LiteralParser(const QString& text)
        : m_text(text)
    { }

    Result<PyValue> parseAll()
    {
        auto value = parseValue(0);
        if (!value)
            return value;
        skipSpace();
        if (m_pos != m_text.size())
            return fail(QStringLiteral("unexpected text after the literal"));
        return value;
    }

private:
    Error fail(const QString& what) const
    {
        return Error { {}, {},
            QStringLiteral("header is not a valid Python literal at character %1: %2").arg(m_pos).arg(what) };
    }

    void skipSpace()
    {
        while (m_pos < m_text.size()) {
            const QChar c = m_text.at(m_pos);
            if (c != u' ' && c != u'\t' && c != u'\n' && c != u'\r' && c != u'\f' && c != u'\v')
                break;
            ++m_pos;
        }
    }

    static bool isIdentifierChar(QChar c) { return c.isLetterOrNumber() || c == u'_'; }

    Result<PyValue> parseValue(int depth)
    {
        if (depth > kMaxDepth)
            return fail(QStringLiteral("nesting deeper than %1 levels").arg(kMaxDepth));
        skipSpace();
        if (m_pos >= m_text.size())
            return fail(QStringLiteral("the text ends where a value was expected"));

        const QChar c = m_text.at(m_pos);
        if (c == u'{')
            return parseDict(depth);
        if (c == u'[')
            return parseSequence(depth, u']', PyValue::Kind::List);
        if (c == u'(')
            return parseSequence(depth, u')', PyValue::Kind::Tuple);
        if (c == u'\'' || c == u'"')
            return parseString();
        if (c == u'-' || c == u'+' || c.isDigit())
            return parseInt();
        if (isIdentifierChar(c))
            return parseName();
        return fail(QStringLiteral("'%1' cannot start a literal").arg(c));
    }

    Result<PyValue> parseName()
    {
        const qsizetype start = m_pos;
        while (m_pos < m_text.size() && isIdentifierChar(m_text.at(m_pos)))
            ++m_pos;
        const QString word = m_text.mid(start, m_pos - start);

        // A string prefix: u'...' is a str; b'...', r'...', f'...' are not what NumPy writes.
        if (m_pos < m_text.size() && (m_text.at(m_pos) == u'\'' || m_text.at(m_pos) == u'"')) {
            if (word == u"u" || word == u"U")
                return parseString();
            m_pos = start;
            return fail(QStringLiteral("string prefix '%1' is not accepted").arg(word));
        }

        PyValue value;
        value.position = start;
        if (word == u"True" || word == u"False") {
            value.kind = PyValue::Kind::Bool;
            value.boolean = word == u"True";
            return value;
        }
        if (word == u"None")
            return value;

        m_pos = start;
        skipSpace();
        return fail(QStringLiteral("a name or call (%1) is not a literal").arg(word.left(40)));
    }

    Result<PyValue> parseInt()
    {
        PyValue value;
        value.kind = PyValue::Kind::Int;
        value.position = m_pos;

        bool negative = false;
        if (m_text.at(m_pos) == u'-' || m_text.at(m_pos) == u'+') {
            negative = m_text.at(m_pos) == u'-';
            ++m_pos;
            skipSpace();
        }
        const qsizetype digitsStart = m_pos;
        // Accumulate as a negative number so that the most negative qint64 is representable.
        qint64 accumulated = 0;
        while (m_pos < m_text.size() && m_text.at(m_pos).isDigit() && m_text.at(m_pos).unicode() < 128) {
            const int digit = m_text.at(m_pos).unicode() - u'0';
            if (accumulated < (std::numeric_limits<qint64>::min() + digit) / 10)
                value.integerOverflow = true;
            else
                accumulated = accumulated * 10 - digit;
            ++m_pos;
        }
        const qsizetype digits = m_pos - digitsStart;
        if (digits == 0)
            return fail(QStringLiteral("a sign without digits"));
        if (digits > 1 && m_text.at(digitsStart) == u'0')
            return fail(QStringLiteral("an integer with leading zeros"));
        if (m_pos < m_text.size() && (m_text.at(m_pos) == u'L' || m_text.at(m_pos) == u'l'))
            ++m_pos;
        if (m_pos < m_text.size() && (isIdentifierChar(m_text.at(m_pos)) || m_text.at(m_pos) == u'.'))
            return fail(QStringLiteral("only integer numbers are accepted"));

        if (negative)
            value.integer = accumulated;
        else if (accumulated == std::numeric_limits<qint64>::min())
            value.integerOverflow = true;
        else
            value.integer = -accumulated;
        return value;
    }

    int hexValue(qsizetype at, int count, bool* ok) const
    {
        *ok = false;
        if (at + count > m_text.size())
            return 0;
        const QString digits = m_text.mid(at, count);
        const uint code = digits.toUInt(ok, 16);
        return int(code);
    }

    Result<PyValue> parseString()
    {
        PyValue value;
        value.kind = PyValue::Kind::String;
        value.position = m_pos;
        const QChar quote = m_text.at(m_pos);
        ++m_pos;

        QString out;
        while (true) {
            if (m_pos >= m_text.size())
                return fail(QStringLiteral("a string without its closing quote"));
            const QChar c = m_text.at(m_pos);
            if (c == quote) {
                ++m_pos;
                break;
            }
            if (c == u'\n' || c == u'\r')
                return fail(QStringLiteral("a line break inside a string"));
            if (c != u'\\') {
                out.append(c);
                ++m_pos;
                continue;
            }

            // Escapes that Python's repr() produces.
            if (m_pos + 1 >= m_text.size())
                return fail(QStringLiteral("a string without its closing quote"));
            const QChar e = m_text.at(m_pos + 1);
            m_pos += 2;
            bool ok = true;
            int width = 0;
            switch (e.unicode()) {
            case u'\\':
            case u'\'':
            case u'"':
                out.append(e);
                break;
            case u'n':
                out.append(u'\n');
                break;
            case u't':
                out.append(u'\t');
                break;
            case u'r':
                out.append(u'\r');
                break;
            case u'0':
                out.append(QChar(0));
                break;
            case u'x':
                width = 2;
                break;
            case u'u':
                width = 4;
                break;
            case u'U':
                width = 8;
                break;
            default:
                m_pos -= 2;
                return fail(QStringLiteral("an unsupported string escape \\%1").arg(e));
            }
            if (width > 0) {
                const int code = hexValue(m_pos, width, &ok);
                if (!ok || code < 0 || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF))
                    return fail(QStringLiteral("an invalid \\%1 escape").arg(e));
                m_pos += width;
                const char32_t cp = char32_t(code);
                out.append(QString::fromUcs4(&cp, 1));
            }
        }
        value.text = out;
        return value;
    }

    Result<PyValue> parseSequence(int depth, QChar close, PyValue::Kind kind)
    {
        PyValue value;
        value.kind = kind;
        value.position = m_pos;
        ++m_pos;

        bool sawComma = false;
        while (true) {
            skipSpace();
            if (m_pos < m_text.size() && m_text.at(m_pos) == close) {
                ++m_pos;
                break;
            }
            if (!value.items.empty() && !sawComma)
                return fail(QStringLiteral("expected ',' or '%1'").arg(close));
            auto item = parseValue(depth + 1);
            if (!item)
                return item;
            value.items.push_back(std::move(item.value()));
            skipSpace();
            sawComma = false;
            if (m_pos < m_text.size() && m_text.at(m_pos) == u',') {
                sawComma = true;
                ++m_pos;
            }
        }

        // `(x)` is a parenthesised x, not a tuple: only `()` and `(x,)` are tuples of fewer than two.
        if (kind == PyValue::Kind::Tuple && value.items.size() == 1 && !sawComma)
            return std::move(value.items.front());
        return value;
    }

    Result<PyValue> parseDict(int depth)
    {
        PyValue value;
        value.kind = PyValue::Kind::Dict;
        value.position = m_pos;
        ++m_pos;

        bool sawComma = false;
        while (true) {
            skipSpace();
            if (m_pos < m_text.size() && m_text.at(m_pos) == u'}') {
                ++m_pos;
                break;
            }
            if (!value.entries.empty() && !sawComma)
                return fail(QStringLiteral("expected ',' or '}'"));
            auto key = parseValue(depth + 1);
            if (!key)
                return key;
            skipSpace();
            if (m_pos >= m_text.size() || m_text.at(m_pos) != u':')
                return fail(QStringLiteral("expected ':' after a dict key"));
            ++m_pos;
            auto item = parseValue(depth + 1);
            if (!item)
                return item;
            value.entries.emplace_back(std::move(key.value()), std::move(item.value()));
            skipSpace();
            sawComma = false;
            if (m_pos < m_text.size() && m_text.at(m_pos) == u',') {
                sawComma = true;
                ++m_pos;
            }
        }
        return value;
    }

    const QString& m_text;
    qsizetype m_pos = 0;
};

} // namespace

QString PyValue::kindName() const
{
    switch (kind) {
    case Kind::None:
        return QStringLiteral("None");
    case Kind::Bool:
        return QStringLiteral("a boolean");
    case Kind::Int:
        return QStringLiteral("an integer");
    case Kind::String:
        return QStringLiteral("a string");
    case Kind::Tuple:
        return QStringLiteral("a tuple");
    case Kind::List:
        return QStringLiteral("a list");
    case Kind::Dict:
        return QStringLiteral("a dict");
    }
    return QString();
}

Result<PyValue> parsePyLiteral(const QString& text)
{
    LiteralParser parser(text);
    return parser.parseAll();
}

QString pyRepr(const QString& text)
{
    // Python prefers single quotes and switches to double quotes when the text holds a single quote only.
    const bool useDouble = text.contains(u'\'') && !text.contains(u'"');
    const QChar quote = useDouble ? u'"' : u'\'';

    QString out;
    out.reserve(text.size() + 2);
    out.append(quote);
    const QList<uint> codes = text.toUcs4();
    for (const uint code : codes) {
        if (code == '\\')
            out.append(QStringLiteral("\\\\"));
        else if (code == quote.unicode())
            out.append(u'\\').append(quote);
        else if (code == '\n')
            out.append(QStringLiteral("\\n"));
        else if (code == '\r')
            out.append(QStringLiteral("\\r"));
        else if (code == '\t')
            out.append(QStringLiteral("\\t"));
        else if (code < 0x20 || code == 0x7f)
            out.append(QStringLiteral("\\x%1").arg(code, 2, 16, QChar(u'0')));
        else if (code >= 0x80 && code < 0xa0)
            out.append(QStringLiteral("\\x%1").arg(code, 2, 16, QChar(u'0')));
        else {
            const char32_t cp = char32_t(code);
            out.append(QString::fromUcs4(&cp, 1));
        }
    }
    out.append(quote);
    return out;
}

} // namespace nemoscope::npy
