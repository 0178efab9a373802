#include "editing/hyperparametereditor.h"

#include "model/fitbridge.h"

#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QPushButton>
#include <QScrollArea>
#include <QStyle>
#include <QTableWidget>
#include <QVBoxLayout>

#include <cmath>

namespace nemoscope::ui {

using model::BuiltinCategory;
using model::ModelSpec;
using model::ParamNode;

const QList<SolverOptionKey>& knownSolverOptions()
{
    using T = SolverOptionKey::Type;
    static const QList<SolverOptionKey> keys {
        { QStringLiteral("tol"), T::Float, QObject::tr("stop when the gradient norm is below this") },
        { QStringLiteral("maxiter"), T::Int, QObject::tr("maximum number of iterations") },
        { QStringLiteral("stepsize"), T::Float, QObject::tr("fixed step size; 0 or less: line search") },
        { QStringLiteral("acceleration"), T::Bool, QObject::tr("momentum (GradientDescent, ProximalGradient)") },
        { QStringLiteral("maxls"), T::Int, QObject::tr("line search trials per iteration") },
        { QStringLiteral("decrease_factor"), T::Float, QObject::tr("backtracking shrink factor, in (0, 1)") },
        { QStringLiteral("history_size"), T::Int, QObject::tr("LBFGS memory") },
        { QStringLiteral("batch_size"), T::Int, QObject::tr("SVRG mini-batch size") },
    };
    return keys;
}

namespace {

const SolverOptionKey* knownOption(const QString& key)
{
    for (const SolverOptionKey& option : knownSolverOptions()) {
        if (option.key == key)
            return &option;
    }
    return nullptr;
}

QString typeName(SolverOptionKey::Type type)
{
    switch (type) {
    case SolverOptionKey::Type::Int:
        return QObject::tr("integer");
    case SolverOptionKey::Type::Float:
        return QObject::tr("number");
    case SolverOptionKey::Type::Bool:
        return QObject::tr("True or False");
    }
    return {};
}

// The value typed for a known option, normalised to the Python literal ModelSpec parses; an empty
// string and the reason when it is not of the option's type.
std::pair<QString, QString> typedValue(const SolverOptionKey& option, const QString& text)
{
    const QString trimmed = text.trimmed();
    bool ok = false;
    switch (option.type) {
    case SolverOptionKey::Type::Int: {
        const qlonglong value = trimmed.toLongLong(&ok);
        if (!ok)
            return { {}, QObject::tr("%1 takes an integer, not \"%2\"").arg(option.key, trimmed) };
        return { QString::number(value), {} };
    }
    case SolverOptionKey::Type::Float: {
        const double value = trimmed.toDouble(&ok);
        if (!ok || !std::isfinite(value))
            return { {}, QObject::tr("%1 takes a finite number, not \"%2\"").arg(option.key, trimmed) };
        return { QString::number(value, 'g', 17), {} };
    }
    case SolverOptionKey::Type::Bool:
        if (trimmed.compare(QStringLiteral("true"), Qt::CaseInsensitive) == 0)
            return { QStringLiteral("True"), {} };
        if (trimmed.compare(QStringLiteral("false"), Qt::CaseInsensitive) == 0)
            return { QStringLiteral("False"), {} };
        return { {}, QObject::tr("%1 takes True or False, not \"%2\"").arg(option.key, trimmed) };
    }
    return { {}, {} };
}

QString numberText(double value)
{
    return QString::number(value, 'g', 12);
}

} // namespace

HyperparameterEditor::HyperparameterEditor(QWidget* parent)
    : QWidget(parent)
{
    m_form = new QWidget;
    auto* form = new QFormLayout(m_form);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);

    m_modelClass = new QLabel;
    m_modelClass->setTextInteractionFlags(Qt::TextSelectableByMouse);
    form->addRow(tr("Model:"), m_modelClass);

