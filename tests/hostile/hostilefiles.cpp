#include "hostilefiles.h"

#include <QDir>
#include <QFile>
#include <QProcess>

namespace nemoscope::hostile {

QList<HostileCase> generateHostileFiles(const QString& dir, bool expensive, QString* error)
{
    QProcess generator;
    QStringList arguments { QStringLiteral(NEMOSCOPE_HOSTILE_GENERATOR), dir };
    if (expensive)
        arguments << QStringLiteral("--expensive");
    generator.start(QStringLiteral(NEMOSCOPE_PYTHON), arguments);
    if (!generator.waitForFinished(120000) || generator.exitStatus() != QProcess::NormalExit
        || generator.exitCode() != 0) {
        *error = QStringLiteral("make_hostile.py failed: ") + QString::fromLocal8Bit(generator.readAllStandardError());
        return {};
    }

    QFile manifest(QDir(dir).filePath(QStringLiteral("manifest.tsv")));
    if (!manifest.open(QIODevice::ReadOnly | QIODevice::Text)) {
        *error = QStringLiteral("no manifest.tsv in ") + dir;
        return {};
    }

    QList<HostileCase> cases;
    while (!manifest.atEnd()) {
        const QStringList fields = QString::fromUtf8(manifest.readLine()).trimmed().split(QLatin1Char('\t'));
        if (fields.size() != 5) {
            *error = QStringLiteral("malformed manifest line: ") + fields.join(QLatin1Char(' '));
            return {};
        }

        HostileCase c;
        c.file = QDir(dir).filePath(fields[0]);
        for (const QString& exit : fields[1].split(QLatin1Char(',')))
            c.exits.append(exit.toInt());
        c.anyBadMember = fields[2] == QLatin1String("*");
        if (fields[2] != QLatin1String("-") && !c.anyBadMember)
            c.badMembers = fields[2].split(QLatin1Char('|'));
        c.reason = fields[3];
        if (fields[4] != QLatin1String("-"))
            c.goodMembers = fields[4].split(QLatin1Char(','));
        cases.append(c);
    }
    return cases;
}

} // namespace nemoscope::hostile
