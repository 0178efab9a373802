// NdArray: element access and display text for every dtype kind, views (fields, 2-D slices, sub-arrays),
// Eigen conversions and the zero-copy map, constructors and their size checks.

#include "npy/ndarray.h"

#include <QJsonArray>
#include <QJsonValue>
#include <QTest>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

using namespace nemoscope;
using namespace nemoscope::npy;

namespace {

template<typename T> QByteArray bytesOf(std::initializer_list<T> values)
{
    QByteArray out;
    for (const T& v : values)
        out.append(reinterpret_cast<const char*>(&v), sizeof v);
    return out;
}

QByteArray bigEndian(QByteArray bytes, int itemSize)
{
    for (qsizetype i = 0; i + itemSize <= bytes.size(); i += itemSize)
        std::reverse(bytes.begin() + i, bytes.begin() + i + itemSize);
    return bytes;
}

NdArray make(const QString& descr, const std::vector<qint64>& shape, const QByteArray& bytes, bool fortran = false)
{
    auto dtype = DType::fromDescr(descr);
    if (!dtype)
        qFatal("bad descr in test");
    auto array = NdArray::fromBytes(dtype.value(), shape, bytes, fortran);
    if (!array)
        qFatal("%s", qPrintable(array.error().reason));
    return array.value();
}

} // namespace

class NdArrayTest : public QObject
{
    Q_OBJECT

private slots:
    void displayText_data();
    void displayText();
    void numbers();
    void fortranOrderIndexing();
    void fieldsAndViews();
    void eigen();
    void constructors();
    void sizeChecks_data();
    void sizeChecks();
};

void NdArrayTest::displayText_data()
{
    QTest::addColumn<NdArray>("array");
    QTest::addColumn<qint64>("index");
    QTest::addColumn<QString>("text");

    QTest::newRow("float64") << make("<f8", { 2 }, bytesOf<double>({ 1.0, 0.1 })) << qint64(1) << "0.1";
    QTest::newRow("float64 whole") << make("<f8", { 2 }, bytesOf<double>({ 1.0, 0.1 })) << qint64(0) << "1.0";
    QTest::newRow("nan") << make("<f8", { 1 }, bytesOf<double>({ std::nan("") })) << qint64(0) << "nan";
    QTest::newRow("-inf") << make("<f8", { 1 }, bytesOf<double>({ -HUGE_VAL })) << qint64(0) << "-inf";
    QTest::newRow("big-endian float64") << make(">f8", { 1 }, bigEndian(bytesOf<double>({ -2.5 }), 8)) << qint64(0)
                                        << "-2.5";
    QTest::newRow("float32 shortest") << make("<f4", { 1 }, bytesOf<float>({ 0.1f })) << qint64(0) << "0.1";
    QTest::newRow("float16 shortest") << make("<f2", { 1 }, bytesOf<quint16>({ 0x2e66 })) << qint64(0) << "0.1";
    QTest::newRow("int8") << make("|i1", { 1 }, QByteArray(1, char(0x80))) << qint64(0) << "-128";
    QTest::newRow("uint64 max") << make("<u8", { 1 }, bytesOf<quint64>({ std::numeric_limits<quint64>::max() }))
                                << qint64(0) << "18446744073709551615";
    QTest::newRow("bool") << make("|b1", { 2 }, QByteArray("\x00\x01", 2)) << qint64(1) << "True";
    QTest::newRow("complex") << make("<c16", { 1 }, bytesOf<double>({ 1.0, -2.5 })) << qint64(0) << "1-2.5j";
    QTest::newRow("imaginary") << make("<c8", { 1 }, bytesOf<float>({ 0.0f, 2.0f })) << qint64(0) << "2j";
    QTest::newRow("datetime days") << make("<M8[D]", { 1 }, bytesOf<qint64>({ 20454 })) << qint64(0) << "2026-01-01";
    QTest::newRow("datetime before 1970")
        << make("<M8[s]", { 1 }, bytesOf<qint64>({ -14182940 })) << qint64(0) << "1969-07-20T20:17:40";
    QTest::newRow("datetime ns") << make("<M8[ns]", { 1 }, bytesOf<qint64>({ 1796315701123456789LL })) << qint64(0)
                                 << "2026-12-03T16:35:01.123456789";
    QTest::newRow("datetime months") << make("<M8[M]", { 1 }, bytesOf<qint64>({ 673 })) << qint64(0) << "2026-02";
    QTest::newRow("NaT") << make("<M8[ns]", { 1 }, bytesOf<qint64>({ std::numeric_limits<qint64>::min() })) << qint64(0)
                         << "NaT";
    QTest::newRow("timedelta") << make("<m8[D]", { 1 }, bytesOf<qint64>({ 5 })) << qint64(0) << "5 days";
    QByteArray beta(20, '\0');
    const char32_t text[] = U"βeta";
    std::memcpy(beta.data(), text, 16);
    QTest::newRow("unicode") << make("<U5", { 1 }, beta) << qint64(0) << QStringLiteral("βeta");
    QTest::newRow("bytes with inner NUL")
        << make("|S8", { 1 }, QByteArray("by\0tes\0\0", 8)) << qint64(0) << "by\\x00tes";
    QTest::newRow("void") << make("|V3", { 1 }, QByteArray("\x01\x02\xff", 3)) << qint64(0) << "0x0102ff";
    QByteArray record = bytesOf<double>({ 1.0 }) + bytesOf<float>({ 2.5f }) + bytesOf<qint16>({ 7 });
    auto structured = DType::fromDescr(
        QJsonValue(QJsonArray { QJsonArray { "x", "<f8" }, QJsonArray { "y", "<f4" }, QJsonArray { "id", "<i2" } }));
    QTest::newRow("structured record") << NdArray::fromBytes(structured.value(), { 1 }, record).value() << qint64(0)
                                       << "(1.0, 2.5, 7)";
}

