#pragma once

// The headless commands behind `nemoscope inspect|edit|fit`, and what they share.
//
// Exit statuses (a contract, see the README):
//   0  success (inspect: every member readable; fit: converged)
//   2  a file cannot be read (or written), or the command line is wrong
//   3  inspect: the file opened but some members were refused
//   4  edit / fit: invalid edits, mappings, model or data
//   5  fit: the fit did not converge

#include "error.h"

#include <QStringList>

#include <optional>

class QCommandLineParser;

namespace nemoscope::model {
class ModelSpec;
class NemosFile;
} // namespace nemoscope::model

namespace nemoscope::app {

enum ExitStatus
{
    ExitOk = 0,
    ExitUnreadable = 2,
    ExitRefusedMembers = 3,
    ExitInvalid = 4,
    ExitNotConverged = 5,
};

int runInspect(const QStringList& arguments);
int runEdit(const QStringList& arguments);
int runFit(const QStringList& arguments);

// One line on stderr: "nemoscope: <file>: <member>: <reason>".
void printError(const Error& error);
void printError(const QString& message);

// text with every control or format character but the newline written as an escape (\x1b, \u202e): names
// and strings read from a file reach the terminal as text, never as terminal commands or reordering marks.
QString printable(const QString& text);

// Loads a model file for a command. On failure prints the error (naming the file) and returns nullopt with
// *status set to the exit status; requireModel also refuses an archive that holds no nemos model.
std::optional<model::NemosFile> loadForCommand(const QString& path, bool requireModel, int* status);

// Parses arguments (argv without the program name, the command first) into parser; handles --help.
// Returns -1 when the command should go on, or the exit status to return now.
int parseOrExit(QCommandLineParser& parser, const QStringList& arguments, const QString& description);

// Applies --map KEY=BUILTIN then --set KEY=VALUE options to spec, in the order given. Errors name the file
// and the key. Printed lines (mappings and what they dropped) go to report.
Result<void> applyEdits(
    model::ModelSpec& spec, const QString& file, const QStringList& maps, const QStringList& sets, QStringList* report);

} // namespace nemoscope::app
