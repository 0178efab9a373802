#include "arrayviewer.h"

#include "arraystatistics.h"
#include "arraytablemodel.h"
#include "npy/npzwriter.h"
#include "plotpanel.h"

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QFileDialog>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMenu>
#include <QMessageBox>
#include <QRegularExpressionValidator>
#include <QSaveFile>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace nemoscope::ui {

namespace {

constexpr qint64 maxCopyCells = 1000000;

QString shapeText(const std::vector<qint64>& shape)
{
    QStringList parts;
    for (qint64 dim : shape)
        parts << QString::number(dim);
    if (shape.size() == 1)
        return QStringLiteral("(%1,)").arg(parts.first());
    return QLatin1Char('(') + parts.join(QStringLiteral(", ")) + QLatin1Char(')');
}

QString csvField(QString text)
{
    if (text.contains(QLatin1Char(',')) || text.contains(QLatin1Char('"')) || text.contains(QLatin1Char('\n'))) {
        text.replace(QLatin1Char('"'), QStringLiteral("\"\""));
        return QLatin1Char('"') + text + QLatin1Char('"');
    }
    return text;
}

} // namespace

ArrayViewer::ArrayViewer(QWidget* parent)
    : QWidget(parent)
    , m_model(new ArrayTableModel(this))
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(10, 8, 6, 6);
    layout->setSpacing(6);

    m_title = new QLabel(this);
    QFont titleFont = m_title->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.3);
    titleFont.setBold(true);
    m_title->setFont(titleFont);
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_title);
    m_facts = new QLabel(this);
    m_facts->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_facts->setWordWrap(true);
    layout->addWidget(m_facts);
    m_description = new QLabel(this);
    m_description->setWordWrap(true);
    layout->addWidget(m_description);

    m_slicer = new QWidget(this);
    m_slicerLayout = new QHBoxLayout(m_slicer);
    m_slicerLayout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_slicer);

    m_tabs = new QTabWidget(this);
    m_tabs->setDocumentMode(true);
    layout->addWidget(m_tabs, 1);

    // Table, with copy and export.
    auto* tablePage = new QWidget(m_tabs);
    auto* tableLayout = new QVBoxLayout(tablePage);
    tableLayout->setContentsMargins(0, 4, 0, 0);
    auto* tools = new QHBoxLayout;
    auto* copyButton = new QToolButton(tablePage);
    copyButton->setText(tr("Copy"));
    copyButton->setPopupMode(QToolButton::InstantPopup);
    auto* copyMenu = new QMenu(copyButton);
    copyMenu->addAction(tr("As Tab-Separated Text"), this, [this] { copySelection(CopyFormat::TabSeparated); });
    copyMenu->addAction(tr("As a NumPy Literal"), this, [this] { copySelection(CopyFormat::NumPyLiteral); });
    copyButton->setMenu(copyMenu);
    copyButton->setToolTip(tr("Copy the selected cells (Ctrl+C copies them tab-separated)"));
    auto* exportButton = new QToolButton(tablePage);
    exportButton->setText(tr("Export"));
    exportButton->setPopupMode(QToolButton::InstantPopup);
    auto* exportMenu = new QMenu(exportButton);
    exportMenu->addAction(tr("Shown Slice as CSV…"), this, [this] { exportWithDialog(false); });
    exportMenu->addAction(tr("Whole Array as .npy…"), this, [this] { exportWithDialog(true); });
    exportButton->setMenu(exportMenu);
    tools->addWidget(copyButton);
    tools->addWidget(exportButton);
    tools->addStretch(1);
    tableLayout->addLayout(tools);

    // Pages of a million rows for longer axes (see ArrayTableModel).
    m_pageBar = new QWidget(tablePage);
    auto* pageLayout = new QHBoxLayout(m_pageBar);
    pageLayout->setContentsMargins(0, 0, 0, 0);
    auto* previous = new QToolButton(m_pageBar);
    previous->setArrowType(Qt::LeftArrow);
    previous->setToolTip(tr("The previous million rows"));
    auto* next = new QToolButton(m_pageBar);
    next->setArrowType(Qt::RightArrow);
    next->setToolTip(tr("The next million rows"));
    m_pageLabel = new QLabel(m_pageBar);
    auto* goTo = new QLineEdit(m_pageBar);
    goTo->setPlaceholderText(tr("Go to row…"));
    goTo->setMaximumWidth(140);
    goTo->setValidator(new QRegularExpressionValidator(QRegularExpression(QStringLiteral("\\d{1,19}")), goTo));
    pageLayout->addWidget(previous);
    pageLayout->addWidget(next);
    pageLayout->addWidget(m_pageLabel, 1);
    pageLayout->addWidget(goTo);
    tableLayout->addWidget(m_pageBar);
    connect(previous, &QToolButton::clicked, this, [this] {
        m_model->setRowOffset(m_model->rowOffset() - ArrayTableModel::pageRows);
        updatePageBar();
    });
    connect(next, &QToolButton::clicked, this, [this] {
        m_model->setRowOffset(m_model->rowOffset() + ArrayTableModel::pageRows);
        updatePageBar();
    });
    connect(goTo, &QLineEdit::returnPressed, this, [this, goTo] { goToRow(goTo->text().toLongLong()); });

    m_table = new QTableView(tablePage);
    m_table->setModel(m_model);
    m_table->setWordWrap(false);
    m_table->setCornerButtonEnabled(true);
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    m_table->horizontalHeader()->setDefaultSectionSize(110);
    // Fitting columns to their contents looks at the visible rows only, never down a long axis.
    m_table->horizontalHeader()->setResizeContentsPrecision(0);
    tableLayout->addWidget(m_table, 1);
    m_tabs->addTab(tablePage, tr("Values"));

    m_statistics = new StatisticsPanel(m_tabs);
    m_tabs->addTab(m_statistics, tr("Statistics"));
    m_plot = new PlotPanel(m_tabs);
    m_tabs->addTab(m_plot, tr("Plot"));

    connect(m_tabs, &QTabWidget::currentChanged, this, [this](int index) {
        if (m_tabs->widget(index) == m_statistics && !m_statisticsStarted) {
            m_statisticsStarted = true;
            m_statistics->setArray(m_array);
        }
        if (m_tabs->widget(index) == m_plot && m_plotStale) {
            m_plotStale = false;
            m_plot->setData(m_model->view(), m_context);
        }
    });
}

