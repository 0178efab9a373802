// Entry point: the headless commands (inspect, edit, fit) run without a display;
// anything else starts the window.

#include "commandline.h"
#ifdef NEMOSCOPE_HAVE_UI
#include "gui.h"
#endif

#include <cstdio>

int main(int argc, char** argv)
{
    if (argc > 1 && nemoscope::app::isCommand(argv[1]))
        return nemoscope::app::runCommand(argc, argv);
#ifdef NEMOSCOPE_HAVE_UI
    return nemoscope::app::runGui(argc, argv);
#else
    std::fprintf(stderr, "nemoscope: built without the window; use inspect, edit or fit\n");
    return 2;
#endif
}