void NdArrayTest::displayText()
{
    QFETCH(NdArray, array);
    QFETCH(qint64, index);
    QFETCH(QString, text);
    QCOMPARE(array.displayText(index), text);
}

void NdArrayTest::numbers()
{
    const NdArray ints = make(">i4", { 3 }, bigEndian(bytesOf<qint32>({ -1, 2, 300000 }), 4));
    QVERIFY(ints.isNumeric());
    QCOMPARE(ints.toDouble(2), 300000.0);
    QCOMPARE(ints.toInt64(0), qint64(-1));
    QCOMPARE(ints.toComplex(1), std::complex<double>(2.0, 0.0));

    const NdArray complex
        = make(">c8", { 1 }, bigEndian(bytesOf<float>({ 1.5f }), 4) + bigEndian(bytesOf<float>({ -0.5f }), 4));
    QCOMPARE(complex.toComplex(0), std::complex<double>(1.5, -0.5));
    QCOMPARE(complex.toDouble(0), 1.5);

    const NdArray text = make("<U3", {}, bytesOf<quint32>({ 'a', 'b', 0 }));
    QVERIFY(!text.isNumeric());
    QVERIFY(text.isScalar());
    QCOMPARE(text.scalarString(), QStringLiteral("ab"));
    QVERIFY(std::isnan(text.toDouble(0)));

    const NdArray nat = make("<M8[D]", { 1 }, bytesOf<qint64>({ std::numeric_limits<qint64>::min() }));
    QVERIFY(std::isnan(nat.toDouble(0)));
}

void NdArrayTest::fortranOrderIndexing()
{
    // Logical C-order indices whatever the layout: Fortran data [[0, 1, 2], [3, 4, 5]] stored column by column.
    const NdArray fortran = make("<i8", { 2, 3 }, bytesOf<qint64>({ 0, 3, 1, 4, 2, 5 }), true);
    QVERIFY(fortran.isFContiguous());
    QVERIFY(!fortran.isCContiguous());
    for (qint64 i = 0; i < 6; ++i)
        QCOMPARE(fortran.toInt64(i), i);
    QCOMPARE(fortran.toDouble(std::vector<qint64> { 1, 2 }), 5.0);
    QCOMPARE(fortran.toCOrderBytes(), bytesOf<qint64>({ 0, 1, 2, 3, 4, 5 }));
}

