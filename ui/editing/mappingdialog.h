#pragma once

#include "model/modelspec.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QLabel;
class QPlainTextEdit;
class QPushButton;
class QTableWidget;

namespace nemoscope::ui {

// Bindings a user asked to remember, by saved name ("__main__.CustomRegularizer" -> "Ridge"), kept in
// QSettings so that the mapping dialog proposes them the next time the same name is met.
class MappingMemory
{
public:
    static QString remembered(const QString& saved);
    static void remember(const QString& saved, const QString& builtin);
    static void forget(const QString& saved);
};

// Resolves the saved names of a model that are not nemos built-ins, as load_model's mapping_dict does.
//
// One row per unresolved name: its key path, the saved string, its kind and saved parameters, a choice
// among the built-ins of the same kind that the model accepts for that key (each with its one-line
// description), the saved parameters the chosen built-in does not accept (dropped), and "Remember for
// this name". Below, the equivalent nemos call, with a Copy button. Apply (accept) leaves the mapped
// specification in mappedSpec() for the caller to put on the undo stack.
class MappingDialog : public QDialog
{
    Q_OBJECT

public:
    // Columns of the table, one row per unresolved name.
    enum Column
    {
        KeyColumn,
        SavedColumn,
        KindColumn,
        ParamsColumn,
        MapToColumn,
        DroppedColumn,
        RememberColumn,
        ColumnCount
    };

    MappingDialog(model::ModelSpec spec, QString path, QWidget* parent = nullptr);
    ~MappingDialog() override;

    int rowCount() const;
    QString key(int row) const;
    // The built-in names offered for a row, in the order shown.
    QStringList choices(int row) const;
    // Chooses builtin (a short name) for a row; false if it is not offered there.
    bool choose(int row, const QString& builtin);
    QString chosen(int row) const;
    QString dropped(int row) const;
    void setRemember(int row, bool remember);
    int rowForKey(const QString& key) const;

    // The specification with the chosen mappings applied (valid once every chosen row mapped cleanly),
    // and the mappings themselves.
    const model::ModelSpec& mappedSpec() const { return m_mapped; }
    QList<model::AppliedMapping> mappings() const { return m_mapped.mappings(); }
    QString pythonSnippet() const;
    QPushButton* applyButton() const { return m_applyButton; }
    QPushButton* copyButton() const { return m_copyButton; }

    void accept() override;

private:
    void update();

    model::ModelSpec m_original;
    model::ModelSpec m_mapped;
    QString m_path;
    QList<model::UnresolvedName> m_names;
    QTableWidget* m_table = nullptr;
    QList<QComboBox*> m_combos;
    QList<QCheckBox*> m_remember;
    QPlainTextEdit* m_snippet = nullptr;
    QLabel* m_status = nullptr;
    QPushButton* m_copyButton = nullptr;
    QPushButton* m_applyButton = nullptr;
};

} // namespace nemoscope::ui
