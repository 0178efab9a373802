// The nemos key layouts: every shared fixture decodes to the tree nemos' own loader builds, in both layouts;
// decode, encode, decode is the identity with arrays bit for bit; member names parse as nemos writes them.

#include "model/nemosfile.h"
#include "model/paramtree.h"
#include "npy/npzarchive.h"

#include <QDir>
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

std::vector<FlatMember> readMembers(const QString& path)
{
    std::vector<FlatMember> members;
    auto archive = npy::NpzArchive::open(path);
    if (!archive)
        return members;
    for (const npy::NpzMember& member : (*archive)->members()) {
        auto array = (*archive)->read(member.name);
        if (array)
            members.push_back({ member.name, *array });
    }
    return members;
}

npy::NdArray float64Scalar(double value)
{
    return npy::NdArray::fromDouble(value);
}

} // namespace

class TestParamTree : public QObject
{
    Q_OBJECT

private slots:
    void decodesFixtures_data();
    void decodesFixtures();
    void keepsFitValues();
    void roundTrips_data();
    void roundTrips();
    void reEncodesSameNames_data();
    void reEncodesSameNames();
    void parsesMemberNames_data();
    void parsesMemberNames();
    void plainArchiveStaysPlain();
    void setsAsideClashingMembers();
    void ordersSequencesByIndex();
    void encodesNewScalarsAsNumPyDoes();
    void keepsTypedDictKeys();
    void decodesWideAndRefusesDeepTrees();
};

