// The headless commands as a user runs them: output, JSON fields, exit statuses, atomic writes that never
// touch the input, and a refit that reaches the reference optimum.

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>

namespace {

struct Run
{
    int exitCode = -1;
    QString out;
    QString err;
};

Run nemoscope(const QStringList& arguments)
{
    QProcess process;
    process.start(QStringLiteral(NEMOSCOPE_BINARY), arguments);
    Run run;
    if (!process.waitForFinished(120000)) {
        process.kill();
        process.waitForFinished();
        run.err = QStringLiteral("timed out");
        return run;
    }
    run.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    run.out = QString::fromUtf8(process.readAllStandardOutput());
    run.err = QString::fromUtf8(process.readAllStandardError());
    return run;
}

QString data(const QString& path)
{
    return QStringLiteral(NEMOSCOPE_TEST_DATA "/") + path;
}

QByteArray digest(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QCryptographicHash::hash(file.readAll(), QCryptographicHash::Sha256);
}

QJsonObject json(const Run& run)
{
    return QJsonDocument::fromJson(run.out.toUtf8()).object();
}

QJsonObject reference(const QString& dataset, const QString& regularizer)
{
    QFile file(data(QStringLiteral("data/reference_fits.json")));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    for (const QJsonValue& value : QJsonDocument::fromJson(file.readAll()).array()) {
        const QJsonObject entry = value.toObject();
        if (entry.value(QStringLiteral("dataset")).toString() == dataset
            && entry.value(QStringLiteral("regularizer")).toString() == regularizer)
            return entry;
    }
    return {};
}

} // namespace

class TestCli : public QObject
{
    Q_OBJECT

private slots:
    void helpForEachCommand_data();
    void helpForEachCommand();
    void inspectsNemosText();
    void inspectsUnresolvedNames();
    void inspectsNemosJson_data();
    void inspectsNemosJson();
    void inspectsPlainFiles_data();
    void inspectsPlainFiles();
    void inspectsMalformedFiles_data();
    void inspectsMalformedFiles();
    void editsAtomically();
    void editsInPlaceOnlyWhenAsked();
    void mapsAndSavesResolved();
    void refusesInvalidEdits_data();
    void refusesInvalidEdits();
    void writesLegacyLayout();
    void fitsReferenceRidge();
    void fitsWithEditsAndWritesModel();
    void fitExitStatuses_data();
    void fitExitStatuses();
};

void TestCli::helpForEachCommand_data()
{
    QTest::addColumn<QString>("command");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("inspect") << QStringLiteral("inspect") << QStringLiteral("--json");
    QTest::newRow("edit") << QStringLiteral("edit") << QStringLiteral("--in-place");
    QTest::newRow("fit") << QStringLiteral("fit") << QStringLiteral("--data");
}

void TestCli::helpForEachCommand()
{
    QFETCH(QString, command);
    QFETCH(QString, mentions);
    const Run run = nemoscope({ command, QStringLiteral("--help") });
    QCOMPARE(run.exitCode, 0);
    QVERIFY2(run.out.contains(mentions), qPrintable(run.out));
    QVERIFY2(run.out.contains(QStringLiteral("Exit status")), qPrintable(run.out));

    const Run wrong = nemoscope({ command, QStringLiteral("--no-such-option") });
    QCOMPARE(wrong.exitCode, 2);
    QVERIFY2(wrong.err.contains(QStringLiteral("no-such-option")), qPrintable(wrong.err));
}

