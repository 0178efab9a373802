// The model specification: the registry's aliases and solver rules, reading every fixture, edits with nemos
// keys, mappings by load_model's rules and validation messages.

#include "model/literal.h"
#include "model/modelspec.h"
#include "model/nemosfile.h"
#include "model/registry.h"

#include <QTest>

using namespace nemoscope;
using namespace nemoscope::model;

Q_DECLARE_METATYPE(nemoscope::model::BuiltinCategory)

namespace {

ModelSpec loadSpec(const QString& name)
{
    auto file = NemosFile::load(QStringLiteral(NEMOSCOPE_TEST_DATA "/nemos/") + name);
    if (!file || !file->spec())
        return {};
    return *file->spec();
}

} // namespace

class TestModelSpec : public QObject
{
    Q_OBJECT

private slots:
    void resolvesAliases_data();
    void resolvesAliases();
    void knowsSolverRules();
    void describesEveryBuiltin();
    void readsFixtures_data();
    void readsFixtures();
    void listsUnresolvedNames_data();
    void listsUnresolvedNames();
    void mapsByNemosRules();
    void refusesBadMappings_data();
    void refusesBadMappings();
    void editsWithNemosKeys();
    void refusesBadEdits_data();
    void refusesBadEdits();
    void validates_data();
    void validates();
    void keepsWhatItDoesNotKnow();
    void parsesLiterals_data();
    void parsesLiterals();
};

void TestModelSpec::resolvesAliases_data()
{
    QTest::addColumn<BuiltinCategory>("category");
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("name"); // empty: not a built-in

    const auto obs = BuiltinCategory::ObservationModel;
    QTest::newRow("obs full path") << obs << QStringLiteral("nemos.observation_models.PoissonObservations")
                                   << QStringLiteral("Poisson");
    QTest::newRow("obs bare") << obs << QStringLiteral("Gamma") << QStringLiteral("Gamma");
    QTest::newRow("obs class name") << obs << QStringLiteral("BernoulliObservations") << QStringLiteral("Bernoulli");
    QTest::newRow("obs path without suffix")
        << obs << QStringLiteral("nemos.observation_models.NegativeBinomial") << QStringLiteral("NegativeBinomial");
    QTest::newRow("obs gaussian") << obs << QStringLiteral("GaussianObservations") << QStringLiteral("Gaussian");
    QTest::newRow("obs categorical") << obs << QStringLiteral("nemos.observation_models.CategoricalObservations")
                                     << QStringLiteral("Categorical");
    QTest::newRow("obs custom") << obs << QStringLiteral("__main__.MyObservations") << QString();
    QTest::newRow("obs wrong case") << obs << QStringLiteral("poisson") << QString();

    const auto reg = BuiltinCategory::Regularizer;
    QTest::newRow("reg bare") << reg << QStringLiteral("Ridge") << QStringLiteral("Ridge");
    QTest::newRow("reg path") << reg << QStringLiteral("nemos.regularizer.GroupLasso") << QStringLiteral("GroupLasso");
    QTest::newRow("reg unregularized") << reg << QStringLiteral("UnRegularized") << QStringLiteral("UnRegularized");
    QTest::newRow("reg elasticnet") << reg << QStringLiteral("nemos.regularizer.ElasticNet")
                                    << QStringLiteral("ElasticNet");
    QTest::newRow("reg other module") << reg << QStringLiteral("__main__.Ridge") << QString();
    QTest::newRow("reg custom") << reg << QStringLiteral("__main__.CustomRegularizer") << QString();

    const auto link = BuiltinCategory::InverseLink;
    QTest::newRow("exp jax") << link << QStringLiteral("jax.numpy.exp") << QStringLiteral("exp");
    QTest::newRow("exp private") << link << QStringLiteral("jax._src.numpy.ufuncs.exp") << QStringLiteral("exp");
    QTest::newRow("exp nemos") << link << QStringLiteral("nemos.inverse_link_function_utils.exp")
                               << QStringLiteral("exp");
    QTest::newRow("exp bare") << link << QStringLiteral("exp") << QStringLiteral("exp");
    QTest::newRow("softplus") << link << QStringLiteral("jax.nn.softplus") << QStringLiteral("softplus");
    QTest::newRow("softplus private") << link << QStringLiteral("jax._src.nn.functions.softplus")
                                      << QStringLiteral("softplus");
    QTest::newRow("logistic lax") << link << QStringLiteral("jax.lax.logistic") << QStringLiteral("logistic");
    QTest::newRow("logistic private") << link << QStringLiteral("jax._src.lax.lax.logistic")
                                      << QStringLiteral("logistic");
    QTest::newRow("expit") << link << QStringLiteral("jax.scipy.special.expit") << QStringLiteral("expit");
    QTest::newRow("norm cdf") << link << QStringLiteral("jax.scipy.stats.norm.cdf") << QStringLiteral("norm_cdf");
    QTest::newRow("norm.cdf") << link << QStringLiteral("norm.cdf") << QStringLiteral("norm_cdf");
    QTest::newRow("one_over_x utils") << link << QStringLiteral("nemos.utils.one_over_x")
                                      << QStringLiteral("one_over_x");
    QTest::newRow("identity") << link << QStringLiteral("nemos.inverse_link_function_utils.identity")
                              << QStringLiteral("identity");
    QTest::newRow("log_softmax") << link << QStringLiteral("jax.nn.log_softmax") << QStringLiteral("log_softmax");
    QTest::newRow("custom link") << link << QStringLiteral("__main__.custom_link") << QString();
    QTest::newRow("numpy exp") << link << QStringLiteral("numpy.exp") << QString();

    const auto solver = BuiltinCategory::Solver;
    for (const char* name :
        { "GradientDescent", "ProximalGradient", "LBFGS", "BFGS", "NonlinearCG", "SVRG", "ProxSVRG", "Newton" })
        QTest::newRow(name) << solver << QString::fromLatin1(name) << QString::fromLatin1(name);
    QTest::newRow("solver lower case") << solver << QStringLiteral("lbfgs") << QString();

    const auto model = BuiltinCategory::ModelClass;
    QTest::newRow("GLM path") << model << QStringLiteral("nemos.glm.glm.GLM") << QStringLiteral("GLM");
    QTest::newRow("PopulationGLM") << model << QStringLiteral("nemos.glm.glm.PopulationGLM")
                                   << QStringLiteral("PopulationGLM");
    QTest::newRow("ClassifierGLM") << model << QStringLiteral("nemos.glm.classifier_glm.ClassifierGLM")
                                   << QStringLiteral("ClassifierGLM");
    QTest::newRow("GLMHMM") << model << QStringLiteral("nemos.glm_hmm.glm_hmm.GLMHMM") << QStringLiteral("GLMHMM");
    QTest::newRow("model other module") << model << QStringLiteral("__main__.GLM") << QString();
}