void NdArrayTest::fieldsAndViews()
{
    // A (2, 3, 4) array of 0..23: slices pick two axes and fix the third.
    QByteArray values;
    for (qint64 i = 0; i < 24; ++i)
        values += bytesOf<qint64>({ i });
    const NdArray cube = make("<i8", { 2, 3, 4 }, values);

    auto rowsByColumns = cube.view2D(1, 2, { 1, 0, 0 });
    QVERIFY(rowsByColumns.ok());
    QCOMPARE(rowsByColumns->shape(), (std::vector<qint64> { 3, 4 }));
    QCOMPARE(rowsByColumns->toInt64(0), qint64(12));
    QCOMPARE(rowsByColumns->toInt64(11), qint64(23));

    auto transposed = cube.view2D(2, 0, { 0, 2, 0 });
    QVERIFY(transposed.ok());
    QCOMPARE(transposed->shape(), (std::vector<qint64> { 4, 2 }));
    QCOMPARE(transposed->toDouble(std::vector<qint64> { 3, 1 }), double(12 + 8 + 3));
    QCOMPARE(transposed->displayText(std::vector<qint64> { 3, 1 }), QStringLiteral("23"));

    auto column = cube.view2D(0, -1, { 0, 1, 2 });
    QVERIFY(column.ok());
    QCOMPARE(column->shape(), (std::vector<qint64> { 2, 1 }));
    QCOMPARE(column->toInt64(1), qint64(12 + 4 + 2));

    QVERIFY(!cube.view2D(1, 1, { 0, 0, 0 }).ok());
    QVERIFY(cube.view2D(1, 2, { 5, 0, 0 }).error().reason.contains(u"outside axis 0"));

    auto second = cube.subArray(1);
    QVERIFY(second.ok());
    QCOMPARE(second->shape(), (std::vector<qint64> { 3, 4 }));
    QCOMPARE(second->toInt64(0), qint64(12));

    // Structured fields as views, subarray fields adding their shape.
    auto dtype = DType::fromDescr(QJsonValue(QJsonArray {
        QJsonArray { "id", "<i2" }, QJsonArray { "", "|V6" }, QJsonArray { "m", "<f8", QJsonArray { 2 } } }));
    QVERIFY(dtype.ok());
    QCOMPARE(dtype->itemSize(), qint64(24));
    const QByteArray records = bytesOf<qint16>({ 7 }) + QByteArray(6, '\0') + bytesOf<double>({ 1.5, 2.5 })
        + bytesOf<qint16>({ 9 }) + QByteArray(6, '\0') + bytesOf<double>({ 3.5, 4.5 });
    const NdArray table = NdArray::fromBytes(dtype.value(), { 2 }, records).value();
    auto ids = table.field(QStringLiteral("id"));
    QVERIFY(ids.ok());
    QCOMPARE(ids->toInt64(1), qint64(9));
    auto m = table.field(QStringLiteral("m"));
    QVERIFY(m.ok());
    QCOMPARE(m->shape(), (std::vector<qint64> { 2, 2 }));
    QCOMPARE(m->toDouble(3), 4.5);
    QCOMPARE(table.displayText(0), QStringLiteral("(7, [1.5, 2.5])"));
    QVERIFY(table.field(QStringLiteral("nope")).error().reason.contains(u"no field 'nope'"));
}

void NdArrayTest::eigen()
{
    Eigen::MatrixXd matrix(2, 3);
    matrix << 1, 2, 3, 4, 5, 6;
    const NdArray array = NdArray::fromMatrix(matrix);
    QCOMPARE(array.shape(), (std::vector<qint64> { 2, 3 }));
    QVERIFY(array.isCContiguous());
    QCOMPARE(array.toDouble(1), 2.0); // C order: row 0 first
    QCOMPARE(array.toMatrix().value(), matrix);

    // Zero copy where the layout allows it: native float64, aligned.
    auto map = array.matrixMap();
    QVERIFY(map.has_value());
    QCOMPARE(static_cast<const void*>(map->data()), static_cast<const void*>(array.constData()));
    QCOMPARE(Eigen::MatrixXd(*map), matrix);
    auto column = array.view2D(0, -1, { 0, 2 });
    QVERIFY(column->matrixMap().has_value());
    QCOMPARE(Eigen::MatrixXd(*column->matrixMap()), Eigen::MatrixXd(matrix.col(2)));

    // A converted copy where it does not: integers, Fortran order, big-endian.
    const NdArray ints = make("<i4", { 2, 2 }, bytesOf<qint32>({ 1, 2, 3, 4 }), true);
    QVERIFY(!ints.matrixMap().has_value());
    Eigen::MatrixXd expected(2, 2);
    expected << 1, 3, 2, 4;
    QCOMPARE(ints.toMatrix().value(), expected);
    QVERIFY(!make(">f8", { 1 }, QByteArray(8, '\0')).matrixMap().has_value());

    Eigen::VectorXd vector(3);
    vector << 0.5, -1, 2;
    const NdArray fromVector = NdArray::fromVector(vector);
    QCOMPARE(fromVector.shape(), std::vector<qint64> { 3 });
    QCOMPARE(fromVector.toMatrix()->cols(), Eigen::Index(1));
    QCOMPARE(fromVector.toVector().value(), vector);
    QCOMPARE(NdArray::fromDouble(2.5).toMatrix().value(), Eigen::MatrixXd::Constant(1, 1, 2.5));

    QVERIFY(make("<U1", { 1 }, QByteArray(4, 'a')).toMatrix().error().reason.contains(u"not numeric"));
    QVERIFY(make("<f8", { 1, 1, 1 }, QByteArray(8, '\0')).toMatrix().error().reason.contains(u"3-D"));
}

