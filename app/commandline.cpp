#include "commandline.h"

#include <QCoreApplication>
#include <QTextStream>

#include <cstring>

namespace nemoscope::app {

bool isCommand(const char* word)
{
    for (const char* command : { "inspect", "edit", "fit" }) {
        if (std::strcmp(word, command) == 0)
            return true;
    }
    return false;
}

int runCommand(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    QTextStream(stderr) << "nemoscope: " << argv[1] << " is not available yet\n";
    return 2;
}

} // namespace nemoscope::app
