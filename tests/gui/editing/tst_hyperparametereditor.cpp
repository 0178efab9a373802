// The hyperparameter editor alone: what each field offers, edits it accepts and emits, and input it
// refuses in place with the reason.

#include "editing/hyperparametereditor.h"
#include "model/nemosfile.h"

#include <QComboBox>
#include <QLineEdit>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTest>

using namespace nemoscope;

class TestHyperparameterEditor : public QObject
{
    Q_OBJECT

private slots:
    void offersOnlyAllowedSolvers_data();
    void offersOnlyAllowedSolvers();
    void acceptsStrength();
    void refusesInvalidInput_data();
    void refusesInvalidInput();
    void regularizerChangeKeepsSolverValid();
    void groupLassoMaskGrid();
    void solverOptions();
    void noModel();

private:
    static model::ModelSpec loadSpec(const QString& name);
};

model::ModelSpec TestHyperparameterEditor::loadSpec(const QString& name)
{
    Result<model::NemosFile> file = model::NemosFile::load(QStringLiteral(NEMOSCOPE_TEST_DATA "/nemos/") + name);
    if (!file || !file->spec())
        qFatal("cannot load %s", qPrintable(name));
    return *file->spec();
}

void TestHyperparameterEditor::offersOnlyAllowedSolvers_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QStringList>("solvers");
    QTest::addColumn<QString>("marked");

    QTest::newRow("Ridge") << "ridge_glm_params.npz"
                           << QStringList { "GradientDescent", "BFGS", "LBFGS", "NonlinearCG", "SVRG",
                                  "ProximalGradient", "ProxSVRG", "Newton" }
                           << "GradientDescent";
    QTest::newRow("Lasso") << "bernoulli_lasso_fitted.npz" << QStringList { "ProximalGradient", "ProxSVRG", "Newton" }
                           << "ProximalGradient";
}

void TestHyperparameterEditor::offersOnlyAllowedSolvers()
{
    QFETCH(QString, file);
    QFETCH(QStringList, solvers);
    QFETCH(QString, marked);

    ui::HyperparameterEditor editor;
    editor.setSpec(loadSpec(file));
    QStringList offered;
    for (int i = 0; i < editor.solverCombo()->count(); ++i) {
        const QString name = editor.solverCombo()->itemData(i).toString();
        offered << name;
        if (name == marked)
            QVERIFY2(editor.solverCombo()->itemText(i).contains(QStringLiteral("default")),
                qPrintable(editor.solverCombo()->itemText(i)));
        else
            QVERIFY(!editor.solverCombo()->itemText(i).contains(QStringLiteral("default")));
        // Newton runs here but nemos does not load a model saved with it: the list says so.
        if (name == QStringLiteral("Newton"))
            QVERIFY(editor.solverCombo()->itemText(i).contains(QStringLiteral("Nemoscope only")));
    }
    std::sort(offered.begin(), offered.end());
    std::sort(solvers.begin(), solvers.end());
    QCOMPARE(offered, solvers);
}

void TestHyperparameterEditor::acceptsStrength()
{
    ui::HyperparameterEditor editor;
    editor.setSpec(loadSpec(QStringLiteral("ridge_glm_params.npz")));
    QSignalSpy edits(&editor, &ui::HyperparameterEditor::editRequested);

    editor.strengthEdit()->setFocus();
    editor.strengthEdit()->selectAll();
    QTest::keyClicks(editor.strengthEdit(), QStringLiteral("0.25"));
    QTest::keyClick(editor.strengthEdit(), Qt::Key_Return);

    QCOMPARE(edits.count(), 1);
    const auto edited = edits.first().first().value<model::ModelSpec>();
    QCOMPARE(edited.strength(), std::optional<double>(0.25));
    QVERIFY(edits.first().at(1).toString().contains(QStringLiteral("0.25")));
    QCOMPARE(editor.refusal(QStringLiteral("regularizer_strength")), QString());
}

void TestHyperparameterEditor::refusesInvalidInput_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("value");
    QTest::addColumn<QString>("reason");

    QTest::newRow("negative strength") << "ridge_glm_params.npz"
                                       << "regularizer_strength"
                                       << "-1"
                                       << "strength";
    QTest::newRow("solver not allowed") << "bernoulli_lasso_fitted.npz"
                                        << "solver_name"
                                        << "LBFGS"
                                        << "LBFGS";
    QTest::newRow("ElasticNet ratio above 1") << "gaussian_elasticnet_fitted_compressed.npz"
                                              << "regularizer_strength"
                                              << "(0.1, 1.5)"
                                              << "ratio";
    QTest::newRow("unknown observation model") << "ridge_glm_params.npz"
                                               << "observation_model"
                                               << "Cauchy"
                                               << "Cauchy";
    QTest::newRow("negative scale") << "negbin_ridge_fitted.npz"
                                    << "observation_model__scale"
                                    << "-0.5"
                                    << "scale";
}

