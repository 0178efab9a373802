#include "editing/datapickerdialog.h"

#include <QApplication>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileInfo>
#include <QFormLayout>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QStyle>
#include <QVBoxLayout>

namespace nemoscope::ui {

namespace {

QString shapeText(const std::vector<qint64>& shape)
{
    QStringList dims;
    for (qint64 d : shape)
        dims << QString::number(d);
    if (dims.size() == 1)
        return QStringLiteral("(%1,)").arg(dims.first());
    return QStringLiteral("(%1)").arg(dims.join(QStringLiteral(", ")));
}

QString describe(const npy::NdArray& array)
{
    return QStringLiteral("%1 %2").arg(array.dtype().name(), shapeText(array.shape()));
}

} // namespace

std::vector<DataCheck> checkSelection(
    const data::DataSet& dataSet, const QString& xName, const QString& yName, const DataExpectations& expected)
{
    std::vector<DataCheck> checks;
    auto pass = [&](const QString& text) { checks.push_back({ true, text }); };
    auto fail = [&](const QString& text) {
        checks.push_back({ false, text });
        return checks;
    };

    const npy::NdArray* x = dataSet.find(xName);
    const npy::NdArray* y = dataSet.find(yName);
    if (!x)
        return fail(QObject::tr("Choose the array that holds X."));
    if (!y)
        return fail(QObject::tr("Choose the array that holds y."));
    if (xName == yName)
        return fail(QObject::tr("X and y are the same array."));

    // Shapes, as nemos checks them before anything is computed.
    if (!x->dtype().isNumeric())
        return fail(QObject::tr("X (%1) is not numeric.").arg(describe(*x)));
    if (x->ndim() != 2)
        return fail(QObject::tr("X must be 2-D (samples, features); %1 is %2-D.").arg(xName).arg(x->ndim()));
    pass(x->shape()[1] == 1 ? QObject::tr("X: %1 samples, 1 feature.").arg(x->shape()[0])
                            : QObject::tr("X: %1 samples, %2 features.").arg(x->shape()[0]).arg(x->shape()[1]));

    if (!y->dtype().isNumeric())
        return fail(QObject::tr("y (%1) is not numeric.").arg(describe(*y)));
    if (expected.problem.population) {
        if (y->ndim() != 2)
            return fail(QObject::tr("A %1 takes a 2-D y (samples, neurons); %2 is %3-D.")
                            .arg(expected.modelName)
                            .arg(yName)
                            .arg(y->ndim()));
        pass(QObject::tr("y: %1 neurons, as a %2 takes.").arg(y->shape()[1]).arg(expected.modelName));
    } else {
        if (y->ndim() != 1)
            return fail(QObject::tr("A %1 takes a 1-D y (samples,); %2 is %3-D %4.")
                            .arg(expected.modelName, yName)
                            .arg(y->ndim())
                            .arg(shapeText(y->shape())));
        pass(QObject::tr("y: 1-D, as a %1 takes.").arg(expected.modelName));
    }
    if (x->shape()[0] != y->shape()[0])
        return fail(QObject::tr("X has %1 samples and y has %2.").arg(x->shape()[0]).arg(y->shape()[0]));
    pass(QObject::tr("X and y have the same number of samples."));

    if (expected.features) {
        if (x->shape()[1] != *expected.features)
            return fail(QObject::tr("The model's coef_ has %1 features and X has %2.")
                            .arg(*expected.features)
                            .arg(x->shape()[1]));
        pass(QObject::tr("Feature count matches the model's coef_ (%1).").arg(*expected.features));
    }

    // The engine's checks: values in the observation model's domain, NaN and Inf, masks.
    Result<data::XYData> xy = data::selectXY(dataSet, xName, yName);
    if (!xy)
        return fail(xy.error().message());
    Result<void> engine = fit::checkData(expected.problem, xy->X, xy->Y, expected.features);
    if (!engine)
        return fail(QObject::tr("The fitting engine refuses the data: %1").arg(engine.error().message()));
    pass(QObject::tr("The fitting engine accepts the data for a %1 model.")
             .arg(fit::toString(expected.problem.observation)));
    return checks;
}

DataPickerDialog::DataPickerDialog(data::DataSet dataSet, DataExpectations expected, QWidget* parent)
    : QDialog(parent)
    , m_dataSet(std::move(dataSet))
    , m_expected(std::move(expected))
{
    setWindowTitle(tr("Choose the data to fit"));

    auto* intro = new QLabel(tr("<b>%1</b><br>Pick the arrays that hold the inputs X and the observations y.")
                                 .arg(QFileInfo(m_dataSet.path).fileName().toHtmlEscaped()));
    intro->setWordWrap(true);

    m_xCombo = new QComboBox;
    m_yCombo = new QComboBox;
    for (const auto& [name, array] : m_dataSet.arrays) {
        const QString text = QStringLiteral("%1    %2").arg(name, describe(array));
        m_xCombo->addItem(text, name);
        m_yCombo->addItem(text, name);
    }

    m_checks = new QListWidget;
    m_checks->setSelectionMode(QAbstractItemView::NoSelection);
    m_checks->setFocusPolicy(Qt::NoFocus);
    m_checks->setWordWrap(true);

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("Fit"));
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* form = new QFormLayout;
    form->addRow(tr("X (inputs):"), m_xCombo);
    form->addRow(tr("y (observations):"), m_yCombo);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addLayout(form);
    layout->addWidget(new QLabel(tr("Checks against the %1 model:").arg(m_expected.modelName)));
    layout->addWidget(m_checks, 1);
    layout->addWidget(m_buttons);
    resize(560, 400);

