// Model files: saving keeps what Nemoscope does not understand, in either layout, atomically; mapped files
// save with no unresolved names; the Python snippet; the bridge to the fitting engine.

#include "fit/glm.h"
#include "model/fitbridge.h"
#include "model/nemosfile.h"
#include "npy/npzarchive.h"
#include "npy/npzwriter.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>

using namespace nemoscope;
using namespace nemoscope::model;

Q_DECLARE_METATYPE(nemoscope::model::KeyLayout)

namespace {

QString fixture(const QString& name)
{
    return QStringLiteral(NEMOSCOPE_TEST_DATA "/nemos/") + name;
}

NemosFile loadOrFail(const QString& path)
{
    auto file = NemosFile::load(path);
    if (!file) {
        qWarning() << file.error().message();
        return {};
    }
    return *file;
}

} // namespace

class TestNemosFile : public QObject
{
    Q_OBJECT

private slots:
    void savesMappedModel_data();
    void savesMappedModel();
    void keepsUnknownMembers();
    void savesBothLayoutsAndCompression_data();
    void savesBothLayoutsAndCompression();
    void failedSaveLeavesNothing();
    void writesPythonSnippet();
    void buildsFitSetup_data();
    void buildsFitSetup();
    void refusesUnfittableModels();
    void storesFitResult();
};

void TestNemosFile::savesMappedModel_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<KeyLayout>("layout");
    QTest::newRow("current to current") << QStringLiteral("custom_regularizer_params.npz") << KeyLayout::Current;
    QTest::newRow("current to legacy") << QStringLiteral("custom_regularizer_params.npz") << KeyLayout::Legacy;
    QTest::newRow("legacy to current") << QStringLiteral("custom_regularizer_params_legacy.npz") << KeyLayout::Current;
    QTest::newRow("legacy to legacy") << QStringLiteral("custom_regularizer_params_legacy.npz") << KeyLayout::Legacy;
}

void TestNemosFile::savesMappedModel()
{
    QFETCH(QString, file);
    QFETCH(KeyLayout, layout);

    NemosFile model = loadOrFail(fixture(file));
    QVERIFY(model.spec());
    QCOMPARE(model.spec()->unresolved().size(), 2);
    QVERIFY(model.spec()->applyMapping(QStringLiteral("regularizer"), QStringLiteral("Ridge")).ok());
    QVERIFY(model.spec()->applyMapping(QStringLiteral("inverse_link_function"), QStringLiteral("exp")).ok());
    QVERIFY(model.spec()->validate().isEmpty());

    QTemporaryDir dir;
    const QString out = dir.filePath(QStringLiteral("mapped.npz"));
    auto saved = model.save(out, layout);
    QVERIFY2(saved.ok(), qPrintable(saved.ok() ? QString() : saved.error().message()));

    NemosFile again = loadOrFail(out);
    QCOMPARE(again.layout(), std::optional<KeyLayout>(layout));
    QVERIFY(again.spec());
    QVERIFY(again.spec()->unresolved().isEmpty());
    QVERIFY(again.spec()->validate().isEmpty());
    QCOMPARE(again.spec()->regularizer().saved, QStringLiteral("nemos.regularizer.Ridge"));
    QCOMPARE(again.spec()->inverseLinkSaved(), QStringLiteral("jax.numpy.exp"));
    // new_param is gone from the file (Ridge does not take it) and everything else is as it was.
    QVERIFY(!again.tree().at({ QStringLiteral("regularizer"), QStringLiteral("params") }));
    QCOMPARE(again.spec()->solverName(), QStringLiteral("LBFGS"));
    QVERIFY(*again.tree().find(QStringLiteral("save_metadata")) == *model.tree().find(QStringLiteral("save_metadata")));
    QCOMPARE(again.tree().keys().size(), model.tree().keys().size());

    const QString snippet = model.pythonSnippet();
    QVERIFY2(snippet.contains(QStringLiteral("\"regularizer\": nmo.regularizer.Ridge,")), qPrintable(snippet));
    QVERIFY2(snippet.contains(QStringLiteral("\"inverse_link_function\": jax.numpy.exp,")), qPrintable(snippet));
}