void TestHyperparameterEditor::refusesInvalidInput()
{
    QFETCH(QString, file);
    QFETCH(QString, key);
    QFETCH(QString, value);
    QFETCH(QString, reason);

    ui::HyperparameterEditor editor;
    const model::ModelSpec original = loadSpec(file);
    editor.setSpec(original);
    QSignalSpy edits(&editor, &ui::HyperparameterEditor::editRequested);

    const QString refusal = editor.requestEdit(key, value, QStringLiteral("test"));
    QVERIFY2(refusal.contains(reason, Qt::CaseInsensitive), qPrintable(refusal));
    QCOMPARE(edits.count(), 0);
    // The reason is shown under the field, and the model is as it was.
    QVERIFY(!editor.refusal(key).isEmpty());
    QVERIFY(editor.spec()->toTree() == original.toTree());
}

void TestHyperparameterEditor::regularizerChangeKeepsSolverValid()
{
    ui::HyperparameterEditor editor;
    editor.setSpec(loadSpec(QStringLiteral("ridge_glm_params.npz")));
    QSignalSpy edits(&editor, &ui::HyperparameterEditor::editRequested);

    // GradientDescent is not allowed with Lasso: choosing Lasso moves to its default solver in one step.
    QComboBox* combo = editor.regularizerCombo();
    const int lasso = combo->findData(QStringLiteral("Lasso"));
    QVERIFY(lasso >= 0);
    combo->setCurrentIndex(lasso);
    emit combo->activated(lasso);

    QCOMPARE(edits.count(), 1);
    const auto edited = edits.first().first().value<model::ModelSpec>();
    QCOMPARE(edited.regularizer().builtin->name, QStringLiteral("Lasso"));
    QCOMPARE(edited.solverName(), QStringLiteral("ProximalGradient"));
    QVERIFY(edited.validate().isEmpty());
}

void TestHyperparameterEditor::groupLassoMaskGrid()
{
    ui::HyperparameterEditor editor;
    editor.setSpec(loadSpec(QStringLiteral("poisson_grouplasso_fitted.npz")));
    QTableWidget* grid = editor.maskGrid();
    QVERIFY(grid->isVisibleTo(&editor));
    QCOMPARE(grid->rowCount(), 3);
    QCOMPARE(grid->columnCount(), 6);

    QSignalSpy edits(&editor, &ui::HyperparameterEditor::editRequested);
    QTableWidgetItem* cell = grid->item(0, 0);
    const bool wasChecked = cell->checkState() == Qt::Checked;
    cell->setCheckState(wasChecked ? Qt::Unchecked : Qt::Checked);
    QTRY_COMPARE(edits.count(), 1);

    const auto edited = edits.first().first().value<model::ModelSpec>();
    const model::ParamNode* mask = edited.regularizer().params.find(QStringLiteral("mask"));
    QVERIFY(mask && mask->type() == model::ParamNode::Type::Array);
    Result<Eigen::MatrixXd> values = mask->array().toMatrix();
    QVERIFY(values.ok());
    QCOMPARE(values->rows(), Eigen::Index(3));
    QCOMPARE((*values)(0, 0), wasChecked ? 0.0 : 1.0);
}

void TestHyperparameterEditor::solverOptions()
{
    ui::HyperparameterEditor editor;
    editor.setSpec(loadSpec(QStringLiteral("ridge_glm_params.npz")));
    QSignalSpy edits(&editor, &ui::HyperparameterEditor::editRequested);

    QCOMPARE(editor.requestEdit(QStringLiteral("solver_kwargs__maxiter"), QStringLiteral("500"), QStringLiteral("m")),
        QString());
    QCOMPARE(edits.count(), 1);
    QCOMPARE(editor.solverOptionsTable()->rowCount(), 1);
    QCOMPARE(editor.solverOptionsTable()->item(0, 0)->text(), QStringLiteral("maxiter"));

    // A typed option refuses a value of another type, in place, through the table.
    editor.solverOptionsTable()->item(0, 1)->setText(QStringLiteral("many"));
    QTRY_VERIFY(!editor.refusal(QStringLiteral("solver_kwargs")).isEmpty());
    QVERIFY(editor.refusal(QStringLiteral("solver_kwargs")).contains(QStringLiteral("integer")));
    QCOMPARE(edits.count(), 1);
    QCOMPARE(editor.solverOptionsTable()->item(0, 1)->text(), QStringLiteral("500"));
}

void TestHyperparameterEditor::noModel()
{
    ui::HyperparameterEditor editor;
    editor.setSpec(std::nullopt);
    QVERIFY(!editor.requestEdit(QStringLiteral("regularizer_strength"), QStringLiteral("1"), QString()).isEmpty());
}

QTEST_MAIN(TestHyperparameterEditor)
#include "tst_hyperparametereditor.moc"