void TestCli::inspectsNemosText()
{
    const Run run = nemoscope({ QStringLiteral("inspect"), data(QStringLiteral("nemos/ridge_glm_params_fitted.npz")) });
    QCOMPARE(run.exitCode, 0);
    QVERIFY(run.err.isEmpty());

    // The member listing, then the sections nemos' inspect_npz prints, in its order.
    QVERIFY(run.out.contains(QStringLiteral("npz archive, 17 members")));
    QVERIFY(run.out.contains(QStringLiteral("item::strkey:coef_")));
    qsizetype at = 0;
    for (const char* section : { "Metadata\n--------\n", "Model class\n-----------\n",
             "Model parameters\n----------------\n", "Model fit parameters\n--------------------\n" }) {
        const qsizetype next = run.out.indexOf(QString::fromLatin1(section), at);
        QVERIFY2(next > at, section);
        at = next;
    }
    QVERIFY(run.out.contains(QStringLiteral("nemos version          : 0.2.9")));
    QVERIFY(run.out.contains(QStringLiteral("Saved model class      : nemos.glm.glm.GLM")));
    QVERIFY(run.out.contains(QStringLiteral("solver_name            : GradientDescent")));
    QVERIFY(run.out.contains(QStringLiteral("regularizer            : {'class': 'nemos.regularizer.Ridge'}")));
    QVERIFY(run.out.contains(QStringLiteral("dof_resid_: 48.0")));
    QVERIFY(!run.out.contains(QStringLiteral("Unresolved names")));
}

void TestCli::inspectsUnresolvedNames()
{
    const Run run
        = nemoscope({ QStringLiteral("inspect"), data(QStringLiteral("nemos/custom_regularizer_params_legacy.npz")) });
    QCOMPARE(run.exitCode, 0);
    QVERIFY(run.out.contains(QStringLiteral("layout: legacy")));
    const qsizetype section = run.out.indexOf(QStringLiteral("Unresolved names\n----------------\n"));
    QVERIFY(section > 0);
    const QString unresolved = run.out.mid(section);
    QVERIFY(unresolved.contains(QStringLiteral("inverse_link_function  : __main__.custom_link (callable)")));
    QVERIFY(unresolved.contains(QStringLiteral("regularizer            : __main__.CustomRegularizer (class)")));
    QVERIFY(unresolved.contains(QStringLiteral("saved parameters: new_param=10")));
    QVERIFY(unresolved.contains(QStringLiteral("map regularizer to a built-in regularizer")));
}

void TestCli::inspectsNemosJson_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("layout");
    QTest::newRow("current") << QStringLiteral("nemos/ridge_glm_params_fitted.npz") << QStringLiteral("current");
    QTest::newRow("legacy") << QStringLiteral("nemos/ridge_glm_params_fitted_legacy.npz") << QStringLiteral("legacy");
}

