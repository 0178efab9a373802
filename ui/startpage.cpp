#include "startpage.h"

#include "examples.h"
#include "icons.h"
#include "recentfiles.h"
#include "theme.h"

#include <QDir>
#include <QEvent>
#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QIcon>
#include <QLabel>
#include <QMouseEvent>
#include <QPushButton>
#include <QScrollArea>
#include <QVBoxLayout>

namespace nemoscope::ui {

namespace {

// A clickable card: a title in bold and a line or two under it.
class Card : public QFrame
{
public:
    Card(const QString& title, const QString& text, const QString& path, QWidget* parent)
        : QFrame(parent)
        , m_path(path)
    {
        setObjectName(QStringLiteral("card"));
        setCursor(path.isEmpty() ? Qt::ForbiddenCursor : Qt::PointingHandCursor);
        setToolTip(path.isEmpty() ? tr("This example is not installed") : path);
        setFocusPolicy(Qt::StrongFocus);

        auto* layout = new QVBoxLayout(this);
        layout->setContentsMargins(14, 10, 14, 10);
        layout->setSpacing(3);
        auto* titleLabel = new QLabel(title, this);
        QFont bold = titleLabel->font();
        bold.setBold(true);
        titleLabel->setFont(bold);
        layout->addWidget(titleLabel);
        if (!text.isEmpty()) {
            auto* textLabel = new QLabel(text, this);
            textLabel->setWordWrap(true);
            textLabel->setAlignment(Qt::AlignLeft | Qt::AlignTop);
            textLabel->setObjectName(QStringLiteral("muted"));
            layout->addWidget(textLabel);
        }
        layout->addStretch(1);
        setEnabled(!path.isEmpty());
    }

    std::function<void(const QString&)> onClicked;

protected:
    void mouseReleaseEvent(QMouseEvent* event) override
    {
        if (event->button() == Qt::LeftButton && rect().contains(event->position().toPoint()) && onClicked)
            onClicked(m_path);
        QFrame::mouseReleaseEvent(event);
    }
    void keyPressEvent(QKeyEvent* event) override
    {
        if ((event->key() == Qt::Key_Return || event->key() == Qt::Key_Enter || event->key() == Qt::Key_Space)
            && onClicked) {
            onClicked(m_path);
            return;
        }
        QFrame::keyPressEvent(event);
    }

private:
    QString m_path;
};

QLabel* heading(const QString& text, QWidget* parent)
{
    auto* label = new QLabel(text, parent);
    label->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Maximum);
    QFont font = label->font();
    font.setPointSizeF(font.pointSizeF() * 1.2);
    font.setBold(true);
    label->setFont(font);
    return label;
}

} // namespace

StartPage::StartPage(QWidget* parent)
    : QWidget(parent)
{
    setObjectName(QStringLiteral("startPage"));
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    auto* scroll = new QScrollArea(this);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setWidgetResizable(true);
    outer->addWidget(scroll);

    auto* page = new QWidget(scroll);
    page->setObjectName(QStringLiteral("startPageContents"));
    scroll->setWidget(page);
    auto* centring = new QHBoxLayout(page);
    auto* column = new QWidget(page);
    column->setMaximumWidth(1040);
    centring->addStretch(1);
    centring->addWidget(column, 10);
    centring->addStretch(1);

    auto* layout = new QVBoxLayout(column);
    layout->setContentsMargins(24, 28, 24, 24);
    layout->setSpacing(14);

    // Title, what the application is for, and the first step.
    auto* header = new QHBoxLayout;
    auto* logo = new QLabel(column);
    logo->setPixmap(icons::application().pixmap(QSize(72, 72), devicePixelRatioF()));
    header->addWidget(logo);
    header->addSpacing(10);
    auto* titles = new QVBoxLayout;
    auto* title = new QLabel(tr("Nemoscope"), column);
    QFont titleFont = title->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 2.2);
    titleFont.setBold(true);
    title->setFont(titleFont);
    titles->addWidget(title);
    auto* tagline = new QLabel(tr("Look inside nemos GLM files and any NumPy .npz or .npy archive: read the model's "
                                  "hyperparameters and fitted coefficients, browse arrays of any size, fix names "
                                  "that did not survive saving, and refit."),
        column);
    tagline->setWordWrap(true);
    tagline->setObjectName(QStringLiteral("muted"));
    titles->addWidget(tagline);
    header->addLayout(titles, 1);
    layout->addLayout(header);

    auto* buttons = new QHBoxLayout;
    auto* open = new QPushButton(QIcon::fromTheme(QStringLiteral("document-open")), tr("Open a file…"), column);
    open->setObjectName(QStringLiteral("primary"));
    open->setToolTip(tr("Open an .npz or .npy file (Ctrl+O). You can also drop files onto this window."));
    connect(open, &QPushButton::clicked, this, &StartPage::openDialogRequested);
    buttons->addWidget(open);
    auto* hint = new QLabel(tr("or drop .npz and .npy files anywhere on this window"), column);
    hint->setObjectName(QStringLiteral("muted"));
    buttons->addSpacing(8);
    buttons->addWidget(hint);
    buttons->addStretch(1);
    layout->addLayout(buttons);
    layout->addSpacing(6);

    // Two columns: examples to learn from, and the files opened before. Cells keep to the top, so that
    // wrapped text never spreads the rows apart.
    auto* columns = new QGridLayout;
    columns->setHorizontalSpacing(24);
    columns->setVerticalSpacing(8);
    columns->addWidget(heading(tr("Examples"), column), 0, 0, Qt::AlignTop);
    auto* examplesIntro = new QLabel(tr("Each example shows one thing Nemoscope does. It opens as a fresh "
                                        "copy of the bundled file: edit and save it freely."),
        column);
    examplesIntro->setWordWrap(true);
    examplesIntro->setObjectName(QStringLiteral("muted"));
    columns->addWidget(examplesIntro, 1, 0, Qt::AlignTop);
    columns->addWidget(createExamples(), 2, 0, Qt::AlignTop);

    columns->addWidget(heading(tr("Recent files"), column), 0, 1, Qt::AlignTop);
    m_noRecent = new QLabel(tr("Files you open appear here."), column);
    m_noRecent->setObjectName(QStringLiteral("muted"));
    m_noRecent->setWordWrap(true);
    columns->addWidget(m_noRecent, 1, 1, Qt::AlignTop);
    auto* recent = new QWidget(column);
    m_recentLayout = new QVBoxLayout(recent);
    m_recentLayout->setContentsMargins(0, 0, 0, 0);
    m_recentLayout->setSpacing(6);
    columns->addWidget(recent, 2, 1, Qt::AlignTop);
    columns->setColumnStretch(0, 3);
    columns->setColumnStretch(1, 2);
    layout->addLayout(columns);
    layout->addStretch(1);

    refreshRecentFiles();
    restyle();
}

