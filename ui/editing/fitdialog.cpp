#include "editing/fitdialog.h"

#include "editing/fitplots.h"
#include "editing/fitworker.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLoggingCategory>
#include <QProgressBar>
#include <QPushButton>
#include <QVBoxLayout>

#include <cmath>

Q_LOGGING_CATEGORY(lcUiFit, "nemoscope.ui.fit", QtInfoMsg)

namespace nemoscope::ui {

namespace {

// (features, outputs) flattened feature-major, the order nemos' coef_ has on disk.
Eigen::VectorXd flattened(const Eigen::MatrixXd& matrix)
{
    Eigen::VectorXd values(matrix.size());
    Eigen::Index k = 0;
    for (Eigen::Index r = 0; r < matrix.rows(); ++r) {
        for (Eigen::Index c = 0; c < matrix.cols(); ++c)
            values[k++] = matrix(r, c);
    }
    return values;
}

QString numbers(const Eigen::VectorXd& values)
{
    QStringList parts;
    for (Eigen::Index i = 0; i < values.size() && i < 8; ++i)
        parts << QString::number(values[i], 'g', 8);
    if (values.size() > 8)
        parts << QStringLiteral("…");
    return parts.join(QStringLiteral(", "));
}

} // namespace

// Written by the job on its thread before it returns, read on the GUI thread after FitWorker::finished.
struct FitDialog::Payload
{
    FitRequest request;
    fit::FitResult result;
    Eigen::MatrixXd predicted;
};

FitDialog::FitDialog(FitRequest request, QWidget* parent)
    : QDialog(parent)
    , m_request(std::move(request))
    , m_worker(new FitWorker(this))
{
    setWindowTitle(tr("Fit"));

    m_title = new QLabel(m_request.title.toHtmlEscaped());
    m_title->setWordWrap(true);
    QFont titleFont = m_title->font();
    titleFont.setBold(true);
    m_title->setFont(titleFont);

    m_progress = new QProgressBar;
    m_progress->setTextVisible(false);
    m_progressText = new QLabel;
    m_cancelButton = new QPushButton(tr("Cancel fit"));
    auto* progressRow = new QHBoxLayout;
    progressRow->addWidget(m_progress, 1);
    progressRow->addWidget(m_cancelButton);

    m_objectivePlot = new ObjectivePlot;

    m_resultBox = new QGroupBox(tr("Result"));
    m_resultForm = new QFormLayout;
    m_coefficientPlot = new CoefficientPlot;
    m_predictionPlot = new PredictedObservedPlot;
    auto* plots = new QHBoxLayout;
    plots->addWidget(m_coefficientPlot);
    plots->addWidget(m_predictionPlot);
    auto* resultLayout = new QVBoxLayout(m_resultBox);
    resultLayout->addLayout(m_resultForm);
    resultLayout->addLayout(plots, 1);
    m_resultBox->hide();

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    m_applyButton = m_buttons->addButton(tr("Apply to model"), QDialogButtonBox::AcceptRole);
    m_applyButton->setEnabled(false);
    m_applyButton->setToolTip(tr("Store the fitted coefficients in the model (undoable)"));
    connect(m_applyButton, &QPushButton::clicked, this, [this] {
        emit resultAccepted(m_result);
        accept();
    });
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_cancelButton, &QPushButton::clicked, this, &FitDialog::cancel);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_title);
    layout->addLayout(progressRow);
    layout->addWidget(m_progressText);
    layout->addWidget(m_objectivePlot, 2);
    layout->addWidget(m_resultBox, 5);
    layout->addWidget(m_buttons);
    resize(1000, 780);

    connect(m_worker, &FitWorker::progress, this, &FitDialog::onProgress);
    connect(m_worker, &FitWorker::finished, this, &FitDialog::onFinished);
    connect(m_worker, &FitWorker::cancelled, this, &FitDialog::onCancelled);
}

FitDialog::~FitDialog()
{
    // A fit still running is told to stop; its payload lives on with the job until it does.
    m_worker->cancel();
}

bool FitDialog::isRunning() const
{
    return m_worker->isRunning();
}

int FitDialog::plottedObjectivePoints() const
{
    return m_objectivePlot->pointCount();
}

