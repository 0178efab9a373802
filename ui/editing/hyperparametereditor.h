#pragma once

#include "model/modelspec.h"

#include <QHash>
#include <QWidget>

#include <functional>

#include <optional>

class QComboBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QTableWidget;
class QTableWidgetItem;

namespace nemoscope::ui {

// The solver_kwargs keys the editor knows, with the type each takes.
struct SolverOptionKey
{
    enum class Type
    {
        Int,
        Float,
        Bool,
    };
    QString key;
    Type type;
    QString help;
};
const QList<SolverOptionKey>& knownSolverOptions();

// A form over a model's hyperparameters: observation model and its parameters, inverse link, regularizer
// (GroupLasso mask as a groups-by-features grid, ElasticNet ratio), strength, solver (only those the
// regularizer allows, the default marked) and solver options.
//
// The editor never changes a model itself: each accepted change is emitted as the whole edited
// specification with a description, for the caller to put on an undo stack. Input the model refuses
// (ModelSpec::set fails, or the change would add a validation problem) is refused in place: the field
// goes back to the model's value and the reason shows under it.
class HyperparameterEditor : public QWidget
{
    Q_OBJECT

public:
    explicit HyperparameterEditor(QWidget* parent = nullptr);
    ~HyperparameterEditor() override;

    // Shows spec (a copy is kept); std::nullopt shows that there is no model to edit.
    void setSpec(const std::optional<model::ModelSpec>& spec);
    const std::optional<model::ModelSpec>& spec() const { return m_spec; }

    // Applies one edit as if typed in the form; returns the refusal reason, empty when accepted.
    // Used by the form itself and by tests.
    QString requestEdit(const QString& key, const QString& value, const QString& description);
    QString requestNodeEdit(const QString& key, const model::ParamNode& value, const QString& description);

    // The reason shown under a field, by nemos key ("regularizer_strength", "solver_kwargs"...).
    QString refusal(const QString& key) const;

    // Widgets, for tests and screenshots.
    QLineEdit* strengthEdit() const { return m_strength; }
    QComboBox* solverCombo() const { return m_solver; }
    QComboBox* regularizerCombo() const { return m_regularizer; }
    QTableWidget* maskGrid() const { return m_maskGrid; }
    QTableWidget* solverOptionsTable() const { return m_kwargs; }

signals:
    void editRequested(const nemoscope::model::ModelSpec& edited, const QString& description);

private:
    QString attempt(
        const QString& key, const std::function<Result<void>(model::ModelSpec&)>& edit, const QString& description);
    void showRefusal(const QString& key, const QString& reason);
    void clearRefusals();
    void refresh();
    void refreshMask();
    void refreshKwargs();
    void fillClassCombo(
        QComboBox* combo, model::BuiltinCategory category, const QString& saved, const model::Builtin* current);
    QLabel* addRefusalLabel(const QString& key);

    void onObservationChosen();
    void onLinkChosen();
    void onRegularizerChosen();
    void onSolverChosen();
    void onStrengthEdited();
    void onMaskCellChanged(QTableWidgetItem* item);
    void onKwargChanged(QTableWidgetItem* item);
    void addKwarg(const QString& key);
    void removeKwarg();
    void changeGroups(int delta);

    std::optional<model::ModelSpec> m_spec;
    bool m_updating = false;

    QLabel* m_modelClass = nullptr;
    QComboBox* m_observation = nullptr;
    QLabel* m_scaleLabel = nullptr;
    QLineEdit* m_scale = nullptr;
    QComboBox* m_link = nullptr;
    QComboBox* m_regularizer = nullptr;
    QLineEdit* m_strength = nullptr;
    QLabel* m_ratioLabel = nullptr;
    QLineEdit* m_ratio = nullptr;
    QWidget* m_maskBox = nullptr;
    QTableWidget* m_maskGrid = nullptr;
    QComboBox* m_solver = nullptr;
    QTableWidget* m_kwargs = nullptr;
    QPushButton* m_addKwarg = nullptr;
    QPushButton* m_removeKwarg = nullptr;
    QListWidget* m_problems = nullptr;
    QWidget* m_form = nullptr;
    QWidget* m_scroll = nullptr;
    QLabel* m_empty = nullptr;
    QHash<QString, QLabel*> m_refusals;
};

} // namespace nemoscope::ui