void TestModelSpec::resolvesAliases()
{
    QFETCH(BuiltinCategory, category);
    QFETCH(QString, text);
    QFETCH(QString, name);

    const Builtin* b = resolveBuiltin(category, text);
    if (name.isEmpty()) {
        QVERIFY2(!b, qPrintable(b ? b->name : QString()));
        return;
    }
    QVERIFY(b);
    QCOMPARE(b->name, name);
    QVERIFY(b->category == category);
}

void TestModelSpec::knowsSolverRules()
{
    const Builtin* lasso = resolveBuiltin(BuiltinCategory::Regularizer, QStringLiteral("Lasso"));
    const Builtin* ridge = resolveBuiltin(BuiltinCategory::Regularizer, QStringLiteral("Ridge"));
    const Builtin* group = resolveBuiltin(BuiltinCategory::Regularizer, QStringLiteral("GroupLasso"));
    const Builtin* none = resolveBuiltin(BuiltinCategory::Regularizer, QStringLiteral("UnRegularized"));
    QVERIFY(lasso && ridge && group && none);

    QCOMPARE(lasso->defaultSolver, QStringLiteral("ProximalGradient"));
    QCOMPARE(group->defaultSolver, QStringLiteral("ProximalGradient"));
    QCOMPARE(ridge->defaultSolver, QStringLiteral("GradientDescent"));
    QCOMPARE(none->defaultSolver, QStringLiteral("GradientDescent"));
    QVERIFY(lasso->allowedSolvers.contains(QStringLiteral("ProxSVRG")));
    QVERIFY(!lasso->allowedSolvers.contains(QStringLiteral("LBFGS")));
    QVERIFY(!lasso->allowedSolvers.contains(QStringLiteral("GradientDescent")));
    for (const char* name : { "GradientDescent", "BFGS", "LBFGS", "NonlinearCG", "ProximalGradient", "SVRG" })
        QVERIFY2(ridge->allowedSolvers.contains(QString::fromLatin1(name)), name);

    // Parameters each class takes, for the mapping dialog.
    QCOMPARE(group->parameters, QStringList { QStringLiteral("mask") });
    QVERIFY(ridge->parameters.isEmpty());
    QCOMPARE(resolveBuiltin(BuiltinCategory::ObservationModel, QStringLiteral("NegativeBinomial"))->parameters,
        QStringList { QStringLiteral("scale") });
}

