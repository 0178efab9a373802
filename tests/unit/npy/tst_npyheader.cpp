// The .npy header parser, serializer and dtype descr parser: every accepted form NumPy writes, and a named row
// for every kind of malformed header, each asserting the reason given.

#include "npy/dtype.h"
#include "npy/npyheader.h"

#include "npytestutil.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace nemoscope;
using namespace nemoscope::npy;
using npytest::npyBytes;

class NpyHeaderTest : public QObject
{
    Q_OBJECT

private slots:
    void parsesValidHeaders_data();
    void parsesValidHeaders();
    void refusesMalformedHeaders_data();
    void refusesMalformedHeaders();
    void serializeRoundTrips_data();
    void serializeRoundTrips();
    void serializeChoosesVersion();
    void dtypeDescr_data();
    void dtypeDescr();
    void dtypeRefusesBadDescr_data();
    void dtypeRefusesBadDescr();
    void structuredPaddingAndJson();
};

void NpyHeaderTest::parsesValidHeaders_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("descr");
    QTest::addColumn<QString>("shape");
    QTest::addColumn<bool>("fortran");
    QTest::addColumn<int>("version");

    const QByteArray data8(24, '\0');
    QTest::newRow("numpy 1.0") << npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", data8) << "<f8"
                               << "3" << false << 1;
    QTest::newRow("keys in any order") << npyBytes("{'shape': (3,), 'descr': '<f8', 'fortran_order': False}", data8)
                                       << "<f8"
                                       << "3" << false << 1;
    QTest::newRow("python 2 L suffixes") << npyBytes("{'descr': '<i8', 'fortran_order': False, 'shape': (1L, 3L), }",
        data8) << "<i8"
                                         << "1,3" << false << 1;
    QTest::newRow("double quotes and newlines")
        << npyBytes("{\"descr\": \"<f8\",\n \"fortran_order\": True,\n \"shape\": (3, 1)}", data8) << "<f8"
        << "3,1" << true << 1;
    QTest::newRow("0-d scalar") << npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (), }",
        QByteArray(8, '\0')) << "<f8"
                                << "" << false << 1;
    QTest::newRow("empty array") << npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (0, 5), }", {}) << "<f8"
                                 << "0,5" << false << 1;
    QTest::newRow("version 2.0") << npyBytes("{'descr': '>i4', 'fortran_order': False, 'shape': (6,), }", data8, 2)
                                 << ">i4"
                                 << "6" << false << 2;
    QTest::newRow("version 3.0 utf-8 field")
        << npyBytes(QStringLiteral("{'descr': [('größe', '<f8')], 'fortran_order': False, "
                                   "'shape': (3,), }")
                        .toUtf8(),
               data8, 3)
        << QStringLiteral("[('größe', '<f8')]") << "3" << false << 3;
    QTest::newRow("structured with subarray")
        << npyBytes("{'descr': [('a', '<i4'), ('m', '<f4', (2,))], 'fortran_order': "
                    "False, 'shape': (2,), }",
               QByteArray(24, '\0'))
        << "[('a', '<i4'), ('m', '<f4', (2,))]"
        << "2" << false << 1;
    QTest::newRow("datetime unit") << npyBytes("{'descr': '<M8[ns]', 'fortran_order': False, 'shape': (3,), }", data8)
                                   << "<M8[ns]"
                                   << "3" << false << 1;
    QTest::newRow("object dtype parses") << npyBytes("{'descr': '|O', 'fortran_order': False, 'shape': (3,), }", data8)
                                         << "|O"
                                         << "3" << false << 1;
}

void NpyHeaderTest::parsesValidHeaders()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, descr);
    QFETCH(QString, shape);
    QFETCH(bool, fortran);
    QFETCH(int, version);

    auto header = parseNpyHeader(bytes);
    QVERIFY2(header.ok(), header ? "" : qPrintable(header.error().reason));
    QCOMPARE(header->dtype.descr(), descr);
    QStringList dims;
    for (const qint64 dim : header->shape)
        dims << QString::number(dim);
    QCOMPARE(dims.join(u','), shape);
    QCOMPARE(header->fortranOrder, fortran);
    QCOMPARE(header->majorVersion, version);
    QCOMPARE(header->dataOffset % 64, 0);
    QCOMPARE(header->dataOffset + header->dataBytes(), qint64(bytes.size()));
}

