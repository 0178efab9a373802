// The tree on the left of the window, for every kind of file in tests/data: nemos files in both key
// layouts, plain archives and single arrays, archives with refused members, and files that cannot be
// opened at all.

#include "document.h"
#include "documenttreemodel.h"
#include "model/modelspec.h"
#include "npy/npzarchive.h"
#include "testsupport.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QUndoStack>

using namespace nemoscope;
using namespace nemoscope::ui;

namespace {

using Kind = DocumentTreeModel::Kind;

QStringList childNames(const QAbstractItemModel& model, const QModelIndex& parent = {})
{
    QStringList names;
    for (int row = 0; row < model.rowCount(parent); ++row)
        names << model.index(row, 0, parent).data().toString();
    return names;
}

QString value(const QModelIndex& index)
{
    return index.siblingAtColumn(DocumentTreeModel::ValueColumn).data().toString();
}

QString type(const QModelIndex& index)
{
    return index.siblingAtColumn(DocumentTreeModel::TypeColumn).data().toString();
}

Kind kindOf(const QModelIndex& index)
{
    return Kind(index.data(DocumentTreeModel::KindRole).toInt());
}

std::unique_ptr<Document> openDocument(const QString& relative)
{
    auto document = Document::open(testData(relative));
    if (!document)
        qFatal("%s", qPrintable(document.error().message()));
    return std::move(document.value());
}

} // namespace

class TestDocumentTree : public QObject
{
    Q_OBJECT

private slots:
    void nemosFileSections_data();
    void nemosFileSections();
    void classParametersAreChildren_data();
    void classParametersAreChildren();
    void unresolvedNamesStandOut_data();
    void unresolvedNamesStandOut();
    void rawMembersShowTheArchive();
    void plainArchiveListsMembers_data();
    void plainArchiveListsMembers();
    void refusedMembersShowTheirReason_data();
    void refusedMembersShowTheirReason();
    void unreadableFileFailsWithReason_data();
    void unreadableFileFailsWithReason();
    void filterNarrowsByName();
    void treeFollowsModelChanges();
};

void TestDocumentTree::nemosFileSections_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("modelClass");
    QTest::addColumn<QString>("observation");
    QTest::addColumn<QString>("regularizer");
    QTest::addColumn<QString>("solver");
    QTest::addColumn<QString>("coefType"); // empty: not fitted

    QTest::newRow("unfitted, current layout") << "nemos/ridge_glm_params.npz"
                                              << "GLM"
                                              << "Poisson"
                                              << "Ridge"
                                              << "GradientDescent"
                                              << "";
    QTest::newRow("fitted, current layout") << "nemos/ridge_glm_params_fitted.npz"
                                            << "GLM"
                                            << "Poisson"
                                            << "Ridge"
                                            << "GradientDescent"
                                            << "float32 (1,)";
    QTest::newRow("fitted, legacy layout") << "nemos/ridge_glm_params_fitted_legacy.npz"
                                           << "GLM"
                                           << "Poisson"
                                           << "Ridge"
                                           << "GradientDescent"
                                           << "float32 (1,)";
    QTest::newRow("gamma") << "nemos/gamma_ridge_fitted.npz"
                           << "GLM"
                           << "Gamma"
                           << "Ridge"
                           << "BFGS"
                           << "";
    QTest::newRow("bernoulli lasso") << "nemos/bernoulli_lasso_fitted.npz"
                                     << "GLM"
                                     << "Bernoulli"
                                     << "Lasso"
                                     << "ProximalGradient"
                                     << "";
    QTest::newRow("elastic net, deflated") << "nemos/gaussian_elasticnet_fitted_compressed.npz"
                                           << "GLM"
                                           << "Gaussian"
                                           << "ElasticNet"
                                           << ""
                                           << "";
    QTest::newRow("population") << "nemos/population_ridge_fitted.npz"
                                << "PopulationGLM"
                                << "Poisson"
                                << "Ridge"
                                << ""
                                << "(5, 3)";
}

