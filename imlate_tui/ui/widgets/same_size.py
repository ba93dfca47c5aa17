"""New words in a widget without a layout pass when its size stays the same.

Textual's `Static.update` lays out the whole screen by default (its height might change). On the
result screen most updates keep every size (a new name on one line, a new time), and a layout pass
of the 160x48 screen costs 4-8 ms plus a repaint of every widget whose place it touched, on each
scan. So: update without layout, and ask for one only when the widget's height at its current width
changes (a line that now wraps, an empty line that now has words). Widgets sized by their content's
width (`width: auto`) and widgets not laid out yet always get the layout pass; hidden ones
(`display: none`) never need one. The same words again change nothing.
"""

from __future__ import annotations

from textual.visual import VisualType
from textual.widget import Widget
from textual.widgets import Static


def update_same_size(widget: Static, content: VisualType) -> None:
    if isinstance(content, str) and widget.content == content:
        return   # the clock's date and the status line are set every second or two, mostly unchanged
    if widget.is_mounted and not widget.display:
        widget.update(content, layout=False)   # takes no room; showing it again lays it out
        return
    if not _has_fixed_width(widget):
        widget.update(content)
        return
    widget.update(content, layout=False)
    if widget.visual.get_height(widget.styles, widget.content_size.width) != widget.content_size.height:
        widget.refresh(layout=True)


def _has_fixed_width(widget: Widget) -> bool:
    """Laid out, and its width does not follow its content."""
    width = widget.styles.width
    return widget.is_mounted and widget.content_size.area > 0 and (width is None or not width.is_auto)
