r"""What the offline pages (the stepper's, the training page's) share, written once.

The frame of a page (``page.html``: its head and Content-Security-Policy, the header, the player's
bar of controls, the data and the script), the shared stylesheet (``base.css``: colours, type, the
bar) and the script parts that run first on every page (``dom.js``, ``format.js``: numbers as
Python's format writes them, ``player.js``: the frame counter, buttons, keys, slider and play/pause
around the page's own "show frame i"). A page says what is its own in a `Page`; its data travels
as JSON that cannot close its script element:

    >>> from autograd_mini.pages import script_json
    >>> script_json({"a": "</script>"})
    '{"a":"\\u003c/script\\u003e"}'
"""

from .assemble import Page, script_json
from .controls import Button, Controls

__all__ = ["Button", "Controls", "Page", "script_json"]