void TestDocumentTree::nemosFileSections()
{
    QFETCH(QString, file);
    QFETCH(QString, modelClass);
    QFETCH(QString, observation);
    QFETCH(QString, regularizer);
    QFETCH(QString, solver);
    QFETCH(QString, coefType);

    auto document = openDocument(file);
    QVERIFY(document->isNemos());
    QVERIFY(document->spec());
    DocumentTreeModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setDocument(document.get());

    QCOMPARE(childNames(model), QStringList({ "Metadata", "Model class", "Model parameters", "Fit parameters" }));
    const QModelIndex metadata = model.findSection(QStringLiteral("Metadata"));
    QVERIFY(childNames(model, metadata).contains(QStringLiteral("nemos")));
    QCOMPARE(value(model.findSection(QStringLiteral("Model class"))), modelClass);

    // Model parameters in the order a reader meets them.
    const QStringList params = childNames(model, model.findSection(QStringLiteral("Model parameters")));
    QCOMPARE(params.mid(0, 4),
        QStringList({ "observation_model", "inverse_link_function", "regularizer", "regularizer_strength" }));
    QVERIFY(params.contains(QStringLiteral("solver_name")));
    QVERIFY(params.contains(QStringLiteral("solver_kwargs")));
    QCOMPARE(value(model.findKey(QStringLiteral("observation_model"))), observation);
    QCOMPARE(value(model.findKey(QStringLiteral("regularizer"))), regularizer);
    if (!solver.isEmpty())
        QCOMPARE(value(model.findKey(QStringLiteral("solver_name"))), solver);

    // Fit parameters: the underscore attributes, coef_ first.
    const QModelIndex fit = model.findSection(QStringLiteral("Fit parameters"));
    const QStringList fitNames = childNames(model, fit);
    QCOMPARE(fitNames.mid(0, 4), QStringList({ "coef_", "intercept_", "scale_", "dof_resid_" }));
    const QModelIndex coef = model.findKey(QStringLiteral("coef_"));
    if (file.contains(QLatin1String("params.npz"))) {
        QCOMPARE(value(coef), QStringLiteral("None"));
        QCOMPARE(value(fit), QStringLiteral("not fitted"));
    } else {
        QCOMPARE(kindOf(coef), Kind::Array);
        QVERIFY(coef.data(DocumentTreeModel::HasArrayRole).toBool());
        QVERIFY(!model.arrayAt(coef).isNull());
        QCOMPARE(value(fit), QStringLiteral("fitted"));
        if (!coefType.isEmpty())
            QVERIFY2(type(coef).endsWith(coefType), qPrintable(type(coef)));
    }

    // Every node has an explanation where the key is a known one.
    QVERIFY(!model.findKey(QStringLiteral("regularizer_strength"))
                 .data(DocumentTreeModel::DescriptionRole)
                 .toString()
                 .isEmpty());
    QVERIFY(!model.findSection(QStringLiteral("Fit parameters")).data(Qt::ToolTipRole).toString().isEmpty());
}

void TestDocumentTree::classParametersAreChildren_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("childKey");
    QTest::addColumn<QString>("childText"); // the value, or the end of the type for an array
    QTest::newRow("negative binomial scale") << "nemos/negbin_ridge_fitted.npz"
                                             << "observation_model"
                                             << "observation_model__scale"
                                             << "0.5";
    QTest::newRow("group lasso mask") << "nemos/poisson_grouplasso_fitted.npz"
                                      << "regularizer"
                                      << "regularizer__mask"
                                      << "(3, 6)";
}

void TestDocumentTree::classParametersAreChildren()
{
    QFETCH(QString, file);
    QFETCH(QString, key);
    QFETCH(QString, childKey);
    QFETCH(QString, childText);
    auto document = openDocument(file);
    DocumentTreeModel model;
    model.setDocument(document.get());
    const QModelIndex parent = model.findKey(key);
    QVERIFY(parent.isValid());
    const QModelIndex child = model.findKey(childKey);
    QVERIFY(child.isValid());
    QCOMPARE(child.parent(), parent);
    QVERIFY2(value(child) == childText || type(child).endsWith(childText), qPrintable(value(child) + type(child)));
}

void TestDocumentTree::unresolvedNamesStandOut_data()
{
    QTest::addColumn<QString>("file");
    QTest::newRow("current layout") << "nemos/custom_regularizer_params.npz";
    QTest::newRow("legacy layout") << "nemos/custom_regularizer_params_legacy.npz";
}