    m_observation = new QComboBox;
    form->addRow(tr("Observation model:"), m_observation);
    form->addRow(QString(), addRefusalLabel(QStringLiteral("observation_model")));
    m_scaleLabel = new QLabel(tr("Scale:"));
    m_scale = new QLineEdit;
    m_scale->setToolTip(tr("NegativeBinomial's fixed dispersion parameter, > 0"));
    form->addRow(m_scaleLabel, m_scale);
    form->addRow(QString(), addRefusalLabel(QStringLiteral("observation_model__scale")));

    m_link = new QComboBox;
    form->addRow(tr("Inverse link:"), m_link);
    form->addRow(QString(), addRefusalLabel(QStringLiteral("inverse_link_function")));

    m_regularizer = new QComboBox;
    form->addRow(tr("Regularizer:"), m_regularizer);
    form->addRow(QString(), addRefusalLabel(QStringLiteral("regularizer")));

    m_strength = new QLineEdit;
    m_strength->setPlaceholderText(tr("None (nemos uses 1.0)"));
    m_strength->setToolTip(tr("Regularizer strength, >= 0; empty for None"));
    form->addRow(tr("Strength:"), m_strength);
    m_ratioLabel = new QLabel(tr("Ratio:"));
    m_ratio = new QLineEdit;
    m_ratio->setToolTip(tr("ElasticNet's share of the L1 penalty, in (0, 1]"));
    form->addRow(m_ratioLabel, m_ratio);
    form->addRow(QString(), addRefusalLabel(QStringLiteral("regularizer_strength")));

