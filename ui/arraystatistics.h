#pragma once

#include <QWidget>

#include <atomic>
#include <functional>
#include <memory>

#include "npy/ndarray.h"

class QFormLayout;
class QLabel;
class QProgressBar;
class QPushButton;

namespace nemoscope::ui {

// Summary numbers of a whole array. For complex arrays they describe the magnitude |z|.
struct ArrayStatistics
{
    qint64 count = 0; // elements looked at
    qint64 finiteCount = 0;
    qint64 nanCount = 0;
    qint64 infCount = 0;
    qint64 zeroCount = 0;
    double min = 0; // over finite elements; NaN when there are none
    double max = 0;
    double mean = 0;
    double std = 0; // population standard deviation (NumPy's default, ddof=0)
    bool magnitude = false; // computed on |z| of a complex array
    bool cancelled = false;
};

// Computes the statistics of every element of a numeric array (bool, integers, floats, complex, dates as
// their counts). progress(done, total) is called every few million elements; returning false cancels, and
// the result then has cancelled set. Safe to run on a worker thread: it only reads the array.
ArrayStatistics computeStatistics(const npy::NdArray& array, const std::function<bool(qint64, qint64)>& progress = {});

// The statistics tab of the array viewer: computes on a worker thread (QtConcurrent) with a progress bar
// and Cancel, so that a 10^8-element array never blocks the window.
class StatisticsPanel : public QWidget
{
    Q_OBJECT

public:
    explicit StatisticsPanel(QWidget* parent = nullptr);
    ~StatisticsPanel() override;

    // Starts computing for array (cancelling any computation under way).
    void setArray(const npy::NdArray& array);
    bool isRunning() const;
    void cancel();
    // The last result shown; count is 0 before the first result.
    const ArrayStatistics& statistics() const { return m_statistics; }

signals:
    void finished();

private:
    void showStatistics(const ArrayStatistics& statistics);

    QFormLayout* m_form = nullptr;
    QLabel* m_note = nullptr;
    QProgressBar* m_progress = nullptr;
    QPushButton* m_cancel = nullptr;
    QList<QLabel*> m_values;
    std::shared_ptr<std::atomic_bool> m_cancelFlag;
    std::shared_ptr<std::atomic<int>> m_permille;
    QObject* m_watcher = nullptr;
    ArrayStatistics m_statistics;
    qint64 m_generation = 0;
};

} // namespace nemoscope::ui
