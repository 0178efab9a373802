// Runs one command and reports what it cost: `hostile_rusage REPORT SECONDS COMMAND ARGS...`.
// The command inherits stdin, stdout and stderr. When it ends, REPORT receives three lines:
// "maxrss_kb N" (its peak resident memory, from wait4), "exit N" (-1 if a signal ended it) and
// "signal N" (0 if none). A command still running after SECONDS is ended by SIGALRM, which it
// cannot have asked for, so a hang shows as "signal 14". The wrapper's exit status is 0 when
// the report was written, whatever the command did.
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv)
{
    if (argc < 4) {
        std::fprintf(stderr, "usage: %s REPORT SECONDS COMMAND [ARGS...]\n", argv[0]);
        return 64;
    }
    const unsigned seconds = static_cast<unsigned>(std::strtoul(argv[2], nullptr, 10));

    const pid_t child = fork();
    if (child < 0) {
        std::perror("fork");
        return 71;
    }
    if (child == 0) {
        // The alarm survives exec; dying with this wrapper keeps a killed test from leaving the command behind.
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        alarm(seconds);
        execv(argv[3], argv + 3);
        std::perror("exec");
        _exit(127);
    }

    int status = 0;
    rusage usage {};
    while (wait4(child, &status, 0, &usage) < 0) {
        if (errno != EINTR) {
            std::perror("wait4");
            return 71;
        }
    }

    std::FILE* report = std::fopen(argv[1], "w");
    if (!report) {
        std::perror(argv[1]);
        return 73;
    }
    std::fprintf(report, "maxrss_kb %ld\nexit %d\nsignal %d\n", usage.ru_maxrss,
        WIFEXITED(status) ? WEXITSTATUS(status) : -1, WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    std::fclose(report);
    return 0;
}
