#pragma once

// Shared by the fuzz harnesses. A broken promise of the code under test (a parsed header whose
// sizes do not add up, a round trip that changes the value) is reported and aborts, so that
// libFuzzer keeps the input as a crash and the replay test fails on it.

#include <QLoggingCategory>

#include <cstdio>
#include <cstdlib>

namespace nemoscope::fuzz {

[[noreturn]] inline void broken(const char* what)
{
    std::fprintf(stderr, "fuzz: broken promise: %s\n", what);
    std::abort();
}

#define NEMOSCOPE_FUZZ_EXPECT(condition)                                                                               \
    do {                                                                                                               \
        if (!(condition))                                                                                              \
            ::nemoscope::fuzz::broken(#condition);                                                                     \
    } while (false)

// The logging categories print every refused input; silence them once, before the first input.
inline void quietLogging()
{
    static const bool done = [] {
        QLoggingCategory::setFilterRules(QStringLiteral("nemoscope.*=false\nqt.*=false"));
        return true;
    }();
    (void)done;
}

} // namespace nemoscope::fuzz