void FitDialog::start()
{
    m_result = {};
    m_objectivePlot->reset();
    m_resultBox->hide();
    m_applyButton->setEnabled(false);
    m_cancelButton->setEnabled(true);
    if (m_request.options.maxIter && *m_request.options.maxIter > 0)
        m_progress->setRange(0, *m_request.options.maxIter);
    else
        m_progress->setRange(0, 0); // runs until converged: no known end
    m_progressText->setText(tr("Starting the %1 solver…").arg(fit::toString(m_request.options.solver)));

    m_payload = std::make_shared<Payload>();
    m_payload->request = m_request;
    std::shared_ptr<Payload> payload = m_payload;
    qCDebug(lcUiFit) << "fit started:" << m_request.title;
    m_worker->start([payload](const std::atomic<bool>* cancel, const FitWorker::Report& report) {
        fit::FitControl control;
        control.cancel = cancel;
        control.progress
            = [&report](const fit::FitProgress& progress) { report(progress.iteration, progress.objective); };
        if (payload->request.coefBefore.size() > 0 && payload->request.coefBefore.allFinite()
            && payload->request.interceptBefore.allFinite()) {
            control.initialCoef = payload->request.coefBefore;
            control.initialIntercept = payload->request.interceptBefore;
        }
        const FitRequest& r = payload->request;
        payload->result = fit::fitGlm(r.problem, r.options, r.X, r.Y, control);
        if (payload->result.hasModel() && !cancel->load())
            payload->predicted = fit::predict(r.problem, r.X, payload->result.coef, payload->result.intercept);
    });
}

void FitDialog::cancel()
{
    m_worker->cancel();
}

void FitDialog::onProgress(const QList<QPointF>& points)
{
    m_objectivePlot->appendPoints(points);
    const QPointF& last = points.last();
    if (m_progress->maximum() > 0)
        m_progress->setValue(std::min(static_cast<int>(last.x()), m_progress->maximum()));
    m_progressText->setText(tr("Iteration %1, objective %2").arg(static_cast<int>(last.x())).arg(last.y(), 0, 'g', 10));
}

void FitDialog::onCancelled()
{
    m_payload.reset();
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_cancelButton->setEnabled(false);
    m_progressText->setText(tr("Cancelled. The model is unchanged."));
    qCDebug(lcUiFit) << "fit cancelled:" << m_request.title;
    emit fitCancelled();
}

void FitDialog::onFinished()
{
    m_result = m_payload->result;
    m_progress->setRange(0, 1);
    m_progress->setValue(1);
    m_cancelButton->setEnabled(false);
    qCDebug(lcUiFit) << "fit finished:" << fit::toString(m_result.status) << m_result.iterations << "iterations";

    // The full history replaces the sampled points shown while running.
    if (!m_result.objectiveHistory.empty()) {
        QList<QPointF> history;
        history.reserve(static_cast<qsizetype>(m_result.objectiveHistory.size()));
        for (size_t i = 0; i < m_result.objectiveHistory.size(); ++i)
            history.append(QPointF(static_cast<double>(i), m_result.objectiveHistory[i]));
        m_objectivePlot->reset();
        m_objectivePlot->appendPoints(history);
    }
    showResult();
    m_payload.reset();
    emit fitFinished();
}

void FitDialog::showResult()
{
    while (m_resultForm->rowCount() > 0)
        m_resultForm->removeRow(0);

    const bool usable = m_result.hasModel() && m_result.status != fit::FitStatus::Cancelled;
    auto* status = new QLabel(fit::toString(m_result.status));
    QFont bold = status->font();
    bold.setBold(true);
    status->setFont(bold);
    m_resultForm->addRow(tr("Status:"), status);
    if (!m_result.message.isEmpty()) {
        auto* message = new QLabel(m_result.message);
        message->setWordWrap(true);
        m_resultForm->addRow(tr("Reason:"), message);
    }
    m_resultForm->addRow(tr("Iterations:"), new QLabel(QString::number(m_result.iterations)));
    m_resultForm->addRow(tr("Objective:"), new QLabel(QString::number(m_result.objective, 'g', 12)));
    m_resultForm->addRow(tr("Gradient norm:"), new QLabel(QString::number(m_result.gradientNorm, 'g', 3)));
    m_resultForm->addRow(tr("Time:"), new QLabel(tr("%1 s").arg(m_result.seconds, 0, 'f', 3)));
    if (usable)
        m_resultForm->addRow(tr("Intercept:"), new QLabel(numbers(m_result.intercept)));
    m_progressText->setText(tr("%1 after %2 iterations.").arg(fit::toString(m_result.status)).arg(m_result.iterations));

    if (usable) {
        m_coefficientPlot->setCoefficients(flattened(m_request.coefBefore), flattened(m_result.coef));
        const bool counts = m_request.problem.observation == fit::Observation::Poisson
            || m_request.problem.observation == fit::Observation::NegativeBinomial;
        if (m_payload && m_payload->predicted.size() > 0) {
            m_predictionPlot->setData(flattened(m_payload->predicted), flattened(m_request.Y),
                counts ? tr("rate") : tr("mean"), m_request.observedName);
        }
    }
    m_coefficientPlot->setVisible(usable);
    m_predictionPlot->setVisible(usable);
    m_applyButton->setEnabled(usable);
    m_resultBox->show();
}

} // namespace nemoscope::ui