void TestDocumentTree::unresolvedNamesStandOut()
{
    QFETCH(QString, file);
    auto document = openDocument(file);
    DocumentTreeModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setDocument(document.get());

    QStringList unresolved;
    std::function<void(const QModelIndex&)> collect = [&](const QModelIndex& parent) {
        for (int row = 0; row < model.rowCount(parent); ++row) {
            const QModelIndex index = model.index(row, 0, parent);
            if (kindOf(index) == Kind::Unresolved) {
                unresolved << index.data(DocumentTreeModel::KeyRole).toString();
                QVERIFY(!index.data(Qt::DecorationRole).isNull());
                QVERIFY(index.data(Qt::ForegroundRole).isValid());
                QVERIFY(index.data(Qt::ToolTipRole).toString().contains(QStringLiteral("not a nemos built-in")));
            }
            collect(index);
        }
    };
    collect({});
    unresolved.sort();
    QCOMPARE(unresolved, QStringList({ "inverse_link_function", "regularizer" }));
    QCOMPARE(value(model.findKey(QStringLiteral("regularizer"))), QStringLiteral("__main__.CustomRegularizer"));
    QCOMPARE(value(model.findKey(QStringLiteral("regularizer__new_param"))), QStringLiteral("10"));

    // The problems list names both, as warnings.
    int warnings = 0;
    for (const Problem& problem : document->problems())
        warnings += problem.severity == Problem::Severity::Warning && !problem.where.isEmpty() ? 1 : 0;
    QCOMPARE(warnings, 2);
}

void TestDocumentTree::rawMembersShowTheArchive()
{
    auto document = openDocument(QStringLiteral("nemos/gaussian_elasticnet_fitted_compressed.npz"));
    DocumentTreeModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setDocument(document.get());
    model.setMode(DocumentTreeModel::Mode::RawMembers);

    QCOMPARE(model.rowCount(), int(document->archive()->members().size()));
    QCOMPARE(childNames(model), document->archive()->names());
    const QModelIndex coef = model.findKey(QStringLiteral("item::strkey:coef_"));
    QVERIFY(coef.isValid());
    QVERIFY2(value(coef).startsWith(QStringLiteral("deflated")), qPrintable(value(coef)));
    QVERIFY(type(coef).startsWith(QStringLiteral("float32")));
    QCOMPARE(coef.data(DocumentTreeModel::MemberRole).toString(), QStringLiteral("item::strkey:coef_"));

    model.setMode(DocumentTreeModel::Mode::Model);
    QCOMPARE(model.rowCount(), 4);
}

void TestDocumentTree::plainArchiveListsMembers_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QStringList>("names");
    QTest::addColumn<QString>("checkedMember");
    QTest::addColumn<QString>("checkedType");
    QTest::newRow("npz") << "generic/dtype_zoo.npz"
                         << QStringList({ "float64_matrix", "float32_stack", "float16_vector", "int8_codes",
                                "uint16_image", "int64_scalar", "bool_flags", "complex128_signal", "big_endian_f8",
                                "fortran_order", "unicode_names", "bytes_tags", "empty_2d", "datetime_days",
                                "structured_points", "nan_and_inf" })
                         << "float32_stack"
                         << "float32 (4, 32, 48)";
    QTest::newRow("npz, deflated") << "generic/dtype_zoo_compressed.npz"
                                   << QStringList({ "float64_matrix", "float32_stack", "float16_vector", "int8_codes",
                                          "uint16_image", "int64_scalar", "bool_flags", "complex128_signal",
                                          "big_endian_f8", "fortran_order", "unicode_names", "bytes_tags", "empty_2d",
                                          "datetime_days", "structured_points", "nan_and_inf" })
                                   << "complex128_signal"
                                   << "complex128 (50,)";
    QTest::newRow("npy, big-endian") << "generic/big_endian_f8.npy" << QStringList({ "big_endian_f8" })
                                     << "big_endian_f8"
                                     << ">f8";
    QTest::newRow("npy, version 3") << "generic/version3_utf8_fields.npy" << QStringList({ "version3_utf8_fields" })
                                    << "version3_utf8_fields"
                                    << "";
}

void TestDocumentTree::plainArchiveListsMembers()
{
    QFETCH(QString, file);
    QFETCH(QStringList, names);
    QFETCH(QString, checkedMember);
    QFETCH(QString, checkedType);

    auto document = openDocument(file);
    QVERIFY(!document->isNemos());
    QVERIFY(!document->spec());
    DocumentTreeModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setDocument(document.get());

    // A plain file has only its members, whatever mode is asked for.
    QCOMPARE(model.effectiveMode(), DocumentTreeModel::Mode::RawMembers);
    QCOMPARE(childNames(model), names);
    const QModelIndex member = model.findKey(checkedMember);
    QVERIFY(member.isValid());
    QCOMPARE(kindOf(member), Kind::Member);
    QVERIFY(member.data(DocumentTreeModel::HasArrayRole).toBool());
    QVERIFY2(type(member).startsWith(checkedType), qPrintable(type(member)));
    QVERIFY(document->problems().isEmpty());
}

void TestDocumentTree::refusedMembersShowTheirReason_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("reasonPart");
    QTest::newRow("pickled object") << "malformed/pickled_object.npz"
                                    << "pickle";
    QTest::newRow("code in header") << "malformed/code_in_header.npz"
                                    << "";
}