void TestModelSpec::describesEveryBuiltin()
{
    QStringList seen;
    for (const Builtin& b : builtins()) {
        QVERIFY2(!b.description.isEmpty(), qPrintable(b.name));
        QVERIFY2(!b.savedName.isEmpty() && !b.pythonName.isEmpty(), qPrintable(b.name));
        // Every saved name and alias resolves back to its own built-in.
        QCOMPARE(resolveBuiltin(b.category, b.savedName), &b);
        for (const QString& alias : b.aliases)
            QCOMPARE(resolveBuiltin(b.category, alias), &b);
        const QString id = toString(b.category) + QLatin1Char(':') + b.name;
        QVERIFY2(!seen.contains(id), qPrintable(id));
        seen << id;
    }
    QCOMPARE(builtins(BuiltinCategory::ObservationModel).size(), 6);
    QCOMPARE(builtins(BuiltinCategory::Regularizer).size(), 5);
    QCOMPARE(builtins(BuiltinCategory::Solver).size(), 8);
    QVERIFY(findBuiltin(NameKind::Class, QStringLiteral("Ridge"))->category == BuiltinCategory::Regularizer);
    QCOMPARE(findBuiltin(NameKind::Callable, QStringLiteral("exp"))->savedName, QStringLiteral("jax.numpy.exp"));
    QVERIFY(!findBuiltin(NameKind::Class, QStringLiteral("exp")));
}

void TestModelSpec::readsFixtures_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("summary"); // kind|observation|link|regularizer|strength|ratio|solver|fitted

    QTest::newRow("ridge") << QStringLiteral("ridge_glm_params.npz")
                           << QStringLiteral("GLM|Poisson|exp|Ridge|1|-|GradientDescent|no");
    QTest::newRow("ridge fitted") << QStringLiteral("ridge_glm_params_fitted.npz")
                                  << QStringLiteral("GLM|Poisson|exp|Ridge|1|-|GradientDescent|yes");
    QTest::newRow("ridge fitted legacy") << QStringLiteral("ridge_glm_params_fitted_legacy.npz")
                                         << QStringLiteral("GLM|Poisson|exp|Ridge|1|-|GradientDescent|yes");
    QTest::newRow("gamma") << QStringLiteral("gamma_ridge_fitted.npz")
                           << QStringLiteral("GLM|Gamma|one_over_x|Ridge|0.01|-|BFGS|yes");
    QTest::newRow("bernoulli") << QStringLiteral("bernoulli_lasso_fitted.npz")
                               << QStringLiteral("GLM|Bernoulli|logistic|Lasso|0.01|-|ProximalGradient|yes");
    QTest::newRow("elasticnet") << QStringLiteral("gaussian_elasticnet_fitted_compressed.npz")
                                << QStringLiteral("GLM|Gaussian|identity|ElasticNet|0.1|0.7|ProximalGradient|yes");
    QTest::newRow("negbin") << QStringLiteral("negbin_ridge_fitted.npz")
                            << QStringLiteral("GLM|NegativeBinomial|exp|Ridge|0.05|-|LBFGS|yes");
    QTest::newRow("grouplasso") << QStringLiteral("poisson_grouplasso_fitted.npz")
                                << QStringLiteral("GLM|Poisson|exp|GroupLasso|0.05|-|ProximalGradient|yes");
    QTest::newRow("softplus") << QStringLiteral("poisson_softplus_ridge_fitted.npz")
                              << QStringLiteral("GLM|Poisson|softplus|Ridge|0.01|-|LBFGS|yes");
    QTest::newRow("population") << QStringLiteral("population_ridge_fitted.npz")
                                << QStringLiteral("PopulationGLM|Poisson|exp|Ridge|0.05|-|LBFGS|yes");
    QTest::newRow("custom") << QStringLiteral("custom_regularizer_params.npz")
                            << QStringLiteral("GLM|Poisson|?|?|1|-|LBFGS|no");
}

void TestModelSpec::readsFixtures()
{
    QFETCH(QString, file);
    QFETCH(QString, summary);

    const ModelSpec spec = loadSpec(file);
    const auto name = [](const Builtin* b) { return b ? b->name : QStringLiteral("?"); };
    const QStringList parts { toString(spec.modelKind()), name(spec.observationModel().builtin),
        name(spec.inverseLink()), name(spec.regularizer().builtin),
        spec.strength() ? QString::number(*spec.strength()) : QStringLiteral("-"),
        spec.ratio() ? QString::number(*spec.ratio()) : QStringLiteral("-"), spec.effectiveSolverName(),
        spec.isFitted() ? QStringLiteral("yes") : QStringLiteral("no") };
    QCOMPARE(parts.join(QLatin1Char('|')), summary);

    // Every fixture but the custom one is a valid model.
    if (!file.startsWith(QLatin1String("custom")))
        QVERIFY2(spec.validate().isEmpty(), qPrintable(spec.validate().join(QLatin1Char('\n'))));
    QCOMPARE(spec.metadata().type(), ParamNode::Type::Dict);
}

