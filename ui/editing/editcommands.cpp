#include "editing/editcommands.h"

#include "document.h"
#include "model/fitbridge.h"

namespace nemoscope::ui {

SpecEditCommand::SpecEditCommand(Document* document, model::ModelSpec after, const QString& text, QUndoCommand* parent)
    : QUndoCommand(text, parent)
    , m_document(document)
    , m_after(std::move(after))
{
    if (document && document->spec())
        m_before = *document->spec();
}

void SpecEditCommand::undo()
{
    apply(m_before);
}

void SpecEditCommand::redo()
{
    apply(m_after);
}

void SpecEditCommand::apply(const model::ModelSpec& spec)
{
    if (!m_document || !m_document->spec())
        return;
    *m_document->spec() = spec;
    m_document->notifyModelChanged();
    if (m_fitChange)
        m_document->notifyFitChanged();
}

namespace {

model::ModelSpec withFit(Document* document, const fit::FitResult& result)
{
    model::ModelSpec spec = document && document->spec() ? *document->spec() : model::ModelSpec();
    model::storeFitResult(spec, result);
    return spec;
}

} // namespace

FitResultCommand::FitResultCommand(Document* document, const fit::FitResult& result, QUndoCommand* parent)
    : SpecEditCommand(document, withFit(document, result),
        QObject::tr("Refit (%1, %n iteration(s))", nullptr, result.iterations)
            .arg(fit::toString(result.status).toLower()),
        parent)
{
    m_fitChange = true;
}

} // namespace nemoscope::ui