ArrayViewer::~ArrayViewer() = default;

void ArrayViewer::setArray(const npy::NdArray& array, const ArrayContext& context)
{
    m_array = array;
    m_context = context;
    m_model->setArray(array);

    m_title->setText(context.title.isEmpty() ? tr("Array") : context.title);
    QStringList facts;
    if (!array.isNull()) {
        facts << tr("<b>%1</b>").arg(array.dtype().name().toHtmlEscaped());
        facts << tr("shape %1").arg(shapeText(array.shape()));
        facts << tr("%1 elements").arg(QLocale().toString(array.size()));
        facts << QLocale().formattedDataSize(array.size() * array.dtype().itemSize());
        if (array.ndim() >= 2)
            facts << (array.fortranOrder() ? tr("Fortran order") : tr("C order"));
        if (array.isBorrowed())
            facts << tr("memory-mapped");
        if (array.dtype().byteOrder() == npy::ByteOrder::Big)
            facts << tr("big-endian");
    }
    m_facts->setText(facts.join(QStringLiteral("  ·  ")));
    m_facts->setToolTip(context.member.isEmpty() ? QString() : tr("Archive member %1").arg(context.member));
    m_description->setText(context.description);
    m_description->setVisible(!context.description.isEmpty());

    buildSlicer();
    fitColumns();
    updatePageBar();
    m_statisticsStarted = false;
    m_plotStale = true;
    if (context.coefficients)
        m_tabs->setCurrentWidget(m_plot);
    emit m_tabs->currentChanged(m_tabs->currentIndex());
}

