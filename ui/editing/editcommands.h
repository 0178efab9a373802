#pragma once

#include "fit/glm.h"
#include "model/modelspec.h"

#include <QPointer>
#include <QUndoCommand>

namespace nemoscope::ui {

class Document;

// Replaces a document's model specification: one hyperparameter edit, or a set of mappings applied
// together. The specification before and after are kept whole (their arrays are shared, so this is
// cheap), which makes undo exact whatever the edit touched.
class SpecEditCommand : public QUndoCommand
{
public:
    SpecEditCommand(Document* document, model::ModelSpec after, const QString& text, QUndoCommand* parent = nullptr);

    void undo() override;
    void redo() override;

protected:
    void apply(const model::ModelSpec& spec);

    QPointer<Document> m_document;
    model::ModelSpec m_before;
    model::ModelSpec m_after;
    bool m_fitChange = false; // also notify that the fit state changed
};

// Stores a fit result in the model's fit parameters (coef_, intercept_, scale_, dof_resid_), undoably.
class FitResultCommand : public SpecEditCommand
{
public:
    FitResultCommand(Document* document, const fit::FitResult& result, QUndoCommand* parent = nullptr);
};

} // namespace nemoscope::ui
