#pragma once

// Loading the data a model is fitted on: X and y from .npz, .npy or CSV files.
//
// Conventions
// - .npz: every member is an array, named by its key (without ".npy"). Members the npy engine refuses
//   make the load fail only if they are the ones asked for (see matrix()).
// - .npy: one array, named after the file without its extension ("rates.npy" -> "rates").
// - CSV (.csv, .tsv, .txt): numeric cells separated by commas, semicolons or tabs (detected from the
//   first line), an optional header row (a first row with any non-numeric cell), "nan", "inf" and
//   empty cells read as NaN. The file gives one array per column, named by the header
//   (or "column0", "column1"... without one), each (n_rows,) float64, and the whole table as one 2-D
//   array named "table" (n_rows, n_columns). With a header, when some columns are named "y", "counts"
//   or "spikes" (and none "X"), the remaining columns together also form "X" (n_rows, n_rest). Without
//   a header and with two or more columns, the last column is also "y" and the others form "X"
//   (features first, target last). Lines starting with '#' are comments.
//
// Default choice of X and y: X is "X"; y is "y", then "counts", then "spikes".

#include "error.h"
#include "npy/ndarray.h"

#include <Eigen/Core>
#include <QString>
#include <QStringList>

#include <optional>
#include <utility>
#include <vector>

namespace nemoscope::data {

struct DataSet
{
    QString path;
    std::vector<std::pair<QString, npy::NdArray>> arrays;
    // Members of an .npz the npy engine refused (object arrays, bad headers...), with the reason: the
    // other members stay usable, and asking for one of these gives its error.
    std::vector<std::pair<QString, Error>> refused;

    QStringList names() const;
    const npy::NdArray* find(const QString& name) const;
};

// Reads a .npz, .npy or CSV file (by extension; other extensions are sniffed: NumPy magic, zip
// signature, else CSV). Errors name the file and, for a member, the member.
Result<DataSet> loadDataFile(const QString& path);

// The default names of X and y in a data set, as nemoscope fit and the data picker preselect them.
struct XYNames
{
    QString x;
    QString y;
};
// Error when no "X", or none of "y", "counts", "spikes", is present (the reason lists the names present).
Result<XYNames> defaultXY(const DataSet& dataSet);
// The names tried for y, in order.
QStringList defaultYNames();

// A member as a float64 matrix: 1-D (n) gives (n, 1), 2-D gives itself; booleans and integers are
// converted; other dtypes and dimensions are errors naming the member.
Result<Eigen::MatrixXd> matrix(const DataSet& dataSet, const QString& name);

// Loads a file and returns X (n_samples, n_features) and Y (n_samples, n_outputs) by name (empty name =
// the default choice). X must be 2-D (a 1-D X is refused, as nemos does: reshape it to (n, 1) first).
struct XYData
{
    Eigen::MatrixXd X;
    Eigen::MatrixXd Y;
    QString xName;
    QString yName;
    bool yWasOneDimensional = true; // a GLM takes 1-D y; a PopulationGLM a 2-D y
};
Result<XYData> loadXY(const QString& path, const QString& xName = {}, const QString& yName = {});
Result<XYData> selectXY(const DataSet& dataSet, const QString& xName = {}, const QString& yName = {});

} // namespace nemoscope::data
