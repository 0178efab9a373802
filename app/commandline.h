#pragma once

namespace nemoscope::app {

// True when argv[1] names a headless command: inspect, edit or fit.
bool isCommand(const char* word);

// Runs a headless command; returns the process exit status.
int runCommand(int argc, char** argv);

} // namespace nemoscope::app