void TestParamTree::decodesFixtures_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("layout");
    QTest::addColumn<QString>("tree");

    QTest::newRow("bernoulli_lasso_fitted")
        << QStringLiteral("bernoulli_lasso_fitted.npz") << QStringLiteral("current")
        << QStringLiteral("{'inverse_link_function': 'jax.lax.logistic', 'observation_model': {'class': "
                          "'nemos.observation_models.BernoulliObservations'}, 'regularizer': {'class': "
                          "'nemos.regularizer.Lasso'}, 'regularizer_strength': 0.01, 'solver_kwargs': {'maxiter': "
                          "5000}, 'solver_name': 'ProximalGradient', 'aux_': None, 'coef_': array(float32, (5,)), "
                          "'dof_resid_': 0.0, 'intercept_': array(float32, (1,)), 'scale_': 1.0, 'save_metadata': "
                          "{'jax': '0.4.38', 'jaxlib': '0.4.38', 'scipy': '1.15.2', 'scikit-learn': '1.6.1', 'nemos': "
                          "'0.2.9'}, 'model_class': 'nemos.glm.glm.GLM'}");
    QTest::newRow("custom_regularizer_params")
        << QStringLiteral("custom_regularizer_params.npz") << QStringLiteral("current")
        << QStringLiteral(
               "{'inverse_link_function': '__main__.custom_link', 'observation_model': {'class': "
               "'nemos.observation_models.PoissonObservations'}, 'regularizer': {'class': "
               "'__main__.CustomRegularizer', 'params': {'new_param': 10}}, 'regularizer_strength': 1.0, "
               "'solver_kwargs': None, 'solver_name': 'LBFGS', 'aux_': None, 'coef_': None, 'dof_resid_': None, "
               "'intercept_': None, 'scale_': None, 'save_metadata': {'jax': '0.4.38', 'jaxlib': '0.4.38', 'scipy': "
               "'1.15.2', 'scikit-learn': '1.6.1', 'nemos': '0.2.9'}, 'model_class': 'nemos.glm.glm.GLM'}");
    QTest::newRow("custom_regularizer_params_legacy")
        << QStringLiteral("custom_regularizer_params_legacy.npz") << QStringLiteral("legacy")
        << QStringLiteral(
               "{'inverse_link_function': '__main__.custom_link', 'observation_model': {'class': "
               "'nemos.observation_models.PoissonObservations'}, 'regularizer': {'class': "
               "'__main__.CustomRegularizer', 'params': {'new_param': 10}}, 'regularizer_strength': 1.0, "
               "'solver_kwargs': None, 'solver_name': 'LBFGS', 'aux_': None, 'coef_': None, 'dof_resid_': None, "
               "'intercept_': None, 'scale_': None, 'save_metadata': {'jax': '0.4.35', 'jaxlib': '0.4.35', 'scipy': "
               "'1.14.1', 'scikit-learn': '1.5.2', 'nemos': '0.2.4'}, 'model_class': 'nemos.glm.glm.GLM'}");
    QTest::newRow("gamma_ridge_fitted")
        << QStringLiteral("gamma_ridge_fitted.npz") << QStringLiteral("current")
        << QStringLiteral(
               "{'inverse_link_function': 'nemos.utils.one_over_x', 'observation_model': {'class': "
               "'nemos.observation_models.GammaObservations'}, 'regularizer': {'class': 'nemos.regularizer.Ridge'}, "
               "'regularizer_strength': 0.01, 'solver_kwargs': {'tol': 1e-08, 'maxiter': 1000}, 'solver_name': 'BFGS', "
               "'aux_': None, 'coef_': array(float32, (4,)), 'dof_resid_': 0.0, 'intercept_': array(float32, (1,)), "
               "'scale_': 1.0, 'save_metadata': {'jax': '0.4.38', 'jaxlib': '0.4.38', 'scipy': '1.15.2', "
               "'scikit-learn': '1.6.1', 'nemos': '0.2.9'}, 'model_class': 'nemos.glm.glm.GLM'}");
    QTest::newRow("gaussian_elasticnet_fitted_compressed")
        << QStringLiteral("gaussian_elasticnet_fitted_compressed.npz") << QStringLiteral("current")
        << QStringLiteral("{'inverse_link_function': 'nemos.inverse_link_function_utils.identity', "
                          "'observation_model': {'class': 'nemos.observation_models.GaussianObservations'}, "
                          "'regularizer': {'class': 'nemos.regularizer.ElasticNet'}, 'regularizer_strength': (0.1, "
                          "0.7), 'solver_kwargs': None, 'solver_name': 'ProximalGradient', 'aux_': None, 'coef_': "
                          "array(float32, (10,)), 'dof_resid_': 0.0, 'intercept_': array(float32, (1,)), 'scale_': "
                          "1.0, 'save_metadata': {'jax': '0.4.38', 'jaxlib': '0.4.38', 'scipy': '1.15.2', "
                          "'scikit-learn': '1.6.1', 'nemos': '0.2.9'}, 'model_class': 'nemos.glm.glm.GLM'}");
    QTest::newRow("negbin_ridge_fitted")
        << QStringLiteral("negbin_ridge_fitted.npz") << QStringLiteral("current")
        << QStringLiteral(
               "{'inverse_link_function': 'jax.numpy.exp', 'observation_model': {'class': "
               "'nemos.observation_models.NegativeBinomialObservations', 'params': {'scale': 0.5}}, 'regularizer': "
               "{'class': 'nemos.regularizer.Ridge'}, 'regularizer_strength': 0.05, 'solver_kwargs': None, "
               "'solver_name': 'LBFGS', 'aux_': None, 'coef_': array(float32, (4,)), 'dof_resid_': 0.0, 'intercept_': "
               "array(float32, (1,)), 'scale_': 1.0, 'save_metadata': {'jax': '0.4.38', 'jaxlib': '0.4.38', 'scipy': "
               "'1.15.2', 'scikit-learn': '1.6.1', 'nemos': '0.2.9'}, 'model_class': 'nemos.glm.glm.GLM'}");
    QTest::newRow("poisson_grouplasso_fitted")
        << QStringLiteral("poisson_grouplasso_fitted.npz") << QStringLiteral("current")
        << QStringLiteral(
               "{'inverse_link_function': 'jax.numpy.exp', 'observation_model': {'class': "
               "'nemos.observation_models.PoissonObservations'}, 'regularizer': {'class': "
               "'nemos.regularizer.GroupLasso', 'params': {'mask': array(float32, (3, 6))}}, 'regularizer_strength': "
               "0.05, 'solver_kwargs': None, 'solver_name': 'ProximalGradient', 'aux_': None, 'coef_': array(float32, "
               "(6,)), 'dof_resid_': 0.0, 'intercept_': array(float32, (1,)), 'scale_': 1.0, 'save_metadata': {'jax': "
               "'0.4.38', 'jaxlib': '0.4.38', 'scipy': '1.15.2', 'scikit-learn': '1.6.1', 'nemos': '0.2.9'}, "
               "'model_class': 'nemos.glm.glm.GLM'}");
    QTest::newRow("poisson_softplus_ridge_fitted")
        << QStringLiteral("poisson_softplus_ridge_fitted.npz") << QStringLiteral("current")
        << QStringLiteral(
               "{'inverse_link_function': 'jax.nn.softplus', 'observation_model': {'class': "
               "'nemos.observation_models.PoissonObservations'}, 'regularizer': {'class': 'nemos.regularizer.Ridge'}, "
               "'regularizer_strength': 0.01, 'solver_kwargs': None, 'solver_name': 'LBFGS', 'aux_': None, 'coef_': "
               "array(float32, (6,)), 'dof_resid_': 0.0, 'intercept_': array(float32, (1,)), 'scale_': 1.0, "
               "'save_metadata': {'jax': '0.4.38', 'jaxlib': '0.4.38', 'scipy': '1.15.2', 'scikit-learn': '1.6.1', "
               "'nemos': '0.2.9'}, 'model_class': 'nemos.glm.glm.GLM'}");
    QTest::newRow("population_ridge_fitted")
        << QStringLiteral("population_ridge_fitted.npz") << QStringLiteral("current")
        << QStringLiteral("{'feature_mask': array(int32, (5, 3)), 'inverse_link_function': 'jax.numpy.exp', "
                          "'observation_model': {'class': 'nemos.observation_models.PoissonObservations'}, "
                          "'regularizer': {'class': 'nemos.regularizer.Ridge'}, 'regularizer_strength': 0.05, "
                          "'solver_kwargs': None, 'solver_name': 'LBFGS', 'aux_': None, 'coef_': array(float32, (5, "
                          "3)), 'dof_resid_': 0.0, 'intercept_': array(float32, (3,)), 'scale_': array(float32, (3,)), "
                          "'save_metadata': {'jax': '0.4.38', 'jaxlib': '0.4.38', 'scipy': '1.15.2', 'scikit-learn': "
                          "'1.6.1', 'nemos': '0.2.9'}, 'model_class': 'nemos.glm.glm.PopulationGLM'}");
    QTest::newRow("ridge_glm_params")
        << QStringLiteral("ridge_glm_params.npz") << QStringLiteral("current")
        << QStringLiteral(
               "{'inverse_link_function': 'jax.numpy.exp', 'observation_model': {'class': "
               "'nemos.observation_models.PoissonObservations'}, 'regularizer': {'class': 'nemos.regularizer.Ridge'}, "
               "'regularizer_strength': 1.0, 'solver_kwargs': None, 'solver_name': 'GradientDescent', 'aux_': None, "
               "'coef_': None, 'dof_resid_': None, 'intercept_': None, 'scale_': None, 'save_metadata': {'jax': "
               "'0.4.38', 'jaxlib': '0.4.38', 'scipy': '1.15.2', 'scikit-learn': '1.6.1', 'nemos': '0.2.9'}, "
               "'model_class': 'nemos.glm.glm.GLM'}");
    QTest::newRow("ridge_glm_params_fitted")
        << QStringLiteral("ridge_glm_params_fitted.npz") << QStringLiteral("current")
        << QStringLiteral(
               "{'inverse_link_function': 'jax.numpy.exp', 'observation_model': {'class': "
               "'nemos.observation_models.PoissonObservations'}, 'regularizer': {'class': 'nemos.regularizer.Ridge'}, "
               "'regularizer_strength': 1.0, 'solver_kwargs': None, 'solver_name': 'GradientDescent', 'aux_': None, "
               "'coef_': array(float32, (1,)), 'dof_resid_': 48.0, 'intercept_': array(float32, (1,)), 'scale_': 1.0, "
               "'save_metadata': {'jax': '0.4.38', 'jaxlib': '0.4.38', 'scipy': '1.15.2', 'scikit-learn': '1.6.1', "
               "'nemos': '0.2.9'}, 'model_class': 'nemos.glm.glm.GLM'}");
    QTest::newRow("ridge_glm_params_fitted_legacy")
        << QStringLiteral("ridge_glm_params_fitted_legacy.npz") << QStringLiteral("legacy")
        << QStringLiteral(
               "{'inverse_link_function': 'jax.numpy.exp', 'observation_model': {'class': "
               "'nemos.observation_models.PoissonObservations'}, 'regularizer': {'class': 'nemos.regularizer.Ridge'}, "
               "'regularizer_strength': 1.0, 'solver_kwargs': None, 'solver_name': 'GradientDescent', 'aux_': None, "
               "'coef_': array(float32, (1,)), 'dof_resid_': 48.0, 'intercept_': array(float32, (1,)), 'scale_': 1.0, "
               "'save_metadata': {'jax': '0.4.35', 'jaxlib': '0.4.35', 'scipy': '1.14.1', 'scikit-learn': '1.5.2', "
               "'nemos': '0.2.4'}, 'model_class': 'nemos.glm.glm.GLM'}");
}

