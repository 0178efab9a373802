#pragma once

#include <QFutureWatcher>
#include <QPointer>
#include <QWidget>

#include "document.h"
#include "error.h"
#include "npy/ndarray.h"

class QCheckBox;
class QFrame;
class QLabel;
class QLineEdit;
class QModelIndex;
class QPushButton;
class QSortFilterProxyModel;
class QSplitter;
class QTreeView;
class QVBoxLayout;

namespace nemoscope::ui {

class ArrayViewer;
class Document;
class DocumentTreeModel;

// One tab of the window: the file's tree on the left (with a filter box and the raw-members toggle),
// the detail area on the right showing the selected node: an array viewer for arrays, a description
// for values and sections, the reason for a refused member. Owns its document.
class DocumentView : public QWidget
{
    Q_OBJECT

public:
    explicit DocumentView(Document* document, QWidget* parent = nullptr);
    ~DocumentView() override;

    Document* document() const { return m_document; }
    DocumentTreeModel* treeModel() const { return m_model; }
    QSortFilterProxyModel* filterModel() const { return m_filter; }
    QTreeView* treeView() const { return m_tree; }
    QLineEdit* filterEdit() const { return m_filterEdit; }

    void setRawMembers(bool raw);
    bool showsRawMembers() const;

    // Replaces the detail area's content with widget (taking ownership).
    void showDetailWidget(QWidget* widget);
    QWidget* detailWidget() const { return m_detail; }
    // The array viewer when the detail area shows one.
    ArrayViewer* arrayViewer() const;
    // True while a selected member is still being read.
    bool isReadingMember() const;

    // Selects the node with this nemos key or member name; false when there is none.
    bool selectKey(const QString& key);
    void focusFilter();
    // Copies the selected table cells, or the selected tree node's name and value.
    void copySelection();

signals:
    void mappingRequested();
    void reloadRequested();
    // The detail area now shows the selected node (after an array finished reading, too).
    void detailShown();

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    // Name and type columns sized to their contents, but never so wide that the value column, the one
    // that matters, is squeezed out: together they take at most three quarters of the tree.
    void fitTreeColumns(bool toContents);
    void onCurrentChanged(const QModelIndex& current);
    void showNode(const QModelIndex& sourceIndex);
    void showMember(const QString& member, const QString& title);
    void showOverview();
    void updateBanners();
    QWidget* makeInfoPanel(const QModelIndex& sourceIndex);

    QPointer<Document> m_document;
    DocumentTreeModel* m_model = nullptr;
    QSortFilterProxyModel* m_filter = nullptr;
    QTreeView* m_tree = nullptr;
    bool m_fittingColumns = false; // fitTreeColumns() is resizing: not the user
    bool m_columnsSizedByUser = false;
    QLineEdit* m_filterEdit = nullptr;
    QCheckBox* m_rawToggle = nullptr;
    QSplitter* m_splitter = nullptr;
    QFrame* m_diskBanner = nullptr;
    QFrame* m_unresolvedBanner = nullptr;
    QLabel* m_unresolvedLabel = nullptr;
    QVBoxLayout* m_detailLayout = nullptr;
    QWidget* m_detail = nullptr;
    QFutureWatcher<Result<npy::NdArray>>* m_reader = nullptr;
    std::shared_ptr<std::atomic_bool> m_readCancel;
};

} // namespace nemoscope::ui
