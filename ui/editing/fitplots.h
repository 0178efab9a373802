#pragma once

#include <QChartView>
#include <QList>
#include <QPointF>
#include <QTimer>

#include <Eigen/Core>

#include <vector>

class QLineSeries;
class QScatterSeries;
class QValueAxis;

namespace nemoscope::ui {

// One bin of a predicted-against-observed comparison: samples grouped by predicted value.
struct PredictionBin
{
    double predicted = 0; // mean predicted value (a rate for count models) over the bin
    double observed = 0; // mean observed value (counts) over the same samples
    Eigen::Index count = 0;
};

// Sorts samples by prediction and splits them into at most `bins` groups of equal size, skipping
// samples where either value is not finite. Bins are ordered by predicted value.
std::vector<PredictionBin> binByPrediction(const Eigen::VectorXd& predicted, const Eigen::VectorXd& observed, int bins);

// The objective per iteration of a running fit. Points arrive in batches from the fit worker;
// the axes are rescaled at most every few tens of milliseconds so that a fast solver does not
// spend the GUI thread on redrawing.
class ObjectivePlot : public QChartView
{
    Q_OBJECT

public:
    explicit ObjectivePlot(QWidget* parent = nullptr);

    void reset();
    void appendPoints(const QList<QPointF>& points);
    int pointCount() const;

private:
    void rescale();

    QLineSeries* m_series = nullptr;
    QValueAxis* m_xAxis = nullptr;
    QValueAxis* m_yAxis = nullptr;
    QTimer m_rescaleTimer;
    double m_minY = 0;
    double m_maxY = 0;
    double m_maxX = 0;
};

// Coefficients of a model before and after a fit, one marker per coefficient index, with the
// intercepts listed in the legend. For a PopulationGLM the (features x neurons) matrix is shown
// flattened feature-major, as nemos stores it.
class CoefficientPlot : public QChartView
{
    Q_OBJECT

public:
    explicit CoefficientPlot(QWidget* parent = nullptr);

    // before may be empty (an unfitted model); after must not be.
    void setCoefficients(const Eigen::VectorXd& before, const Eigen::VectorXd& after);
};

// Binned predicted values against observed values, with the identity line.
class PredictedObservedPlot : public QChartView
{
    Q_OBJECT

public:
    explicit PredictedObservedPlot(QWidget* parent = nullptr);

    void setData(const Eigen::VectorXd& predicted, const Eigen::VectorXd& observed, const QString& predictedName,
        const QString& observedName);
};

} // namespace nemoscope::ui
