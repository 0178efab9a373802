#include "documentview.h"

#include "arrayviewer.h"
#include "document.h"
#include "documenttreemodel.h"
#include "glossary.h"
#include "icons.h"
#include "model/modelspec.h"
#include "model/nemosfile.h"
#include "npy/npzarchive.h"

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QDir>
#include <QEvent>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QScopedValueRollback>
#include <QScrollArea>
#include <QScrollBar>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTimer>
#include <QTreeView>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <atomic>

namespace nemoscope::ui {

namespace {

QFrame* makeBanner(const QColor& tint, QWidget* parent)
{
    auto* banner = new QFrame(parent);
    banner->setAutoFillBackground(true);
    QPalette palette = banner->palette();
    const bool dark = palette.color(QPalette::Window).lightness() < 128;
    QColor background = tint;
    background.setAlpha(dark ? 70 : 45);
    palette.setColor(QPalette::Window, background);
    banner->setPalette(palette);
    banner->setFrameShape(QFrame::StyledPanel);
    return banner;
}

QLabel* wrappedLabel(const QString& text, QWidget* parent)
{
    auto* label = new QLabel(text, parent);
    label->setWordWrap(true);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::LinksAccessibleByMouse);
    return label;
}

QLabel* titleLabel(const QString& text, QWidget* parent)
{
    auto* label = new QLabel(text, parent);
    QFont font = label->font();
    font.setPointSizeF(font.pointSizeF() * 1.35);
    font.setBold(true);
    label->setFont(font);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return label;
}

// Panels of text scroll rather than squeeze their wrapped labels when the window is small.
QWidget* scrollable(QWidget* panel)
{
    auto* area = new QScrollArea;
    area->setObjectName(panel->objectName());
    area->setFrameShape(QFrame::NoFrame);
    area->setWidgetResizable(true);
    area->setWidget(panel);
    return area;
}

} // namespace