void TestDocumentTree::refusedMembersShowTheirReason()
{
    QFETCH(QString, file);
    QFETCH(QString, reasonPart);
    auto document = openDocument(file);
    DocumentTreeModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setDocument(document.get());

    int refused = 0;
    int readable = 0;
    for (int row = 0; row < model.rowCount(); ++row) {
        const QModelIndex index = model.index(row, 0);
        if (kindOf(index) == Kind::Refused) {
            ++refused;
            const QString reason = index.data(DocumentTreeModel::ErrorRole).toString();
            QVERIFY(!reason.isEmpty());
            QCOMPARE(value(index), reason);
            if (!reasonPart.isEmpty())
                QVERIFY2(reason.contains(reasonPart, Qt::CaseInsensitive), qPrintable(reason));
            QVERIFY(!index.data(DocumentTreeModel::HasArrayRole).toBool());
        } else {
            ++readable;
            QVERIFY(index.data(DocumentTreeModel::HasArrayRole).toBool());
            QVERIFY(document->archive()->read(index.data(DocumentTreeModel::MemberRole).toString()).ok());
        }
    }
    QVERIFY(refused >= 1);
    QVERIFY(readable >= 1);

    // The problems list has each refused member with the same reason.
    int errors = 0;
    for (const Problem& problem : document->problems()) {
        if (problem.severity != Problem::Severity::Error)
            continue;
        ++errors;
        QVERIFY(!problem.where.isEmpty());
        QCOMPARE(value(model.findKey(problem.where)), problem.message);
    }
    QCOMPARE(errors, refused);
}

void TestDocumentTree::unreadableFileFailsWithReason_data()
{
    QTest::addColumn<QString>("file");
    QTest::newRow("not a zip") << "malformed/not_a_zip.npz";
    QTest::newRow("truncated") << "malformed/truncated_archive.npz";
    QTest::newRow("missing") << "malformed/no_such_file.npz";
}

void TestDocumentTree::unreadableFileFailsWithReason()
{
    QFETCH(QString, file);
    const Result<OpenedFile> opened = openFile(testData(file));
    QVERIFY(!opened.ok());
    QVERIFY2(opened.error().message().contains(QFileInfo(file).fileName()), qPrintable(opened.error().message()));
    QVERIFY(!opened.error().reason.isEmpty());
}

void TestDocumentTree::filterNarrowsByName()
{
    auto document = openDocument(QStringLiteral("nemos/ridge_glm_params_fitted.npz"));
    DocumentTreeModel model;
    model.setDocument(document.get());
    QSortFilterProxyModel filter;
    filter.setSourceModel(&model);
    filter.setRecursiveFilteringEnabled(true);
    filter.setFilterCaseSensitivity(Qt::CaseInsensitive);
    QAbstractItemModelTester tester(&filter, QAbstractItemModelTester::FailureReportingMode::QtTest);
    filter.setFilterFixedString(QStringLiteral("COEF"));
    QCOMPARE(childNames(filter), QStringList({ "Fit parameters" }));
    QCOMPARE(childNames(filter, filter.index(0, 0)), QStringList({ "coef_" }));
    filter.setFilterFixedString(QStringLiteral("solver"));
    QCOMPARE(childNames(filter, filter.index(0, 0)), QStringList({ "solver_name", "solver_kwargs" }));
}

void TestDocumentTree::treeFollowsModelChanges()
{
    auto document = openDocument(QStringLiteral("nemos/ridge_glm_params_fitted.npz"));
    DocumentTreeModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setDocument(document.get());
    QCOMPARE(value(model.findKey(QStringLiteral("regularizer_strength"))), QStringLiteral("1.0"));

    // An edit as the editors make it: on the specification, then a notification.
    QVERIFY(document->spec()->set(QStringLiteral("regularizer_strength"), QStringLiteral("0.25")).ok());
    document->notifyModelChanged();
    QCOMPARE(value(model.findKey(QStringLiteral("regularizer_strength"))), QStringLiteral("0.25"));

    // The undo stack decides whether the document is modified.
    QSignalSpy modified(document.get(), &Document::modifiedChanged);
    QVERIFY(!document->isModified());
    document->undoStack()->push(new QUndoCommand(QStringLiteral("edit")));
    QVERIFY(document->isModified());
    QCOMPARE(modified.count(), 1);
    document->undoStack()->setClean();
    QVERIFY(!document->isModified());
}

NEMOSCOPE_GUI_TEST_MAIN(TestDocumentTree)
#include "tst_documenttree.moc"
