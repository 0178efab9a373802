#pragma once

class QImage;
class QWidget;

namespace nemoscope::ui {

// Renders a top-level window as it appears on screen, with the dialogs it has open drawn over it at
// their places, each under a plain title bar (a window grab holds no window-manager decoration).
// The image has the window's size times its device pixel ratio.
QImage grabWindowWithDialogs(QWidget* window);

} // namespace nemoscope::ui
