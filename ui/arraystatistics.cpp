#include "arraystatistics.h"

#include <QFormLayout>
#include <QFutureWatcher>
#include <QLabel>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>
#include <QTimer>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <cmath>

namespace nemoscope::ui {

ArrayStatistics computeStatistics(const npy::NdArray& array, const std::function<bool(qint64, qint64)>& progress)
{
    ArrayStatistics stats;
    stats.min = std::nan("");
    stats.max = std::nan("");
    stats.mean = std::nan("");
    stats.std = std::nan("");
    if (array.isNull())
        return stats;
    const npy::DTypeKind kind = array.dtype().kind();
    const bool complex = kind == npy::DTypeKind::Complex;
    const bool dates = kind == npy::DTypeKind::DateTime || kind == npy::DTypeKind::TimeDelta;
    if (!array.isNumeric() && !dates)
        return stats;
    stats.magnitude = complex;

    // Welford's running mean and variance, stable over 10^8 elements.
    const qint64 total = array.size();
    constexpr qint64 reportEvery = qint64(1) << 20;
    double mean = 0;
    double m2 = 0;
    double low = INFINITY;
    double high = -INFINITY;
    for (qint64 i = 0; i < total; ++i) {
        if (progress && i % reportEvery == 0 && i > 0 && !progress(i, total)) {
            stats.cancelled = true;
            break;
        }
        const double value = complex ? std::abs(array.toComplex(i)) : array.toDouble(i);
        ++stats.count;
        if (std::isnan(value)) {
            ++stats.nanCount;
            continue;
        }
        if (std::isinf(value)) {
            ++stats.infCount;
            continue;
        }
        if (value == 0)
            ++stats.zeroCount;
        ++stats.finiteCount;
        low = std::min(low, value);
        high = std::max(high, value);
        const double delta = value - mean;
        mean += delta / double(stats.finiteCount);
        m2 += delta * (value - mean);
    }
    if (stats.finiteCount > 0) {
        stats.min = low;
        stats.max = high;
        stats.mean = mean;
        stats.std = std::sqrt(m2 / double(stats.finiteCount));
    }
    if (progress && !stats.cancelled)
        progress(total, total);
    return stats;
}

namespace {

const char* const labels[] = {
    QT_TRANSLATE_NOOP("nemoscope::ui::StatisticsPanel", "Elements"),
    QT_TRANSLATE_NOOP("nemoscope::ui::StatisticsPanel", "Minimum"),
    QT_TRANSLATE_NOOP("nemoscope::ui::StatisticsPanel", "Maximum"),
    QT_TRANSLATE_NOOP("nemoscope::ui::StatisticsPanel", "Mean"),
    QT_TRANSLATE_NOOP("nemoscope::ui::StatisticsPanel", "Standard deviation"),
    QT_TRANSLATE_NOOP("nemoscope::ui::StatisticsPanel", "NaN"),
    QT_TRANSLATE_NOOP("nemoscope::ui::StatisticsPanel", "±Infinity"),
    QT_TRANSLATE_NOOP("nemoscope::ui::StatisticsPanel", "Zeros"),
};

QString number(double value)
{
    return std::isnan(value) ? QStringLiteral("—") : QString::number(value, 'g', 8);
}

} // namespace

StatisticsPanel::StatisticsPanel(QWidget* parent)
    : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(14, 12, 14, 12);
    m_form = new QFormLayout;
    m_form->setLabelAlignment(Qt::AlignRight);
    for (const char* label : labels) {
        auto* value = new QLabel(QStringLiteral("—"), this);
        value->setTextInteractionFlags(Qt::TextSelectableByMouse);
        m_values << value;
        m_form->addRow(tr(label) + QLatin1Char(':'), value);
    }
    layout->addLayout(m_form);
    m_note = new QLabel(this);
    m_note->setWordWrap(true);
    layout->addWidget(m_note);
    auto* row = new QHBoxLayout;
    m_progress = new QProgressBar(this);
    m_progress->setRange(0, 1000);
    row->addWidget(m_progress, 1);
    m_cancel = new QPushButton(tr("Cancel"), this);
    row->addWidget(m_cancel);
    layout->addLayout(row);
    layout->addStretch(1);
    m_progress->hide();
    m_cancel->hide();
    connect(m_cancel, &QPushButton::clicked, this, &StatisticsPanel::cancel);
}