void TestModelSpec::listsUnresolvedNames_data()
{
    QTest::addColumn<QString>("file");
    QTest::newRow("current") << QStringLiteral("custom_regularizer_params.npz");
    QTest::newRow("legacy") << QStringLiteral("custom_regularizer_params_legacy.npz");
}

void TestModelSpec::listsUnresolvedNames()
{
    QFETCH(QString, file);
    const ModelSpec spec = loadSpec(file);
    const QList<UnresolvedName> names = spec.unresolved();
    QCOMPARE(names.size(), 2);

    QCOMPARE(names[0].key, QStringLiteral("inverse_link_function"));
    QCOMPARE(names[0].saved, QStringLiteral("__main__.custom_link"));
    QVERIFY(names[0].kind == NameKind::Callable);
    QCOMPARE(names[0].params.childCount(), 0);

    QCOMPARE(names[1].key, QStringLiteral("regularizer"));
    QCOMPARE(names[1].saved, QStringLiteral("__main__.CustomRegularizer"));
    QVERIFY(names[1].kind == NameKind::Class);
    QCOMPARE(names[1].params.displayText(), QStringLiteral("{'new_param': 10}"));
    QVERIFY2(names[1].need().contains(QStringLiteral("new_param=10")), qPrintable(names[1].need()));
    QVERIFY2(names[1].need().contains(QStringLiteral("Ridge")), qPrintable(names[1].need()));

    // The unresolved names are what makes the model invalid.
    const QStringList errors = spec.validate();
    QCOMPARE(errors.size(), 2);
    QVERIFY2(
        errors[1].contains(QStringLiteral("'CustomRegularizer' is not a native NeMoS class")), qPrintable(errors[1]));
    QVERIFY2(errors[0].contains(QStringLiteral("Unknown link function: __main__.custom_link")), qPrintable(errors[0]));
}

void TestModelSpec::mapsByNemosRules()
{
    ModelSpec spec = loadSpec(QStringLiteral("custom_regularizer_params.npz"));

    auto reg = spec.applyMapping(QStringLiteral("regularizer"), QStringLiteral("Ridge"));
    QVERIFY2(reg.ok(), qPrintable(reg.ok() ? QString() : reg.error().message()));
    QCOMPARE(reg->saved, QStringLiteral("__main__.CustomRegularizer"));
    QCOMPARE(reg->builtin->savedName, QStringLiteral("nemos.regularizer.Ridge"));
    // Ridge takes no new_param: reported, not silently lost.
    QCOMPARE(reg->droppedParams, QStringList { QStringLiteral("new_param=10") });

    auto link = spec.applyMapping(QStringLiteral("inverse_link_function"), QStringLiteral("exp"));
    QVERIFY(link.ok());
    QVERIFY(link->droppedParams.isEmpty());

    QVERIFY(spec.unresolved().isEmpty());
    QVERIFY2(spec.validate().isEmpty(), qPrintable(spec.validate().join(QLatin1Char('\n'))));
    QCOMPARE(spec.mappings().size(), 2);

    const ParamNode tree = spec.toTree();
    QCOMPARE(tree.find(QStringLiteral("regularizer"))->displayText(),
        QStringLiteral("{'class': 'nemos.regularizer.Ridge'}"));
    QCOMPARE(tree.find(QStringLiteral("inverse_link_function"))->toString(), QStringLiteral("jax.numpy.exp"));

    // A mapped class keeps the saved parameters it accepts.
    ModelSpec group = loadSpec(QStringLiteral("poisson_grouplasso_fitted.npz"));
    auto toGroup = group.applyMapping(QStringLiteral("regularizer"), QStringLiteral("nemos.regularizer.GroupLasso"));
    QVERIFY(toGroup.ok());
    QVERIFY(toGroup->droppedParams.isEmpty());
    QVERIFY(group.regularizer().params.find(QStringLiteral("mask")));
    auto toLasso = group.applyMapping(QStringLiteral("regularizer"), QStringLiteral("Lasso"));
    QVERIFY(toLasso.ok());
    QCOMPARE(toLasso->droppedParams, QStringList { QStringLiteral("mask=array(float32, (3, 6))") });
}

