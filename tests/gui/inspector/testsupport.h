#pragma once

// Shared by the window's tests: settings and caches in a temporary folder, so that a test neither reads
// nor changes the user's recent files, and leaves nothing behind.

#include <QApplication>
#include <QTemporaryDir>
#include <QTest>

#define NEMOSCOPE_GUI_TEST_MAIN(TestClass)                                                                             \
    int main(int argc, char** argv)                                                                                    \
    {                                                                                                                  \
        QTemporaryDir home;                                                                                            \
        qputenv("XDG_CONFIG_HOME", (home.path() + QStringLiteral("/config")).toUtf8());                                \
        qputenv("XDG_CACHE_HOME", (home.path() + QStringLiteral("/cache")).toUtf8());                                  \
        qputenv("XDG_DATA_HOME", (home.path() + QStringLiteral("/data")).toUtf8());                                    \
        QApplication app(argc, argv);                                                                                  \
        QApplication::setOrganizationName(QStringLiteral("NemoscopeTest"));                                            \
        QApplication::setApplicationName(QStringLiteral(#TestClass));                                                  \
        TestClass test;                                                                                                \
        return QTest::qExec(&test, argc, argv);                                                                        \
    }

inline QString testData(const QString& relative)
{
    return QStringLiteral(NEMOSCOPE_TEST_DATA "/") + relative;
}
