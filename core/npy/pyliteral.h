#pragma once

#include "error.h"

#include <QString>

#include <utility>
#include <vector>

namespace nemoscope::npy {

// A value of the Python literal subset that .npy headers use: None, True/False, integers (with Python 2's
// `L` suffix), quoted strings, tuples, lists and dicts. Nothing else is accepted: names, calls, operators and
// floats are errors, so nothing in a header is ever evaluated.
struct PyValue
{
    struct Entry;

    enum class Kind
    {
        None,
        Bool,
        Int,
        String,
        Tuple,
        List,
        Dict,
    };

    Kind kind = Kind::None;
    bool boolean = false;
    qint64 integer = 0;
    bool integerOverflow = false; // the literal does not fit in qint64 (its value is then unusable)
    QString text;
    std::vector<PyValue> items; // Tuple and List elements
    std::vector<Entry> entries; // Dict entries in source order
    qsizetype position = 0; // character offset of the value in the parsed text

    QString kindName() const; // "string", "tuple", ... for messages
};

// A dict entry. Not a std::pair: with libstdc++, clang rejects std::pair<PyValue, PyValue> inside PyValue
// (pair's constructor constraints need PyValue complete).
struct PyValue::Entry
{
    Entry(PyValue key, PyValue value)
        : first(std::move(key))
        , second(std::move(value))
    { }
    PyValue first;
    PyValue second;
};

// Parses text as exactly one literal surrounded by optional whitespace. Nesting is limited to a small depth.
// Errors say what was found where ("at character 12: a name or call (__import__) is not a literal").
Result<PyValue> parsePyLiteral(const QString& text);

// Python's repr() of a str, as NumPy writes names and descrs into headers.
QString pyRepr(const QString& text);

} // namespace nemoscope::npy
