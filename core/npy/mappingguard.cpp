#include "npy/mappingguard.h"

#include <atomic>
#include <cstdint>
#include <mutex>

#ifdef Q_OS_UNIX
#include <csignal>
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace nemoscope::npy {

namespace {

// The guarded ranges, read by the signal handler without locks: a slot is in use while begin is non-zero;
// end is written before begin when a slot is taken, and begin cleared first when it is given back.
struct Slot
{
    std::atomic<std::uintptr_t> begin { 0 };
    std::atomic<std::uintptr_t> end { 0 };
    std::atomic<bool> lost { false };
};

Slot g_slots[MappingGuard::kMaxGuards];

#ifdef Q_OS_UNIX

std::uintptr_t g_pageSize = 4096;
struct sigaction g_previous;

// Only async-signal-safe work here: atomics, mmap (a bare system call on Linux), sigaction and raise.
void onSigbus(int signal, siginfo_t* info, void* context)
{
    const auto address = reinterpret_cast<std::uintptr_t>(info->si_addr);
    for (Slot& slot : g_slots) {
        const std::uintptr_t begin = slot.begin.load(std::memory_order_acquire);
        if (begin == 0 || address < begin || address >= slot.end.load(std::memory_order_acquire))
            continue;
        void* page = reinterpret_cast<void*>(address & ~(g_pageSize - 1));
        if (mmap(page, g_pageSize, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != MAP_FAILED) {
            slot.lost.store(true, std::memory_order_release);
            return; // the faulting read runs again and finds zeros
        }
        break;
    }
    // Not a guarded page: whatever would have happened without this handler.
    if (g_previous.sa_flags & SA_SIGINFO) {
        if (g_previous.sa_sigaction) {
            g_previous.sa_sigaction(signal, info, context);
            return;
        }
    } else if (g_previous.sa_handler != SIG_DFL && g_previous.sa_handler != SIG_IGN) {
        g_previous.sa_handler(signal);
        return;
    }
    struct sigaction fallback = {};
    fallback.sa_handler = SIG_DFL;
    sigemptyset(&fallback.sa_mask);
    sigaction(SIGBUS, &fallback, nullptr);
    raise(SIGBUS);
}

bool installHandler()
{
    static const bool installed = [] {
        const long pageSize = sysconf(_SC_PAGESIZE);
        if (pageSize > 0)
            g_pageSize = std::uintptr_t(pageSize);
        struct sigaction action = {};
        action.sa_sigaction = onSigbus;
        action.sa_flags = SA_SIGINFO | SA_NODEFER;
        sigemptyset(&action.sa_mask);
        return sigaction(SIGBUS, &action, &g_previous) == 0;
    }();
    return installed;
}

#else

bool installHandler()
{
    return false;
}

#endif

} // namespace

MappingGuard::MappingGuard(const void* data, qint64 size)
{
    if (!data || size <= 0 || !installHandler())
        return;
    const auto begin = reinterpret_cast<std::uintptr_t>(data);
    static std::mutex taking;
    const std::lock_guard lock(taking);
    for (int i = 0; i < kMaxGuards; ++i) {
        Slot& slot = g_slots[i];
        if (slot.begin.load(std::memory_order_acquire) != 0)
            continue;
        slot.lost.store(false, std::memory_order_relaxed);
        slot.end.store(begin + std::uintptr_t(size), std::memory_order_release);
        slot.begin.store(begin, std::memory_order_release);
        m_slot = i;
        return;
    }
}

MappingGuard::~MappingGuard()
{
    if (m_slot >= 0)
        g_slots[m_slot].begin.store(0, std::memory_order_release);
}

bool MappingGuard::pagesLost() const
{
    return m_slot >= 0 && g_slots[m_slot].lost.load(std::memory_order_acquire);
}

} // namespace nemoscope::npy
