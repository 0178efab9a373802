#pragma once

#include <QObject>
#include <QPointF>

class QThreadPool;

#include <atomic>
#include <functional>
#include <memory>

namespace nemoscope::ui {

// Runs one long computation (a model fit) on a pool thread and brings its progress back to the
// GUI thread.
//
// The job receives the cancel flag it must poll and a report function it may call from its own
// thread with (iteration, objective). Reports are buffered and delivered in batches, so a solver
// that reports thousands of iterations a second never floods the event loop.
//
// cancel() returns at once: the flag is raised, cancelled() is emitted, and whatever the job still
// reports or returns afterwards is dropped. The job itself stops on its own thread as soon as it
// sees the flag; its captured data stay alive until then, so a job must own what it reads.
class FitWorker : public QObject
{
    Q_OBJECT

public:
    using Report = std::function<void(int iteration, double objective)>;
    using Job = std::function<void(const std::atomic<bool>* cancel, const Report& report)>;

    explicit FitWorker(QObject* parent = nullptr);
    ~FitWorker() override;

    // Starts job; a job still running is cancelled first. If cancelled jobs still occupy every
    // thread of the pool, the new one queues behind them (they stop within the engine's cancel delay).
    void start(Job job);
    void cancel();
    bool isRunning() const { return m_run != nullptr; }

    // The pool fits run on, apart from the global pool so that a fit never waits behind other
    // background work. Jobs that were cancelled may still be finishing there.
    static QThreadPool* pool();

signals:
    void started();
    // Objective values reported since the last batch, in order (x = iteration, y = objective).
    void progress(const QList<QPointF>& points);
    void finished();
    void cancelled();

private:
    struct Run;

    void drain(const std::shared_ptr<Run>& run);
    void complete(const std::shared_ptr<Run>& run);

    std::shared_ptr<Run> m_run;
};

} // namespace nemoscope::ui