void TestParamTree::decodesFixtures()
{
    QFETCH(QString, file);
    QFETCH(QString, layout);
    QFETCH(QString, tree);

    auto loaded = NemosFile::load(fixture(file));
    QVERIFY2(loaded.ok(), qPrintable(loaded.ok() ? QString() : loaded.error().message()));
    QVERIFY(loaded->layout().has_value());
    QCOMPARE(toString(*loaded->layout()), layout);
    QCOMPARE(loaded->tree().displayText(), tree);
    QVERIFY(loaded->unknownMembers().isEmpty());
    QVERIFY(loaded->spec().has_value());
}

void TestParamTree::keepsFitValues()
{
    auto fitted = NemosFile::load(fixture(QStringLiteral("ridge_glm_params_fitted.npz")));
    QVERIFY(fitted.ok());
    const ParamNode* coef = fitted->tree().find(QStringLiteral("coef_"));
    QVERIFY(coef && coef->type() == ParamNode::Type::Array);
    QCOMPARE(coef->array().dtype(), npy::DType::float32());
    QVERIFY(std::abs(coef->array().toDouble(qint64(0)) - (-0.00710396)) < 1e-8);
    const ParamNode* dof = fitted->tree().find(QStringLiteral("dof_resid_"));
    QVERIFY(dof && dof->type() == ParamNode::Type::Float);
    QCOMPARE(dof->toDouble(), 48.0);
    QCOMPARE(dof->sourceArray().dtype(), npy::DType::float32());

    auto group = NemosFile::load(fixture(QStringLiteral("poisson_grouplasso_fitted.npz")));
    QVERIFY(group.ok());
    const ParamNode* mask
        = group->tree().at({ QStringLiteral("regularizer"), QStringLiteral("params"), QStringLiteral("mask") });
    QVERIFY(mask && mask->type() == ParamNode::Type::Array);
    const double expected[3][6] = { { 1, 1, 0, 0, 0, 0 }, { 0, 0, 1, 0, 1, 0 }, { 0, 0, 0, 1, 0, 1 } };
    for (qint64 g = 0; g < 3; ++g) {
        for (qint64 j = 0; j < 6; ++j)
            QCOMPARE(mask->array().toDouble(std::vector<qint64> { g, j }), expected[g][j]);
    }

    auto population = NemosFile::load(fixture(QStringLiteral("population_ridge_fitted.npz")));
    QVERIFY(population.ok());
    const ParamNode* featureMask = population->tree().find(QStringLiteral("feature_mask"));
    QVERIFY(featureMask && featureMask->type() == ParamNode::Type::Array);
    QCOMPARE(featureMask->array().dtype(), npy::DType::int32());
    for (qint64 i = 0; i < featureMask->array().size(); ++i)
        QCOMPARE(featureMask->array().toInt64(i), qint64(1));
    const ParamNode* intercept = population->tree().find(QStringLiteral("intercept_"));
    QVERIFY(std::abs(intercept->array().toDouble(qint64(2)) - 0.52299976) < 1e-7);
}

