"""Text from the data made safe to write where control characters do harm.

An ESC sequence in a handle can rewrite an analyst's terminal, a NUL or a lone surrogate
makes a GEXF file ill-formed XML, and both hide in CSV cells. They are written as
visible escapes (``\\x1b``, ``\\ud800``), never dropped, so a person can still see them.
"""

from __future__ import annotations

import re

#: Characters no XML 1.0 document may hold, which terminals act on, or which no UTF-8
#: file can store: C0 controls but tab and line breaks, DEL, C1 controls, surrogates.
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_controls(text: str) -> str:
    """``text`` with every unsafe character written as a visible escape."""
    return _UNSAFE.sub(_escaped, text)
