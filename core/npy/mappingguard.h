#pragma once

// Keeps a memory-mapped file that another program truncates from ending the process.
//
// Reading a mapped page that lies past the end of a file truncated in place (as np.savez does when it
// overwrites a file that Nemoscope has open) raises SIGBUS, which by default stops the process. While a
// MappingGuard lives, a SIGBUS inside its range instead replaces the page with one of zeros and marks the
// guard; the read that faulted then returns zeros. Faults outside every guarded range go to whatever handled
// SIGBUS before. Without POSIX signals (or with more than kMaxGuards mappings guarded at once) a guard guards
// nothing and says so.

#include <QtGlobal>

namespace nemoscope::npy {

class MappingGuard
{
public:
    static constexpr int kMaxGuards = 1024;

    // Guards [data, data + size); data is the start of a mapping (page-aligned).
    MappingGuard(const void* data, qint64 size);
    ~MappingGuard();
    MappingGuard(const MappingGuard&) = delete;
    MappingGuard& operator=(const MappingGuard&) = delete;

    // False when this guard could not be set up (no slot, or no POSIX signals).
    bool active() const { return m_slot >= 0; }
    // True once a page of the range was lost: the file shrank under the mapping, and reads there give zeros.
    bool pagesLost() const;

private:
    int m_slot = -1;
};

} // namespace nemoscope::npy