void TestCli::inspectsNemosJson()
{
    QFETCH(QString, file);
    QFETCH(QString, layout);

    const Run run = nemoscope({ QStringLiteral("inspect"), data(file), QStringLiteral("--json") });
    QCOMPARE(run.exitCode, 0);
    const QJsonObject object = json(run);
    QCOMPARE(object.value(QStringLiteral("file")).toString(), data(file));
    QCOMPARE(object.value(QStringLiteral("kind")).toString(), QStringLiteral("npz"));
    QCOMPARE(object.value(QStringLiteral("layout")).toString(), layout);

    const QJsonArray members = object.value(QStringLiteral("members")).toArray();
    QCOMPARE(members.size(), 17);
    for (const QJsonValue& value : members) {
        const QJsonObject member = value.toObject();
        for (const char* field : { "name", "descr", "shape", "fortran_order", "compressed", "error" })
            QVERIFY2(member.contains(QString::fromLatin1(field)), field);
        QVERIFY(member.value(QStringLiteral("error")).isNull());
        QVERIFY(!member.value(QStringLiteral("name")).toString().endsWith(QLatin1String(".npy")));
    }

    const QJsonObject model = object.value(QStringLiteral("model")).toObject();
    QCOMPARE(model.value(QStringLiteral("model_class")).toString(), QStringLiteral("nemos.glm.glm.GLM"));
    const QJsonObject params = model.value(QStringLiteral("params")).toObject();
    QCOMPARE(params.value(QStringLiteral("regularizer")).toObject().value(QStringLiteral("class")).toString(),
        QStringLiteral("nemos.regularizer.Ridge"));
    QCOMPARE(params.value(QStringLiteral("regularizer_strength")).toDouble(), 1.0);
    QVERIFY(params.value(QStringLiteral("solver_kwargs")).isNull());
    QCOMPARE(params.value(QStringLiteral("solver_name")).toString(), QStringLiteral("GradientDescent"));
    QVERIFY(!params.contains(QStringLiteral("coef_")));

    const QJsonObject fit = model.value(QStringLiteral("fit")).toObject();
    const QJsonObject coef = fit.value(QStringLiteral("coef_")).toObject();
    QCOMPARE(coef.value(QStringLiteral("dtype")).toString(), QStringLiteral("<f4"));
    QCOMPARE(coef.value(QStringLiteral("shape")).toArray(), QJsonArray({ 1 }));
    QVERIFY(std::abs(coef.value(QStringLiteral("values")).toArray()[0].toDouble() + 0.00710396) < 1e-8);
    const QJsonObject dof = fit.value(QStringLiteral("dof_resid_")).toObject();
    QCOMPARE(dof.value(QStringLiteral("shape")).toArray(), QJsonArray());
    QCOMPARE(dof.value(QStringLiteral("values")).toDouble(), 48.0);
    QVERIFY(fit.value(QStringLiteral("aux_")).isNull());

    const QJsonObject metadata = model.value(QStringLiteral("metadata")).toObject();
    QCOMPARE(metadata.value(QStringLiteral("nemos")).toString(),
        layout == QLatin1String("legacy") ? QStringLiteral("0.2.4") : QStringLiteral("0.2.9"));
    QCOMPARE(object.value(QStringLiteral("unresolved")).toArray().size(), 0);

    // Unresolved names as JSON.
    const Run custom = nemoscope({ QStringLiteral("inspect"),
        data(QStringLiteral("nemos/custom_regularizer_params.npz")), QStringLiteral("--json") });
    QCOMPARE(custom.exitCode, 0);
    const QJsonArray unresolved = json(custom).value(QStringLiteral("unresolved")).toArray();
    QCOMPARE(unresolved.size(), 2);
    const QJsonObject reg = unresolved[1].toObject();
    QCOMPARE(reg.value(QStringLiteral("key")).toString(), QStringLiteral("regularizer"));
    QCOMPARE(reg.value(QStringLiteral("saved")).toString(), QStringLiteral("__main__.CustomRegularizer"));
    QCOMPARE(reg.value(QStringLiteral("kind")).toString(), QStringLiteral("class"));
    QCOMPARE(reg.value(QStringLiteral("params")).toObject().value(QStringLiteral("new_param")).toInt(), 10);
    QCOMPARE(unresolved[0].toObject().value(QStringLiteral("kind")).toString(), QStringLiteral("callable"));
    QVERIFY(json(custom).value(QStringLiteral("model")).toObject().value(QStringLiteral("fit")).isNull());
}

void TestCli::inspectsPlainFiles_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("firstMember");
    QTest::addColumn<QString>("descr");
    QTest::newRow("npz") << QStringLiteral("generic/dtype_zoo.npz") << QStringLiteral("npz")
                         << QStringLiteral("float64_matrix") << QStringLiteral("<f8");
    QTest::newRow("deflated npz") << QStringLiteral("generic/dtype_zoo_compressed.npz") << QStringLiteral("npz")
                                  << QStringLiteral("float64_matrix") << QStringLiteral("<f8");
    QTest::newRow("npy") << QStringLiteral("generic/fortran_order.npy") << QStringLiteral("npy")
                         << QStringLiteral("fortran_order") << QStringLiteral("<i4");
    QTest::newRow("data set") << QStringLiteral("data/seed_example.npz") << QStringLiteral("npz") << QStringLiteral("X")
                              << QStringLiteral("<f8");
}

void TestCli::inspectsPlainFiles()
{
    QFETCH(QString, file);
    QFETCH(QString, kind);
    QFETCH(QString, firstMember);
    QFETCH(QString, descr);

    const Run run = nemoscope({ QStringLiteral("inspect"), data(file), QStringLiteral("--json") });
    QCOMPARE(run.exitCode, 0);
    const QJsonObject object = json(run);
    QCOMPARE(object.value(QStringLiteral("kind")).toString(), kind);
    QVERIFY(object.value(QStringLiteral("layout")).isNull());
    QVERIFY(object.value(QStringLiteral("model")).isNull());
    QCOMPARE(object.value(QStringLiteral("unresolved")).toArray().size(), 0);
    const QJsonObject first = object.value(QStringLiteral("members")).toArray().first().toObject();
    QCOMPARE(first.value(QStringLiteral("name")).toString(), firstMember);
    QCOMPARE(first.value(QStringLiteral("descr")).toString(), descr);

    const Run text = nemoscope({ QStringLiteral("inspect"), data(file) });
    QCOMPARE(text.exitCode, 0);
    QVERIFY(text.out.contains(firstMember));
    QVERIFY(!text.out.contains(QStringLiteral("Model parameters")));
}

