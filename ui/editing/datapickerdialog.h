#pragma once

#include "data/dataset.h"
#include "fit/glm.h"

#include <QDialog>

#include <optional>

class QComboBox;
class QDialogButtonBox;
class QLabel;
class QListWidget;

namespace nemoscope::ui {

// What the model expects of the data it is to be fitted on.
struct DataExpectations
{
    fit::GlmProblem problem; // problem.population: a PopulationGLM, which takes a 2-D y
    std::optional<Eigen::Index> features; // the row count of a fitted coef_, if the model has one
    QString modelName; // "GLM", "PopulationGLM": for the messages
};

// One check of the chosen X and y, as the data picker lists it.
struct DataCheck
{
    bool passed = false;
    QString text;
};

// Checks the arrays named xName and yName of dataSet against the model: X 2-D and numeric; y 1-D for a GLM
// or 2-D for a PopulationGLM; the same number of samples; the feature count against coef_; then the fitting
// engine's own checkData. Stops at the first check that makes the later ones meaningless.
std::vector<DataCheck> checkSelection(
    const data::DataSet& dataSet, const QString& xName, const QString& yName, const DataExpectations& expected);

// Picks X and y among the arrays of a loaded data file and shows, as the choice changes, whether they fit
// the model. X, y, counts and spikes are preselected. OK ("Fit") is enabled only when every check passes.
class DataPickerDialog : public QDialog
{
    Q_OBJECT

public:
    DataPickerDialog(data::DataSet dataSet, DataExpectations expected, QWidget* parent = nullptr);
    ~DataPickerDialog() override;

    QString xName() const;
    QString yName() const;
    void setXName(const QString& name);
    void setYName(const QString& name);
    bool selectionValid() const { return m_valid; }

    // The chosen arrays as matrices (after accept()); an Error if they cannot be read.
    Result<data::XYData> selection() const;

private:
    void recheck();

    data::DataSet m_dataSet;
    DataExpectations m_expected;
    QComboBox* m_xCombo = nullptr;
    QComboBox* m_yCombo = nullptr;
    QListWidget* m_checks = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
    bool m_valid = false;
};

} // namespace nemoscope::ui