void TestNemosFile::keepsUnknownMembers()
{
    // A nemos file with two extra members: a plain array and one NumPy wrote with a pickle.
    auto archive = npy::NpzArchive::open(fixture(QStringLiteral("ridge_glm_params_fitted.npz")));
    QVERIFY(archive.ok());
    std::vector<npy::NpzEntry> entries;
    for (const npy::NpzMember& member : (*archive)->members())
        entries.push_back({ member.name, *(*archive)->read(member.name), {} });
    auto pickled = npy::NpzArchive::open(QStringLiteral(NEMOSCOPE_TEST_DATA "/malformed/pickled_object.npz"));
    QVERIFY(pickled.ok());
    auto pickledRaw = (*pickled)->readRawNpy(QStringLiteral("payload"));
    QVERIFY(pickledRaw.ok());
    entries.push_back(
        { QStringLiteral("notes"), npy::NdArray::fromStrings({ QStringLiteral("a"), QStringLiteral("b") }), {} });
    entries.push_back({ QStringLiteral("payload"), {}, *pickledRaw });

    QTemporaryDir dir;
    const QString in = dir.filePath(QStringLiteral("extra.npz"));
    QVERIFY(npy::writeNpz(in, entries).ok());

    NemosFile model = loadOrFail(in);
    QVERIFY(model.isNemos());
    QCOMPARE(model.unknownMembers(), QStringList({ QStringLiteral("payload"), QStringLiteral("notes") }));
    // The reader refuses the object array; the reason is kept for the user.
    QVERIFY(!model.unknownReasons()[0].isEmpty());

    QVERIFY(model.spec()->set(QStringLiteral("regularizer_strength"), QStringLiteral("0.5")).ok());
    const QString out = dir.filePath(QStringLiteral("edited.npz"));
    QVERIFY(model.save(out).ok());

    auto written = npy::NpzArchive::open(out);
    QVERIFY(written.ok());
    QVERIFY((*written)->member(QStringLiteral("notes")));
    auto input = npy::NpzArchive::open(in);
    QVERIFY(input.ok());
    QCOMPARE(*(*written)->readRawNpy(QStringLiteral("notes")), *(*input)->readRawNpy(QStringLiteral("notes")));
    QCOMPARE(*(*written)->readRawNpy(QStringLiteral("payload")), *pickledRaw);
    QCOMPARE(NemosFile::load(out)->spec()->strength(), std::optional<double>(0.5));
}

void TestNemosFile::savesBothLayoutsAndCompression_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<KeyLayout>("layout");
    QTest::addColumn<bool>("deflated");
    QTest::newRow("elasticnet legacy deflated")
        << QStringLiteral("gaussian_elasticnet_fitted_compressed.npz") << KeyLayout::Legacy << true;
    QTest::newRow("population current stored")
        << QStringLiteral("population_ridge_fitted.npz") << KeyLayout::Current << false;
    QTest::newRow("grouplasso legacy stored")
        << QStringLiteral("poisson_grouplasso_fitted.npz") << KeyLayout::Legacy << false;
}

void TestNemosFile::savesBothLayoutsAndCompression()
{
    QFETCH(QString, file);
    QFETCH(KeyLayout, layout);
    QFETCH(bool, deflated);

    const NemosFile model = loadOrFail(fixture(file));
    QTemporaryDir dir;
    const QString out = dir.filePath(QStringLiteral("out.npz"));
    QVERIFY(model.save(out, layout, deflated ? npy::Compression::Deflated : npy::Compression::Stored).ok());

    auto archive = npy::NpzArchive::open(out);
    QVERIFY(archive.ok());
    for (const npy::NpzMember& member : (*archive)->members()) {
        QCOMPARE(member.compressed, deflated);
        QVERIFY2(member.name.contains(layout == KeyLayout::Current ? QStringLiteral("::") : QStringLiteral("__")),
            qPrintable(member.name));
    }
    const NemosFile again = loadOrFail(out);
    QCOMPARE(again.layout(), std::optional<KeyLayout>(layout));
    QVERIFY(again.tree() == model.tree());
}

void TestNemosFile::failedSaveLeavesNothing()
{
    const NemosFile model = loadOrFail(fixture(QStringLiteral("ridge_glm_params.npz")));
    QTemporaryDir dir;
    const QString missingFolder = dir.filePath(QStringLiteral("no/such/folder/out.npz"));
    auto saved = model.save(missingFolder);
    QVERIFY(!saved.ok());
    QVERIFY(!saved.error().reason.isEmpty());
    QVERIFY(!QFile::exists(missingFolder));

    // Overwriting keeps the old file until the new one is complete: it is replaced whole.
    const QString target = dir.filePath(QStringLiteral("target.npz"));
    QVERIFY(QFile::copy(fixture(QStringLiteral("custom_regularizer_params.npz")), target));
    QVERIFY(model.save(target).ok());
    QCOMPARE(NemosFile::load(target)->spec()->solverName(), QStringLiteral("GradientDescent"));
}

