#pragma once

// JSON renderings of parameter trees and arrays, as the command line's --json prints them.

#include <QJsonObject>
#include <QJsonValue>

namespace nemoscope::npy {
class NdArray;
} // namespace nemoscope::npy

namespace nemoscope::model {

class ParamNode;

// An array as {"dtype": descr, "shape": [...], "values": nested lists in C order}. Numbers as JSON numbers
// (NaN and infinities as the strings "nan", "inf", "-inf", which JSON cannot hold), booleans as booleans,
// everything else as NumPy would print it. Arrays of more than maxValues elements give "values": null.
QJsonObject arrayToJson(const npy::NdArray& array, qint64 maxValues = 1000000);

// A tree as JSON: None null, scalars as JSON scalars, strings as strings, dicts as objects (keys by their
// text), lists and tuples as arrays, arrays as arrayToJson.
QJsonValue paramToJson(const ParamNode& node);

} // namespace nemoscope::model