void TestCli::inspectsMalformedFiles_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("stderrMentions");
    QTest::newRow("not a zip") << QStringLiteral("malformed/not_a_zip.npz") << 2 << QStringLiteral("not_a_zip.npz: ");
    QTest::newRow("truncated") << QStringLiteral("malformed/truncated_archive.npz") << 2
                               << QStringLiteral("truncated_archive.npz: ");
    QTest::newRow("missing") << QStringLiteral("malformed/no_such_file.npz") << 2 << QStringLiteral("no_such_file.npz");
    QTest::newRow("pickle") << QStringLiteral("malformed/pickled_object.npz") << 3 << QStringLiteral("payload");
    QTest::newRow("code in header") << QStringLiteral("malformed/code_in_header.npz") << 3 << QStringLiteral("weights");
}

void TestCli::inspectsMalformedFiles()
{
    QFETCH(QString, file);
    QFETCH(int, exitCode);
    QFETCH(QString, stderrMentions);

    const Run run = nemoscope({ QStringLiteral("inspect"), data(file) });
    QCOMPARE(run.exitCode, exitCode);
    QVERIFY2(run.err.startsWith(QStringLiteral("nemoscope: ")), qPrintable(run.err));
    QVERIFY2(run.err.contains(stderrMentions), qPrintable(run.err));
    QVERIFY2(run.err.contains(file.section(QLatin1Char('/'), -1)), qPrintable(run.err));

    const Run asJson = nemoscope({ QStringLiteral("inspect"), data(file), QStringLiteral("--json") });
    QCOMPARE(asJson.exitCode, exitCode);
    if (exitCode == 3) {
        // The refused member is listed with its reason; the good one stays readable.
        int refused = 0;
        for (const QJsonValue& value : json(asJson).value(QStringLiteral("members")).toArray()) {
            const QJsonObject member = value.toObject();
            if (!member.value(QStringLiteral("error")).isNull()) {
                ++refused;
                QVERIFY(!member.value(QStringLiteral("error")).toString().isEmpty());
            }
        }
        QCOMPARE(refused, 1);
        QCOMPARE(json(asJson).value(QStringLiteral("members")).toArray().size(), 2);
    } else {
        QVERIFY(asJson.out.isEmpty());
    }
}

void TestCli::editsAtomically()
{
    QTemporaryDir dir;
    const QString in = dir.filePath(QStringLiteral("model.npz"));
    QVERIFY(QFile::copy(data(QStringLiteral("nemos/ridge_glm_params_fitted.npz")), in));
    const QByteArray before = digest(in);
    const QString out = dir.filePath(QStringLiteral("edited.npz"));

    const Run run = nemoscope({ QStringLiteral("edit"), in, QStringLiteral("--set"),
        QStringLiteral("regularizer_strength=0.1"), QStringLiteral("--set"), QStringLiteral("solver_name=LBFGS"),
        QStringLiteral("--set"), QStringLiteral("solver_kwargs__tol=1e-8"), QStringLiteral("-o"), out });
    QCOMPARE(run.exitCode, 0);
    QVERIFY2(run.err.isEmpty(), qPrintable(run.err));
    QCOMPARE(digest(in), before);
    // Nothing left beside the output (the write goes through a temporary file renamed into place).
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files).size(), 2);

    const QJsonObject params = json(nemoscope({ QStringLiteral("inspect"), out, QStringLiteral("--json") }))
                                   .value(QStringLiteral("model"))
                                   .toObject()
                                   .value(QStringLiteral("params"))
                                   .toObject();
    QCOMPARE(params.value(QStringLiteral("regularizer_strength")).toDouble(), 0.1);
    QCOMPARE(params.value(QStringLiteral("solver_name")).toString(), QStringLiteral("LBFGS"));
    QCOMPARE(params.value(QStringLiteral("solver_kwargs")).toObject().value(QStringLiteral("tol")).toDouble(), 1e-8);

    // No -o: refused before anything is read or written.
    const Run missing
        = nemoscope({ QStringLiteral("edit"), in, QStringLiteral("--set"), QStringLiteral("solver_name=BFGS") });
    QCOMPARE(missing.exitCode, 2);
    QVERIFY(missing.err.contains(QStringLiteral("-o OUT")));
    // -o naming the input: refused without --in-place.
    const Run same = nemoscope({ QStringLiteral("edit"), in, QStringLiteral("--set"),
        QStringLiteral("solver_name=BFGS"), QStringLiteral("-o"), in });
    QCOMPARE(same.exitCode, 2);
    QVERIFY(same.err.contains(QStringLiteral("--in-place")));
    QCOMPARE(digest(in), before);
}