void TestModelSpec::refusesBadMappings_data()
{
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("builtin");
    QTest::addColumn<QString>("message");

    QTest::newRow("missing key") << QStringLiteral("regularizr") << QStringLiteral("Ridge")
                                 << QStringLiteral("do not match any parameters in the loaded model: 'regularizr', "
                                                   "did you mean 'regularizer'?");
    QTest::newRow("not a class or callable") << QStringLiteral("solver_name") << QStringLiteral("LBFGS")
                                             << QStringLiteral("only callables and classes can be mapped");
    QTest::newRow("strength") << QStringLiteral("regularizer_strength") << QStringLiteral("Ridge")
                              << QStringLiteral("only callables and classes can be mapped");
    QTest::newRow("class to callable") << QStringLiteral("regularizer") << QStringLiteral("exp")
                                       << QStringLiteral("regularizer is a class and can only be mapped to a class");
    QTest::newRow("callable to class") << QStringLiteral("inverse_link_function") << QStringLiteral("Ridge")
                                       << QStringLiteral("can only be mapped to a callable");
    QTest::newRow("other category") << QStringLiteral("regularizer") << QStringLiteral("Poisson")
                                    << QStringLiteral("Poisson is an observation model, not a regularizer");
    QTest::newRow("unknown builtin") << QStringLiteral("regularizer") << QStringLiteral("Ridg")
                                     << QStringLiteral("unknown built-in 'Ridg', did you mean 'Ridge'?");
    QTest::newRow("unknown link") << QStringLiteral("inverse_link_function") << QStringLiteral("expp")
                                  << QStringLiteral("did you mean 'exp'?");
}

void TestModelSpec::refusesBadMappings()
{
    QFETCH(QString, key);
    QFETCH(QString, builtin);
    QFETCH(QString, message);

    ModelSpec spec = loadSpec(QStringLiteral("custom_regularizer_params.npz"));
    const ParamNode before = spec.toTree();
    auto mapped = spec.applyMapping(key, builtin);
    QVERIFY(!mapped.ok());
    QCOMPARE(mapped.error().member, key);
    QVERIFY2(mapped.error().reason.contains(message), qPrintable(mapped.error().reason));
    QVERIFY(spec.toTree() == before);
    QCOMPARE(spec.unresolved().size(), 2);
}

void TestModelSpec::editsWithNemosKeys()
{
    ModelSpec spec = loadSpec(QStringLiteral("ridge_glm_params.npz"));
    QVERIFY(spec.set(QStringLiteral("regularizer_strength"), QStringLiteral("0.1")).ok());
    QVERIFY(spec.set(QStringLiteral("solver_name"), QStringLiteral("LBFGS")).ok());
    QVERIFY(spec.set(QStringLiteral("solver_kwargs__tol"), QStringLiteral("1e-8")).ok());
    QVERIFY(spec.set(QStringLiteral("solver_kwargs__maxiter"), QStringLiteral("500")).ok());
    QVERIFY(spec.set(QStringLiteral("inverse_link_function"), QStringLiteral("softplus")).ok());
    QVERIFY(spec.validate().isEmpty());

    ParamNode tree = spec.toTree();
    QCOMPARE(tree.find(QStringLiteral("regularizer_strength"))->displayText(), QStringLiteral("0.1"));
    QCOMPARE(tree.find(QStringLiteral("solver_name"))->toString(), QStringLiteral("LBFGS"));
    QCOMPARE(
        tree.find(QStringLiteral("solver_kwargs"))->displayText(), QStringLiteral("{'tol': 1e-08, 'maxiter': 500}"));
    QCOMPARE(tree.find(QStringLiteral("inverse_link_function"))->toString(), QStringLiteral("jax.nn.softplus"));

    // None removes a solver option; the last one gone leaves None, as nemos saves an empty dict.
    QVERIFY(spec.set(QStringLiteral("solver_kwargs__tol"), QStringLiteral("None")).ok());
    QVERIFY(spec.set(QStringLiteral("solver_kwargs__maxiter"), QStringLiteral("None")).ok());
    QVERIFY(spec.toTree().find(QStringLiteral("solver_kwargs"))->isNone());

    // Changing the regularizer: Lasso needs a proximal solver.
    QVERIFY(spec.set(QStringLiteral("regularizer"), QStringLiteral("Lasso")).ok());
    QCOMPARE(spec.regularizer().saved, QStringLiteral("nemos.regularizer.Lasso"));
    QVERIFY(!spec.validate().isEmpty());
    QVERIFY(spec.set(QStringLiteral("solver_name"), QStringLiteral("ProximalGradient")).ok());
    QVERIFY(spec.validate().isEmpty());

    // ElasticNet with a (strength, ratio) pair.
    QVERIFY(spec.set(QStringLiteral("regularizer"), QStringLiteral("nemos.regularizer.ElasticNet")).ok());
    QVERIFY(spec.set(QStringLiteral("regularizer_strength"), QStringLiteral("(0.2, 0.3)")).ok());
    QCOMPARE(*spec.strength(), 0.2);
    QCOMPARE(*spec.ratio(), 0.3);
    QCOMPARE(spec.toTree().find(QStringLiteral("regularizer_strength"))->displayText(), QStringLiteral("(0.2, 0.3)"));

    // Observation model parameters.
    ModelSpec negbin = loadSpec(QStringLiteral("negbin_ridge_fitted.npz"));
    QVERIFY(negbin.set(QStringLiteral("observation_model__scale"), QStringLiteral("0.25")).ok());
    QCOMPARE(negbin.toTree().find(QStringLiteral("observation_model"))->displayText(),
        QStringLiteral(
            "{'class': 'nemos.observation_models.NegativeBinomialObservations', 'params': {'scale': 0.25}}"));
    QVERIFY(negbin.set(QStringLiteral("observation_model"), QStringLiteral("Poisson")).ok());
    QCOMPARE(negbin.toTree().find(QStringLiteral("observation_model"))->displayText(),
        QStringLiteral("{'class': 'nemos.observation_models.PoissonObservations'}"));

    // GroupLasso mask as a nested list.
    ModelSpec group = loadSpec(QStringLiteral("poisson_grouplasso_fitted.npz"));
    QVERIFY(group.set(QStringLiteral("regularizer__mask"), QStringLiteral("[[1,1,1,0,0,0],[0,0,0,1,1,1]]")).ok());
    QVERIFY2(group.validate().isEmpty(), qPrintable(group.validate().join(QLatin1Char('\n'))));
    QCOMPARE(
        group.regularizer().params.find(QStringLiteral("mask"))->displayText(), QStringLiteral("array(int64, (2, 6))"));
}