void TestParamTree::roundTrips_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<KeyLayout>("layout");
    const QStringList files = QDir(QStringLiteral(NEMOSCOPE_TEST_DATA "/nemos")).entryList({ QStringLiteral("*.npz") });
    QVERIFY(files.size() >= 12);
    for (const QString& file : files) {
        QTest::newRow(qPrintable(file + QStringLiteral(" current"))) << file << KeyLayout::Current;
        QTest::newRow(qPrintable(file + QStringLiteral(" legacy"))) << file << KeyLayout::Legacy;
    }
}

void TestParamTree::roundTrips()
{
    QFETCH(QString, file);
    QFETCH(KeyLayout, layout);

    const DecodedFile first = decodeNemos(readMembers(fixture(file)));
    QVERIFY(first.layout.has_value());
    const std::vector<FlatMember> encoded = encodeNemos(first.tree, layout);
    QCOMPARE(qsizetype(encoded.size()), qsizetype(readMembers(fixture(file)).size()));
    const DecodedFile second = decodeNemos(encoded);

    QCOMPARE(second.layout, std::optional<KeyLayout>(layout));
    QVERIFY(second.unknownMembers.isEmpty());
    QCOMPARE(second.tree.displayText(), first.tree.displayText());
    // Same scalars by bits, same arrays by dtype, shape and bytes, same source arrays.
    QVERIFY(second.tree == first.tree);
}