DocumentView::DocumentView(Document* document, QWidget* parent)
    : QWidget(parent)
    , m_document(document)
    , m_model(new DocumentTreeModel(this))
    , m_filter(new QSortFilterProxyModel(this))
{
    document->setParent(this);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);

    // Offered when the file changes on disk.
    m_diskBanner = makeBanner(QColor(0x1f, 0x6f, 0xb2), this);
    m_diskBanner->setObjectName(QStringLiteral("diskBanner"));
    auto* diskLayout = new QHBoxLayout(m_diskBanner);
    // The mapping follows the file: what was not read yet shows the new contents, or zeros where it shrank
    // (see MappingGuard).
    auto* diskText = new QLabel(
        tr("This file changed on disk; values shown from now on may come from its new contents, or read as zeros "
           "where it shrank. Reload to see it as it is now."),
        m_diskBanner);
    diskText->setWordWrap(true);
    diskLayout->addWidget(diskText, 1);
    auto* reload = new QPushButton(tr("Reload"), m_diskBanner);
    reload->setObjectName(QStringLiteral("reloadButton"));
    auto* dismiss = new QPushButton(tr("Dismiss"), m_diskBanner);
    diskLayout->addWidget(reload);
    diskLayout->addWidget(dismiss);
    connect(reload, &QPushButton::clicked, this, &DocumentView::reloadRequested);
    connect(dismiss, &QPushButton::clicked, m_diskBanner, &QWidget::hide);
    layout->addWidget(m_diskBanner);
    m_diskBanner->hide();

    // Shown while the model has names nemos would not resolve.
    m_unresolvedBanner = makeBanner(QColor(0xe0, 0x8e, 0x0b), this);
    m_unresolvedBanner->setObjectName(QStringLiteral("unresolvedBanner"));
    auto* unresolvedLayout = new QHBoxLayout(m_unresolvedBanner);
    auto* warning = new QLabel(m_unresolvedBanner);
    warning->setPixmap(icons::unresolved().pixmap(QSize(20, 20), devicePixelRatioF()));
    unresolvedLayout->addWidget(warning);
    m_unresolvedLabel = new QLabel(m_unresolvedBanner);
    m_unresolvedLabel->setWordWrap(true);
    unresolvedLayout->addWidget(m_unresolvedLabel, 1);
    auto* mapButton = new QPushButton(icons::mapping(), tr("Map Names…"), m_unresolvedBanner);
    mapButton->setObjectName(QStringLiteral("mapNamesButton"));
    mapButton->setToolTip(tr("Choose a nemos built-in for each custom name"));
    unresolvedLayout->addWidget(mapButton);
    connect(mapButton, &QPushButton::clicked, this, &DocumentView::mappingRequested);
    layout->addWidget(m_unresolvedBanner);

    m_splitter = new QSplitter(Qt::Horizontal, this);
    m_splitter->setChildrenCollapsible(false);
    layout->addWidget(m_splitter, 1);

    // Left: filter, raw toggle, tree.
    auto* left = new QWidget(m_splitter);
    auto* leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(6, 6, 0, 6);
    leftLayout->setSpacing(6);
    auto* filterRow = new QHBoxLayout;
    m_filterEdit = new QLineEdit(left);
    m_filterEdit->setPlaceholderText(tr("Filter by name (Ctrl+F)"));
    m_filterEdit->setClearButtonEnabled(true);
    m_filterEdit->setToolTip(tr("Show only the nodes whose name contains this text, with their parents"));
    filterRow->addWidget(m_filterEdit, 1);
    m_rawToggle = new QCheckBox(tr("Raw members"), left);
    m_rawToggle->setToolTip(tr("Show the archive's members as stored (flattened nemos keys, dtype, shape, "
                               "size, stored or deflated) instead of the model's sections"));
    filterRow->addWidget(m_rawToggle);
    leftLayout->addLayout(filterRow);

    m_filter->setSourceModel(m_model);
    m_filter->setRecursiveFilteringEnabled(true);
    m_filter->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_filter->setFilterKeyColumn(DocumentTreeModel::NameColumn);
    m_tree = new QTreeView(left);
    m_tree->setModel(m_filter);
    m_tree->setUniformRowHeights(true);
    m_tree->setAlternatingRowColors(true);
    m_tree->setAllColumnsShowFocus(true);
    m_tree->setTextElideMode(Qt::ElideMiddle);
    m_tree->header()->setStretchLastSection(false);
    m_tree->header()->setSectionResizeMode(DocumentTreeModel::NameColumn, QHeaderView::Interactive);
    m_tree->header()->setSectionResizeMode(DocumentTreeModel::ValueColumn, QHeaderView::Stretch);
    m_tree->header()->setSectionResizeMode(DocumentTreeModel::TypeColumn, QHeaderView::Interactive);
    leftLayout->addWidget(m_tree, 1);
    m_tree->viewport()->installEventFilter(this);
    connect(m_tree->header(), &QHeaderView::sectionResized, this, [this](int section) {
        if (!m_fittingColumns && section != DocumentTreeModel::ValueColumn)
            m_columnsSizedByUser = true;
    });

    // Right: the detail area.
    auto* right = new QWidget(m_splitter);
    m_detailLayout = new QVBoxLayout(right);
    m_detailLayout->setContentsMargins(0, 0, 0, 0);
    m_splitter->addWidget(left);
    m_splitter->addWidget(right);
    m_splitter->setStretchFactor(0, 5);
    m_splitter->setStretchFactor(1, 6);
    m_splitter->setSizes({ 520, 640 });

    connect(m_filterEdit, &QLineEdit::textChanged, this, [this](const QString& text) {
        m_filter->setFilterFixedString(text);
        m_tree->expandAll();
    });
    connect(m_rawToggle, &QCheckBox::toggled, this, &DocumentView::setRawMembers);
    connect(m_tree->selectionModel(), &QItemSelectionModel::currentChanged, this,
        [this](const QModelIndex& current) { onCurrentChanged(current); });
    connect(m_model, &QAbstractItemModel::modelReset, this, [this] {
        m_tree->expandToDepth(m_model->effectiveMode() == DocumentTreeModel::Mode::Model ? 1 : 0);
        fitTreeColumns(true);
        updateBanners();
        showOverview();
    });
    connect(document, &Document::changedOnDisk, m_diskBanner, &QWidget::show);
    connect(document, &Document::reloaded, m_diskBanner, &QWidget::hide);
    connect(document, &Document::saved, m_diskBanner, &QWidget::hide);
    connect(document, &Document::problemsChanged, this, &DocumentView::updateBanners);

    m_model->setDocument(document);
    m_rawToggle->setEnabled(document->spec() != nullptr);
}