void TestModelSpec::refusesBadEdits_data()
{
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("value");
    QTest::addColumn<QString>("message");

    QTest::newRow("misspelt key") << QStringLiteral("regularizer_strenght") << QStringLiteral("0.1")
                                  << QStringLiteral("no such parameter, did you mean 'regularizer_strength'?");
    QTest::newRow("unknown solver") << QStringLiteral("solver_name") << QStringLiteral("LBGFS")
                                    << QStringLiteral("unknown solver 'LBGFS', did you mean 'LBFGS'?");
    QTest::newRow("unknown regularizer") << QStringLiteral("regularizer") << QStringLiteral("Lass")
                                         << QStringLiteral("unknown regularizer 'Lass', did you mean 'Lasso'?");
    QTest::newRow("unknown observation") << QStringLiteral("observation_model") << QStringLiteral("Poison")
                                         << QStringLiteral("unknown observation model 'Poison'");
    QTest::newRow("unknown link") << QStringLiteral("inverse_link_function") << QStringLiteral("log")
                                  << QStringLiteral("unknown link function 'log'");
    QTest::newRow("strength text") << QStringLiteral("regularizer_strength") << QStringLiteral("strong")
                                   << QStringLiteral("expected a number, a (strength, ratio) pair or None");
    QTest::newRow("param Ridge lacks") << QStringLiteral("regularizer__mask") << QStringLiteral("[[1]]")
                                       << QStringLiteral("Ridge does not accept a parameter 'mask'");
    QTest::newRow("fit state") << QStringLiteral("coef_") << QStringLiteral("[1.0]")
                               << QStringLiteral("fit parameters are set by fitting");
    QTest::newRow("bad literal") << QStringLiteral("solver_kwargs__tol") << QStringLiteral("(1e-8")
                                 << QStringLiteral("missing ')'");
}

void TestModelSpec::refusesBadEdits()
{
    QFETCH(QString, key);
    QFETCH(QString, value);
    QFETCH(QString, message);

    ModelSpec spec = loadSpec(QStringLiteral("ridge_glm_params.npz"));
    const ParamNode before = spec.toTree();
    auto done = spec.set(key, value);
    QVERIFY(!done.ok());
    QCOMPARE(done.error().member, key);
    QVERIFY2(done.error().reason.contains(message), qPrintable(done.error().reason));
    QVERIFY(spec.toTree() == before);
}