void TestParamTree::reEncodesSameNames_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<KeyLayout>("layout");
    QTest::newRow("current") << QStringLiteral("gaussian_elasticnet_fitted_compressed.npz") << KeyLayout::Current;
    QTest::newRow("current, params") << QStringLiteral("custom_regularizer_params.npz") << KeyLayout::Current;
    QTest::newRow("current, population") << QStringLiteral("population_ridge_fitted.npz") << KeyLayout::Current;
    QTest::newRow("legacy") << QStringLiteral("custom_regularizer_params_legacy.npz") << KeyLayout::Legacy;
    QTest::newRow("legacy, fitted") << QStringLiteral("ridge_glm_params_fitted_legacy.npz") << KeyLayout::Legacy;
}

void TestParamTree::reEncodesSameNames()
{
    QFETCH(QString, file);
    QFETCH(KeyLayout, layout);

    const std::vector<FlatMember> members = readMembers(fixture(file));
    const std::vector<FlatMember> encoded = encodeNemos(decodeNemos(members).tree, layout);
    QCOMPARE(encoded.size(), members.size());
    for (size_t i = 0; i < members.size(); ++i) {
        QCOMPARE(encoded[i].name, members[i].name);
        QVERIFY2(encoded[i].array == members[i].array, qPrintable(members[i].name));
    }
}

