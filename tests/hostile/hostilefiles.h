#pragma once

#include <QList>
#include <QMetaType>
#include <QString>
#include <QStringList>

namespace nemoscope::hostile {

// One hostile file written by make_hostile.py, with what a reader must make of it.
struct HostileCase
{
    QString file; // absolute path of the generated file
    QList<int> exits; // the exit statuses `nemoscope inspect` may give
    QStringList badMembers; // members of which one must be refused; empty: the whole file is refused
    bool anyBadMember = false; // the refused member's name cannot be printed as given (NUL, invalid UTF-8)
    QString reason; // a case-insensitive regular expression the reason must match
    QStringList goodMembers; // members that must still list and read without error
};

// Runs make_hostile.py into `dir` (with the bomb and the 100,000-member archive when `expensive`)
// and returns its cases, or an empty list with `error` set.
QList<HostileCase> generateHostileFiles(const QString& dir, bool expensive, QString* error);

} // namespace nemoscope::hostile

Q_DECLARE_METATYPE(nemoscope::hostile::HostileCase)
