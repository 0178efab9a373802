// The window on every hostile file of make_hostile.py: a file that cannot be read at all gets the
// "Cannot open file" message naming it and the reason, and no tab; a file with refused members opens,
// and the problems list names each refused member with its reason, whether the fault shows when the
// archive is listed or only when the member's bytes are read (a CRC mismatch, a deflate stream that runs
// past its promise). The good members of the same archive still show in the array viewer. The archive of
// 100,000 members opens and its tree answers selection and filtering.
#include "arrayviewer.h"
#include "document.h"
#include "documenttreemodel.h"
#include "documentview.h"
#include "hostilefiles.h"
#include "mainwindow.h"
#include "npy/npzarchive.h"
#include "npy/npzwriter.h"
#include "startpage.h"

#include <QFileInfo>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTemporaryDir>
#include <QTest>
#include <QThreadPool>

using nemoscope::hostile::HostileCase;
using namespace nemoscope::ui;

namespace {

// The window's non-blocking "Cannot open file" box, when one is showing.
QMessageBox* openErrorBox(const MainWindow& window)
{
    for (QMessageBox* box : window.findChildren<QMessageBox*>()) {
        if (box->isVisible())
            return box;
    }
    return nullptr;
}

QStringList problemsShown(const MainWindow& window)
{
    QStringList texts;
    if (const auto* list = window.findChild<QListWidget*>(QStringLiteral("problemsList"))) {
        for (int i = 0; i < list->count(); ++i)
            texts << list->item(i)->text();
    }
    return texts;
}

// The refused member's entry among the document's problems, or nullptr.
const Problem* problemFor(const QList<Problem>& problems, const HostileCase& hostile)
{
    for (const Problem& problem : problems) {
        if (problem.severity != Problem::Severity::Error)
            continue;
        if (hostile.anyBadMember || hostile.badMembers.isEmpty() || hostile.badMembers.contains(problem.where))
            return &problem;
    }
    return nullptr;
}

// Selects a member in the view and waits until the detail area shows it (read on a worker thread).
bool showMember(DocumentView* view, const QString& member)
{
    QSignalSpy shown(view, &DocumentView::detailShown);
    if (!view->selectKey(member))
        return false;
    return shown.count() > 0 || shown.wait(30000);
}

} // namespace

class TestHostileWindow : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();
    void windowShowsTheProblem_data();
    void windowShowsTheProblem();
    void manyMembersStayResponsive();
    void largeMemberDamageIsFoundInTheBackground();

private:
    bool openAndWait(const QString& path);

    QTemporaryDir m_dir;
    QList<HostileCase> m_cases;
    std::unique_ptr<MainWindow> m_window;
};

void TestHostileWindow::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QString error;
    m_cases = nemoscope::hostile::generateHostileFiles(m_dir.path(), true, &error);
    QVERIFY2(!m_cases.isEmpty(), qPrintable(error));
}

void TestHostileWindow::init()
{
    m_window = std::make_unique<MainWindow>();
    m_window->setRecordRecentFiles(false);
    m_window->resize(1100, 700);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
}

void TestHostileWindow::cleanup()
{
    m_window.reset();
}

bool TestHostileWindow::openAndWait(const QString& path)
{
    QSignalSpy finished(m_window.get(), &MainWindow::loadingFinished);
    m_window->openFile(path);
    return !m_window->isLoading() || finished.wait(60000);
}

void TestHostileWindow::windowShowsTheProblem_data()
{
    QTest::addColumn<HostileCase>("hostile");
    for (const HostileCase& c : std::as_const(m_cases)) {
        if (c.exits != QList<int> { 0 })
            QTest::newRow(qPrintable(QFileInfo(c.file).fileName())) << c;
    }
}

void TestHostileWindow::windowShowsTheProblem()
{
    QFETCH(HostileCase, hostile);
    const QRegularExpression reason(hostile.reason == QLatin1String("-") ? QStringLiteral(".") : hostile.reason,
        QRegularExpression::CaseInsensitiveOption);
    QVERIFY(openAndWait(hostile.file));

    Document* document = m_window->currentDocument();
    if (!document) {
        // Refused whole: the message names the file and says why; the start page is back.
        QVERIFY2(hostile.exits.contains(2), "the window refused a file that inspect would list");
        QMessageBox* box = openErrorBox(*m_window);
        QVERIFY(box);
        const QString message = box->informativeText();
        QVERIFY2(message.contains(QFileInfo(hostile.file).fileName()), qPrintable(message));
        QVERIFY2(reason.match(message).hasMatch(), qPrintable(message));
        QVERIFY(m_window->startPage()->isVisible());
        box->close();
        return;
    }
    if (QMessageBox* box = openErrorBox(*m_window))
        QFAIL(qPrintable(QStringLiteral("an error showed for an opened file: ") + box->informativeText()));
    if (hostile.exits == QList<int> { 2 })
        QFAIL("the window opened a file that inspect refuses whole");

    // A fault found only when the member's bytes are read shows once the user looks at the member.
    DocumentView* view = m_window->currentView();
    QVERIFY(view);
    const bool faultAtReadTime = !problemFor(document->problems(), hostile) && !hostile.anyBadMember;
    if (faultAtReadTime) {
        for (const QString& member : hostile.badMembers) {
            if (document->archive()->member(member))
                QVERIFY2(showMember(view, member), qPrintable(member));
        }
    }

    const Problem* problem = problemFor(document->problems(), hostile);
    if (!problem) {
        // Nothing refused: only acceptable where inspect may exit 0 (a tolerable oddity of the zip layer).
        QVERIFY2(hostile.exits.contains(0), "no member is shown as refused");
    } else {
        QVERIFY2(reason.match(problem->message).hasMatch(), qPrintable(problem->message));
        // The problems list of the window shows it, with the member's name.
        const QStringList shown = problemsShown(*m_window);
        const bool listed = std::any_of(shown.cbegin(), shown.cend(),
            [&](const QString& text) { return text.contains(problem->message) && text.contains(problem->where); });
        QVERIFY2(listed, qPrintable(shown.join(QLatin1Char('\n'))));
        // The member's node in the tree turns into a refused one, with the reason, as one refused when
        // the archive was listed does.
        if (faultAtReadTime) {
            const DocumentTreeModel* tree = view->treeModel();
            const QModelIndexList found = tree->match(tree->index(0, 0), DocumentTreeModel::MemberRole, problem->where,
                1, Qt::MatchExactly | Qt::MatchRecursive);
            QVERIFY2(!found.isEmpty(), qPrintable(problem->where));
            QCOMPARE(found.front().data(DocumentTreeModel::KindRole).toInt(), int(DocumentTreeModel::Kind::Refused));
            QCOMPARE(found.front().data(DocumentTreeModel::ErrorRole).toString(), problem->message);
        }
    }

    // The good members still show as arrays.
    for (const QString& member : hostile.goodMembers) {
        QVERIFY2(showMember(view, member), qPrintable(member));
        QVERIFY2(view->arrayViewer(), qPrintable(member));
    }
}

