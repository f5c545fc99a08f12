"""Student text made safe for each place the grader writes it: terminal, CSV, XML, HTML, Markdown, file names.

Why one module: a student controls folder and file names, the messages that quote their errors and output, and
the notes their program leaves behind. Every output format has its own way to turn such text into an action
(a terminal escape that retitles the window or clears the screen, a spreadsheet formula, a ``<script>`` tag,
a Markdown link, a character that makes XML invalid, two names that become the same file). Each renderer calls
the function for its format here, so a new output cannot forget one of them.
"""

from __future__ import annotations

import hashlib
import html
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

#: ESC-introduced sequences, removed whole so no payload (a window title, ``[2J``) is left behind: OSC/DCS/APC/PM/
#: SOS strings up to BEL or ST, CSI sequences, then any other two-character escape. C1 forms (0x9b, 0x9d) alike.
_ESCAPE_SEQUENCE = re.compile(
    r"(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|\x1b[ -~]?"
)
#: Bidirectional overrides and marks: they make text display in another order than it is read (Trojan Source).
_BIDI = dict.fromkeys((0x061C, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068,
                       0x2069))
#: What XML 1.0 allows (everything else makes the document unparseable).
_XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
#: OWASP CSV injection: a cell starting with one of these is a formula (or becomes one) in a spreadsheet.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
#: Markdown that would do something: code spans, emphasis, links and images (``[``), table cells, strikethrough.
#: (``_`` is left alone: inside a word it does nothing, and names like ``victim_x`` stay readable.)
_MARKDOWN_SPECIAL = re.compile(r"([\\`*\[\]|~])")
_AUTOLINK = re.compile(r"(?i)\b(https?|ftp|mailto|www)(:|\.)")
_FILE_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
#: Longest file name made from a submission name (file systems allow 255 bytes; room left for suffixes).
MAX_FILE_NAME = 120


def plain(text: Any, *, newlines: bool = True) -> str:
    """``text`` without terminal escape sequences, control characters or bidi overrides.

    Newlines and tabs are kept when ``newlines`` (a message on several lines), else each becomes a space (a table
    cell, a name on one line)."""
    text = _ESCAPE_SEQUENCE.sub("", str(text))
    out = []
    for ch in text:
        if ch in "\n\t":
            out.append(ch if newlines else " ")
        elif ch == "\r" or ord(ch) in _BIDI or unicodedata.category(ch) == "Cc":
            continue
        elif unicodedata.category(ch) == "Cs":  # a file name's undecodable byte: unwritable as UTF-8
            out.append("\ufffd")
        else:
            out.append(ch)
    return "".join(out)


def terminal(text: Any) -> str:
    """One line for a terminal table cell or header: nothing the terminal would act on."""
    return plain(text, newlines=False)


def csv_cell(value: Any) -> Any:
    """A spreadsheet cell that is data, never a formula: numbers stay numbers (and number-looking text stays as it
    is); text starting with ``= + - @``, tab or CR gets a leading ``'`` (the OWASP rule)."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value
    text = plain(value, newlines=True)
    if text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_row(values: Iterable[Any]) -> list[Any]:
    """Every cell of a row through :func:`csv_cell`."""
    return [csv_cell(v) for v in values]


def xml_text(text: Any) -> str:
    """Text for an XML attribute or element: no terminal escapes, nothing XML 1.0 forbids (the writer escapes
    ``<``, ``&`` and quotes)."""
    return _XML_INVALID.sub("", plain(text, newlines=True))


def html_text(text: Any) -> str:
    """Text for HTML element content or a quoted attribute: escaped, without control characters."""
    return html.escape(plain(text, newlines=True), quote=True)


def markdown_text(text: Any) -> str:
    """Text inline in Markdown (a table cell, a list item, a heading): shows as written, does nothing.

    HTML is escaped as entities; link, image, emphasis, code and table syntax is backslash-escaped; a URL is kept
    from becoming a link (GitHub autolinks bare ``http://`` and ``www.``); newlines become ``<br>`` so a table row
    stays one row."""
    text = html.escape(plain(text, newlines=True), quote=False)
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    text = _AUTOLINK.sub(lambda m: f"{m.group(1)}\\{m.group(2)}", text)
    return text.replace("\t", " ").replace("\n", "<br>")


def file_name(text: Any) -> str:
    """A file or folder name made from a submission or assignment name: ASCII letters, digits, ``_.-`` only, no
    leading dot (never ``..`` or hidden), bounded length. Different names can give the same result: use
    :func:`unique_file_names` for a set of them."""
    name = _FILE_UNSAFE.sub("_", plain(text, newlines=False)).strip("._")[:MAX_FILE_NAME].strip("._")
    return name or "submission"


def distinct_file_name(text: str) -> str:
    """A file name for one name when the rest of the set is unknown (a student's artifacts folder): a name that is
    already safe keeps it, any other gets ``-`` and 8 hex digits of its SHA-256, so ``victim x`` never lands in
    ``victim_x``'s folder."""
    name = file_name(text)
    if name == text:
        return name
    return f"{name[:MAX_FILE_NAME - 9]}-{hashlib.sha256(text.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}"


def unique_file_names(names: Mapping[str, str]) -> tuple[dict[str, str], list[list[str]]]:
    """``{key: file name}`` for ``{key: name}`` (a submission's store key and its name), no two keys sharing a file,
    and the groups of keys whose names collided.

    Deterministic whatever the order or the rest of the class: a name that is already a safe file name, and unique,
    keeps it; every other key in a collision gets ``-`` and the first hex digits of the SHA-256 of its key (more
    digits if that too collides). File systems that ignore case count as colliding too."""
    keys = sorted(names)
    base = {k: file_name(names[k]) for k in keys}
    groups: dict[str, list[str]] = {}
    for k in keys:
        groups.setdefault(base[k].lower(), []).append(k)
    collisions = [g for g in groups.values() if len(g) > 1]
    chosen = dict(base)
    pending = collisions
    for digits in (8, 16, 64):
        for group in pending:
            kept = [k for k in group if names[k] == base[k]]
            for k in group:
                if k not in kept or len(kept) > 1:
                    stem = base[k][:MAX_FILE_NAME - digits - 1]
                    chosen[k] = f"{stem}-{hashlib.sha256(k.encode('utf-8', 'surrogatepass')).hexdigest()[:digits]}"
        taken = Counter(value.lower() for value in chosen.values())
        pending = [[k for k in keys if taken[chosen[k].lower()] > 1]]
        if not pending[0]:
            break
    return chosen, collisions


def finite(value: Any, what: str) -> float:
    """``value`` as a float, or ``ValueError`` naming ``what`` when it is not a finite number (JSON has no
    Infinity or NaN: a file that holds one is rejected by Gradescope)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{what} is {value!r}, not a finite number")
    return float(value)