void DocumentView::fitTreeColumns(bool toContents)
{
    const int width = m_tree->viewport()->width();
    if (width <= 0)
        return;
    const QScopedValueRollback<bool> guard(m_fittingColumns, true);
    // Until the user drags a column edge, the columns follow their contents; after, they are only kept
    // from squeezing out the value column.
    if (toContents || !m_columnsSizedByUser) {
        m_tree->resizeColumnToContents(DocumentTreeModel::NameColumn);
        m_tree->resizeColumnToContents(DocumentTreeModel::TypeColumn);
    }
    const int name = std::min(m_tree->columnWidth(DocumentTreeModel::NameColumn), width * 11 / 20);
    const int type = std::min(m_tree->columnWidth(DocumentTreeModel::TypeColumn), width / 5);
    m_tree->setColumnWidth(DocumentTreeModel::NameColumn, name);
    m_tree->setColumnWidth(DocumentTreeModel::TypeColumn, type);
}

bool DocumentView::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_tree->viewport() && event->type() == QEvent::Resize)
        fitTreeColumns(false);
    return QWidget::eventFilter(watched, event);
}

DocumentView::~DocumentView()
{
    if (m_readCancel)
        m_readCancel->store(true);
}

void DocumentView::setRawMembers(bool raw)
{
    if (!m_document || !m_document->spec())
        raw = false;
    {
        const QSignalBlocker blocker(m_rawToggle);
        m_rawToggle->setChecked(raw);
    }
    m_model->setMode(raw ? DocumentTreeModel::Mode::RawMembers : DocumentTreeModel::Mode::Model);
}

bool DocumentView::showsRawMembers() const
{
    return m_model->mode() == DocumentTreeModel::Mode::RawMembers && m_document && m_document->spec();
}

void DocumentView::updateBanners()
{
    const model::ModelSpec* spec = m_document ? m_document->spec() : nullptr;
    const int unresolved = spec ? int(spec->unresolved().size()) : 0;
    m_unresolvedBanner->setVisible(unresolved > 0);
    if (unresolved > 0)
        m_unresolvedLabel->setText(tr("%n saved name(s) are not nemos built-ins. nemos' load_model needs a "
                                      "mapping for them, and so does refitting here.",
            nullptr, unresolved));
}

void DocumentView::showDetailWidget(QWidget* widget)
{
    if (m_reader) {
        m_reader->disconnect(this);
        m_reader->deleteLater();
        m_reader = nullptr;
    }
    if (m_readCancel) {
        m_readCancel->store(true);
        m_readCancel.reset();
    }
    if (m_detail) {
        m_detailLayout->removeWidget(m_detail);
        m_detail->deleteLater();
    }
    m_detail = widget;
    if (widget) {
        widget->setParent(m_detailLayout->parentWidget());
        m_detailLayout->addWidget(widget);
        widget->show();
    }
}

ArrayViewer* DocumentView::arrayViewer() const
{
    return qobject_cast<ArrayViewer*>(m_detail);
}

bool DocumentView::isReadingMember() const
{
    return m_reader != nullptr;
}

void DocumentView::onCurrentChanged(const QModelIndex& current)
{
    const QModelIndex source = m_filter->mapToSource(current);
    if (!source.isValid()) {
        showOverview();
        return;
    }
    showNode(source.siblingAtColumn(0));
}