void NpyHeaderTest::refusesMalformedHeaders_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("reason");

    const QByteArray ok = "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }";
    QByteArray badMagic = npyBytes(ok, {});
    badMagic[1] = 'X';
    QTest::newRow("bad magic") << badMagic << "NumPy magic";
    QTest::newRow("short magic") << QByteArray("\x93NUM") << "too short";
    QByteArray badVersion = npyBytes(ok, {});
    badVersion[6] = 4;
    QTest::newRow("unknown version") << badVersion << "unsupported .npy format version 4.0";
    QByteArray badMinor = npyBytes(ok, {});
    badMinor[7] = 1;
    QTest::newRow("unknown minor version") << badMinor << "version 1.1";
    QTest::newRow("header over the limit")
        << npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }" + QByteArray(12000, ' '), {})
        << "exceeds the limit of 10000";
    QByteArray truncated = npyBytes(ok, {});
    truncated.truncate(40);
    QTest::newRow("header truncated") << truncated << "header promises";
    QTest::newRow("not a literal") << npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (3,) + (1,)}", {})
                                   << "not a valid Python literal";
    QTest::newRow("call") << npyBytes(
        "{'descr': __import__('os').system('true'), 'fortran_order': False, 'shape': (3,)}", {})
                          << "a name or call (__import__)";
    QTest::newRow("bare name") << npyBytes("{'descr': float64, 'fortran_order': False, 'shape': (3,)}", {})
                               << "a name or call (float64)";
    QTest::newRow("bytes literal") << npyBytes("{'descr': b'<f8', 'fortran_order': False, 'shape': (3,)}", {})
                                   << "string prefix 'b'";
    QTest::newRow("not a dict") << npyBytes("['<f8', False, (3,)]", {}) << "header is a list, not a dict";
    QTest::newRow("missing descr") << npyBytes("{'fortran_order': False, 'shape': (3,)}", {})
                                   << "lacks the key 'descr'";
    QTest::newRow("missing fortran_order")
        << npyBytes("{'descr': '<f8', 'shape': (3,)}", {}) << "lacks the key 'fortran_order'";
    QTest::newRow("missing shape") << npyBytes("{'descr': '<f8', 'fortran_order': False}", {})
                                   << "lacks the key 'shape'";
    QTest::newRow("extra key") << npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), 'evil': 1}", {})
                               << "unexpected key 'evil'";
    QTest::newRow("duplicate key") << npyBytes(
        "{'descr': '<f8', 'descr': '<f4', 'fortran_order': False, 'shape': (3,)}", {})
                                   << "key 'descr' twice";
    QTest::newRow("negative dimension") << npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (2, -3)}", {})
                                        << "negative dimension -3";
    QTest::newRow("dimension beyond 64 bits")
        << npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999,)}", {})
        << "too large for 64 bits";
    QTest::newRow("element count overflows") << npyBytes(
        "{'descr': '|u1', 'fortran_order': False, 'shape': (4294967296, "
        "4294967296)}",
        {}) << "overflows 64 bits";
    QTest::newRow("byte count overflows")
        << npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (2305843009213693952,)}", {})
        << "overflow 64 bits";
    QTest::newRow("float dimension") << npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (3.0,)}", {})
                                     << "only integer numbers";
    QTest::newRow("shape is a list") << npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': [3]}", {})
                                     << "shape is a list, not a tuple";
    QTest::newRow("parenthesised integer is not a tuple")
        << npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (3)}", {}) << "shape is an integer, not a tuple";
    QTest::newRow("fortran_order not a boolean")
        << npyBytes("{'descr': '<f8', 'fortran_order': 0, 'shape': (3,)}", {}) << "fortran_order is an integer";
    QTest::newRow("unknown dtype") << npyBytes("{'descr': '<x8', 'fortran_order': False, 'shape': (3,)}", {})
                                   << "unknown type code 'x'";
    QTest::newRow("absurd itemsize") << npyBytes("{'descr': '|S99999999999', 'fortran_order': False, 'shape': (3,)}",
        {}) << "item size over";
    QTest::newRow("unterminated string") << npyBytes("{'descr': '<f8, 'fortran_order': False, 'shape': (3,)}", {})
                                         << "not a valid Python literal";
    QTest::newRow("deep nesting") << npyBytes(
        "{'descr': " + QByteArray(60, '[') + QByteArray(60, ']') + ", 'fortran_order': False, 'shape': (3,)}", {})
                                  << "nesting deeper";
    QByteArray badUtf8 = npyBytes("{'descr': [('\xff\xfe', '<f8')], 'fortran_order': False, 'shape': (3,)}", {}, 3);
    QTest::newRow("version 3 not utf-8") << badUtf8 << "not valid UTF-8";
}

void NpyHeaderTest::refusesMalformedHeaders()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, reason);
    auto header = parseNpyHeader(bytes);
    QVERIFY(!header.ok());
    QVERIFY2(header.error().reason.contains(reason), qPrintable(header.error().reason));
}