void TestNemosFile::writesPythonSnippet()
{
    NemosFile model = loadOrFail(fixture(QStringLiteral("custom_regularizer_params.npz")));
    QCOMPARE(model.pythonSnippet(QStringLiteral("custom_regularizer_params.npz")),
        QStringLiteral("import nemos as nmo\n\nmodel = nmo.load_model(\"custom_regularizer_params.npz\")\n"));

    QVERIFY(model.spec()->applyMapping(QStringLiteral("regularizer"), QStringLiteral("Ridge")).ok());
    QVERIFY(model.spec()->applyMapping(QStringLiteral("inverse_link_function"), QStringLiteral("jax.numpy.exp")).ok());
    const QString expected = QStringLiteral(
        "import nemos as nmo\n"
        "import jax.numpy\n"
        "\n"
        "# mapping_dict takes the classes and functions themselves, not their names.\n"
        "# nemos passes the saved parameters to a mapped class, and nmo.regularizer.Ridge does not accept "
        "new_param=10:\n"
        "# map to a class that accepts them, or load the file Nemoscope saves without them.\n"
        "model = nmo.load_model(\n"
        "    \"C:\\\\models\\\\x \\\"1\\\".npz\",\n"
        "    mapping_dict={\n"
        "        \"regularizer\": nmo.regularizer.Ridge,\n"
        "        \"inverse_link_function\": jax.numpy.exp,\n"
        "    },\n"
        ")\n");
    QCOMPARE(model.pythonSnippet(QStringLiteral("C:\\models\\x \"1\".npz")), expected);

    // Built-ins under nmo need no import.
    QList<AppliedMapping> mappings;
    AppliedMapping link;
    link.key = QStringLiteral("inverse_link_function");
    link.builtin = resolveBuiltin(BuiltinCategory::InverseLink, QStringLiteral("one_over_x"));
    mappings << link;
    QVERIFY(!pythonSnippet(QStringLiteral("m.npz"), mappings).contains(QStringLiteral("import jax")));
    QVERIFY(pythonSnippet(QStringLiteral("m.npz"), mappings).contains(QStringLiteral("nmo.utils.one_over_x")));
}

void TestNemosFile::buildsFitSetup_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("summary"); // observation|link|penalty|strength|ratio|solver|population|extra

    QTest::newRow("ridge") << QStringLiteral("ridge_glm_params.npz")
                           << QStringLiteral("Poisson|exp|Ridge|1|0.5|GradientDescent|no|");
    QTest::newRow("gamma") << QStringLiteral("gamma_ridge_fitted.npz")
                           << QStringLiteral("Gamma|one_over_x|Ridge|0.01|0.5|BFGS|no|tol=1e-08 maxiter=1000");
    QTest::newRow("bernoulli") << QStringLiteral("bernoulli_lasso_fitted.npz")
                               << QStringLiteral("Bernoulli|logistic|Lasso|0.01|0.5|ProximalGradient|no|maxiter=5000");
    QTest::newRow("elasticnet") << QStringLiteral("gaussian_elasticnet_fitted_compressed.npz")
                                << QStringLiteral("Gaussian|identity|ElasticNet|0.1|0.7|ProximalGradient|no|");
    QTest::newRow("negbin") << QStringLiteral("negbin_ridge_fitted.npz")
                            << QStringLiteral("NegativeBinomial|exp|Ridge|0.05|0.5|LBFGS|no|scale=0.5");
    QTest::newRow("grouplasso") << QStringLiteral("poisson_grouplasso_fitted.npz")
                                << QStringLiteral("Poisson|exp|GroupLasso|0.05|0.5|ProximalGradient|no|mask=3x6");
    QTest::newRow("softplus") << QStringLiteral("poisson_softplus_ridge_fitted.npz")
                              << QStringLiteral("Poisson|softplus|Ridge|0.01|0.5|LBFGS|no|");
    QTest::newRow("population") << QStringLiteral("population_ridge_fitted.npz")
                                << QStringLiteral("Poisson|exp|Ridge|0.05|0.5|LBFGS|yes|features=5x3");
}

void TestNemosFile::buildsFitSetup()
{
    QFETCH(QString, file);
    QFETCH(QString, summary);

    const NemosFile model = loadOrFail(fixture(file));
    auto setup = fitSetup(*model.spec());
    QVERIFY2(setup.ok(), qPrintable(setup.ok() ? QString() : setup.error().message()));
    const fit::GlmProblem& p = setup->problem;
    QStringList extra;
    if (setup->options.tol)
        extra << QStringLiteral("tol=") + QString::number(*setup->options.tol);
    if (setup->options.maxIter)
        extra << QStringLiteral("maxiter=") + QString::number(*setup->options.maxIter);
    if (p.observation == fit::Observation::NegativeBinomial)
        extra << QStringLiteral("scale=") + QString::number(p.observationScale);
    if (p.groupMask.size() > 0)
        extra << QStringLiteral("mask=%1x%2").arg(p.groupMask.rows()).arg(p.groupMask.cols());
    if (p.featureMask.size() > 0)
        extra << QStringLiteral("features=%1x%2").arg(p.featureMask.rows()).arg(p.featureMask.cols());
    const QStringList parts { fit::toString(p.observation), fit::toString(p.link), fit::toString(p.penalty),
        QString::number(p.strength), QString::number(p.ratio), fit::toString(setup->options.solver),
        p.population ? QStringLiteral("yes") : QStringLiteral("no"), extra.join(QLatin1Char(' ')) };
    QCOMPARE(parts.join(QLatin1Char('|')), summary);
}

