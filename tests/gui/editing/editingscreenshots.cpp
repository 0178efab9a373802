// Renders the editing dialogs on the bundled test files into PNGs, for the README:
//   xvfb-run -a -s "-screen 0 1400x900x24" build/tests/gui/editing/editing_screenshots docs/screenshots
// Writes editing-mapping.png, editing-datapicker.png, editing-fit.png and editing-editor.png.

#include "data/dataset.h"
#include "editing/datapickerdialog.h"
#include "editing/fitdialog.h"
#include "editing/hyperparametereditor.h"
#include "editing/mappingdialog.h"
#include "model/fitbridge.h"
#include "model/nemosfile.h"

#include <QApplication>
#include <QDir>
#include <QEventLoop>
#include <QTimer>

#include <cstdio>

using namespace nemoscope;

namespace {

const QString testData = QStringLiteral(NEMOSCOPE_TEST_DATA);

model::NemosFile loadModel(const QString& name)
{
    Result<model::NemosFile> file = model::NemosFile::load(testData + QStringLiteral("/nemos/") + name);
    if (!file || !file->spec())
        qFatal("cannot load %s", qPrintable(name));
    return std::move(file).value();
}

void settle(int milliseconds)
{
    QEventLoop loop;
    QTimer::singleShot(milliseconds, &loop, &QEventLoop::quit);
    loop.exec();
}

bool save(QWidget* widget, const QDir& out, const QString& name)
{
    widget->show();
    settle(300);
    const QString path = out.filePath(name);
    if (!widget->grab().save(path)) {
        std::fprintf(stderr, "cannot write %s\n", qPrintable(path));
        return false;
    }
    std::printf("%s\n", qPrintable(path));
    return true;
}

} // namespace

int main(int argc, char** argv)
{
    QApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("NemoscopeScreenshots"));
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s OUTPUT_FOLDER\n", argv[0]);
        return 2;
    }
    QDir out(QString::fromLocal8Bit(argv[1]));
    out.mkpath(QStringLiteral("."));
    bool ok = true;

    // Mapping: the custom regularizer file with both names chosen.
    {
        const model::NemosFile nemos = loadModel(QStringLiteral("custom_regularizer_params.npz"));
        ui::MappingDialog dialog(*nemos.spec(), QStringLiteral("custom_regularizer_params.npz"));
        dialog.choose(dialog.rowForKey(QStringLiteral("regularizer")), QStringLiteral("Ridge"));
        dialog.choose(dialog.rowForKey(QStringLiteral("inverse_link_function")), QStringLiteral("exp"));
        ok = save(&dialog, out, QStringLiteral("editing-mapping.png")) && ok;
    }

    // Editor: the GroupLasso model, whose mask shows as a grid.
    {
        const model::NemosFile nemos = loadModel(QStringLiteral("poisson_grouplasso_fitted.npz"));
        ui::HyperparameterEditor editor;
        editor.setSpec(*nemos.spec());
        editor.resize(460, 820);
        ok = save(&editor, out, QStringLiteral("editing-editor.png")) && ok;
    }

    // Data picker and fit: the seed example's Ridge model on its data.
    const model::NemosFile ridge = loadModel(QStringLiteral("ridge_glm_params_fitted.npz"));
    Result<model::FitSetup> setup = model::fitSetup(*ridge.spec());
    Result<data::DataSet> dataSet = data::loadDataFile(testData + QStringLiteral("/data/seed_example.npz"));
    if (!setup || !dataSet) {
        std::fprintf(stderr, "cannot set up the fit\n");
        return 1;
    }
    {
        ui::DataPickerDialog picker(*dataSet, { setup->problem, setup->expectedFeatures, QStringLiteral("GLM") });
        ok = save(&picker, out, QStringLiteral("editing-datapicker.png")) && ok;
    }
    {
        // A fitted GLM on a data set with more samples makes a readable prediction plot.
        const model::NemosFile softplus = loadModel(QStringLiteral("poisson_softplus_ridge_fitted.npz"));
        Result<model::FitSetup> fitSetup = model::fitSetup(*softplus.spec());
        Result<data::XYData> xy = data::loadXY(testData + QStringLiteral("/data/poisson_counts.npz"));
        if (!fitSetup || !xy) {
            std::fprintf(stderr, "cannot set up the fit\n");
            return 1;
        }
        ui::FitRequest request;
        request.problem = fitSetup->problem;
        request.options = fitSetup->options;
        request.X = xy->X;
        request.Y = xy->Y;
        request.observedName = xy->yName;
        request.coefBefore = *softplus.spec()->coef().array().toMatrix();
        request.coefBefore.array() *= 0.5; // a visibly different starting point
        request.interceptBefore = *softplus.spec()->intercept().array().toVector();
        request.title = QStringLiteral("Ridge GLM (Poisson, softplus, %1) on poisson_counts.npz: X = X, y = y")
                            .arg(fit::toString(fitSetup->options.solver));
        ui::FitDialog dialog(request);
        dialog.show();
        dialog.start();
        QEventLoop loop;
        QObject::connect(&dialog, &ui::FitDialog::fitFinished, &loop, &QEventLoop::quit);
        QTimer::singleShot(60000, &loop, &QEventLoop::quit);
        loop.exec();
        ok = save(&dialog, out, QStringLiteral("editing-fit.png")) && ok;
    }
    return ok ? 0 : 1;
}