void TestModelSpec::validates_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QStringList>("edits");
    QTest::addColumn<QString>("message");

    QTest::newRow("solver not allowed")
        << QStringLiteral("bernoulli_lasso_fitted.npz") << QStringList { QStringLiteral("solver_name=LBFGS") }
        << QStringLiteral("The solver: LBFGS is not allowed for Lasso regularization. Allowed solvers are "
                          "['ProximalGradient', 'ProxSVRG', 'Newton'].");
    QTest::newRow("elasticnet ratio above 1")
        << QStringLiteral("gaussian_elasticnet_fitted_compressed.npz")
        << QStringList { QStringLiteral("regularizer_strength=(0.1, 1.5)") }
        << QStringLiteral("ElasticNet regularization ratio must be in (0, 1], got 1.5.");
    QTest::newRow("elasticnet ratio 0") << QStringLiteral("gaussian_elasticnet_fitted_compressed.npz")
                                        << QStringList { QStringLiteral("regularizer_strength=(0.1, 0)") }
                                        << QStringLiteral("ratio must be in (0, 1], got 0.");
    QTest::newRow("negative strength") << QStringLiteral("ridge_glm_params.npz")
                                       << QStringList { QStringLiteral("regularizer_strength=-1") }
                                       << QStringLiteral("The regularizer strength must be non-negative, got -1.");
    QTest::newRow("pair for Ridge") << QStringLiteral("ridge_glm_params.npz")
                                    << QStringList { QStringLiteral("regularizer_strength=(0.1, 0.5)") }
                                    << QStringLiteral(
                                           "Could not convert the regularizer strength: (0.1, 0.5) to a float.");
    QTest::newRow("mask features") << QStringLiteral("poisson_grouplasso_fitted.npz")
                                   << QStringList { QStringLiteral("regularizer__mask=[[1, 0, 1]]") }
                                   << QStringLiteral(
                                          "The GroupLasso mask has 3 features (shape (1, 3)) but coef_ has 6.");
    QTest::newRow("mask not binary") << QStringLiteral("poisson_grouplasso_fitted.npz")
                                     << QStringList { QStringLiteral("regularizer__mask=[[2,0,0,0,0,0]]") }
                                     << QStringLiteral("The GroupLasso mask must contain only 0s and 1s.");
    QTest::newRow("mask overlapping") << QStringLiteral("poisson_grouplasso_fitted.npz")
                                      << QStringList { QStringLiteral(
                                             "regularizer__mask=[[1,1,0,0,0,0],[1,0,1,1,1,1]]") }
                                      << QStringLiteral("Each feature must belong to at most one group");
    QTest::newRow("feature mask shape") << QStringLiteral("population_ridge_fitted.npz")
                                        << QStringList { QStringLiteral("feature_mask=[[1, 1], [1, 1]]") }
                                        << QStringLiteral(
                                               "feature_mask shape (2, 2) does not match coef_ shape (5, 3).");
    QTest::newRow("negbin scale") << QStringLiteral("negbin_ridge_fitted.npz")
                                  << QStringList { QStringLiteral("observation_model__scale=-2") }
                                  << QStringLiteral("The NegativeBinomial scale must be a positive number, got -2.");
    QTest::newRow("log_softmax for poisson")
        << QStringLiteral("ridge_glm_params.npz") << QStringList { QStringLiteral("inverse_link_function=log_softmax") }
        << QStringLiteral("The log_softmax link is for CategoricalObservations only");
    QTest::newRow("categorical needs log_softmax")
        << QStringLiteral("ridge_glm_params.npz") << QStringList { QStringLiteral("observation_model=Categorical") }
        << QStringLiteral("CategoricalObservations needs the log_softmax link");
}

void TestModelSpec::validates()
{
    QFETCH(QString, file);
    QFETCH(QStringList, edits);
    QFETCH(QString, message);

    ModelSpec spec = loadSpec(file);
    QVERIFY(spec.validate().isEmpty());
    for (const QString& edit : edits) {
        const qsizetype eq = edit.indexOf(QLatin1Char('='));
        auto done = spec.set(edit.left(eq), edit.mid(eq + 1));
        QVERIFY2(done.ok(), qPrintable(done.ok() ? QString() : done.error().message()));
    }
    const QStringList errors = spec.validate();
    QCOMPARE(errors.size(), 1);
    QVERIFY2(errors.first().contains(message), qPrintable(errors.first()));
}