void TestParamTree::parsesMemberNames_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<KeyLayout>("layout");
    QTest::addColumn<QString>("steps"); // container:kind:key, "|"-separated; empty = not in the layout

    QTest::newRow("current leaf") << QStringLiteral("item::strkey:solver_name") << KeyLayout::Current
                                  << QStringLiteral("item:str:solver_name");
    QTest::newRow("current nested") << QStringLiteral(
        "dict::strkey:regularizer::dict::strkey:params::item::strkey:new_param")
                                    << KeyLayout::Current
                                    << QStringLiteral("dict:str:regularizer|dict:str:params|item:str:new_param");
    QTest::newRow("current tuple") << QStringLiteral("tuple::strkey:regularizer_strength::item::1")
                                   << KeyLayout::Current << QStringLiteral("tuple:str:regularizer_strength|item:int:1");
    QTest::newRow("current typed keys") << QStringLiteral("dict::intkey:3::dict::floatkey:0.5::item::reprkey:('a', 1)")
                                        << KeyLayout::Current
                                        << QStringLiteral("dict:int:3|dict:float:0.5|item:repr:('a', 1)");
    QTest::newRow("current list in list") << QStringLiteral("list::strkey:a::list::0::item::2") << KeyLayout::Current
                                          << QStringLiteral("list:str:a|list:int:0|item:int:2");
    QTest::newRow("current key holding colons")
        << QStringLiteral("item::strkey:a:b") << KeyLayout::Current << QStringLiteral("item:str:a:b");
    QTest::newRow("sequence index not digits")
        << QStringLiteral("list::strkey:a::item::x") << KeyLayout::Current << QString();
    QTest::newRow("container without leaf") << QStringLiteral("dict::strkey:a") << KeyLayout::Current << QString();
    QTest::newRow("no container") << QStringLiteral("coef_") << KeyLayout::Current << QString();
    QTest::newRow("legacy name in current") << QStringLiteral("item__coef_") << KeyLayout::Current << QString();
    QTest::newRow("legacy leaf") << QStringLiteral("item__dof_resid_") << KeyLayout::Legacy
                                 << QStringLiteral("item:str:dof_resid_");
    QTest::newRow("legacy nested") << QStringLiteral("dict__save_metadata__item__scikit-learn") << KeyLayout::Legacy
                                   << QStringLiteral("dict:str:save_metadata|item:str:scikit-learn");
    QTest::newRow("legacy key ending in underscore")
        << QStringLiteral("dict__aux___item__x") << KeyLayout::Legacy << QStringLiteral("dict:str:aux_|item:str:x");
    QTest::newRow("legacy tuple") << QStringLiteral("tuple__regularizer_strength__item__0") << KeyLayout::Legacy
                                  << QStringLiteral("tuple:str:regularizer_strength|item:int:0");
    QTest::newRow("current name in legacy") << QStringLiteral("item::strkey:coef_") << KeyLayout::Legacy << QString();
}

void TestParamTree::parsesMemberNames()
{
    QFETCH(QString, name);
    QFETCH(KeyLayout, layout);
    QFETCH(QString, steps);

    const auto parsed = parseMemberName(name, layout);
    if (steps.isEmpty()) {
        QVERIFY(!parsed.has_value());
        return;
    }
    QVERIFY(parsed.has_value());
    QStringList described;
    for (const KeyStep& step : *parsed) {
        const QString container = step.container == ParamNode::Type::Dict ? QStringLiteral("dict")
            : step.container == ParamNode::Type::List                     ? QStringLiteral("list")
            : step.container == ParamNode::Type::Tuple                    ? QStringLiteral("tuple")
                                                                          : QStringLiteral("item");
        const QString kind = step.key.kind == DictKey::Kind::Str ? QStringLiteral("str")
            : step.key.kind == DictKey::Kind::Int                ? QStringLiteral("int")
            : step.key.kind == DictKey::Kind::Float              ? QStringLiteral("float")
                                                                 : QStringLiteral("repr");
        described << container + QLatin1Char(':') + kind + QLatin1Char(':') + step.key.text;
    }
    QCOMPARE(described.join(QLatin1Char('|')), steps);
}

void TestParamTree::plainArchiveStaysPlain()
{
    // Names outside both layouts.
    const std::vector<FlatMember> plain = readMembers(QStringLiteral(NEMOSCOPE_TEST_DATA "/data/seed_example.npz"));
    QCOMPARE(plain.size(), size_t(2));
    const DecodedFile decoded = decodeNemos(plain);
    QVERIFY(!decoded.layout.has_value());
    QCOMPARE(decoded.unknownMembers, QStringList({ QStringLiteral("X"), QStringLiteral("counts") }));

    // Names in the layout but no model among them.
    const std::vector<FlatMember> noModel { { QStringLiteral("item::strkey:weights"), float64Scalar(1.0) } };
    QVERIFY(!decodeNemos(noModel).layout.has_value());

    // A plain archive opens as a file without a model.
    auto file = NemosFile::load(QStringLiteral(NEMOSCOPE_TEST_DATA "/generic/dtype_zoo.npz"));
    QVERIFY(file.ok());
    QVERIFY(!file->isNemos());
    QVERIFY(!file->spec().has_value());
    QVERIFY(file->unknownMembers().contains(QStringLiteral("float64_matrix")));
}