void TestCli::editsInPlaceOnlyWhenAsked()
{
    QTemporaryDir dir;
    const QString in = dir.filePath(QStringLiteral("model.npz"));
    QVERIFY(QFile::copy(data(QStringLiteral("nemos/negbin_ridge_fitted.npz")), in));
    QFile::setPermissions(in, QFile::ReadOwner | QFile::WriteOwner);

    const Run run = nemoscope({ QStringLiteral("edit"), in, QStringLiteral("--set"),
        QStringLiteral("observation_model__scale=0.25"), QStringLiteral("--in-place") });
    QCOMPARE(run.exitCode, 0);
    const QJsonObject observation = json(nemoscope({ QStringLiteral("inspect"), in, QStringLiteral("--json") }))
                                        .value(QStringLiteral("model"))
                                        .toObject()
                                        .value(QStringLiteral("params"))
                                        .toObject()
                                        .value(QStringLiteral("observation_model"))
                                        .toObject();
    QCOMPARE(observation.value(QStringLiteral("params")).toObject().value(QStringLiteral("scale")).toDouble(), 0.25);
}

void TestCli::mapsAndSavesResolved()
{
    QTemporaryDir dir;
    const QString out = dir.filePath(QStringLiteral("mapped.npz"));
    const Run run = nemoscope({ QStringLiteral("edit"), data(QStringLiteral("nemos/custom_regularizer_params.npz")),
        QStringLiteral("--map"), QStringLiteral("regularizer=Ridge"), QStringLiteral("--map"),
        QStringLiteral("inverse_link_function=exp"), QStringLiteral("-o"), out, QStringLiteral("--python") });
    QCOMPARE(run.exitCode, 0);
    QVERIFY2(
        run.out.contains(QStringLiteral("dropped parameters it does not accept: new_param=10")), qPrintable(run.out));
    QVERIFY(run.out.contains(QStringLiteral("\"regularizer\": nmo.regularizer.Ridge,")));
    QVERIFY(run.out.contains(QStringLiteral("\"inverse_link_function\": jax.numpy.exp,")));

    const Run inspect = nemoscope({ QStringLiteral("inspect"), out, QStringLiteral("--json") });
    QCOMPARE(inspect.exitCode, 0);
    QCOMPARE(json(inspect).value(QStringLiteral("unresolved")).toArray().size(), 0);
    QCOMPARE(
        json(inspect).value(QStringLiteral("model")).toObject().value(QStringLiteral("validation")).toArray().size(),
        0);
}

