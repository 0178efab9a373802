#pragma once

class QIcon;
class QColor;

namespace nemoscope::ui::icons {

// Icons drawn with QPainter at every size asked for, so that they stay sharp at any device pixel
// ratio and need no image plugin.
QIcon application();
QIcon unresolved(); // a name saved by nemos that no built-in matches yet
QIcon problem(); // a member or file that could not be read
QIcon section(const QColor& tint); // a top-level group of the tree
QIcon array(); // an n-dimensional array
QIcon scalar(); // a number, string or boolean
QIcon mapping(); // the action that maps unresolved names to built-ins

} // namespace nemoscope::ui::icons
