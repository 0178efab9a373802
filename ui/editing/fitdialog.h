#pragma once

#include "fit/glm.h"

#include <QDialog>

#include <memory>

class QDialogButtonBox;
class QFormLayout;
class QGroupBox;
class QLabel;
class QProgressBar;
class QPushButton;

namespace nemoscope::ui {

class CoefficientPlot;
class FitWorker;
class ObjectivePlot;
class PredictedObservedPlot;

// Everything one fit needs, owned: the job keeps it alive on its thread even if the dialog goes away.
struct FitRequest
{
    fit::GlmProblem problem;
    fit::SolverOptions options;
    Eigen::MatrixXd X; // (n_samples, n_features)
    Eigen::MatrixXd Y; // (n_samples, n_outputs)
    Eigen::MatrixXd coefBefore; // empty for an unfitted model
    Eigen::VectorXd interceptBefore;
    QString title; // e.g. "Ridge GLM on seed_example.npz (X, counts)"
    QString observedName; // y's name, for the plot axes
};

// Runs a fit off the GUI thread and shows it: a progress bar and the objective per iteration while it
// runs, with Cancel (which returns at once); then the status, iterations, objective and time, the
// coefficients before and after, and the binned prediction against the observations. "Apply to model"
// hands the result over (resultAccepted) for the caller to put on the document's undo stack.
class FitDialog : public QDialog
{
    Q_OBJECT

public:
    explicit FitDialog(FitRequest request, QWidget* parent = nullptr);
    ~FitDialog() override;

    void start();
    void cancel();
    bool isRunning() const;
    // The finished fit (status InvalidInput and empty until one has finished).
    const fit::FitResult& result() const { return m_result; }
    QPushButton* applyButton() const { return m_applyButton; }
    QPushButton* cancelButton() const { return m_cancelButton; }
    int plottedObjectivePoints() const;

signals:
    void fitFinished();
    void fitCancelled();
    void resultAccepted(const nemoscope::fit::FitResult& result);

private:
    struct Payload;

    void onProgress(const QList<QPointF>& points);
    void onFinished();
    void onCancelled();
    void showResult();

    FitRequest m_request;
    std::shared_ptr<Payload> m_payload;
    fit::FitResult m_result;
    FitWorker* m_worker = nullptr;

    QLabel* m_title = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_progressText = nullptr;
    QPushButton* m_cancelButton = nullptr;
    ObjectivePlot* m_objectivePlot = nullptr;
    QGroupBox* m_resultBox = nullptr;
    QFormLayout* m_resultForm = nullptr;
    CoefficientPlot* m_coefficientPlot = nullptr;
    PredictedObservedPlot* m_predictionPlot = nullptr;
    QPushButton* m_applyButton = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
};

} // namespace nemoscope::ui
