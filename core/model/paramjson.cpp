#include "model/paramjson.h"

#include "model/paramtree.h"
#include "npy/ndarray.h"

#include <QJsonArray>

#include <cmath>

namespace nemoscope::model {

namespace {

QJsonValue numberJson(double value)
{
    if (std::isnan(value))
        return QStringLiteral("nan");
    if (std::isinf(value))
        return value > 0 ? QStringLiteral("inf") : QStringLiteral("-inf");
    return value;
}

QJsonValue elementJson(const npy::NdArray& array, qint64 index)
{
    switch (array.dtype().kind()) {
    case npy::DTypeKind::Bool:
        return array.toInt64(index) != 0;
    case npy::DTypeKind::Int:
    case npy::DTypeKind::UInt: {
        const qint64 v = array.toInt64(index);
        // Integers beyond 2^53 do not survive a JSON double: give them as text.
        if (v > (qint64(1) << 53) || v < -(qint64(1) << 53))
            return QString::number(v);
        return double(v);
    }
    case npy::DTypeKind::Float:
        return numberJson(array.toDouble(index));
    case npy::DTypeKind::Unicode:
    case npy::DTypeKind::Bytes:
        return array.toText(index);
    default:
        return array.displayText(index);
    }
}

QJsonValue nested(const npy::NdArray& array, size_t axis, qint64& flat)
{
    if (axis == array.shape().size())
        return elementJson(array, flat++);
    QJsonArray out;
    for (qint64 i = 0; i < array.shape()[axis]; ++i)
        out.append(nested(array, axis + 1, flat));
    return out;
}

} // namespace

QJsonObject arrayToJson(const npy::NdArray& array, qint64 maxValues)
{
    QJsonObject object;
    object.insert(QStringLiteral("dtype"), array.dtype().descrJson());
    QJsonArray shape;
    for (qint64 d : array.shape())
        shape.append(double(d));
    object.insert(QStringLiteral("shape"), shape);
    if (array.size() > maxValues || array.dtype().kind() == npy::DTypeKind::Object) {
        object.insert(QStringLiteral("values"), QJsonValue::Null);
    } else {
        qint64 flat = 0;
        object.insert(QStringLiteral("values"), nested(array, 0, flat));
    }
    return object;
}

QJsonValue paramToJson(const ParamNode& node)
{
    switch (node.type()) {
    case ParamNode::Type::None:
        return QJsonValue::Null;
    case ParamNode::Type::Bool:
        return node.toBool();
    case ParamNode::Type::Int:
        return double(node.toInt());
    case ParamNode::Type::Float:
        return numberJson(node.toDouble());
    case ParamNode::Type::String:
        return node.toString();
    case ParamNode::Type::Array:
        return arrayToJson(node.array());
    case ParamNode::Type::Dict: {
        QJsonObject object;
        for (size_t i = 0; i < node.keys().size(); ++i)
            object.insert(node.keys()[i].text, paramToJson(node.children()[i]));
        return object;
    }
    case ParamNode::Type::List:
    case ParamNode::Type::Tuple: {
        QJsonArray array;
        for (const ParamNode& child : node.children())
            array.append(paramToJson(child));
        return array;
    }
    }
    return QJsonValue::Null;
}

} // namespace nemoscope::model