    // GroupLasso mask: one row per group, one column per feature.
    m_maskBox = new QWidget;
    auto* maskLayout = new QVBoxLayout(m_maskBox);
    maskLayout->setContentsMargins(0, 0, 0, 0);
    m_maskGrid = new QTableWidget;
    m_maskGrid->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_maskGrid->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_maskGrid->setSizeAdjustPolicy(QAbstractScrollArea::AdjustToContents);
    m_maskGrid->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Maximum);
    m_maskGrid->setMaximumHeight(260);
    m_maskGrid->setToolTip(tr("Tick the features of each group; features in no group are not penalised"));
    auto* addGroup = new QPushButton(tr("Add group"));
    auto* removeGroup = new QPushButton(tr("Remove last group"));
    auto* maskButtons = new QHBoxLayout;
    maskButtons->addWidget(addGroup);
    maskButtons->addWidget(removeGroup);
    maskButtons->addStretch();
    maskLayout->addWidget(m_maskGrid);
    maskLayout->addLayout(maskButtons);
    form->addRow(tr("Group mask:"), m_maskBox);
    form->addRow(QString(), addRefusalLabel(QStringLiteral("regularizer__mask")));

    m_solver = new QComboBox;
    form->addRow(tr("Solver:"), m_solver);
    form->addRow(QString(), addRefusalLabel(QStringLiteral("solver_name")));

    m_kwargs = new QTableWidget(0, 3);
    m_kwargs->setHorizontalHeaderLabels({ tr("Option"), tr("Value"), tr("Type") });
    // Key and value share the width of the dock; the short type name takes what it needs.
    m_kwargs->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_kwargs->horizontalHeader()->setSectionResizeMode(2, QHeaderView::ResizeToContents);
    m_kwargs->verticalHeader()->hide();
    m_kwargs->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_kwargs->setSizeAdjustPolicy(QAbstractScrollArea::AdjustToContents);
    m_kwargs->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Maximum);
    m_kwargs->setMinimumHeight(70);
    m_kwargs->setMaximumHeight(200);
    m_addKwarg = new QPushButton(tr("Add option"));
    m_removeKwarg = new QPushButton(tr("Remove option"));
    auto* kwargButtons = new QHBoxLayout;
    kwargButtons->addWidget(m_addKwarg);
    kwargButtons->addWidget(m_removeKwarg);
    kwargButtons->addStretch();
    auto* kwargBox = new QWidget;
    auto* kwargLayout = new QVBoxLayout(kwargBox);
    kwargLayout->setContentsMargins(0, 0, 0, 0);
    kwargLayout->addWidget(m_kwargs);
    kwargLayout->addLayout(kwargButtons);
    form->addRow(tr("Solver options:"), kwargBox);
    form->addRow(QString(), addRefusalLabel(QStringLiteral("solver_kwargs")));

    m_problems = new QListWidget;
    m_problems->setSelectionMode(QAbstractItemView::NoSelection);
    m_problems->setFocusPolicy(Qt::NoFocus);
    m_problems->setWordWrap(true);
    m_problems->setMaximumHeight(130);
    m_problems->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Maximum);
    form->addRow(tr("Checks:"), m_problems);

    auto* menu = new QMenu(m_addKwarg);
    for (const SolverOptionKey& option : knownSolverOptions()) {
        QAction* action = menu->addAction(QStringLiteral("%1 (%2)").arg(option.key, typeName(option.type)));
        action->setToolTip(option.help);
        connect(action, &QAction::triggered, this, [this, key = option.key] { addKwarg(key); });
    }
    menu->addSeparator();
    connect(menu->addAction(tr("Other key…")), &QAction::triggered, this, [this] { addKwarg(QString()); });
    m_addKwarg->setMenu(menu);

    auto* scroll = new QScrollArea;
    scroll->setWidget(m_form);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    m_scroll = scroll;
    m_empty = new QLabel(tr("Open a nemos model file to edit its hyperparameters."));
    m_empty->setAlignment(Qt::AlignCenter);
    m_empty->setWordWrap(true);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(scroll);
    layout->addWidget(m_empty);

    connect(m_observation, &QComboBox::activated, this, &HyperparameterEditor::onObservationChosen);
    connect(m_link, &QComboBox::activated, this, &HyperparameterEditor::onLinkChosen);
    connect(m_regularizer, &QComboBox::activated, this, &HyperparameterEditor::onRegularizerChosen);
    connect(m_solver, &QComboBox::activated, this, &HyperparameterEditor::onSolverChosen);
    connect(m_strength, &QLineEdit::editingFinished, this, &HyperparameterEditor::onStrengthEdited);
    connect(m_ratio, &QLineEdit::editingFinished, this, &HyperparameterEditor::onStrengthEdited);
    connect(m_scale, &QLineEdit::editingFinished, this, [this] {
        if (m_updating || !m_spec)
            return;
        const ParamNode* current = m_spec->observationModel().params.find(QStringLiteral("scale"));
        if (current && m_scale->text().trimmed() == numberText(current->toDouble()))
            return;
        requestEdit(QStringLiteral("observation_model__scale"), m_scale->text().trimmed(),
            tr("Set scale to %1").arg(m_scale->text().trimmed()));
    });
    connect(m_maskGrid, &QTableWidget::itemChanged, this, &HyperparameterEditor::onMaskCellChanged);
    connect(m_kwargs, &QTableWidget::itemChanged, this, &HyperparameterEditor::onKwargChanged);
    connect(m_removeKwarg, &QPushButton::clicked, this, &HyperparameterEditor::removeKwarg);
    connect(addGroup, &QPushButton::clicked, this, [this] { changeGroups(+1); });
    connect(removeGroup, &QPushButton::clicked, this, [this] { changeGroups(-1); });

    setSpec(std::nullopt);
}

HyperparameterEditor::~HyperparameterEditor() = default;

QLabel* HyperparameterEditor::addRefusalLabel(const QString& key)
{
    auto* label = new QLabel;
    label->setWordWrap(true);
    QPalette palette = label->palette();
    palette.setColor(QPalette::WindowText, QColor(0xc6, 0x28, 0x28));
    label->setPalette(palette);
    label->hide();
    m_refusals.insert(key, label);
    return label;
}

void HyperparameterEditor::setSpec(const std::optional<ModelSpec>& spec)
{
    m_spec = spec;
    clearRefusals();
    refresh();
}