void DocumentView::showNode(const QModelIndex& source)
{
    using Kind = DocumentTreeModel::Kind;
    const auto kind = Kind(source.data(DocumentTreeModel::KindRole).toInt());
    const bool hasArray = source.data(DocumentTreeModel::HasArrayRole).toBool();
    const QString name = source.data(Qt::DisplayRole).toString();
    const QString key = source.data(DocumentTreeModel::KeyRole).toString();
    const QString member = source.data(DocumentTreeModel::MemberRole).toString();

    if (hasArray && !member.isEmpty()) {
        showMember(member, name);
        return;
    }
    if (hasArray && (kind == Kind::Array || kind == Kind::Unresolved)) {
        ArrayContext context;
        context.title = name;
        context.key = key;
        context.description = source.data(DocumentTreeModel::DescriptionRole).toString();
        if (const model::ModelSpec* spec = m_document->spec(); spec && key == QLatin1String("coef_")) {
            context.coefficients = true;
            context.population = spec->isPopulation();
            if (spec->intercept().type() == model::ParamNode::Type::Array)
                context.intercept = spec->intercept().array();
        }
        auto* viewer = new ArrayViewer;
        viewer->setArray(m_model->arrayAt(source), context);
        showDetailWidget(viewer);
        emit detailShown();
        return;
    }
    showDetailWidget(scrollable(makeInfoPanel(source)));
    emit detailShown();
}

void DocumentView::showMember(const QString& member, const QString& title)
{
    const npy::NpzArchive* archive = m_document->archive();
    const npy::NpzMember* entry = archive ? archive->member(member) : nullptr;
    if (!entry)
        return;

    // Reading a stored member maps it (instant); a deflated one inflates, which may take a while for a large
    // member: it runs on a worker thread with a progress bar and Cancel.
    auto* page = new QWidget;
    auto* layout = new QVBoxLayout(page);
    layout->addStretch(1);
    auto* label = new QLabel(tr("Reading %1…").arg(member), page);
    label->setAlignment(Qt::AlignCenter);
    layout->addWidget(label);
    auto* bar = new QProgressBar(page);
    bar->setRange(0, 1000);
    bar->setMaximumWidth(360);
    layout->addWidget(bar, 0, Qt::AlignHCenter);
    auto* cancel = new QPushButton(tr("Cancel"), page);
    layout->addWidget(cancel, 0, Qt::AlignHCenter);
    layout->addStretch(2);
    showDetailWidget(page);

    auto cancelled = std::make_shared<std::atomic_bool>(false);
    auto progress = std::make_shared<std::atomic<int>>(0);
    m_readCancel = cancelled;
    connect(cancel, &QPushButton::clicked, page, [cancelled, label] {
        cancelled->store(true);
        label->setText(tr("Cancelled."));
    });

    const std::shared_ptr<npy::NpzArchive> shared = m_document->sharedArchive();
    m_reader = new QFutureWatcher<Result<npy::NdArray>>(this);
    auto* timer = new QTimer(page);
    connect(timer, &QTimer::timeout, bar, [bar, progress] { bar->setValue(progress->load()); });
    timer->start(100);
    connect(m_reader, &QFutureWatcher<Result<npy::NdArray>>::finished, this, [this, member, title, cancelled] {
        auto* reader = m_reader;
        m_reader = nullptr;
        m_readCancel.reset();
        const Result<npy::NdArray> result = reader->result();
        reader->deleteLater();
        if (!result) {
            if (!cancelled->load())
                m_document->reportReadFault(member, result.error().reason);
            auto* panel = new QWidget;
            auto* layout = new QVBoxLayout(panel);
            layout->addWidget(titleLabel(member, panel));
            auto* reason = wrappedLabel(result.error().reason, panel);
            reason->setStyleSheet(QStringLiteral("color: #d03030;"));
            layout->addWidget(reason);
            layout->addStretch(1);
            showDetailWidget(panel);
        } else {
            auto* viewer = new ArrayViewer;
            ArrayContext context;
            context.title = title;
            context.member = member;
            context.description = describeKey(member.section(QStringLiteral("strkey:"), -1));
            viewer->setArray(result.value(), context);
            showDetailWidget(viewer);
        }
        emit detailShown();
    });
    m_reader->setFuture(QtConcurrent::run([shared, member, cancelled, progress] {
        return shared->read(member, [cancelled, progress](qint64 done, qint64 total) {
            if (total > 0)
                progress->store(int(1000 * double(done) / double(total)));
            return !cancelled->load();
        });
    }));
}