void TestCli::refusesInvalidEdits_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QStringList>("options");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("stderrMentions");

    QTest::newRow("solver not allowed") << QStringLiteral("nemos/bernoulli_lasso_fitted.npz")
                                        << QStringList { QStringLiteral("--set"), QStringLiteral("solver_name=LBFGS") }
                                        << 4
                                        << QStringLiteral("The solver: LBFGS is not allowed for Lasso regularization");
    QTest::newRow("unknown key") << QStringLiteral("nemos/ridge_glm_params.npz")
                                 << QStringList { QStringLiteral("--set"), QStringLiteral("regularizer_strenght=1") }
                                 << 4
                                 << QStringLiteral("regularizer_strenght: no such parameter, did you mean "
                                                   "'regularizer_strength'?");
    QTest::newRow("map missing key") << QStringLiteral("nemos/custom_regularizer_params.npz")
                                     << QStringList { QStringLiteral("--map"), QStringLiteral("regulariser=Ridge") }
                                     << 4 << QStringLiteral("did you mean 'regularizer'?");
    QTest::newRow("map not mappable") << QStringLiteral("nemos/ridge_glm_params.npz")
                                      << QStringList { QStringLiteral("--map"), QStringLiteral("solver_name=LBFGS") }
                                      << 4 << QStringLiteral("only callables and classes can be mapped");
    QTest::newRow("unresolved left") << QStringLiteral("nemos/custom_regularizer_params.npz")
                                     << QStringList { QStringLiteral("--map"), QStringLiteral("regularizer=Ridge") }
                                     << 4 << QStringLiteral("Unknown link function: __main__.custom_link");
    QTest::newRow("ratio") << QStringLiteral("nemos/gaussian_elasticnet_fitted_compressed.npz")
                           << QStringList { QStringLiteral("--set"), QStringLiteral("regularizer_strength=(0.1, 2)") }
                           << 4 << QStringLiteral("ratio must be in (0, 1]");
    QTest::newRow("plain archive") << QStringLiteral("generic/dtype_zoo.npz")
                                   << QStringList { QStringLiteral("--set"), QStringLiteral("solver_name=LBFGS") } << 4
                                   << QStringLiteral("not a nemos model file");
    QTest::newRow("unreadable") << QStringLiteral("malformed/not_a_zip.npz")
                                << QStringList { QStringLiteral("--set"), QStringLiteral("solver_name=LBFGS") } << 2
                                << QStringLiteral("not_a_zip.npz");
    QTest::newRow("bad layout") << QStringLiteral("nemos/ridge_glm_params.npz")
                                << QStringList { QStringLiteral("--layout"), QStringLiteral("newest") } << 2
                                << QStringLiteral("--layout must be current or legacy");
}

void TestCli::refusesInvalidEdits()
{
    QFETCH(QString, file);
    QFETCH(QStringList, options);
    QFETCH(int, exitCode);
    QFETCH(QString, stderrMentions);

    QTemporaryDir dir;
    const QString out = dir.filePath(QStringLiteral("out.npz"));
    const Run run = nemoscope(
        QStringList { QStringLiteral("edit"), data(file) } + options + QStringList { QStringLiteral("-o"), out });
    QCOMPARE(run.exitCode, exitCode);
    QVERIFY2(run.err.contains(stderrMentions), qPrintable(run.err));
    QVERIFY2(run.err.startsWith(QStringLiteral("nemoscope: ")), qPrintable(run.err));
    QVERIFY(!QFile::exists(out));
}

void TestCli::writesLegacyLayout()
{
    QTemporaryDir dir;
    const QString out = dir.filePath(QStringLiteral("legacy.npz"));
    const Run run = nemoscope({ QStringLiteral("edit"), data(QStringLiteral("nemos/poisson_grouplasso_fitted.npz")),
        QStringLiteral("--layout"), QStringLiteral("legacy"), QStringLiteral("-o"), out });
    QCOMPARE(run.exitCode, 0);
    const QJsonObject object = json(nemoscope({ QStringLiteral("inspect"), out, QStringLiteral("--json") }));
    QCOMPARE(object.value(QStringLiteral("layout")).toString(), QStringLiteral("legacy"));
    bool sawMask = false;
    for (const QJsonValue& value : object.value(QStringLiteral("members")).toArray()) {
        const QString name = value.toObject().value(QStringLiteral("name")).toString();
        QVERIFY2(!name.contains(QStringLiteral("::")), qPrintable(name));
        if (name == QLatin1String("dict__regularizer__dict__params__item__mask")) {
            sawMask = true;
            QCOMPARE(value.toObject().value(QStringLiteral("descr")).toString(), QStringLiteral("<f4"));
            QCOMPARE(value.toObject().value(QStringLiteral("shape")).toArray(), QJsonArray({ 3, 6 }));
        }
    }
    QVERIFY(sawMask);
}