QString HyperparameterEditor::refusal(const QString& key) const
{
    const QLabel* label = m_refusals.value(key);
    return label && !label->isHidden() ? label->text() : QString();
}

void HyperparameterEditor::showRefusal(const QString& key, const QString& reason)
{
    QLabel* label = m_refusals.value(key);
    if (!label)
        return;
    label->setText(reason);
    label->setVisible(!reason.isEmpty());
}

void HyperparameterEditor::clearRefusals()
{
    for (QLabel* label : std::as_const(m_refusals)) {
        label->clear();
        label->hide();
    }
}

QString HyperparameterEditor::requestEdit(const QString& key, const QString& value, const QString& description)
{
    return attempt(
        key, [&](ModelSpec& spec) { return spec.set(key, value); }, description);
}

QString HyperparameterEditor::requestNodeEdit(const QString& key, const ParamNode& value, const QString& description)
{
    return attempt(
        key, [&](ModelSpec& spec) { return spec.setNode(key, value); }, description);
}

QString HyperparameterEditor::attempt(
    const QString& key, const std::function<Result<void>(ModelSpec&)>& edit, const QString& description)
{
    // Refusals show under the field the key belongs to ("solver_kwargs__tol" under the options).
    QString field = key;
    if (field.startsWith(QStringLiteral("solver_kwargs")))
        field = QStringLiteral("solver_kwargs");
    if (!m_spec) {
        const QString reason = tr("There is no model to edit.");
        showRefusal(field, reason);
        return reason;
    }

    ModelSpec candidate = *m_spec;
    const Result<void> applied = edit(candidate);
    QString reason;
    if (!applied) {
        reason = applied.error().reason.isEmpty() ? applied.error().message() : applied.error().reason;
    } else {
        // An edit that makes the model invalid in a new way is refused; problems it already had stay shown.
        const QStringList before = m_spec->validate();
        QStringList added;
        for (const QString& problem : candidate.validate()) {
            if (!before.contains(problem))
                added << problem;
        }
        reason = added.join(QStringLiteral("\n"));
    }

    if (!reason.isEmpty()) {
        refresh();
        showRefusal(field, reason);
        return reason;
    }

    showRefusal(field, QString());
    m_spec = candidate;
    refresh();
    emit editRequested(candidate, description);
    return {};
}

void HyperparameterEditor::fillClassCombo(
    QComboBox* combo, BuiltinCategory category, const QString& saved, const model::Builtin* current)
{
    combo->clear();
    if (!current) {
        if (saved.isEmpty()) {
            combo->addItem(tr("None (the default)"), QString());
        } else {
            combo->addItem(
                style()->standardIcon(QStyle::SP_MessageBoxWarning), tr("%1 (unresolved)").arg(saved), QString());
            combo->setItemData(0, tr("Not a nemos built-in: map it to one (Model > Map Names…)"), Qt::ToolTipRole);
        }
    }
    for (const model::Builtin* builtin : model::builtins(category)) {
        combo->addItem(builtin->name, builtin->name);
        combo->setItemData(combo->count() - 1, builtin->description, Qt::ToolTipRole);
    }
    const int index = current ? combo->findData(current->name) : 0;
    combo->setCurrentIndex(std::max(index, 0));
}