void NdArrayTest::constructors()
{
    const NdArray text = NdArray::fromString(QStringLiteral("LBFGS"));
    QCOMPARE(text.dtype().descr(), QStringLiteral("<U5"));
    QVERIFY(text.isScalar());
    QCOMPARE(text.scalarString(), QStringLiteral("LBFGS"));
    QCOMPARE(NdArray::fromString(QString()).dtype().descr(), QStringLiteral("<U1"));

    const NdArray names = NdArray::fromStrings({ QStringLiteral("a"), QStringLiteral("βeta") });
    QCOMPARE(names.dtype().descr(), QStringLiteral("<U4"));
    QCOMPARE(names.toText(1), QStringLiteral("βeta"));

    QCOMPARE(NdArray::fromInt64(-42).scalarInt(), qint64(-42));
    QCOMPARE(NdArray::fromInt64(-42).dtype().descr(), QStringLiteral("<i8"));
    QCOMPARE(NdArray::fromBool(true).dtype().descr(), QStringLiteral("|b1"));
    QVERIFY(NdArray::fromBool(true).scalarBool());
    QVERIFY(std::isnan(NdArray::fromDouble(std::nan("")).scalarDouble()));

    // Copies share data; equality compares dtype, shape and values.
    const NdArray copy = text;
    QCOMPARE(copy.constData(), text.constData());
    QVERIFY(copy == text);
    QVERIFY(NdArray::fromInt64(1) != NdArray::fromDouble(1));
    QVERIFY(NdArray().isNull());
}

void NdArrayTest::sizeChecks_data()
{
    QTest::addColumn<QString>("descr");
    QTest::addColumn<std::vector<qint64>>("shape");
    QTest::addColumn<qint64>("bytes");
    QTest::addColumn<QString>("reason");
    QTest::newRow("one byte short") << "<f8" << std::vector<qint64> { 4 } << qint64(31)
                                    << "need 32 bytes of data, 31 were given";
    QTest::newRow("negative dimension") << "<f8" << std::vector<qint64> { 2, -1 } << qint64(0) << "negative dimension";
    QTest::newRow("element count overflow")
        << "|u1" << std::vector<qint64> { qint64(1) << 32, qint64(1) << 32 } << qint64(0) << "overflows 64 bits";
    QTest::newRow("byte count overflow") << "<c16" << std::vector<qint64> { qint64(1) << 60 } << qint64(0)
                                         << "overflow 64 bits";
    QTest::newRow("huge dimensions beside a zero one accepted")
        << "<f8" << std::vector<qint64> { 0, qint64(1) << 62, qint64(1) << 62 } << qint64(0) << "";
    QTest::newRow("object dtype") << "|O" << std::vector<qint64> { 1 } << qint64(8) << "pickle";
}

void NdArrayTest::sizeChecks()
{
    QFETCH(QString, descr);
    QFETCH(std::vector<qint64>, shape);
    QFETCH(qint64, bytes);
    QFETCH(QString, reason);
    auto array = NdArray::fromBytes(DType::fromDescr(descr).value(), shape, QByteArray(bytes, '\0'));
    if (reason.isEmpty()) {
        QVERIFY(array.ok());
        QCOMPARE(array->size(), qint64(0));
        QVERIFY(array->toCOrderBytes().isEmpty());
        return;
    }
    QVERIFY(!array.ok());
    QVERIFY2(array.error().reason.contains(reason), qPrintable(array.error().reason));
}

QTEST_GUILESS_MAIN(NdArrayTest)
#include "tst_ndarray.moc"
