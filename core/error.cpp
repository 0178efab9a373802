#include "error.h"

#include <QStringList>

namespace nemoscope {

QString Error::message() const
{
    QStringList parts;
    if (!file.isEmpty())
        parts << file;
    if (!member.isEmpty())
        parts << member;
    parts << (reason.isEmpty() ? QStringLiteral("unknown error") : reason);
    return parts.join(QStringLiteral(": "));
}

} // namespace nemoscope