void HyperparameterEditor::refresh()
{
    m_updating = true;
    const bool has = m_spec.has_value();
    m_scroll->setVisible(has);
    m_empty->setVisible(!has);
    if (!has) {
        m_updating = false;
        return;
    }
    const ModelSpec& spec = *m_spec;

    m_modelClass->setText(QStringLiteral("%1%2").arg(
        model::toString(spec.modelKind()), spec.isFitted() ? tr(", fitted") : tr(", not fitted")));
    m_modelClass->setToolTip(spec.modelClass());

    // Observation model and its parameters.
    const model::ClassRef& observation = spec.observationModel();
    fillClassCombo(m_observation, BuiltinCategory::ObservationModel, observation.saved, observation.builtin);
    const bool hasScale = observation.builtin && observation.builtin->accepts(QStringLiteral("scale"));
    m_scaleLabel->setVisible(hasScale);
    m_scale->setVisible(hasScale);
    if (hasScale) {
        const ParamNode* scale = observation.params.find(QStringLiteral("scale"));
        m_scale->setText(scale && scale->isNumber() ? numberText(scale->toDouble()) : QString());
        m_scale->setPlaceholderText(tr("1.0 (nemos' default)"));
    }

    fillClassCombo(m_link, BuiltinCategory::InverseLink, spec.inverseLinkSaved(), spec.inverseLink());

    // Regularizer, strength and the parameters of the chosen one.
    const model::ClassRef& regularizer = spec.regularizer();
    fillClassCombo(m_regularizer, BuiltinCategory::Regularizer, regularizer.saved, regularizer.builtin);
    const bool elasticNet = regularizer.builtin && regularizer.builtin->name == QStringLiteral("ElasticNet");
    const std::optional<double> strength = spec.strength();
    m_strength->setText(strength ? numberText(*strength) : QString());
    m_ratioLabel->setVisible(elasticNet);
    m_ratio->setVisible(elasticNet);
    if (elasticNet) {
        const std::optional<double> ratio = spec.ratio();
        m_ratio->setText(ratio ? numberText(*ratio) : QStringLiteral("0.5"));
    }
    const bool groupLasso = regularizer.builtin && regularizer.builtin->accepts(QStringLiteral("mask"));
    m_maskBox->setVisible(groupLasso);
    if (QWidget* label = qobject_cast<QFormLayout*>(m_form->layout())->labelForField(m_maskBox))
        label->setVisible(groupLasso);
    if (groupLasso)
        refreshMask();

    // Solvers: only those the regularizer allows, its default marked.
    m_solver->clear();
    const QString current = spec.solverName();
    if (regularizer.builtin) {
        for (const QString& name : regularizer.builtin->allowedSolvers) {
            const std::optional<fit::Solver> solver = fit::solverFromString(name);
            QString text = name;
            if (name == regularizer.builtin->defaultSolver)
                text = tr("%1 (default)").arg(name);
            else if (solver && !fit::isNemosSolver(*solver))
                text = tr("%1 (Nemoscope only)").arg(name);
            m_solver->addItem(text, name);
            if (const model::Builtin* builtin = model::resolveBuiltin(BuiltinCategory::Solver, name))
                m_solver->setItemData(m_solver->count() - 1, builtin->description, Qt::ToolTipRole);
        }
    }
    if (current.isEmpty()) {
        m_solver->insertItem(0, tr("None: %1").arg(spec.effectiveSolverName()), QString());
        m_solver->setCurrentIndex(0);
    } else {
        int index = m_solver->findData(current);
        if (index < 0 && !regularizer.builtin) {
            // An unresolved regularizer: which solvers it allows is unknown until it is mapped.
            m_solver->insertItem(0, current, current);
            index = 0;
        } else if (index < 0) {
            m_solver->insertItem(
                0, style()->standardIcon(QStyle::SP_MessageBoxWarning), tr("%1 (not allowed)").arg(current), current);
            index = 0;
        }
        m_solver->setCurrentIndex(index);
    }
    refreshKwargs();

    // What nemos would refuse or warn about, and what would stop a refit here.
    m_problems->clear();
    const QStringList problems = spec.validate();
    for (const QString& problem : problems)
        new QListWidgetItem(style()->standardIcon(QStyle::SP_MessageBoxCritical), problem, m_problems);
    for (const QString& warning : spec.warnings())
        new QListWidgetItem(style()->standardIcon(QStyle::SP_MessageBoxWarning), warning, m_problems);
    if (problems.isEmpty()) {
        if (Result<model::FitSetup> setup = model::fitSetup(spec); !setup) {
            new QListWidgetItem(style()->standardIcon(QStyle::SP_MessageBoxWarning),
                tr("Refitting here: %1").arg(setup.error().message()), m_problems);
        }
    }
    if (m_problems->count() == 0)
        new QListWidgetItem(style()->standardIcon(QStyle::SP_DialogApplyButton), tr("The model is valid."), m_problems);

    m_updating = false;
}