void TestParamTree::setsAsideClashingMembers()
{
    const std::vector<FlatMember> members {
        { QStringLiteral("item::strkey:model_class"), npy::NdArray::fromString(QStringLiteral("nemos.glm.glm.GLM")) },
        { QStringLiteral("item::strkey:solver_name"), npy::NdArray::fromString(QStringLiteral("LBFGS")) },
        { QStringLiteral("dict::strkey:solver_name::item::strkey:x"), float64Scalar(2.0) },
        { QStringLiteral("notes"), float64Scalar(3.0) },
    };
    const DecodedFile decoded = decodeNemos(members);
    QCOMPARE(decoded.layout, std::optional<KeyLayout>(KeyLayout::Current));
    QCOMPARE(
        decoded.tree.displayText(), QStringLiteral("{'model_class': 'nemos.glm.glm.GLM', 'solver_name': 'LBFGS'}"));
    QCOMPARE(decoded.unknownMembers,
        QStringList({ QStringLiteral("dict::strkey:solver_name::item::strkey:x"), QStringLiteral("notes") }));
    QCOMPARE(decoded.problems.size(), 2);
    QVERIFY2(decoded.problems[0].contains(QStringLiteral("clashes")), qPrintable(decoded.problems[0]));
    QVERIFY2(decoded.problems[1].contains(QStringLiteral("current nemos key layout")), qPrintable(decoded.problems[1]));
}

void TestParamTree::ordersSequencesByIndex()
{
    std::vector<FlatMember> members { { QStringLiteral("item::strkey:model_class"),
        npy::NdArray::fromString(QStringLiteral("nemos.glm.glm.GLM")) } };
    for (int i : { 10, 2, 0, 1, 9, 3, 4, 5, 6, 7, 8, 11 })
        members.push_back({ QStringLiteral("list::strkey:values::item::%1").arg(i), npy::NdArray::fromInt64(i) });
    const DecodedFile decoded = decodeNemos(members);
    const ParamNode* values = decoded.tree.find(QStringLiteral("values"));
    QVERIFY(values && values->type() == ParamNode::Type::List);
    QCOMPARE(values->displayText(), QStringLiteral("[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]"));
}

void TestParamTree::encodesNewScalarsAsNumPyDoes()
{
    ParamNode tree = ParamNode::dict();
    tree.insert(QStringLiteral("model_class"), ParamNode::fromString(QStringLiteral("nemos.glm.glm.GLM")));
    tree.insert(QStringLiteral("strength"), ParamNode::fromFloat(0.1));
    tree.insert(QStringLiteral("maxiter"), ParamNode::fromInt(7));
    tree.insert(QStringLiteral("flag"), ParamNode::fromBool(true));
    tree.insert(QStringLiteral("nothing"), ParamNode());
    ParamNode pair = ParamNode::tuple();
    pair.append(ParamNode::fromFloat(0.1));
    pair.append(ParamNode::fromFloat(0.7));
    tree.insert(QStringLiteral("pair"), pair);
    tree.insert(QStringLiteral("empty"), ParamNode::dict());

    const std::vector<FlatMember> members = encodeNemos(tree, KeyLayout::Current);
    QStringList names;
    QStringList descrs;
    for (const FlatMember& m : members) {
        names << m.name;
        descrs << m.array.dtype().descr();
        QCOMPARE(m.array.ndim(), 0);
    }
    // An empty dict has no member, as nemos writes none either.
    QCOMPARE(names,
        QStringList({ QStringLiteral("item::strkey:model_class"), QStringLiteral("item::strkey:strength"),
            QStringLiteral("item::strkey:maxiter"), QStringLiteral("item::strkey:flag"),
            QStringLiteral("item::strkey:nothing"), QStringLiteral("tuple::strkey:pair::item::0"),
            QStringLiteral("tuple::strkey:pair::item::1") }));
    QCOMPARE(descrs,
        QStringList({ QStringLiteral("<U17"), QStringLiteral("<f8"), QStringLiteral("<i8"), QStringLiteral("|b1"),
            QStringLiteral("<f8"), QStringLiteral("<f8"), QStringLiteral("<f8") }));
    QVERIFY(std::isnan(members[4].array.scalarDouble()));

    const std::vector<FlatMember> legacy = encodeNemos(tree, KeyLayout::Legacy);
    QCOMPARE(legacy[5].name, QStringLiteral("tuple__pair__item__0"));
    QCOMPARE(decodeNemos(legacy).tree.displayText(),
        QStringLiteral("{'model_class': 'nemos.glm.glm.GLM', 'strength': 0.1, 'maxiter': 7, 'flag': True, "
                       "'nothing': None, 'pair': (0.1, 0.7)}"));
}

