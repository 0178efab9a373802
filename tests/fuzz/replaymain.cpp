// Replays fuzz inputs through a harness without libFuzzer, so that every build can check that the
// corpus and every crash input ever found still pass: `fuzz_replay_X DIR_OR_FILE...`.
// Each regular file found (recursively, in name order, hidden files such as .gitkeep left out) is one input. Fails when
// an argument does not exist or when no input at all was found, so a misplaced corpus cannot pass silently.
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QStringList>

#include <cstdint>
#include <cstdio>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

QStringList inputsUnder(const QString& path)
{
    const QFileInfo info(path);
    if (info.isFile())
        return { path };

    QStringList files;
    QDirIterator it(path, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext())
        files.append(it.next());
    files.sort();
    return files;
}

} // namespace

int main(int argc, char** argv)
{
    int replayed = 0;
    for (int i = 1; i < argc; ++i) {
        const QString path = QString::fromLocal8Bit(argv[i]);
        if (!QFileInfo::exists(path)) {
            std::fprintf(stderr, "replay: %s does not exist\n", argv[i]);
            return 1;
        }

        for (const QString& file : inputsUnder(path)) {
            QFile input(file);
            if (!input.open(QIODevice::ReadOnly)) {
                std::fprintf(stderr, "replay: cannot read %s\n", qPrintable(file));
                return 1;
            }

            // A copy in an allocation of exactly its size, so that ASan sees a read past its end.
            const QByteArray bytes = input.readAll();
            const std::vector<std::uint8_t> exact(bytes.begin(), bytes.end());
            std::fprintf(stderr, "replay: %s (%zu bytes)\n", qPrintable(file), exact.size());
            LLVMFuzzerTestOneInput(exact.data(), exact.size());
            ++replayed;
        }
    }

    if (replayed == 0) {
        std::fprintf(stderr, "replay: no inputs found\n");
        return 1;
    }
    std::printf("replayed %d inputs without a crash\n", replayed);
    return 0;
}