void HyperparameterEditor::refreshMask()
{
    const ParamNode* mask = m_spec->regularizer().params.find(QStringLiteral("mask"));
    Eigen::MatrixXd values;
    if (mask && mask->type() == ParamNode::Type::Array) {
        if (Result<Eigen::MatrixXd> matrix = mask->array().toMatrix())
            values = *matrix;
    }
    if (values.cols() == 0 && m_spec->coef().type() == ParamNode::Type::Array) {
        const auto& shape = m_spec->coef().array().shape();
        values.resize(0, shape.empty() ? 0 : static_cast<Eigen::Index>(shape[0]));
    }

    m_maskGrid->clear();
    m_maskGrid->setRowCount(static_cast<int>(values.rows()));
    m_maskGrid->setColumnCount(static_cast<int>(values.cols()));
    QStringList columns;
    for (Eigen::Index c = 0; c < values.cols(); ++c)
        columns << tr("f%1").arg(c);
    QStringList rows;
    for (Eigen::Index r = 0; r < values.rows(); ++r)
        rows << tr("group %1").arg(r + 1);
    m_maskGrid->setHorizontalHeaderLabels(columns);
    m_maskGrid->setVerticalHeaderLabels(rows);
    for (Eigen::Index r = 0; r < values.rows(); ++r) {
        for (Eigen::Index c = 0; c < values.cols(); ++c) {
            auto* item = new QTableWidgetItem;
            item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsUserCheckable);
            item->setCheckState(values(r, c) != 0 ? Qt::Checked : Qt::Unchecked);
            m_maskGrid->setItem(static_cast<int>(r), static_cast<int>(c), item);
        }
    }
}

void HyperparameterEditor::refreshKwargs()
{
    m_kwargs->setRowCount(0);
    const ParamNode& kwargs = m_spec->solverKwargs();
    if (kwargs.type() != ParamNode::Type::Dict)
        return;
    for (size_t i = 0; i < kwargs.keys().size(); ++i) {
        const QString key = kwargs.keys()[i].text;
        const ParamNode& value = kwargs.children()[i];
        const int row = m_kwargs->rowCount();
        m_kwargs->insertRow(row);
        auto* keyItem = new QTableWidgetItem(key);
        keyItem->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable);
        auto* valueItem = new QTableWidgetItem(value.displayText());
        valueItem->setData(Qt::UserRole, key);
        const SolverOptionKey* known = knownOption(key);
        auto* typeItem = new QTableWidgetItem(known ? typeName(known->type) : tr("Python literal"));
        typeItem->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable);
        typeItem->setToolTip(known ? known->help : tr("Passed to the solver as given"));
        m_kwargs->setItem(row, 0, keyItem);
        m_kwargs->setItem(row, 1, valueItem);
        m_kwargs->setItem(row, 2, typeItem);
    }
    m_kwargs->resizeColumnsToContents();
}

void HyperparameterEditor::onObservationChosen()
{
    const QString name = m_observation->currentData().toString();
    if (m_updating || name.isEmpty() || !m_spec)
        return;
    if (m_spec->observationModel().builtin && m_spec->observationModel().builtin->name == name)
        return;
    requestEdit(QStringLiteral("observation_model"), name, tr("Set observation model to %1").arg(name));
}

void HyperparameterEditor::onLinkChosen()
{
    const QString name = m_link->currentData().toString();
    if (m_updating || name.isEmpty() || !m_spec)
        return;
    if (m_spec->inverseLink() && m_spec->inverseLink()->name == name)
        return;
    requestEdit(QStringLiteral("inverse_link_function"), name, tr("Set inverse link to %1").arg(name));
}