StatisticsPanel::~StatisticsPanel()
{
    if (m_cancelFlag)
        m_cancelFlag->store(true);
}

bool StatisticsPanel::isRunning() const
{
    return m_watcher != nullptr;
}

void StatisticsPanel::cancel()
{
    if (m_cancelFlag)
        m_cancelFlag->store(true);
}

void StatisticsPanel::setArray(const npy::NdArray& array)
{
    cancel();
    if (m_watcher) {
        m_watcher->disconnect(this);
        m_watcher->deleteLater();
        m_watcher = nullptr;
    }
    m_statistics = ArrayStatistics();
    for (QLabel* value : std::as_const(m_values))
        value->setText(QStringLiteral("—"));

    const npy::DTypeKind kind = array.isNull() ? npy::DTypeKind::Void : array.dtype().kind();
    const bool dates = kind == npy::DTypeKind::DateTime || kind == npy::DTypeKind::TimeDelta;
    if (array.isNull() || (!array.isNumeric() && !dates)) {
        m_note->setText(tr("Statistics are computed for numbers only; this array holds %1.")
                            .arg(array.isNull() ? tr("nothing") : array.dtype().name()));
        m_progress->hide();
        m_cancel->hide();
        emit finished();
        return;
    }

    m_note->setText(tr("Computing over %1 elements…").arg(QLocale().toString(array.size())));
    m_cancelFlag = std::make_shared<std::atomic_bool>(false);
    m_permille = std::make_shared<std::atomic<int>>(0);
    m_progress->setValue(0);
    m_progress->show();
    m_cancel->show();

    auto* watcher = new QFutureWatcher<ArrayStatistics>(this);
    m_watcher = watcher;
    auto* timer = new QTimer(watcher);
    connect(
        timer, &QTimer::timeout, m_progress, [this, permille = m_permille] { m_progress->setValue(permille->load()); });
    timer->start(100);
    connect(watcher, &QFutureWatcher<ArrayStatistics>::finished, this, [this, watcher] {
        const ArrayStatistics result = watcher->result();
        watcher->deleteLater();
        m_watcher = nullptr;
        m_progress->hide();
        m_cancel->hide();
        showStatistics(result);
        emit finished();
    });
    watcher->setFuture(QtConcurrent::run([array, cancelFlag = m_cancelFlag, permille = m_permille] {
        return computeStatistics(array, [&](qint64 done, qint64 total) {
            permille->store(int(1000.0 * double(done) / double(std::max<qint64>(total, 1))));
            return !cancelFlag->load();
        });
    }));
}

void StatisticsPanel::showStatistics(const ArrayStatistics& stats)
{
    m_statistics = stats;
    const QLocale locale;
    m_values[0]->setText(locale.toString(stats.count));
    m_values[1]->setText(number(stats.min));
    m_values[2]->setText(number(stats.max));
    m_values[3]->setText(number(stats.mean));
    m_values[4]->setText(number(stats.std));
    m_values[5]->setText(locale.toString(stats.nanCount));
    m_values[6]->setText(locale.toString(stats.infCount));
    m_values[7]->setText(locale.toString(stats.zeroCount));

    QStringList notes;
    if (stats.cancelled)
        notes << tr("Cancelled after %1 elements: the numbers cover those only.").arg(locale.toString(stats.count));
    if (stats.magnitude)
        notes << tr("A complex array: the numbers describe the magnitude |z|.");
    notes << tr("Minimum, maximum, mean and standard deviation (NumPy's, ddof=0) leave out NaN and infinities.");
    m_note->setText(notes.join(QLatin1Char(' ')));
}

} // namespace nemoscope::ui