    // Preselect the conventional names; anything else is left for the user to choose.
    if (Result<data::XYNames> names = data::defaultXY(m_dataSet)) {
        setXName(names->x);
        setYName(names->y);
    } else {
        const QStringList all = m_dataSet.names();
        if (all.contains(QStringLiteral("X")))
            setXName(QStringLiteral("X"));
        for (const QString& candidate : data::defaultYNames()) {
            if (all.contains(candidate)) {
                setYName(candidate);
                break;
            }
        }
    }
    connect(m_xCombo, &QComboBox::currentIndexChanged, this, &DataPickerDialog::recheck);
    connect(m_yCombo, &QComboBox::currentIndexChanged, this, &DataPickerDialog::recheck);
    recheck();
}

DataPickerDialog::~DataPickerDialog() = default;

QString DataPickerDialog::xName() const
{
    return m_xCombo->currentData().toString();
}

QString DataPickerDialog::yName() const
{
    return m_yCombo->currentData().toString();
}

void DataPickerDialog::setXName(const QString& name)
{
    const int index = m_xCombo->findData(name);
    if (index >= 0)
        m_xCombo->setCurrentIndex(index);
}

void DataPickerDialog::setYName(const QString& name)
{
    const int index = m_yCombo->findData(name);
    if (index >= 0)
        m_yCombo->setCurrentIndex(index);
}

Result<data::XYData> DataPickerDialog::selection() const
{
    return data::selectXY(m_dataSet, xName(), yName());
}

void DataPickerDialog::recheck()
{
    m_checks->clear();
    const std::vector<DataCheck> checks = checkSelection(m_dataSet, xName(), yName(), m_expected);
    m_valid = !checks.empty();
    const QIcon good = style()->standardIcon(QStyle::SP_DialogApplyButton);
    const QIcon bad = style()->standardIcon(QStyle::SP_MessageBoxCritical);
    for (const DataCheck& check : checks) {
        auto* item = new QListWidgetItem(check.passed ? good : bad, check.text, m_checks);
        if (!check.passed) {
            QFont bold = item->font();
            bold.setBold(true);
            item->setFont(bold);
        }
        m_valid = m_valid && check.passed;
    }
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(m_valid);
}

} // namespace nemoscope::ui
