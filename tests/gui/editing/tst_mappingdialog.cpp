// The mapping dialog on the custom-regularizer files: the names it lists, the built-ins it offers, the
// parameters it drops, the nemos call it shows, and a mapped model that saves with no unresolved names.

#include "editing/mappingdialog.h"
#include "model/nemosfile.h"

#include <QApplication>
#include <QClipboard>
#include <QPushButton>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

using namespace nemoscope;

class TestMappingDialog : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void listsEveryUnresolvedName_data();
    void listsEveryUnresolvedName();
    void offersOnlyBuiltinsOfTheSameKind();
    void showsDroppedParameters();
    void mappedModelSavesResolved_data();
    void mappedModelSavesResolved();
    void remembersBindings();
    void copiesTheNemosCall();

private:
    static model::NemosFile load(const QString& name);

    QTemporaryDir m_dir;
};

model::NemosFile TestMappingDialog::load(const QString& name)
{
    Result<model::NemosFile> file = model::NemosFile::load(QStringLiteral(NEMOSCOPE_TEST_DATA "/nemos/") + name);
    if (!file)
        qFatal("%s", qPrintable(file.error().message()));
    if (!file->spec())
        qFatal("%s has no model", qPrintable(name));
    return std::move(file).value();
}

void TestMappingDialog::initTestCase()
{
    QVERIFY(m_dir.isValid());
    // Remembered bindings go to a settings file of this test only.
    QCoreApplication::setOrganizationName(QStringLiteral("NemoscopeTests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_mappingdialog"));
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_dir.path());
}

void TestMappingDialog::init()
{
    QSettings().clear();
}

void TestMappingDialog::listsEveryUnresolvedName_data()
{
    QTest::addColumn<QString>("file");
    QTest::newRow("current layout") << QStringLiteral("custom_regularizer_params.npz");
    QTest::newRow("legacy layout") << QStringLiteral("custom_regularizer_params_legacy.npz");
}

void TestMappingDialog::listsEveryUnresolvedName()
{
    QFETCH(QString, file);
    const model::NemosFile nemos = load(file);
    ui::MappingDialog dialog(*nemos.spec(), nemos.path());

    QCOMPARE(dialog.rowCount(), 2);
    QStringList keys { dialog.key(0), dialog.key(1) };
    keys.sort();
    QCOMPARE(keys, (QStringList { QStringLiteral("inverse_link_function"), QStringLiteral("regularizer") }));

    // Nothing chosen yet: nothing to apply, and the call has no mapping_dict.
    QVERIFY(!dialog.applyButton()->isEnabled());
    QVERIFY(!dialog.pythonSnippet().contains(QStringLiteral("mapping_dict")));
    QVERIFY(dialog.pythonSnippet().contains(QStringLiteral("load_model")));
}

void TestMappingDialog::offersOnlyBuiltinsOfTheSameKind()
{
    const model::NemosFile nemos = load(QStringLiteral("custom_regularizer_params.npz"));
    ui::MappingDialog dialog(*nemos.spec(), nemos.path());

    const QStringList regularizers = dialog.choices(dialog.rowForKey(QStringLiteral("regularizer")));
    QVERIFY2(regularizers.contains(QStringLiteral("Ridge")), qPrintable(regularizers.join(u',')));
    QVERIFY(regularizers.contains(QStringLiteral("Lasso")));
    QVERIFY(!regularizers.contains(QStringLiteral("exp")));
    QVERIFY(!regularizers.contains(QStringLiteral("Poisson")));

    const QStringList links = dialog.choices(dialog.rowForKey(QStringLiteral("inverse_link_function")));
    QVERIFY2(links.contains(QStringLiteral("exp")), qPrintable(links.join(u',')));
    QVERIFY(links.contains(QStringLiteral("softplus")));
    QVERIFY(!links.contains(QStringLiteral("Ridge")));

    // A class row refuses a callable.
    QVERIFY(!dialog.choose(dialog.rowForKey(QStringLiteral("regularizer")), QStringLiteral("exp")));
}

void TestMappingDialog::showsDroppedParameters()
{
    const model::NemosFile nemos = load(QStringLiteral("custom_regularizer_params.npz"));
    ui::MappingDialog dialog(*nemos.spec(), nemos.path());
    const int row = dialog.rowForKey(QStringLiteral("regularizer"));

    QVERIFY(dialog.choose(row, QStringLiteral("Ridge")));
    QVERIFY2(dialog.dropped(row).contains(QStringLiteral("new_param")), qPrintable(dialog.dropped(row)));

    // The only built-in that accepts a parameter named mask still does not take new_param.
    QVERIFY(dialog.choose(row, QStringLiteral("GroupLasso")));
    QVERIFY(dialog.dropped(row).contains(QStringLiteral("new_param")));
}