void HyperparameterEditor::onRegularizerChosen()
{
    const QString name = m_regularizer->currentData().toString();
    if (m_updating || name.isEmpty() || !m_spec)
        return;
    if (m_spec->regularizer().builtin && m_spec->regularizer().builtin->name == name)
        return;

    // A solver the new regularizer does not allow becomes its default, as one step.
    const model::Builtin* target = model::resolveBuiltin(BuiltinCategory::Regularizer, name);
    const QString solver = m_spec->solverName();
    const bool switchSolver = target && !solver.isEmpty() && !target->allowedSolvers.contains(solver);
    const QString description = switchSolver ? tr("Set regularizer to %1 (solver %2)").arg(name, target->defaultSolver)
                                             : tr("Set regularizer to %1").arg(name);
    attempt(
        QStringLiteral("regularizer"),
        [&](ModelSpec& spec) -> Result<void> {
            if (switchSolver) {
                if (Result<void> r = spec.set(QStringLiteral("solver_name"), target->defaultSolver); !r)
                    return r;
            }
            return spec.set(QStringLiteral("regularizer"), name);
        },
        description);
}

void HyperparameterEditor::onSolverChosen()
{
    const QString name = m_solver->currentData().toString();
    if (m_updating || name.isEmpty() || !m_spec || name == m_spec->solverName())
        return;
    requestEdit(QStringLiteral("solver_name"), name, tr("Set solver to %1").arg(name));
}

void HyperparameterEditor::onStrengthEdited()
{
    if (m_updating || !m_spec)
        return;
    const bool elasticNet = m_ratio->isVisible();
    const QString strength = m_strength->text().trimmed();
    QString value = strength.isEmpty() ? QStringLiteral("None") : strength;
    if (elasticNet && !strength.isEmpty()) {
        const QString ratio = m_ratio->text().trimmed().isEmpty() ? QStringLiteral("0.5") : m_ratio->text().trimmed();
        value = QStringLiteral("(%1, %2)").arg(strength, ratio);
    }

    // Typed numbers are checked here, so that the reason names the field the user typed in.
    bool ok = true;
    const double number = strength.toDouble(&ok);
    if (!strength.isEmpty() && (!ok || !std::isfinite(number))) {
        refresh();
        showRefusal(
            QStringLiteral("regularizer_strength"), tr("The strength must be a number, not \"%1\"").arg(strength));
        return;
    }
    const std::optional<double> current = m_spec->strength();
    const std::optional<double> currentRatio = m_spec->ratio();
    const bool sameStrength
        = strength.isEmpty() ? m_spec->regularizerStrength().isNone() : (current && *current == number);
    const bool sameRatio = !elasticNet || (currentRatio && m_ratio->text().trimmed().toDouble() == *currentRatio);
    if (sameStrength && sameRatio)
        return;
    requestEdit(QStringLiteral("regularizer_strength"), value, tr("Set strength to %1").arg(value));
}

void HyperparameterEditor::onMaskCellChanged(QTableWidgetItem* item)
{
    if (m_updating || !m_spec || !item)
        return;
    Eigen::MatrixXd mask(m_maskGrid->rowCount(), m_maskGrid->columnCount());
    for (int r = 0; r < m_maskGrid->rowCount(); ++r) {
        for (int c = 0; c < m_maskGrid->columnCount(); ++c) {
            const QTableWidgetItem* cell = m_maskGrid->item(r, c);
            mask(r, c) = cell && cell->checkState() == Qt::Checked ? 1.0 : 0.0;
        }
    }
    const QString description = tr("%1 feature %2 in group %3")
                                    .arg(item->checkState() == Qt::Checked ? tr("Put") : tr("Take out"))
                                    .arg(item->column())
                                    .arg(item->row() + 1);
    // The grid is rebuilt by the edit: leave the item's own signal first.
    QMetaObject::invokeMethod(
        this,
        [this, mask, description] {
            requestNodeEdit(
                QStringLiteral("regularizer__mask"), ParamNode::fromArray(npy::NdArray::fromMatrix(mask)), description);
        },
        Qt::QueuedConnection);
}