void TestCli::fitsReferenceRidge()
{
    const QJsonObject expected = reference(QStringLiteral("seed_example"), QStringLiteral("Ridge"));
    QVERIFY(!expected.isEmpty());

    const Run run = nemoscope({ QStringLiteral("fit"), data(QStringLiteral("nemos/ridge_glm_params.npz")),
        QStringLiteral("--data"), data(QStringLiteral("data/seed_example.npz")), QStringLiteral("--json") });
    QCOMPARE(run.exitCode, 0);
    const QJsonObject result = json(run);
    for (const char* field :
        { "status", "iterations", "objective", "seconds", "coef", "intercept", "scale", "dof_resid" })
        QVERIFY2(result.contains(QString::fromLatin1(field)), field);
    QCOMPARE(result.value(QStringLiteral("status")).toString(), QStringLiteral("converged"));
    const double coef = result.value(QStringLiteral("coef")).toArray()[0].toDouble();
    const double intercept = result.value(QStringLiteral("intercept")).toArray()[0].toDouble();
    QVERIFY2(
        std::abs(coef - expected.value(QStringLiteral("coef")).toArray()[0].toDouble()) < 1e-5, qPrintable(run.out));
    QVERIFY(std::abs(intercept - expected.value(QStringLiteral("intercept")).toArray()[0].toDouble()) < 1e-5);
    const double objective = expected.value(QStringLiteral("objective")).toDouble();
    QVERIFY(std::abs(result.value(QStringLiteral("objective")).toDouble() - objective) <= 1e-8 * std::abs(objective));
    QCOMPARE(result.value(QStringLiteral("dof_resid")).toDouble(), 48.0);

    // Text output names the same numbers.
    const Run text = nemoscope({ QStringLiteral("fit"), data(QStringLiteral("nemos/ridge_glm_params.npz")),
        QStringLiteral("--data"), data(QStringLiteral("data/seed_example.npz")) });
    QCOMPARE(text.exitCode, 0);
    for (const char* label :
        { "coef:", "intercept:", "objective:", "status:      converged", "iterations:", "seconds:" })
        QVERIFY2(text.out.contains(QString::fromLatin1(label)), label);
}

void TestCli::fitsWithEditsAndWritesModel()
{
    // A custom model, mapped and given another strength on the command line, refitted and saved.
    QTemporaryDir dir;
    const QString out = dir.filePath(QStringLiteral("refit.npz"));
    const Run run = nemoscope(
        { QStringLiteral("fit"), data(QStringLiteral("nemos/custom_regularizer_params.npz")), QStringLiteral("--data"),
            data(QStringLiteral("data/seed_example.npz")), QStringLiteral("--map"), QStringLiteral("regularizer=Ridge"),
            QStringLiteral("--map"), QStringLiteral("inverse_link_function=exp"), QStringLiteral("--set"),
            QStringLiteral("regularizer_strength=1.0"), QStringLiteral("-o"), out, QStringLiteral("--json") });
    QCOMPARE(run.exitCode, 0);
    const double coef = json(run).value(QStringLiteral("coef")).toArray()[0].toDouble();
    QVERIFY(std::abs(coef
                - reference(QStringLiteral("seed_example"), QStringLiteral("Ridge"))
                      .value(QStringLiteral("coef"))
                      .toArray()[0]
                      .toDouble())
        < 1e-5);

    const QJsonObject model = json(nemoscope({ QStringLiteral("inspect"), out, QStringLiteral("--json") }))
                                  .value(QStringLiteral("model"))
                                  .toObject();
    const QJsonObject fit = model.value(QStringLiteral("fit")).toObject();
    QCOMPARE(fit.value(QStringLiteral("coef_")).toObject().value(QStringLiteral("shape")).toArray(), QJsonArray({ 1 }));
    QVERIFY(
        std::abs(fit.value(QStringLiteral("coef_")).toObject().value(QStringLiteral("values")).toArray()[0].toDouble()
            - coef)
        < 1e-6);
    QCOMPARE(fit.value(QStringLiteral("dof_resid_")).toObject().value(QStringLiteral("values")).toDouble(), 48.0);
    QCOMPARE(model.value(QStringLiteral("params")).toObject().value(QStringLiteral("inverse_link_function")).toString(),
        QStringLiteral("jax.numpy.exp"));

    // PopulationGLM with its feature mask.
    const Run population = nemoscope({ QStringLiteral("fit"), data(QStringLiteral("nemos/population_ridge_fitted.npz")),
        QStringLiteral("--data"), data(QStringLiteral("data/population_counts.npz")), QStringLiteral("--json") });
    QCOMPARE(population.exitCode, 0);
    const QJsonArray rows = json(population).value(QStringLiteral("coef")).toArray();
    QCOMPARE(rows.size(), 5);
    QCOMPARE(rows[0].toArray().size(), 3);
    const QJsonArray expected = reference(QStringLiteral("population_counts"), QStringLiteral("Ridge"))
                                    .value(QStringLiteral("coef"))
                                    .toArray();
    for (int r = 0; r < 5; ++r) {
        for (int c = 0; c < 3; ++c)
            QVERIFY(std::abs(rows[r].toArray()[c].toDouble() - expected[r].toArray()[c].toDouble()) < 1e-5);
    }
}