void TestParamTree::keepsTypedDictKeys()
{
    const std::vector<FlatMember> members {
        { QStringLiteral("item::strkey:model_class"), npy::NdArray::fromString(QStringLiteral("nemos.glm.glm.GLM")) },
        { QStringLiteral("dict::strkey:table::item::intkey:3"), npy::NdArray::fromInt64(30) },
        { QStringLiteral("dict::strkey:table::item::floatkey:0.5"), float64Scalar(5.0) },
        { QStringLiteral("dict::strkey:table::item::strkey:3"), npy::NdArray::fromInt64(31) },
    };
    const DecodedFile decoded = decodeNemos(members);
    const ParamNode* table = decoded.tree.find(QStringLiteral("table"));
    QVERIFY(table);
    QCOMPARE(table->childCount(), 3);
    QCOMPARE(table->find(DictKey { DictKey::Kind::Int, QStringLiteral("3") })->toInt(), qint64(30));
    QCOMPARE(table->find(DictKey::str(QStringLiteral("3")))->toInt(), qint64(31));
    const std::vector<FlatMember> again = encodeNemos(decoded.tree, KeyLayout::Current);
    for (size_t i = 0; i < members.size(); ++i)
        QCOMPARE(again[i].name, members[i].name);
}

void TestParamTree::decodesWideAndRefusesDeepTrees()
{
    // 50,000 keys in one dict (an archive of many tiny members): every one is kept, in order.
    std::vector<FlatMember> members { { QStringLiteral("item::strkey:model_class"),
        npy::NdArray::fromString(QStringLiteral("nemos.glm.glm.GLM")) } };
    const npy::NdArray one = npy::NdArray::fromInt64(1);
    for (int i = 0; i < 50000; ++i)
        members.push_back({ QStringLiteral("dict::strkey:wide::item::strkey:k%1").arg(i), one });
    const DecodedFile wide = decodeNemos(members);
    QVERIFY(wide.unknownMembers.isEmpty());
    const ParamNode* dict = wide.tree.find(QStringLiteral("wide"));
    QVERIFY(dict);
    QCOMPARE(dict->childCount(), 50000);
    QCOMPARE(dict->keys()[49999].text, QStringLiteral("k49999"));

    // A name nested far deeper than any model is set aside, not followed.
    QString deep;
    for (int i = 0; i < 100; ++i)
        deep += QStringLiteral("dict::strkey:d::");
    deep += QStringLiteral("item::strkey:x");
    QVERIFY(!parseMemberName(deep, KeyLayout::Current).has_value());
    const DecodedFile decoded = decodeNemos({ members[0], { deep, one } });
    QCOMPARE(decoded.unknownMembers, QStringList { deep });
}

QTEST_GUILESS_MAIN(TestParamTree)
#include "tst_paramtree.moc"
