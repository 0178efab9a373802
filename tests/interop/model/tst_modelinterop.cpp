// Files Nemoscope writes, read by NumPy itself (allow_pickle=False): every member is there, bit for bit, and
// the tree nemos' loader rebuilds from them is the tree Nemoscope meant to write.

#include "model/nemosfile.h"

#include <QDir>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace nemoscope;
using namespace nemoscope::model;

Q_DECLARE_METATYPE(nemoscope::model::KeyLayout)

namespace {

QString fixture(const QString& name)
{
    return QStringLiteral(NEMOSCOPE_TEST_DATA "/nemos/") + name;
}

QString script(const QString& name)
{
    return QStringLiteral(NEMOSCOPE_INTEROP_SCRIPTS "/") + name;
}

// Runs a helper script with the system Python and NumPy; returns its standard output.
QString python(const QStringList& arguments)
{
    QProcess process;
    process.start(QStringLiteral(NEMOSCOPE_PYTHON), arguments);
    if (!process.waitForFinished(60000) || process.exitCode() != 0) {
        qWarning() << "python failed:" << arguments << process.readAllStandardError();
        return QStringLiteral("<python failed>");
    }
    return QString::fromUtf8(process.readAllStandardOutput()).trimmed();
}

NemosFile load(const QString& path)
{
    auto file = NemosFile::load(path);
    return file ? *file : NemosFile();
}

} // namespace

class TestModelInterop : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void numpyRebuildsTheTree_data();
    void numpyRebuildsTheTree();
    void mappedFileHoldsBuiltins();
    void editedValuesAsNumPySeesThem();
};

void TestModelInterop::initTestCase()
{
    QVERIFY2(python({ QStringLiteral("-c"), QStringLiteral("import numpy; print('ok')") }) == QLatin1String("ok"),
        "NumPy is needed for the interop tests (Debian: python3-numpy)");
}

void TestModelInterop::numpyRebuildsTheTree_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<KeyLayout>("layout");
    const QStringList files = QDir(QStringLiteral(NEMOSCOPE_TEST_DATA "/nemos")).entryList({ QStringLiteral("*.npz") });
    for (const QString& file : files) {
        QTest::newRow(qPrintable(file + QStringLiteral(" current"))) << file << KeyLayout::Current;
        QTest::newRow(qPrintable(file + QStringLiteral(" legacy"))) << file << KeyLayout::Legacy;
    }
}

void TestModelInterop::numpyRebuildsTheTree()
{
    QFETCH(QString, file);
    QFETCH(KeyLayout, layout);

    const NemosFile model = load(fixture(file));
    QVERIFY(model.isNemos());
    QTemporaryDir dir;
    const QString out = dir.filePath(QStringLiteral("written.npz"));
    const bool deflated = file.contains(QLatin1String("compressed"));
    QVERIFY(model.save(out, layout, deflated ? npy::Compression::Deflated : npy::Compression::Stored).ok());

    // The tree nemos rebuilds from the written file is the one it builds from the original.
    const QStringList original = python({ script(QStringLiteral("nemos_unflatten.py")), fixture(file) }).split('\n');
    const QStringList written = python({ script(QStringLiteral("nemos_unflatten.py")), out }).split('\n');
    QCOMPARE(written.size(), 2);
    QCOMPARE(written[0], toString(layout));
    QCOMPARE(written[1], original.value(1));
    QCOMPARE(written[1], model.tree().displayText());

    // In the file's own layout, every member is the same, bit for bit.
    if (model.layout() == layout)
        QCOMPARE(python({ script(QStringLiteral("compare_members.py")), fixture(file), out }), QStringLiteral("same"));
}

void TestModelInterop::mappedFileHoldsBuiltins()
{
    NemosFile model = load(fixture(QStringLiteral("custom_regularizer_params.npz")));
    QVERIFY(model.spec()->applyMapping(QStringLiteral("regularizer"), QStringLiteral("Ridge")).ok());
    QVERIFY(model.spec()->applyMapping(QStringLiteral("inverse_link_function"), QStringLiteral("exp")).ok());
    QTemporaryDir dir;
    const QString out = dir.filePath(QStringLiteral("mapped.npz"));
    QVERIFY(model.save(out).ok());

    const QString values = python(
        { script(QStringLiteral("read_values.py")), out, QStringLiteral("dict::strkey:regularizer::item::strkey:class"),
            QStringLiteral("item::strkey:inverse_link_function"),
            QStringLiteral("dict::strkey:regularizer::dict::strkey:params::item::strkey:new_param") });
    QCOMPARE(values,
        QStringLiteral("dict::strkey:regularizer::item::strkey:class <U23 () 'nemos.regularizer.Ridge'\n"
                       "item::strkey:inverse_link_function <U13 () 'jax.numpy.exp'\n"
                       "dict::strkey:regularizer::dict::strkey:params::item::strkey:new_param missing"));
    QCOMPARE(python({ script(QStringLiteral("nemos_unflatten.py")), out }).split('\n').value(1),
        QStringLiteral("{'inverse_link_function': 'jax.numpy.exp', 'observation_model': {'class': "
                       "'nemos.observation_models.PoissonObservations'}, 'regularizer': {'class': "
                       "'nemos.regularizer.Ridge'}, 'regularizer_strength': 1.0, 'solver_kwargs': None, 'solver_name': "
                       "'LBFGS', 'aux_': None, 'coef_': None, 'dof_resid_': None, 'intercept_': None, 'scale_': None, "
                       "'save_metadata': {'jax': '0.4.38', 'jaxlib': '0.4.38', 'scipy': '1.15.2', 'scikit-learn': "
                       "'1.6.1', 'nemos': '0.2.9'}, 'model_class': 'nemos.glm.glm.GLM'}"));
}

void TestModelInterop::editedValuesAsNumPySeesThem()
{
    NemosFile model = load(fixture(QStringLiteral("ridge_glm_params_fitted_legacy.npz")));
    QVERIFY(model.spec()->set(QStringLiteral("regularizer_strength"), QStringLiteral("0.1")).ok());
    QVERIFY(model.spec()->set(QStringLiteral("solver_kwargs__tol"), QStringLiteral("1e-8")).ok());
    QVERIFY(model.spec()->set(QStringLiteral("solver_kwargs__maxiter"), QStringLiteral("200")).ok());
    QVERIFY(model.spec()->set(QStringLiteral("solver_name"), QStringLiteral("LBFGS")).ok());
    QTemporaryDir dir;
    const QString out = dir.filePath(QStringLiteral("edited.npz"));
    QVERIFY(model.save(out, KeyLayout::Legacy).ok());

    QCOMPARE(python({ script(QStringLiteral("read_values.py")), out, QStringLiteral("item__regularizer_strength"),
                 QStringLiteral("dict__solver_kwargs__item__tol"), QStringLiteral("dict__solver_kwargs__item__maxiter"),
                 QStringLiteral("item__solver_name"), QStringLiteral("item__dof_resid_"), QStringLiteral("item__coef_"),
                 QStringLiteral("item__solver_kwargs") }),
        QStringLiteral("item__regularizer_strength <f8 () 0.1\n"
                       "dict__solver_kwargs__item__tol <f8 () 1e-08\n"
                       "dict__solver_kwargs__item__maxiter <i8 () 200\n"
                       "item__solver_name <U5 () 'LBFGS'\n"
                       "item__dof_resid_ <f4 () 48.0\n"
                       "item__coef_ <f4 (1,) [-0.007103956304490566]\n"
                       "item__solver_kwargs missing"));
}

QTEST_GUILESS_MAIN(TestModelInterop)
#include "tst_modelinterop.moc"
