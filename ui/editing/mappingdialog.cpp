#include "editing/mappingdialog.h"

#include "model/nemosfile.h"

#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileInfo>
#include <QFontDatabase>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>

namespace nemoscope::ui {

namespace {

const QString settingsGroup = QStringLiteral("mapping");

// QSettings keys may not hold '/' or '\'; saved names are dotted paths, but be safe.
QString settingsKey(const QString& saved)
{
    QString key = saved;
    key.replace(QLatin1Char('/'), QLatin1Char('_')).replace(QLatin1Char('\\'), QLatin1Char('_'));
    return key;
}

QString paramsText(const model::ParamNode& params)
{
    if (params.type() != model::ParamNode::Type::Dict || params.childCount() == 0)
        return QObject::tr("none");
    QStringList parts;
    for (size_t i = 0; i < params.keys().size(); ++i)
        parts << QStringLiteral("%1=%2").arg(params.keys()[i].text, params.children()[i].displayText());
    return parts.join(QStringLiteral(", "));
}

} // namespace

QString MappingMemory::remembered(const QString& saved)
{
    QSettings settings;
    settings.beginGroup(settingsGroup);
    return settings.value(settingsKey(saved)).toString();
}

void MappingMemory::remember(const QString& saved, const QString& builtin)
{
    QSettings settings;
    settings.beginGroup(settingsGroup);
    settings.setValue(settingsKey(saved), builtin);
}

void MappingMemory::forget(const QString& saved)
{
    QSettings settings;
    settings.beginGroup(settingsGroup);
    settings.remove(settingsKey(saved));
}

MappingDialog::MappingDialog(model::ModelSpec spec, QString path, QWidget* parent)
    : QDialog(parent)
    , m_original(std::move(spec))
    , m_mapped(m_original)
    , m_path(std::move(path))
    , m_names(m_original.unresolved())
{
    setWindowTitle(tr("Map Unresolved Names"));

    const QString count = m_names.size() == 1 ? tr("one object") : tr("%1 objects").arg(m_names.size());
    auto* intro = new QLabel(tr("<b>%1</b> names %2 that nemos does not know, usually custom code from the script "
                                "that saved the model. Nemoscope runs no code from files: choose a built-in for "
                                "each, as <tt>load_model</tt>'s <tt>mapping_dict</tt> does in nemos.")
                                 .arg(QFileInfo(m_path).fileName().toHtmlEscaped(), count));
    intro->setWordWrap(true);

    m_table = new QTableWidget(static_cast<int>(m_names.size()), ColumnCount);
    m_table->setHorizontalHeaderLabels(
        { tr("Key"), tr("Saved as"), tr("Kind"), tr("Saved parameters"), tr("Map to"), tr("Dropped"), tr("Remember") });
    m_table->verticalHeader()->hide();
    m_table->setSelectionMode(QAbstractItemView::NoSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(MapToColumn, QHeaderView::Interactive);
    m_table->horizontalHeader()->setSectionResizeMode(DroppedColumn, QHeaderView::Stretch);
    m_table->setWordWrap(true);

    for (int row = 0; row < m_names.size(); ++row) {
        const model::UnresolvedName& name = m_names[row];
        auto* keyItem = new QTableWidgetItem(name.key);
        keyItem->setToolTip(name.need());
        m_table->setItem(row, KeyColumn, keyItem);
        m_table->setItem(row, SavedColumn, new QTableWidgetItem(name.saved));
        m_table->setItem(row, KindColumn, new QTableWidgetItem(model::toString(name.kind)));
        m_table->setItem(row, ParamsColumn, new QTableWidgetItem(paramsText(name.params)));
        m_table->setItem(row, DroppedColumn, new QTableWidgetItem);

        // Only built-ins of the same kind that the model takes for this key: try each on a copy.
        auto* combo = new QComboBox;
        combo->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
        combo->setMinimumContentsLength(24);
        combo->addItem(tr("Choose a built-in…"), QString());
        for (const model::Builtin& builtin : model::builtins()) {
            if (builtin.kind != name.kind)
                continue;
            model::ModelSpec trial = m_original;
            if (!trial.applyMapping(name.key, builtin.name))
                continue;
            combo->addItem(QStringLiteral("%1 — %2").arg(builtin.name, builtin.description), builtin.name);
            combo->setItemData(combo->count() - 1, builtin.pythonName, Qt::ToolTipRole);
        }
        m_table->setCellWidget(row, MapToColumn, combo);
        m_combos << combo;

        auto* remember = new QCheckBox(tr("for this name"));
        remember->setToolTip(tr("Propose this built-in whenever %1 is met again").arg(name.saved));
        m_table->setCellWidget(row, RememberColumn, remember);
        m_remember << remember;

        // A binding remembered earlier is proposed (and stays remembered unless unticked).
        const QString proposal = MappingMemory::remembered(name.saved);
        const int index = proposal.isEmpty() ? -1 : combo->findData(proposal);
        if (index > 0) {
            combo->setCurrentIndex(index);
            remember->setChecked(true);
        }
        connect(combo, &QComboBox::currentIndexChanged, this, &MappingDialog::update);
    }
    m_table->resizeColumnsToContents();
    m_table->setColumnWidth(MapToColumn, 310);
    m_table->resizeRowsToContents();
    const int tableHeight = m_table->horizontalHeader()->sizeHint().height() + 2 * m_table->frameWidth()
        + m_table->verticalHeader()->length() + 24;
    m_table->setMinimumHeight(std::min(tableHeight, 120));
    m_table->setMaximumHeight(std::max(tableHeight, 120));

    m_snippet = new QPlainTextEdit;
    m_snippet->setReadOnly(true);
    m_snippet->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_snippet->setMinimumHeight(150);
    m_copyButton = new QPushButton(tr("Copy"));
    m_copyButton->setToolTip(tr("Copy the nemos call to the clipboard"));
    connect(m_copyButton, &QPushButton::clicked, this,
        [this] { QGuiApplication::clipboard()->setText(m_snippet->toPlainText()); });
    auto* snippetRow = new QHBoxLayout;
    snippetRow->addWidget(m_snippet, 1);
    snippetRow->addWidget(m_copyButton, 0, Qt::AlignTop);

    m_status = new QLabel;
    m_status->setWordWrap(true);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel);
    m_applyButton = buttons->addButton(tr("Apply"), QDialogButtonBox::AcceptRole);
    connect(buttons, &QDialogButtonBox::accepted, this, &MappingDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addWidget(m_table);
    layout->addWidget(new QLabel(tr("The same in Python:")));
    layout->addLayout(snippetRow, 1);
    layout->addWidget(m_status);
    layout->addWidget(buttons);
    resize(1080, 440);
    update();
}

MappingDialog::~MappingDialog() = default;

int MappingDialog::rowCount() const
{
    return static_cast<int>(m_names.size());
}

QString MappingDialog::key(int row) const
{
    return m_names.value(row).key;
}

int MappingDialog::rowForKey(const QString& key) const
{
    for (int row = 0; row < m_names.size(); ++row) {
        if (m_names[row].key == key)
            return row;
    }
    return -1;
}

QStringList MappingDialog::choices(int row) const
{
    QStringList names;
    if (row < 0 || row >= m_combos.size())
        return names;
    for (int i = 1; i < m_combos[row]->count(); ++i)
        names << m_combos[row]->itemData(i).toString();
    return names;
}

bool MappingDialog::choose(int row, const QString& builtin)
{
    if (row < 0 || row >= m_combos.size())
        return false;
    const int index = m_combos[row]->findData(builtin);
    if (index <= 0)
        return false;
    m_combos[row]->setCurrentIndex(index);
    return true;
}

QString MappingDialog::chosen(int row) const
{
    return row >= 0 && row < m_combos.size() ? m_combos[row]->currentData().toString() : QString();
}

QString MappingDialog::dropped(int row) const
{
    const QTableWidgetItem* item = m_table->item(row, DroppedColumn);
    return item ? item->text() : QString();
}

void MappingDialog::setRemember(int row, bool remember)
{
    if (row >= 0 && row < m_remember.size())
        m_remember[row]->setChecked(remember);
}

QString MappingDialog::pythonSnippet() const
{
    return m_snippet->toPlainText();
}

void MappingDialog::update()
{
    // Re-apply every chosen mapping to the original, in row order, so that the result never depends on
    // the order in which the user changed them.
    m_mapped = m_original;
    int chosenCount = 0;
    QStringList errors;
    for (int row = 0; row < m_names.size(); ++row) {
        QTableWidgetItem* droppedItem = m_table->item(row, DroppedColumn);
        const QString builtin = chosen(row);
        if (builtin.isEmpty()) {
            droppedItem->setText(QString());
            continue;
        }
        Result<model::AppliedMapping> applied = m_mapped.applyMapping(m_names[row].key, builtin);
        if (!applied) {
            errors << applied.error().message();
            droppedItem->setText(applied.error().reason);
            continue;
        }
        ++chosenCount;
        droppedItem->setText(applied->droppedParams.isEmpty()
                ? tr("nothing")
                : tr("%1 (%2 does not accept it)").arg(applied->droppedParams.join(QStringLiteral(", ")), builtin));
        droppedItem->setForeground(
            applied->droppedParams.isEmpty() ? palette().color(QPalette::PlaceholderText) : QColor(0xc6, 0x28, 0x28));
    }
    m_table->resizeRowsToContents();

    m_snippet->setPlainText(model::pythonSnippet(m_path, m_mapped.mappings()));
    const int remaining = static_cast<int>(m_names.size()) - chosenCount;
    if (!errors.isEmpty())
        m_status->setText(errors.join(QStringLiteral("\n")));
    else if (remaining > 0)
        m_status->setText(remaining == 1 ? tr("One name left to map.") : tr("%1 names left to map.").arg(remaining));
    else if (const QStringList problems = m_mapped.validate(); !problems.isEmpty())
        m_status->setText(tr("Mapped; the model still has problems: %1").arg(problems.join(QStringLiteral("; "))));
    else
        m_status->setText(tr("Every name is mapped: the model resolves."));
    m_applyButton->setEnabled(chosenCount > 0 && errors.isEmpty());
}

void MappingDialog::accept()
{
    if (!m_applyButton->isEnabled())
        return;
    for (int row = 0; row < m_names.size(); ++row) {
        const QString builtin = chosen(row);
        if (builtin.isEmpty())
            continue;
        if (m_remember[row]->isChecked())
            MappingMemory::remember(m_names[row].saved, builtin);
        else if (MappingMemory::remembered(m_names[row].saved) == builtin)
            MappingMemory::forget(m_names[row].saved);
    }
    QDialog::accept();
}

} // namespace nemoscope::ui