QWidget* DocumentView::makeInfoPanel(const QModelIndex& source)
{
    using Kind = DocumentTreeModel::Kind;
    const auto kind = Kind(source.data(DocumentTreeModel::KindRole).toInt());
    const QString name = source.data(Qt::DisplayRole).toString();
    const QString value = source.siblingAtColumn(DocumentTreeModel::ValueColumn).data().toString();
    const QString type = source.siblingAtColumn(DocumentTreeModel::TypeColumn).data().toString();
    const QString key = source.data(DocumentTreeModel::KeyRole).toString();
    const QString description = source.data(DocumentTreeModel::DescriptionRole).toString();
    const QString error = source.data(DocumentTreeModel::ErrorRole).toString();

    auto* panel = new QWidget;
    panel->setObjectName(QStringLiteral("infoPanel"));
    auto* layout = new QVBoxLayout(panel);
    layout->setContentsMargins(18, 16, 18, 16);
    layout->setSpacing(10);
    layout->addWidget(titleLabel(name, panel));

    if (!value.isEmpty() || !type.isEmpty()) {
        QString facts;
        if (!value.isEmpty())
            facts += tr("<p><b>Value:</b> %1</p>").arg(value.toHtmlEscaped());
        if (!type.isEmpty())
            facts += tr("<p><b>Type:</b> %1</p>").arg(type.toHtmlEscaped());
        if (!key.isEmpty())
            facts += tr("<p><b>nemos key:</b> <code>%1</code></p>").arg(key.toHtmlEscaped());
        layout->addWidget(wrappedLabel(facts, panel));
    }
    if (!description.isEmpty())
        layout->addWidget(wrappedLabel(description, panel));

    if (kind == Kind::Refused) {
        auto* reason = wrappedLabel(tr("<p><b>This member cannot be read.</b></p><p>%1</p><p>The other members "
                                       "of the file are not affected.</p>")
                                        .arg(error.toHtmlEscaped()),
            panel);
        reason->setStyleSheet(QStringLiteral("color: #d03030;"));
        layout->addWidget(reason);
    }

    if (kind == Kind::Unresolved) {
        layout->addWidget(wrappedLabel(source.data(Qt::ToolTipRole).toString(), panel));
        auto* button = new QPushButton(icons::mapping(), tr("Map to a Built-in…"), panel);
        button->setObjectName(QStringLiteral("mapNamesButton"));
        connect(button, &QPushButton::clicked, this, &DocumentView::mappingRequested);
        layout->addWidget(button, 0, Qt::AlignLeft);
    }

    // A section lists what it holds.
    if (kind == Kind::Section && m_model->rowCount(source) > 0) {
        QString rows;
        for (int row = 0; row < m_model->rowCount(source); ++row) {
            const QModelIndex child = m_model->index(row, 0, source);
            rows += QStringLiteral("<tr><td style='padding-right:14px'><b>%1</b></td><td>%2</td><td "
                                   "style='padding-left:14px; color:gray'>%3</td></tr>")
                        .arg(child.data().toString().toHtmlEscaped(),
                            child.siblingAtColumn(DocumentTreeModel::ValueColumn).data().toString().toHtmlEscaped(),
                            child.siblingAtColumn(DocumentTreeModel::TypeColumn).data().toString().toHtmlEscaped());
        }
        layout->addWidget(wrappedLabel(QStringLiteral("<table>%1</table>").arg(rows), panel));
    }
    layout->addStretch(1);
    return panel;
}

