#pragma once

namespace nemoscope::app {

// Parses the window's command line (FILE..., --screenshot PNG, --help, --version)
// and runs the application; returns the process exit status.
int runGui(int argc, char** argv);

} // namespace nemoscope::app