void NpyHeaderTest::serializeRoundTrips_data()
{
    QTest::addColumn<QString>("descr");
    QTest::addColumn<bool>("fortran");
    QTest::addColumn<std::vector<qint64>>("shape");

    QTest::newRow("float64 vector") << "<f8" << false << std::vector<qint64> { 3 };
    QTest::newRow("scalar") << "<i8" << false << std::vector<qint64> {};
    QTest::newRow("fortran matrix") << ">f4" << true << std::vector<qint64> { 3, 4 };
    QTest::newRow("text") << "<U5" << false << std::vector<qint64> { 2, 2, 2 };
    QTest::newRow("datetime") << "<M8[10ms]" << false << std::vector<qint64> { 1 };
    QTest::newRow("huge dimension") << "|u1" << false << std::vector<qint64> { 123456789012345LL, 0 };
}

void NpyHeaderTest::serializeRoundTrips()
{
    QFETCH(QString, descr);
    QFETCH(bool, fortran);
    QFETCH(std::vector<qint64>, shape);

    const DType dtype = DType::fromDescr(descr).value();
    const QByteArray bytes = serializeNpyHeader(dtype, fortran, shape);
    QCOMPARE(bytes.size() % 64, 0);
    QVERIFY(bytes.endsWith('\n'));
    auto header = parseNpyHeader(bytes);
    QVERIFY2(header.ok(), header ? "" : qPrintable(header.error().reason));
    QCOMPARE(header->dtype, dtype);
    QCOMPARE(header->fortranOrder, fortran);
    QCOMPARE(header->shape, shape);
    QCOMPARE(header->dataOffset, qint64(bytes.size()));
    QCOMPARE(header->majorVersion, 1);
}

void NpyHeaderTest::serializeChoosesVersion()
{
    // Text that Latin-1 cannot hold needs version 3.0 (UTF-8).
    std::vector<DTypeField> fields { { QStringLiteral("größe"), DType::float64(), 0, {} } };
    const DType latin = DType::structured(fields, 8).value();
    QCOMPARE(int(serializeNpyHeader(latin, false, { 2 }).at(6)), 1);
    fields[0].name = QStringLiteral("Δt");
    const DType greek = DType::structured(fields, 8).value();
    const QByteArray v3 = serializeNpyHeader(greek, false, { 2 });
    QCOMPARE(int(v3.at(6)), 3);
    QCOMPARE(parseNpyHeader(v3)->dtype.fields().front().name, QStringLiteral("Δt"));

    // A header beyond 65535 bytes needs version 2.0's 32-bit length (and then exceeds the reading limit).
    std::vector<DTypeField> many;
    for (int i = 0; i < 4000; ++i)
        many.push_back({ QStringLiteral("field_number_%1").arg(i), DType::float64(), qint64(i) * 8, {} });
    const QByteArray v2 = serializeNpyHeader(DType::structured(many, 4000 * 8).value(), false, { 1 });
    QCOMPARE(int(v2.at(6)), 2);
    QVERIFY(parseNpyHeader(v2).error().reason.contains(u"exceeds the limit"));
}

void NpyHeaderTest::dtypeDescr_data()
{
    QTest::addColumn<QString>("descr");
    QTest::addColumn<QString>("name");
    QTest::addColumn<qint64>("itemSize");
    QTest::addColumn<bool>("readable");
    QTest::addColumn<QString>("canonical");

    QTest::newRow("bool") << "|b1"
                          << "bool" << qint64(1) << true << "|b1";
    QTest::newRow("int8 any order mark") << "<i1"
                                         << "int8" << qint64(1) << true << "|i1";
    QTest::newRow("uint64") << "<u8"
                            << "uint64" << qint64(8) << true << "<u8";
    QTest::newRow("float16") << "<f2"
                             << "float16" << qint64(2) << true << "<f2";
    QTest::newRow("big-endian float64") << ">f8"
                                        << ">f8" << qint64(8) << true << ">f8";
    QTest::newRow("native marker") << "=i4"
                                   << "int32" << qint64(4) << true << "<i4";
    QTest::newRow("complex128") << "<c16"
                                << "complex128" << qint64(16) << true << "<c16";
    QTest::newRow("long double") << "<f16"
                                 << "float128" << qint64(16) << false << "<f16";
    QTest::newRow("datetime days") << "<M8[D]"
                                   << "datetime64[D]" << qint64(8) << true << "<M8[D]";
    QTest::newRow("timedelta generic") << "<m8"
                                       << "timedelta64" << qint64(8) << true << "<m8";
    QTest::newRow("unicode") << "<U5"
                             << "<U5" << qint64(20) << true << "<U5";
    QTest::newRow("bytes") << "|S3"
                           << "|S3" << qint64(3) << true << "|S3";
    QTest::newRow("void") << "|V16"
                          << "|V16" << qint64(16) << true << "|V16";
    QTest::newRow("object") << "|O"
                            << "object" << qint64(8) << false << "|O";
}

