#include "editing/fitworker.h"

#include <QThreadPool>

#include <mutex>

namespace nemoscope::ui {

// State shared by the worker (GUI thread) and the job (pool thread). The owner pointer is cleared
// under the mutex when the worker lets go of the run, so the job never posts to a dead object.
struct FitWorker::Run
{
    std::atomic<bool> cancel { false };
    std::mutex mutex;
    FitWorker* owner = nullptr;
    QList<QPointF> pending;
    bool drainPosted = false;
};

FitWorker::FitWorker(QObject* parent)
    : QObject(parent)
{ }

FitWorker::~FitWorker()
{
    if (m_run) {
        m_run->cancel = true;
        std::lock_guard lock(m_run->mutex);
        m_run->owner = nullptr;
    }
}

QThreadPool* FitWorker::pool()
{
    static QThreadPool fitPool;
    return &fitPool;
}

void FitWorker::start(Job job)
{
    if (m_run)
        cancel();

    auto run = std::make_shared<Run>();
    run->owner = this;

    auto task = [run, job = std::move(job)] {
        const Report report = [run](int iteration, double objective) {
            std::lock_guard lock(run->mutex);
            if (!run->owner)
                return;
            run->pending.append(QPointF(iteration, objective));
            if (!run->drainPosted) {
                run->drainPosted = true;
                FitWorker* owner = run->owner;
                QMetaObject::invokeMethod(
                    owner, [owner, run] { owner->drain(run); }, Qt::QueuedConnection);
            }
        };

        job(&run->cancel, report);

        std::lock_guard lock(run->mutex);
        if (run->owner) {
            FitWorker* owner = run->owner;
            QMetaObject::invokeMethod(
                owner, [owner, run] { owner->complete(run); }, Qt::QueuedConnection);
        }
    };

    m_run = std::move(run);
    pool()->start(std::move(task));
    emit started();
}

void FitWorker::cancel()
{
    if (!m_run)
        return;

    m_run->cancel = true;
    {
        std::lock_guard lock(m_run->mutex);
        m_run->owner = nullptr;
    }
    m_run.reset();
    emit cancelled();
}

void FitWorker::drain(const std::shared_ptr<Run>& run)
{
    if (run != m_run)
        return;

    QList<QPointF> points;
    {
        std::lock_guard lock(run->mutex);
        points.swap(run->pending);
        run->drainPosted = false;
    }
    if (!points.isEmpty())
        emit progress(points);
}

void FitWorker::complete(const std::shared_ptr<Run>& run)
{
    if (run != m_run)
        return;

    drain(run);
    m_run.reset();
    emit finished();
}

} // namespace nemoscope::ui