StartPage::~StartPage() = default;

QWidget* StartPage::createExamples()
{
    auto* container = new QWidget(this);
    auto* grid = new QGridLayout(container);
    grid->setContentsMargins(0, 0, 0, 0);
    grid->setSpacing(8);
    const QList<Example> examples = bundledExamples();
    int index = 0;
    for (const Example& example : examples) {
        auto* card = new Card(example.title, example.lesson, example.path, container);
        card->setObjectName(QStringLiteral("card"));
        card->setAccessibleName(example.title);
        card->onClicked = [this](const QString& path) { emit exampleRequested(path); };
        grid->addWidget(card, index / 2, index % 2);
        if (!example.path.isEmpty())
            m_examplePaths << example.path;
        ++index;
    }
    return container;
}

QStringList StartPage::recentPaths() const
{
    return m_recentPaths;
}

QStringList StartPage::examplePaths() const
{
    return m_examplePaths;
}

void StartPage::refreshRecentFiles()
{
    while (QLayoutItem* item = m_recentLayout->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    m_recentPaths = recentfiles::load();
    for (const QString& path : std::as_const(m_recentPaths)) {
        const QFileInfo info(path);
        auto* card = new Card(
            info.fileName(), QDir::toNativeSeparators(info.absolutePath()), info.exists() ? path : QString(), this);
        if (!info.exists())
            card->setToolTip(tr("%1 no longer exists").arg(QDir::toNativeSeparators(path)));
        card->onClicked = [this](const QString& clicked) { emit openRequested(clicked); };
        m_recentLayout->addWidget(card);
    }
    m_noRecent->setVisible(m_recentPaths.isEmpty());
    restyle();
}

void StartPage::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::PaletteChange)
        restyle();
    QWidget::changeEvent(event);
}

void StartPage::restyle()
{
    const QPalette palette = this->palette();
    const bool dark = palette.color(QPalette::Window).lightness() < 128;
    const QColor card = dark ? palette.color(QPalette::Base).lighter(130) : palette.color(QPalette::Base);
    const QColor border = palette.color(QPalette::Mid);
    const QColor hover = palette.color(QPalette::Highlight);
    QColor muted = palette.color(QPalette::WindowText);
    muted.setAlphaF(0.68f);
    const QString sheet = QStringLiteral(
        "#startPageContents { background: %1; }"
        "QFrame#card { background: %2; border: 1px solid %3; border-radius: 8px; }"
        "QFrame#card:hover, QFrame#card:focus { border: 1px solid %4; }"
        "QFrame#card:disabled { background: transparent; }"
        "QLabel#muted { color: %5; }"
        "QPushButton#primary { background: %4; color: white; border: none; border-radius: 6px; padding: 8px 18px; "
        "font-weight: bold; }"
        "QPushButton#primary:hover { background: %6; }")
                              .arg(palette.color(QPalette::Window).name(), card.name(), border.name(), hover.name(),
                                  muted.name(QColor::HexArgb), hover.lighter(115).name());
    setStyleSheet(sheet);
}

} // namespace nemoscope::ui