void NpyHeaderTest::dtypeDescr()
{
    QFETCH(QString, descr);
    QFETCH(QString, name);
    QFETCH(qint64, itemSize);
    QFETCH(bool, readable);
    QFETCH(QString, canonical);

    auto dtype = DType::fromDescr(descr);
    QVERIFY2(dtype.ok(), dtype ? "" : qPrintable(dtype.error().reason));
    QCOMPARE(dtype->name(), name);
    QCOMPARE(dtype->itemSize(), itemSize);
    QCOMPARE(dtype->isReadable(), readable);
    QCOMPARE(dtype->unreadableReason().isEmpty(), readable);
    QCOMPARE(dtype->descr(), canonical);
    QCOMPARE(DType::fromDescr(dtype->descr()).value(), dtype.value());
    if (dtype->kind() == DTypeKind::Object)
        QVERIFY(dtype->unreadableReason().contains(u"pickle"));
}

void NpyHeaderTest::dtypeRefusesBadDescr_data()
{
    QTest::addColumn<QString>("descr");
    QTest::addColumn<QString>("reason");
    QTest::newRow("empty") << ""
                           << "empty";
    QTest::newRow("odd int size") << "<i3"
                                  << "no such item size";
    QTest::newRow("multi-byte without order") << "|f8"
                                              << "needs a byte order";
    QTest::newRow("unknown unit") << "<M8[fortnight]"
                                  << "unknown time unit";
    QTest::newRow("trailing text") << "<f8x"
                                   << "unexpected 'x'";
    QTest::newRow("huge unicode") << "<U999999999"
                                  << "item size over";
}

void NpyHeaderTest::dtypeRefusesBadDescr()
{
    QFETCH(QString, descr);
    QFETCH(QString, reason);
    auto dtype = DType::fromDescr(descr);
    QVERIFY(!dtype.ok());
    QVERIFY2(dtype.error().reason.contains(reason), qPrintable(dtype.error().reason));
}

void NpyHeaderTest::structuredPaddingAndJson()
{
    // NumPy's descr list form with padding: ('', '|V6') between a and b, '|V8' at the end.
    const QJsonArray list
        = QJsonDocument::fromJson(R"([["a", "<i2"], ["", "|V6"], ["b", "<f8"], ["", "|V8"]])").array();
    auto dtype = DType::fromDescr(QJsonValue(list));
    QVERIFY2(dtype.ok(), dtype ? "" : qPrintable(dtype.error().reason));
    QCOMPARE(dtype->kind(), DTypeKind::Structured);
    QCOMPARE(dtype->itemSize(), qint64(24));
    QCOMPARE(dtype->fields().size(), std::size_t(2));
    QCOMPARE(dtype->field(QStringLiteral("b"))->offset, qint64(8));
    QCOMPARE(dtype->descr(), QStringLiteral("[('a', '<i2'), ('', '|V6'), ('b', '<f8'), ('', '|V8')]"));
    QCOMPARE(dtype->descrJson(), QJsonValue(list));

    const QJsonArray nested
        = QJsonDocument::fromJson(R"([["pos", [["x", "<f4"], ["y", "<f4"]]], ["m", "<i4", [2, 3]]])").array();
    auto inner = DType::fromDescr(QJsonValue(nested));
    QVERIFY(inner.ok());
    QCOMPARE(inner->itemSize(), qint64(8 + 24));
    QCOMPARE(inner->descr(), QStringLiteral("[('pos', [('x', '<f4'), ('y', '<f4')]), ('m', '<i4', (2, 3))]"));
    QCOMPARE(inner->descrJson(), QJsonValue(nested));

    const QJsonArray duplicate = QJsonDocument::fromJson(R"([["a", "<i2"], ["a", "<f8"]])").array();
    QVERIFY(DType::fromDescr(QJsonValue(duplicate)).error().reason.contains(u"appears twice"));
    const QJsonArray objectField = QJsonDocument::fromJson(R"([["a", "<i2"], ["o", "|O"]])").array();
    QVERIFY(DType::fromDescr(QJsonValue(objectField))->unreadableReason().contains(u"field 'o'"));
}

QTEST_GUILESS_MAIN(NpyHeaderTest)
#include "tst_npyheader.moc"