void TestCli::fitExitStatuses_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("stderrMentions");

    const QString model = data(QStringLiteral("nemos/ridge_glm_params.npz"));
    const QString seed = data(QStringLiteral("data/seed_example.npz"));
    QTest::newRow("not converged") << QStringList { model, QStringLiteral("--data"), seed, QStringLiteral("--set"),
        QStringLiteral("solver_kwargs__maxiter=2") }
                                   << 5 << QString();
    QTest::newRow("missing data file") << QStringList { model, QStringLiteral("--data"),
        data(QStringLiteral("data/none.npz")) }
                                       << 2 << QStringLiteral("none.npz");
    QTest::newRow("unreadable model") << QStringList { data(QStringLiteral("malformed/not_a_zip.npz")),
        QStringLiteral("--data"), seed }
                                      << 2 << QStringLiteral("not_a_zip.npz");
    QTest::newRow("no such y") << QStringList { model, QStringLiteral("--data"), seed, QStringLiteral("--y"),
        QStringLiteral("spikes") }
                               << 4 << QStringLiteral("spikes");
    QTest::newRow("unresolved model") << QStringList { data(QStringLiteral("nemos/custom_regularizer_params.npz")),
        QStringLiteral("--data"), seed }
                                      << 4 << QStringLiteral("CustomRegularizer");
    QTest::newRow("feature count") << QStringList { data(QStringLiteral("nemos/poisson_grouplasso_fitted.npz")),
        QStringLiteral("--data"), seed }
                                   << 4 << QString();
    QTest::newRow("y outside Bernoulli") << QStringList { data(QStringLiteral("nemos/bernoulli_lasso_fitted.npz")),
        QStringLiteral("--data"), data(QStringLiteral("data/poisson_counts.npz")), QStringLiteral("--set"),
        QStringLiteral("regularizer_strength=0.01") }
                                         << 4 << QString();
    QTest::newRow("no data option") << QStringList { model } << 2 << QStringLiteral("--data");
}

void TestCli::fitExitStatuses()
{
    QFETCH(QStringList, arguments);
    QFETCH(int, exitCode);
    QFETCH(QString, stderrMentions);

    QTemporaryDir dir;
    const QString out = dir.filePath(QStringLiteral("out.npz"));
    const Run run = nemoscope(QStringList { QStringLiteral("fit") } + arguments);
    QCOMPARE(run.exitCode, exitCode);
    if (exitCode != 5) {
        QVERIFY2(run.err.startsWith(QStringLiteral("nemoscope: ")), qPrintable(run.err));
        QVERIFY2(run.err.contains(stderrMentions), qPrintable(run.err));
    } else {
        QVERIFY2(run.out.contains(QStringLiteral("status:")), qPrintable(run.out));
        QVERIFY(!run.out.contains(QStringLiteral("status:      converged")));
    }
}

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
