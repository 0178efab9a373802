#include "data/dataset.h"

#include "logging.h"
#include "npy/npzarchive.h"

#include <QFile>
#include <QFileInfo>

#include <cmath>
#include <limits>

namespace nemoscope::data {

namespace {

// CSV files are read whole; beyond this size a binary format (.npy, .npz) is the better choice.
constexpr qint64 kMaxCsvBytes = qint64(1) << 30;

Error fileError(const QString& path, const QString& member, const QString& reason)
{
    return Error { path, member, reason };
}

bool looksLikeArchive(const QByteArray& head)
{
    return head.startsWith("\x93NUMPY") || head.startsWith("PK\x03\x04") || head.startsWith("PK\x05\x06");
}

// One cell: a number, or NaN for an empty cell or nan, +-inf for inf.
std::optional<double> parseCell(QByteArray cell)
{
    cell = cell.trimmed();
    if (cell.size() >= 2 && cell.startsWith('"') && cell.endsWith('"'))
        cell = cell.mid(1, cell.size() - 2).trimmed();
    if (cell.isEmpty())
        return std::numeric_limits<double>::quiet_NaN();
    const QByteArray lower = cell.toLower();
    if (lower == "nan" || lower == "na" || lower == "-nan")
        return std::numeric_limits<double>::quiet_NaN();
    if (lower == "inf" || lower == "+inf" || lower == "infinity")
        return std::numeric_limits<double>::infinity();
    if (lower == "-inf" || lower == "-infinity")
        return -std::numeric_limits<double>::infinity();
    bool ok = false;
    const double value = cell.toDouble(&ok);
    if (!ok)
        return std::nullopt;
    return value;
}

QString headerName(QByteArray cell)
{
    cell = cell.trimmed();
    if (cell.size() >= 2 && cell.startsWith('"') && cell.endsWith('"'))
        cell = cell.mid(1, cell.size() - 2).trimmed();
    return QString::fromUtf8(cell);
}

// Parses CSV text (no I/O): see dataset.h for the conventions.
Result<DataSet> parseCsv(const QByteArray& bytes, const QString& path)
{
    // Lines, without comments and blank lines; numbers kept for error messages.
    std::vector<std::pair<int, QByteArray>> lines;
    int lineNumber = 0;
    for (qsizetype start = 0; start <= bytes.size();) {
        qsizetype end = bytes.indexOf('\n', start);
        if (end < 0)
            end = bytes.size();
        QByteArray line = bytes.mid(start, end - start);
        ++lineNumber;
        start = end + 1;
        if (line.endsWith('\r'))
            line.chop(1);
        if (lineNumber == 1 && line.startsWith("\xEF\xBB\xBF"))
            line.remove(0, 3);
        if (line.trimmed().isEmpty() || line.trimmed().startsWith('#'))
            continue;
        if (line.contains('\0'))
            return fileError(path, QStringLiteral("line %1").arg(lineNumber),
                QStringLiteral("holds a NUL byte: not a text (CSV) file"));
        lines.emplace_back(lineNumber, line);
        if (end == bytes.size())
            break;
    }
    if (lines.empty())
        return fileError(path, {}, QStringLiteral("the CSV file holds no data"));

    // Separator: the most frequent of comma, semicolon and tab on the first line.
    const QByteArray& first = lines.front().second;
    char separator = ',';
    qsizetype best = 0;
    for (char candidate : { ',', ';', '\t' }) {
        const qsizetype count = first.count(candidate);
        if (count > best) {
            best = count;
            separator = candidate;
        }
    }

    // Header: a first row with a cell that is not a number.
    QStringList names;
    size_t firstData = 0;
    {
        const QList<QByteArray> cells = first.split(separator);
        bool numeric = true;
        for (const QByteArray& cell : cells)
            numeric = numeric && parseCell(cell).has_value();
        if (!numeric) {
            for (const QByteArray& cell : cells)
                names << headerName(cell);
            firstData = 1;
        }
    }
    const qsizetype columns = names.isEmpty() ? first.split(separator).size() : names.size();
    if (names.isEmpty()) {
        for (qsizetype c = 0; c < columns; ++c)
            names << QStringLiteral("column%1").arg(c);
    }
    for (qsizetype c = 0; c < columns; ++c) {
        if (names[c].isEmpty())
            names[c] = QStringLiteral("column%1").arg(c);
        if (names.indexOf(names[c]) != c)
            return fileError(path, QStringLiteral("line %1").arg(lines.front().first),
                QStringLiteral("the header names the column '%1' twice").arg(names[c]));
    }

    const auto rows = Eigen::Index(lines.size() - firstData);
    if (rows == 0)
        return fileError(path, {}, QStringLiteral("the CSV file has a header but no data rows"));
    Eigen::MatrixXd table(rows, columns);
    for (size_t r = firstData; r < lines.size(); ++r) {
        const QList<QByteArray> cells = lines[r].second.split(separator);
        if (cells.size() != columns)
            return fileError(path, QStringLiteral("line %1").arg(lines[r].first),
                QStringLiteral("has %1 cells, expected %2 like the first row").arg(cells.size()).arg(columns));
        for (qsizetype c = 0; c < columns; ++c) {
            const auto value = parseCell(cells[c]);
            if (!value)
                return fileError(path, QStringLiteral("line %1, column %2").arg(lines[r].first).arg(c + 1),
                    QStringLiteral("'%1' is not a number").arg(QString::fromUtf8(cells[c].trimmed())));
            table(Eigen::Index(r - firstData), c) = *value;
        }
    }

    DataSet set;
    set.path = path;
    for (qsizetype c = 0; c < columns; ++c)
        set.arrays.emplace_back(names[c], npy::NdArray::fromVector(table.col(c)));
    if (!names.contains(QStringLiteral("table")))
        set.arrays.emplace_back(QStringLiteral("table"), npy::NdArray::fromMatrix(table));

    // X from the columns that are not a target.
    const bool hasHeader = firstData == 1;
    if (!names.contains(QStringLiteral("X")) && columns >= 2) {
        std::vector<Eigen::Index> features;
        if (hasHeader) {
            for (qsizetype c = 0; c < columns; ++c)
                if (!defaultYNames().contains(names[c]))
                    features.push_back(c);
            if (features.size() == size_t(columns))
                features.clear();
        } else {
            for (qsizetype c = 0; c + 1 < columns; ++c)
                features.push_back(c);
            set.arrays.emplace_back(QStringLiteral("y"), npy::NdArray::fromVector(table.col(columns - 1)));
        }
        if (!features.empty()) {
            Eigen::MatrixXd X(rows, Eigen::Index(features.size()));
            for (size_t j = 0; j < features.size(); ++j)
                X.col(Eigen::Index(j)) = table.col(features[j]);
            set.arrays.emplace_back(QStringLiteral("X"), npy::NdArray::fromMatrix(X));
        }
    }
    return set;
}

} // namespace

QStringList DataSet::names() const
{
    QStringList out;
    for (const auto& [name, array] : arrays)
        out << name;
    return out;
}

const npy::NdArray* DataSet::find(const QString& name) const
{
    for (const auto& [key, array] : arrays)
        if (key == name)
            return &array;
    return nullptr;
}

QStringList defaultYNames()
{
    return { QStringLiteral("y"), QStringLiteral("counts"), QStringLiteral("spikes") };
}

Result<DataSet> loadDataFile(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return fileError(path, {}, QStringLiteral("cannot open: %1").arg(file.errorString()));
    const QByteArray head = file.peek(8);

    if (looksLikeArchive(head)) {
        file.close();
        auto archive = npy::NpzArchive::open(path);
        if (!archive)
            return archive.error();
        DataSet set;
        set.path = path;
        for (const auto& member : (*archive)->members()) {
            auto array = (*archive)->read(member.name);
            if (array)
                set.arrays.emplace_back(member.name, std::move(*array));
            else
                set.refused.emplace_back(member.name, array.error());
        }
        qCDebug(lcData) << path << "holds" << set.arrays.size() << "arrays," << set.refused.size() << "refused";
        return set;
    }

    if (file.size() > kMaxCsvBytes)
        return fileError(path, {},
            QStringLiteral("a %1 MB text file is too large to read as CSV (limit %2 MB): save the data "
                           "as .npy or .npz")
                .arg(file.size() >> 20)
                .arg(kMaxCsvBytes >> 20));
    const QByteArray bytes = file.readAll();
    if (file.error() != QFileDevice::NoError)
        return fileError(path, {}, QStringLiteral("cannot read: %1").arg(file.errorString()));
    return parseCsv(bytes, path);
}

Result<XYNames> defaultXY(const DataSet& dataSet)
{
    const QStringList present = dataSet.names();
    const QString list = present.isEmpty() ? QStringLiteral("none") : present.join(QStringLiteral(", "));
    if (!dataSet.find(QStringLiteral("X")))
        return Error { dataSet.path, QStringLiteral("X"),
            QStringLiteral("no array named X (the file holds: %1); choose X by name").arg(list) };
    for (const QString& name : defaultYNames())
        if (dataSet.find(name))
            return XYNames { QStringLiteral("X"), name };
    return Error { dataSet.path, QStringLiteral("y"),
        QStringLiteral("no array named y, counts or spikes (the file holds: %1); choose y by name").arg(list) };
}

Result<Eigen::MatrixXd> matrix(const DataSet& dataSet, const QString& name)
{
    for (const auto& [key, error] : dataSet.refused)
        if (key == name)
            return error;
    const npy::NdArray* array = dataSet.find(name);
    if (!array)
        return Error { dataSet.path, name,
            QStringLiteral("no array with this name (the file holds: %1)")
                .arg(dataSet.names().join(QStringLiteral(", "))) };
    if (array->ndim() > 2)
        return Error { dataSet.path, name,
            QStringLiteral("a %1-D array cannot be used as model data (at most 2-D)").arg(array->ndim()) };
    if (!array->isNumeric())
        return Error { dataSet.path, name, QStringLiteral("the dtype %1 is not numeric").arg(array->dtype().descr()) };
    auto m = array->toMatrix();
    if (!m)
        return Error { dataSet.path, name, m.error().reason };
    return m;
}

Result<XYData> selectXY(const DataSet& dataSet, const QString& xName, const QString& yName)
{
    XYData out;
    out.xName = xName;
    out.yName = yName;
    if (out.xName.isEmpty() || out.yName.isEmpty()) {
        auto names = defaultXY(dataSet);
        if (out.xName.isEmpty()) {
            if (!dataSet.find(QStringLiteral("X")))
                return names.error();
            out.xName = QStringLiteral("X");
        }
        if (out.yName.isEmpty()) {
            if (!names && names.error().member == QLatin1String("y"))
                return names.error();
            out.yName = names ? names->y : QString();
            if (out.yName.isEmpty())
                return names.error();
        }
    }

    if (const npy::NdArray* x = dataSet.find(out.xName); x && x->ndim() != 2)
        return Error { dataSet.path, out.xName,
            QStringLiteral("X must be 2-D (n_samples, n_features), this array is %1-D%2")
                .arg(x->ndim())
                .arg(x->ndim() == 1 ? QStringLiteral(": reshape it to (n, 1)") : QString()) };
    auto X = matrix(dataSet, out.xName);
    if (!X)
        return X.error();
    if (const npy::NdArray* y = dataSet.find(out.yName)) {
        if (y->ndim() == 0)
            return Error { dataSet.path, out.yName, QStringLiteral("y is a scalar: it needs one value per sample") };
        out.yWasOneDimensional = y->ndim() == 1;
    }
    auto Y = matrix(dataSet, out.yName);
    if (!Y)
        return Y.error();
    out.X = std::move(*X);
    out.Y = std::move(*Y);
    return out;
}

Result<XYData> loadXY(const QString& path, const QString& xName, const QString& yName)
{
    auto set = loadDataFile(path);
    if (!set)
        return set.error();
    return selectXY(*set, xName, yName);
}

} // namespace nemoscope::data