void HyperparameterEditor::changeGroups(int delta)
{
    if (!m_spec)
        return;
    int features = m_maskGrid->columnCount();
    if (features == 0) {
        bool ok = false;
        features = QInputDialog::getInt(
            this, tr("Group mask"), tr("Number of features (columns of X):"), 1, 1, 1000000, 1, &ok);
        if (!ok)
            return;
    }
    const int groups = std::max(0, m_maskGrid->rowCount() + delta);
    Eigen::MatrixXd mask = Eigen::MatrixXd::Zero(groups, features);
    for (int r = 0; r < std::min(groups, m_maskGrid->rowCount()); ++r) {
        for (int c = 0; c < std::min(features, m_maskGrid->columnCount()); ++c) {
            const QTableWidgetItem* cell = m_maskGrid->item(r, c);
            mask(r, c) = cell && cell->checkState() == Qt::Checked ? 1.0 : 0.0;
        }
    }
    requestNodeEdit(QStringLiteral("regularizer__mask"), ParamNode::fromArray(npy::NdArray::fromMatrix(mask)),
        delta > 0 ? tr("Add a group to the mask") : tr("Remove a group from the mask"));
}

void HyperparameterEditor::onKwargChanged(QTableWidgetItem* item)
{
    if (m_updating || !m_spec || !item || item->column() != 1)
        return;
    const QString key = item->data(Qt::UserRole).toString();
    QString value = item->text().trimmed();
    QMetaObject::invokeMethod(
        this,
        [this, key, value]() mutable {
            if (const SolverOptionKey* known = knownOption(key)) {
                const auto [normalised, reason] = typedValue(*known, value);
                if (!reason.isEmpty()) {
                    refresh();
                    showRefusal(QStringLiteral("solver_kwargs"), reason);
                    return;
                }
                value = normalised;
            }
            requestEdit(
                QStringLiteral("solver_kwargs__") + key, value, tr("Set solver option %1 to %2").arg(key, value));
        },
        Qt::QueuedConnection);
}

void HyperparameterEditor::addKwarg(const QString& knownKey)
{
    if (!m_spec)
        return;
    QString key = knownKey;
    QString value;
    if (const SolverOptionKey* known = knownOption(key)) {
        bool ok = false;
        value = QInputDialog::getText(this, tr("Solver option"), tr("%1 (%2):").arg(key, typeName(known->type)),
            QLineEdit::Normal, QString(), &ok);
        if (!ok)
            return;
        const auto [normalised, reason] = typedValue(*known, value);
        if (!reason.isEmpty()) {
            showRefusal(QStringLiteral("solver_kwargs"), reason);
            return;
        }
        value = normalised;
    } else {
        bool ok = false;
        key = QInputDialog::getText(this, tr("Solver option"), tr("Option name:"), QLineEdit::Normal, QString(), &ok)
                  .trimmed();
        if (!ok || key.isEmpty())
            return;
        value = QInputDialog::getText(this, tr("Solver option"), tr("Value of %1 (a Python literal):").arg(key),
            QLineEdit::Normal, QString(), &ok);
        if (!ok)
            return;
    }
    requestEdit(QStringLiteral("solver_kwargs__") + key, value, tr("Set solver option %1 to %2").arg(key, value));
}

void HyperparameterEditor::removeKwarg()
{
    const int row = m_kwargs->currentRow();
    if (row < 0 || !m_kwargs->item(row, 0))
        return;
    const QString key = m_kwargs->item(row, 0)->text();
    requestEdit(
        QStringLiteral("solver_kwargs__") + key, QStringLiteral("None"), tr("Remove solver option %1").arg(key));
}

} // namespace nemoscope::ui