void TestHostileWindow::manyMembersStayResponsive()
{
    const auto it = std::find_if(m_cases.cbegin(), m_cases.cend(),
        [](const HostileCase& c) { return QFileInfo(c.file).fileName() == QLatin1String("many_members.npz"); });
    QVERIFY(it != m_cases.cend());
    QVERIFY(openAndWait(it->file));
    Document* document = m_window->currentDocument();
    QVERIFY(document);
    QCOMPARE(document->archive()->members().size(), std::size_t(100000));
    QVERIFY(document->problems().isEmpty());

    // The last member is found and shown; filtering narrows 100,000 rows to one.
    DocumentView* view = m_window->currentView();
    QVERIFY(showMember(view, QStringLiteral("m099999")));
    QVERIFY(view->arrayViewer());
    QCOMPARE(view->arrayViewer()->array().toDouble(0), 1.5);
    view->filterEdit()->setText(QStringLiteral("m054321"));
    QTRY_COMPARE(view->filterModel()->rowCount(), 1);
}

QTEST_MAIN(TestHostileWindow)
// A stored member over 64 MiB is shown without being read through (it is memory-mapped), so its CRC is
// checked on a worker thread once the file is open: damage in its bytes reaches the problems list and the
// tree, while the window stays usable; the same member undamaged raises nothing.
void TestHostileWindow::largeMemberDamageIsFoundInTheBackground()
{
    const QString path = m_dir.filePath(QStringLiteral("large_member.npz"));
    const Eigen::VectorXd big = Eigen::VectorXd::LinSpaced(9'000'000, 0.0, 1.0); // 72 MB
    QVERIFY(nemoscope::npy::writeNpz(path,
        { { QStringLiteral("big"), nemoscope::npy::NdArray::fromVector(big), {} },
            { QStringLiteral("small"), nemoscope::npy::NdArray::fromDouble(2.5), {} } }));

    QVERIFY(openAndWait(path));
    Document* document = m_window->currentDocument();
    QVERIFY(document);
    QThreadPool::globalInstance()->waitForDone();
    QCoreApplication::processEvents();
    QVERIFY(document->problems().isEmpty());
    QVERIFY(m_window->closeCurrentTab());

    // One flipped byte in the middle of the data.
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadWrite));
    const qint64 middle = file.size() / 2;
    QVERIFY(file.seek(middle));
    char byte = 0;
    QVERIFY(file.getChar(&byte));
    QVERIFY(file.seek(middle));
    QVERIFY(file.putChar(char(byte ^ 0x10)));
    file.close();

    QVERIFY(openAndWait(path));
    document = m_window->currentDocument();
    QVERIFY(document);
    DocumentView* view = m_window->currentView();
    QTRY_VERIFY_WITH_TIMEOUT(!document->readFault(QStringLiteral("big")).isEmpty(), 30000);
    QVERIFY2(document->readFault(QStringLiteral("big")).contains(QStringLiteral("CRC")),
        qPrintable(document->readFault(QStringLiteral("big"))));
    const QStringList shown = problemsShown(*m_window);
    QVERIFY2(std::any_of(shown.cbegin(), shown.cend(),
                 [](const QString& text) {
                     return text.contains(QStringLiteral("big")) && text.contains(QStringLiteral("CRC"));
                 }),
        qPrintable(shown.join(QLatin1Char('\n'))));
    const DocumentTreeModel* tree = view->treeModel();
    const QModelIndexList found = tree->match(tree->index(0, 0), DocumentTreeModel::MemberRole, QStringLiteral("big"),
        1, Qt::MatchExactly | Qt::MatchRecursive);
    QVERIFY(!found.isEmpty());
    QCOMPARE(found.front().data(DocumentTreeModel::KindRole).toInt(), int(DocumentTreeModel::Kind::Refused));
    // The other member is still shown.
    QVERIFY(showMember(view, QStringLiteral("small")));
    QVERIFY(view->arrayViewer());
}

#include "tst_hostilewindow.moc"