void TestModelSpec::keepsWhatItDoesNotKnow()
{
    auto file = NemosFile::load(QStringLiteral(NEMOSCOPE_TEST_DATA "/nemos/ridge_glm_params_fitted.npz"));
    QVERIFY(file.ok());
    ParamNode tree = file->tree();
    tree.insert(QStringLiteral("extra_setting"), ParamNode::fromString(QStringLiteral("kept")));
    auto spec = ModelSpec::fromTree(tree);
    QVERIFY(spec.ok());
    QVERIFY(spec->set(QStringLiteral("regularizer_strength"), QStringLiteral("2.5")).ok());

    const ParamNode out = spec->toTree();
    QCOMPARE(out.keys().size(), tree.keys().size());
    QCOMPARE(out.keys().back().text, QStringLiteral("extra_setting"));
    QCOMPARE(out.find(QStringLiteral("extra_setting"))->toString(), QStringLiteral("kept"));
    // Untouched values keep the arrays they were read from (float32 fit values stay float32).
    QVERIFY(*out.find(QStringLiteral("dof_resid_")) == *tree.find(QStringLiteral("dof_resid_")));
    QVERIFY(*out.find(QStringLiteral("coef_")) == *tree.find(QStringLiteral("coef_")));
    QVERIFY(*out.find(QStringLiteral("save_metadata")) == *tree.find(QStringLiteral("save_metadata")));
    QCOMPARE(out.find(QStringLiteral("regularizer_strength"))->toDouble(), 2.5);

    QVERIFY(!ModelSpec::fromTree(ParamNode::dict()).ok());
    QVERIFY(!ModelSpec::fromTree(ParamNode::fromInt(3)).ok());
}

void TestModelSpec::parsesLiterals_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("shown"); // displayText, or "error: ..." for a refusal

    QTest::newRow("float") << QStringLiteral("0.1") << QStringLiteral("0.1");
    QTest::newRow("exponent") << QStringLiteral("1e-8") << QStringLiteral("1e-08");
    QTest::newRow("int") << QStringLiteral("1000") << QStringLiteral("1000");
    QTest::newRow("negative") << QStringLiteral("-3") << QStringLiteral("-3");
    QTest::newRow("True") << QStringLiteral("True") << QStringLiteral("True");
    QTest::newRow("false") << QStringLiteral("false") << QStringLiteral("False");
    QTest::newRow("None") << QStringLiteral("None") << QStringLiteral("None");
    QTest::newRow("quoted") << QStringLiteral("'a, b'") << QStringLiteral("'a, b'");
    QTest::newRow("bare word") << QStringLiteral("backtracking") << QStringLiteral("'backtracking'");
    QTest::newRow("tuple") << QStringLiteral("(0.1, 0.7)") << QStringLiteral("(0.1, 0.7)");
    QTest::newRow("bare pair") << QStringLiteral("0.1, 0.7") << QStringLiteral("(0.1, 0.7)");
    QTest::newRow("one tuple") << QStringLiteral("(1,)") << QStringLiteral("(1,)");
    QTest::newRow("parenthesised") << QStringLiteral("(1)") << QStringLiteral("1");
    QTest::newRow("int matrix") << QStringLiteral("[[1, 0], [0, 1]]") << QStringLiteral("array(int64, (2, 2))");
    QTest::newRow("float vector") << QStringLiteral("[1, 0.5]") << QStringLiteral("array(float64, (2,))");
    QTest::newRow("bool vector") << QStringLiteral("[True, False]") << QStringLiteral("array(bool, (2,))");
    QTest::newRow("ragged") << QStringLiteral("[[1], [1, 2]]") << QStringLiteral("[[1], [1, 2]]");
    QTest::newRow("mixed list") << QStringLiteral("[1, 'a']") << QStringLiteral("[1, 'a']");
    QTest::newRow("unclosed") << QStringLiteral("[1, 2") << QStringLiteral("error: missing ']'");
    QTest::newRow("unterminated") << QStringLiteral("'abc") << QStringLiteral("error: unterminated string");
    QTest::newRow("deep") << QString(100, QLatin1Char('[')) << QStringLiteral("error: nested too deeply");
}

void TestModelSpec::parsesLiterals()
{
    QFETCH(QString, text);
    QFETCH(QString, shown);

    auto parsed = parseLiteral(text);
    if (shown.startsWith(QLatin1String("error: "))) {
        QVERIFY(!parsed.ok());
        QVERIFY2(parsed.error().reason.contains(shown.mid(7)), qPrintable(parsed.error().reason));
        return;
    }
    QVERIFY2(parsed.ok(), qPrintable(parsed.ok() ? QString() : parsed.error().reason));
    QCOMPARE(parsed->displayText(), shown);
}

QTEST_GUILESS_MAIN(TestModelSpec)
#include "tst_modelspec.moc"