void ArrayViewer::buildSlicer()
{
    while (QLayoutItem* item = m_slicerLayout->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    m_axisSpins.clear();
    m_rowAxisBox = nullptr;
    m_columnAxisBox = nullptr;

    const int ndim = m_array.ndim();
    const bool structured = !m_array.isNull() && m_array.dtype().kind() == npy::DTypeKind::Structured;
    if (ndim < 2 || (ndim < 2 && structured)) {
        m_slicer->hide();
        return;
    }
    m_slicer->show();
    m_slicer->setToolTip(tr("Pick the axes shown as rows and columns; the other axes are fixed at an index."));

    auto axisName = [this](int axis) { return tr("axis %1 (%2)").arg(axis).arg(m_array.shape()[size_t(axis)]); };
    m_slicerLayout->addWidget(new QLabel(tr("Rows:"), m_slicer));
    m_rowAxisBox = new QComboBox(m_slicer);
    for (int axis = 0; axis < ndim; ++axis)
        m_rowAxisBox->addItem(axisName(axis), axis);
    m_slicerLayout->addWidget(m_rowAxisBox);
    if (!structured) {
        m_slicerLayout->addWidget(new QLabel(tr("Columns:"), m_slicer));
        m_columnAxisBox = new QComboBox(m_slicer);
        for (int axis = 0; axis < ndim; ++axis)
            m_columnAxisBox->addItem(axisName(axis), axis);
        m_slicerLayout->addWidget(m_columnAxisBox);
    }
    m_slicerLayout->addSpacing(12);
    for (int axis = 0; axis < ndim; ++axis) {
        auto* label = new QLabel(tr("[%1]:").arg(axis), m_slicer);
        auto* spin = new QSpinBox(m_slicer);
        spin->setRange(0, int(std::min<qint64>(m_array.shape()[size_t(axis)] - 1, INT_MAX)));
        spin->setToolTip(tr("The index along axis %1 when it is not shown").arg(axis));
        spin->setProperty("label", QVariant::fromValue(static_cast<QObject*>(label)));
        m_slicerLayout->addWidget(label);
        m_slicerLayout->addWidget(spin);
        m_axisSpins << spin;
        connect(spin, &QSpinBox::valueChanged, this, &ArrayViewer::applySlicer);
    }
    m_slicerLayout->addStretch(1);

    m_rowAxisBox->setCurrentIndex(m_model->rowAxis());
    if (m_columnAxisBox)
        m_columnAxisBox->setCurrentIndex(m_model->columnAxis());
    connect(m_rowAxisBox, &QComboBox::activated, this, &ArrayViewer::applySlicer);
    if (m_columnAxisBox)
        connect(m_columnAxisBox, &QComboBox::activated, this, &ArrayViewer::applySlicer);
    sliceChanged();
}

void ArrayViewer::fitColumns()
{
    // Widths from the header and the first rows only: a view's own fitting would read a long axis whole.
    constexpr int sampledRows = 50;
    const int columns = m_model->columnCount();
    m_table->horizontalHeader()->setStretchLastSection(columns == 1);
    if (columns <= 0 || columns > 64)
        return;
    const QFontMetrics cells(m_model->data(m_model->index(0, 0), Qt::FontRole).value<QFont>());
    const QFontMetrics header(m_table->horizontalHeader()->font());
    const qint64 rows = std::min<qint64>(m_model->rowCount(), sampledRows);
    for (int column = 0; column < columns; ++column) {
        int width = header.horizontalAdvance(m_model->headerData(column, Qt::Horizontal).toString()) + 24;
        for (qint64 row = 0; row < rows; ++row)
            width
                = std::max(width, cells.horizontalAdvance(m_model->cellText(m_model->rowOffset() + row, column)) + 16);
        m_table->setColumnWidth(column, std::clamp(width, 60, 320));
    }
}

void ArrayViewer::updatePageBar()
{
    const qint64 total = m_model->totalRows();
    m_pageBar->setVisible(total > ArrayTableModel::pageRows);
    if (total <= ArrayTableModel::pageRows)
        return;
    const QLocale locale;
    const qint64 first = m_model->rowOffset();
    const qint64 last = first + m_model->rowCount() - 1;
    m_pageLabel->setText(
        tr("Rows %1 to %2 of %3").arg(locale.toString(first), locale.toString(last), locale.toString(total)));
}

void ArrayViewer::goToRow(qint64 row)
{
    row = std::clamp<qint64>(row, 0, std::max<qint64>(0, m_model->totalRows() - 1));
    if (row < m_model->rowOffset() || row >= m_model->rowOffset() + m_model->rowCount())
        m_model->setRowOffset(std::max<qint64>(0, row - ArrayTableModel::pageRows / 2));
    updatePageBar();
    const QModelIndex index = m_model->index(int(row - m_model->rowOffset()), 0);
    m_table->scrollTo(index, QAbstractItemView::PositionAtCenter);
    m_table->setCurrentIndex(index);
}

void ArrayViewer::applySlicer()
{
    if (!m_rowAxisBox)
        return;
    int rowAxis = m_rowAxisBox->currentData().toInt();
    int columnAxis = m_columnAxisBox ? m_columnAxisBox->currentData().toInt() : -1;
    // Choosing the axis the other box shows swaps them.
    if (rowAxis == columnAxis)
        columnAxis = m_model->rowAxis() != rowAxis ? m_model->rowAxis() : m_model->columnAxis();
    std::vector<qint64> index;
    for (QSpinBox* spin : std::as_const(m_axisSpins))
        index.push_back(spin->value());
    setSlice(rowAxis, columnAxis, index);
}

bool ArrayViewer::setSlice(int rowAxis, int columnAxis, const std::vector<qint64>& index)
{
    const Result<void> result = m_model->setSlice(rowAxis, columnAxis, index);
    sliceChanged();
    return result.ok();
}

void ArrayViewer::sliceChanged()
{
    if (m_rowAxisBox) {
        const QSignalBlocker rowBlocker(m_rowAxisBox);
        m_rowAxisBox->setCurrentIndex(m_model->rowAxis());
    }
    if (m_columnAxisBox) {
        const QSignalBlocker columnBlocker(m_columnAxisBox);
        m_columnAxisBox->setCurrentIndex(m_model->columnAxis());
    }
    for (int axis = 0; axis < m_axisSpins.size(); ++axis) {
        QSpinBox* spin = m_axisSpins[axis];
        const bool shown = axis == m_model->rowAxis() || axis == m_model->columnAxis();
        spin->setEnabled(!shown);
        if (auto* label = qobject_cast<QLabel*>(spin->property("label").value<QObject*>()))
            label->setEnabled(!shown);
        const QSignalBlocker blocker(spin);
        spin->setValue(int(m_model->sliceIndex()[size_t(axis)]));
    }
    fitColumns();
    updatePageBar();
    m_plotStale = true;
    if (m_tabs->currentWidget() == m_plot) {
        m_plotStale = false;
        m_plot->setData(m_model->view(), m_context);
    }
}

QString ArrayViewer::selectionText(CopyFormat format) const
{
    int top = 0;
    int left = 0;
    int bottom = m_model->rowCount() - 1;
    int right = m_model->columnCount() - 1;
    const QModelIndexList selected
        = m_table->selectionModel() ? m_table->selectionModel()->selectedIndexes() : QModelIndexList();
    if (!selected.isEmpty()) {
        top = bottom = selected.first().row();
        left = right = selected.first().column();
        for (const QModelIndex& index : selected) {
            top = std::min(top, index.row());
            bottom = std::max(bottom, index.row());
            left = std::min(left, index.column());
            right = std::max(right, index.column());
        }
    }
    if (bottom < top || right < left || qint64(bottom - top + 1) * qint64(right - left + 1) > maxCopyCells)
        return {};

    const bool vector = m_array.ndim() <= 1 && !m_model->showsFields();
    QStringList lines;
    for (int row = top; row <= bottom; ++row) {
        QStringList cells;
        const qint64 at = m_model->rowOffset() + row;
        for (int column = left; column <= right; ++column)
            cells << (format == CopyFormat::TabSeparated ? m_model->cellText(at, column)
                                                         : m_model->cellLiteral(at, column));
        if (format == CopyFormat::TabSeparated)
            lines << cells.join(QLatin1Char('\t'));
        else if (vector)
            lines << cells.join(QStringLiteral(", "));
        else
            lines << QLatin1Char('[') + cells.join(QStringLiteral(", ")) + QLatin1Char(']');
    }
    if (format == CopyFormat::TabSeparated)
        return lines.join(QLatin1Char('\n')) + QLatin1Char('\n');
    if (m_array.ndim() == 0)
        return QStringLiteral("np.array(%1)").arg(lines.join(QString()));
    return QStringLiteral("np.array([%1])")
        .arg(lines.join(vector ? QStringLiteral(", ") : QStringLiteral(",\n          ")));
}

void ArrayViewer::copySelection(CopyFormat format)
{
    const QString text = selectionText(format);
    if (text.isEmpty()) {
        QMessageBox::information(this, tr("Copy"),
            tr("Select fewer cells: at most %1 are copied at once. Export the slice as CSV for more.")
                .arg(QLocale().toString(maxCopyCells)));
        return;
    }
    QApplication::clipboard()->setText(text);
}

Result<void> ArrayViewer::exportCsv(const QString& path) const
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Text))
        return Error { path, {}, file.errorString() };
    const qint64 rows = m_model->totalRows();
    const int columns = m_model->columnCount();
    QByteArray buffer;
    if (m_model->showsFields()) {
        QStringList header;
        for (const QString& name : m_model->fieldNames())
            header << csvField(name);
        buffer += header.join(QLatin1Char(',')).toUtf8() + '\n';
    }
    for (qint64 row = 0; row < rows; ++row) {
        QStringList cells;
        for (int column = 0; column < columns; ++column)
            cells << csvField(m_model->cellText(row, column));
        buffer += cells.join(QLatin1Char(',')).toUtf8() + '\n';
        if (buffer.size() > (1 << 20)) {
            if (file.write(buffer) != buffer.size())
                return Error { path, {}, file.errorString() };
            buffer.clear();
        }
    }
    if (file.write(buffer) != buffer.size() || !file.commit())
        return Error { path, {}, file.errorString() };
    return {};
}

