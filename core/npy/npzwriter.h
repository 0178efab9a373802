#pragma once

#include "error.h"
#include "npy/ndarray.h"

#include <QByteArray>
#include <QString>

#include <vector>

namespace nemoscope::npy {

enum class Compression
{
    Stored, // np.savez
    Deflated, // np.savez_compressed
};

// One member to write: its key (written as `name.npy`) and either an array or, when array is null, the
// complete .npy bytes of a member kept as it was read (NpzArchive::readRawNpy).
struct NpzEntry
{
    QString name;
    NdArray array;
    QByteArray rawNpy;
};

// The .npy bytes np.save writes for array: NumPy's header, then the data in C order (Fortran order when the
// array is Fortran-contiguous and not C-contiguous, as NumPy does).
QByteArray encodeNpy(const NdArray& array);

// Writes an .npz that numpy.load reads back bit for bit: members `name.npy` in the given order, each a ZIP64
// entry as NumPy's savez writes them, stored or deflated. Atomic: the file is written beside path and renamed
// over it only when complete, so a failed save leaves any existing file untouched. The Error says why
// (empty or duplicate names, a null array without raw bytes, the folder not writable, the disk full...).
Result<void> writeNpz(
    const QString& path, const std::vector<NpzEntry>& entries, Compression compression = Compression::Stored);

// Writes a single .npy as np.save does, atomically.
Result<void> writeNpy(const QString& path, const NdArray& array);

} // namespace nemoscope::npy