void DocumentView::showOverview()
{
    if (!m_document)
        return;
    auto* panel = new QWidget;
    panel->setObjectName(QStringLiteral("overviewPanel"));
    auto* layout = new QVBoxLayout(panel);
    layout->setContentsMargins(18, 16, 18, 16);
    layout->setSpacing(10);
    layout->addWidget(titleLabel(m_document->fileName(), panel));
    layout->addWidget(wrappedLabel(m_document->summary().toHtmlEscaped(), panel));

    QString text;
    if (const model::ModelSpec* spec = m_document->spec()) {
        text = tr("<p>A model saved by nemos' <code>save_params</code>. The tree shows what it holds: the "
                  "<b>model parameters</b> you choose before fitting, and the <b>fit parameters</b> fitting "
                  "learned (%1).</p><p>Select a node to see its value and what it means; arrays open in a "
                  "viewer with statistics and plots. <b>Raw members</b> shows the archive as stored: one "
                  ".npy member per flattened key.</p>")
                   .arg(spec->isFitted() ? tr("this model is fitted") : tr("empty: this model is not fitted yet"));
        text += tr("<p>In Python:</p>");
    } else {
        text = tr("<p>A NumPy file: each member is one array. Select a member to browse its values, slice "
                  "arrays of more dimensions, compute statistics and plot. Nothing in the file is executed: "
                  "members holding Python objects (pickles) are listed with the reason they are not read.</p>");
    }
    layout->addWidget(wrappedLabel(text, panel));
    if (const model::NemosFile* file = m_document->nemosFile(); file && m_document->spec()) {
        // The snippet in a box of its own, scrolling sideways, so that a long path does not widen the
        // text above it.
        auto* snippet = new QPlainTextEdit(file->pythonSnippet(), panel);
        snippet->setObjectName(QStringLiteral("pythonSnippet"));
        snippet->setReadOnly(true);
        snippet->setLineWrapMode(QPlainTextEdit::NoWrap);
        snippet->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
        const int lines = int(snippet->document()->blockCount());
        snippet->setFixedHeight(snippet->fontMetrics().lineSpacing() * (lines + 1) + 2 * snippet->frameWidth()
            + snippet->horizontalScrollBar()->sizeHint().height());
        layout->addWidget(snippet);
    }
    layout->addStretch(1);
    showDetailWidget(scrollable(panel));
}

bool DocumentView::selectKey(const QString& key)
{
    const QModelIndex source = m_model->findKey(key);
    if (!source.isValid())
        return false;
    const QModelIndex proxy = m_filter->mapFromSource(source);
    if (!proxy.isValid())
        return false;
    m_tree->setCurrentIndex(proxy);
    m_tree->scrollTo(proxy);
    return true;
}

void DocumentView::focusFilter()
{
    m_filterEdit->setFocus(Qt::ShortcutFocusReason);
    m_filterEdit->selectAll();
}

void DocumentView::copySelection()
{
    if (ArrayViewer* viewer = arrayViewer(); viewer && !m_tree->hasFocus() && !m_filterEdit->hasFocus()) {
        viewer->copySelection(ArrayViewer::CopyFormat::TabSeparated);
        return;
    }
    if (m_filterEdit->hasFocus()) {
        m_filterEdit->copy();
        return;
    }
    const QModelIndex current = m_tree->currentIndex();
    if (!current.isValid())
        return;
    const QString name = current.siblingAtColumn(DocumentTreeModel::NameColumn).data().toString();
    const QString value = current.siblingAtColumn(DocumentTreeModel::ValueColumn).data().toString();
    QApplication::clipboard()->setText(value.isEmpty() ? name : name + QStringLiteral(" = ") + value);
}

} // namespace nemoscope::ui