void TestNemosFile::refusesUnfittableModels()
{
    NemosFile custom = loadOrFail(fixture(QStringLiteral("custom_regularizer_params.npz")));
    auto setup = fitSetup(*custom.spec());
    QVERIFY(!setup.ok());
    QCOMPARE(setup.error().member, QStringLiteral("inverse_link_function"));
    QVERIFY2(setup.error().reason.contains(QStringLiteral("map it first")), qPrintable(setup.error().reason));

    NemosFile classifier = loadOrFail(fixture(QStringLiteral("ridge_glm_params.npz")));
    ParamNode tree = classifier.spec()->toTree();
    tree.insert(
        QStringLiteral("model_class"), ParamNode::fromString(QStringLiteral("nemos.glm.classifier_glm.ClassifierGLM")));
    auto spec = ModelSpec::fromTree(tree);
    QVERIFY(spec.ok());
    QVERIFY(spec->modelKind() == ModelKind::ClassifierGLM);
    QVERIFY(!spec->fittingSupported());
    auto refused = fitSetup(*spec);
    QVERIFY(!refused.ok());
    QCOMPARE(refused.error().member, QStringLiteral("model_class"));

    NemosFile badKwargs = loadOrFail(fixture(QStringLiteral("ridge_glm_params.npz")));
    QVERIFY(badKwargs.spec()->set(QStringLiteral("solver_kwargs__tol"), QStringLiteral("'small'")).ok());
    auto badSetup = fitSetup(*badKwargs.spec());
    QVERIFY(!badSetup.ok());
    QVERIFY2(badSetup.error().member.contains(QStringLiteral("tol")), qPrintable(badSetup.error().message()));
}

void TestNemosFile::storesFitResult()
{
    // The seed example's Ridge model reaches the reference fit, and the fit state is stored as nemos keeps it.
    auto data = npy::NpzArchive::open(QStringLiteral(NEMOSCOPE_TEST_DATA "/data/seed_example.npz"));
    QVERIFY(data.ok());
    const Eigen::MatrixXd X = *(*data)->read(QStringLiteral("X"))->toMatrix();
    const Eigen::MatrixXd y = *(*data)->read(QStringLiteral("counts"))->toMatrix();

    QFile referenceFile(QStringLiteral(NEMOSCOPE_TEST_DATA "/data/reference_fits.json"));
    QVERIFY(referenceFile.open(QIODevice::ReadOnly));
    const QJsonObject reference = QJsonDocument::fromJson(referenceFile.readAll()).array().first().toObject();
    QCOMPARE(reference.value(QStringLiteral("regularizer")).toString(), QStringLiteral("Ridge"));

    NemosFile model = loadOrFail(fixture(QStringLiteral("ridge_glm_params.npz")));
    auto setup = fitSetup(*model.spec());
    QVERIFY(setup.ok());
    const fit::FitResult result = fit::fitGlm(setup->problem, setup->options, X, y);
    QVERIFY2(result.converged(), qPrintable(result.message));
    QVERIFY(std::abs(result.coef(0, 0) - reference.value(QStringLiteral("coef")).toArray()[0].toDouble()) < 1e-5);
    QVERIFY(
        std::abs(result.intercept(0) - reference.value(QStringLiteral("intercept")).toArray()[0].toDouble()) < 1e-5);

    storeFitResult(*model.spec(), result);
    const ModelSpec& spec = *model.spec();
    QVERIFY(spec.isFitted());
    QCOMPARE(spec.coef().array().dtype(), npy::DType::float32());
    QCOMPARE(spec.coef().array().shape(), std::vector<qint64> { 1 });
    QCOMPARE(spec.intercept().array().shape(), std::vector<qint64> { 1 });
    QVERIFY(spec.scale().type() == ParamNode::Type::Float);
    QCOMPARE(spec.scale().sourceArray().dtype(), npy::DType::float32());
    QVERIFY(spec.dofResid().type() == ParamNode::Type::Float);

    QTemporaryDir dir;
    const QString out = dir.filePath(QStringLiteral("fitted.npz"));
    QVERIFY(model.save(out).ok());
    const NemosFile again = loadOrFail(out);
    QVERIFY(again.spec()->isFitted());
    QVERIFY(std::abs(again.spec()->coef().array().toDouble(qint64(0)) - result.coef(0, 0)) < 1e-6);
}

QTEST_GUILESS_MAIN(TestNemosFile)
#include "tst_nemosfile.moc"