Result<void> ArrayViewer::exportNpy(const QString& path) const
{
    return npy::writeNpy(path, m_array);
}

void ArrayViewer::exportWithDialog(bool asNpy)
{
    const QString suggested = (m_context.title.isEmpty() ? QStringLiteral("array") : m_context.title)
        + (asNpy ? QStringLiteral(".npy") : QStringLiteral(".csv"));
    const QString path = QFileDialog::getSaveFileName(this, asNpy ? tr("Export as .npy") : tr("Export as CSV"),
        suggested, asNpy ? tr("NumPy array (*.npy)") : tr("Comma-separated values (*.csv)"));
    if (path.isEmpty())
        return;

    // Large arrays take a while: write on a worker thread and report when done.
    auto* watcher = new QFutureWatcher<Result<void>>(this);
    setCursor(Qt::BusyCursor);
    connect(watcher, &QFutureWatcher<Result<void>>::finished, this, [this, watcher, path] {
        unsetCursor();
        const Result<void> result = watcher->result();
        watcher->deleteLater();
        if (!result)
            QMessageBox::warning(this, tr("Export failed"), result.error().message());
    });
    watcher->setFuture(QtConcurrent::run([this, path, asNpy] { return asNpy ? exportNpy(path) : exportCsv(path); }));
}

} // namespace nemoscope::ui