void TestMappingDialog::mappedModelSavesResolved_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<model::KeyLayout>("layout");
    QTest::newRow("current to current") << QStringLiteral("custom_regularizer_params.npz") << model::KeyLayout::Current;
    QTest::newRow("legacy to legacy") << QStringLiteral("custom_regularizer_params_legacy.npz")
                                      << model::KeyLayout::Legacy;
}

void TestMappingDialog::mappedModelSavesResolved()
{
    QFETCH(QString, file);
    QFETCH(model::KeyLayout, layout);
    model::NemosFile nemos = load(file);
    ui::MappingDialog dialog(*nemos.spec(), nemos.path());

    QVERIFY(dialog.choose(dialog.rowForKey(QStringLiteral("regularizer")), QStringLiteral("Ridge")));
    QVERIFY(!dialog.applyButton()->isEnabled() || dialog.mappedSpec().unresolved().size() == 1);
    QVERIFY(dialog.choose(dialog.rowForKey(QStringLiteral("inverse_link_function")), QStringLiteral("exp")));
    QVERIFY(dialog.applyButton()->isEnabled());

    // The nemos call names both mappings.
    const QString snippet = dialog.pythonSnippet();
    QVERIFY2(snippet.contains(QStringLiteral("mapping_dict")), qPrintable(snippet));
    QVERIFY2(snippet.contains(QStringLiteral("\"regularizer\"")), qPrintable(snippet));
    QVERIFY2(snippet.contains(QStringLiteral("\"inverse_link_function\"")), qPrintable(snippet));
    QVERIFY2(snippet.contains(QStringLiteral("Ridge")), qPrintable(snippet));

    QTest::mouseClick(dialog.applyButton(), Qt::LeftButton);
    QCOMPARE(dialog.result(), int(QDialog::Accepted));
    const model::ModelSpec& mapped = dialog.mappedSpec();
    QVERIFY(mapped.unresolved().isEmpty());
    QVERIFY2(mapped.validate().isEmpty(), qPrintable(mapped.validate().join(u'\n')));
    QCOMPARE(mapped.regularizer().builtin->name, QStringLiteral("Ridge"));
    QCOMPARE(mapped.inverseLink()->name, QStringLiteral("exp"));
    QVERIFY(!mapped.regularizer().params.find(QStringLiteral("new_param")));

    // Saved and read back: nothing left to map.
    *nemos.spec() = mapped;
    const QString out = m_dir.filePath(QStringLiteral("mapped.npz"));
    Result<void> saved = nemos.save(out, layout);
    QVERIFY2(saved.ok(), qPrintable(saved ? QString() : saved.error().message()));
    Result<model::NemosFile> reread = model::NemosFile::load(out);
    QVERIFY(reread.ok());
    QVERIFY(reread->spec());
    QVERIFY(reread->layout() == layout);
    QVERIFY(reread->spec()->unresolved().isEmpty());
    QCOMPARE(reread->spec()->regularizer().builtin->name, QStringLiteral("Ridge"));
}

void TestMappingDialog::remembersBindings()
{
    const model::NemosFile nemos = load(QStringLiteral("custom_regularizer_params.npz"));
    {
        ui::MappingDialog dialog(*nemos.spec(), nemos.path());
        const int row = dialog.rowForKey(QStringLiteral("regularizer"));
        QVERIFY(dialog.choose(row, QStringLiteral("Lasso")));
        dialog.setRemember(row, true);
        dialog.accept();
    }
    QCOMPARE(ui::MappingMemory::remembered(QStringLiteral("__main__.CustomRegularizer")), QStringLiteral("Lasso"));

    // Next time the same name is met, the remembered built-in is proposed; the other row is not.
    ui::MappingDialog again(*nemos.spec(), nemos.path());
    QCOMPARE(again.chosen(again.rowForKey(QStringLiteral("regularizer"))), QStringLiteral("Lasso"));
    QCOMPARE(again.chosen(again.rowForKey(QStringLiteral("inverse_link_function"))), QString());
}

void TestMappingDialog::copiesTheNemosCall()
{
    const model::NemosFile nemos = load(QStringLiteral("custom_regularizer_params.npz"));
    ui::MappingDialog dialog(*nemos.spec(), nemos.path());
    QVERIFY(dialog.choose(dialog.rowForKey(QStringLiteral("inverse_link_function")), QStringLiteral("exp")));
    QTest::mouseClick(dialog.copyButton(), Qt::LeftButton);
    QCOMPARE(QGuiApplication::clipboard()->text(), dialog.pythonSnippet());
    QVERIFY(dialog.pythonSnippet().contains(QStringLiteral("inverse_link_function")));
}

QTEST_MAIN(TestMappingDialog)
#include "tst_mappingdialog.moc"
