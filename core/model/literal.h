#pragma once

// Python literals as a user types them on the command line or in an editor: None, True, False, numbers,
// quoted strings, tuples and lists. Nothing is evaluated.

#include "error.h"
#include "model/paramtree.h"

#include <QString>

namespace nemoscope::model {

// Parses text into a node:
//   None -> None; True/False (or true/false) -> Bool; 3 -> Int; 1e-8, 0.5, inf, nan -> Float;
//   'text' or "text" -> String; (a, b) or a bare "a, b" -> Tuple; [...] of numbers (nested, rectangular) ->
//   an Array as NumPy builds it (bool, int64 or float64); any other bare word -> String.
// The Error's reason says what is wrong and at which character.
Result<ParamNode> parseLiteral(const QString& text);

// text without one pair of matching surrounding quotes, trimmed.
QString unquote(const QString& text);

} // namespace nemoscope::model
