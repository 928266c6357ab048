"""Split policy text into clauses: a pure function over the unmodified text.

A clause is one sentence, list item, heading or table row.  Breaks fall at newlines,
after 。！？ (and ｡ ︒, and ． after kana or kanji) outside brackets, and before list markers at line start or after
whitespace.  Table rows (cells joined by `` | ``) stay whole.  Pages flattened onto one
line get their headings separated from the body and their navigation menus split
into items.  Every clause knows the heading path (``section``) it sits under.
"""

from __future__ import annotations

import re
from itertools import accumulate
from typing import Iterable, Iterator, Mapping, NamedTuple

__all__ = ["Clause", "context", "iter_segment", "segment"]


class Clause(NamedTuple):
    start: int
    end: int
    text: str
    section: str
    is_heading: bool = False
    lead: str = ""   # for a list item or table row: the sentence that introduces its list


CONTEXT_SEPARATOR = " » "


def context(section: str, lead: str = "") -> str:
    """The context a classifier sees beside a clause: its heading path, then its lead-in."""
    return f"{section}{CONTEXT_SEPARATOR}{lead}" if lead else section


def split_context(text: str, levels: int = 0) -> tuple[str, str]:
    """(heading path, lead-in) of a :func:`context` string, the path cut to its ``levels``
    innermost headings (0: all of them)."""
    section, _, lead = text.partition(CONTEXT_SEPARATOR)
    if levels:
        section = " > ".join(section.split(" > ")[-levels:])
    return section, lead


def innermost(text: str, levels: int) -> str:
    """A :func:`context` string cut to its ``levels`` innermost headings (0: as it is), lead-in kept."""
    return context(*split_context(text, levels)) if levels else text


_OPEN, _CLOSE = "「『（【(", "」』）】)"
_PAIR = dict(zip(_CLOSE, _OPEN))
_BRACKET = re.compile(f"[{re.escape(_OPEN + _CLOSE)}]")
_TERMINATORS = "。！？｡︒"  # the ideographic full stop in its full-width, half-width and vertical forms
# A full-width full stop ends a sentence only after kana or a kanji that is not a numeral or a
# particle (「ます．」「等．」), never in 「1．」「一．」「Ａ．Ｂ」「3．14」 or a typo like 「当社は．」.
_FULLWIDTH_STOP = re.compile(r"(?<=[\u3040-\u30ff\u3400-\u9fff])(?<![一二三四五六七八九十〇百はがをにでとものへや])．(?![0-9０-９])")
_TRAILING_CLOSERS = "」』）】)\"'”’"
_N = "0-9０-９"
# Each alternative is one marker style; the named group tells the style apart.
_MARKER = re.compile(
    rf"""(?:
      (?P<article>第[{_N}一二三四五六七八九十百]+[条章節款](?:の[{_N}一二三四五六七八九十]+)?)
    | (?P<paren>[(（][{_N}]{{1,3}}[)）])
    | (?P<paren_alpha>[(（][a-zA-Zａ-ｚア-ンｱ-ﾝ][)）])
    | (?P<circled>[①-⑳㉑-㉟])
    | (?P<dotted>[{_N}]{{1,3}}(?:[-－.．][{_N}]{{1,3}})*[.．](?![{_N}]))
    | (?P<half_paren>[{_N}]{{1,3}}[)）](?![{_N}]))
    | (?P<roman>(?:i|ii|iii|iv|v|vi|vii|viii|ix|x)[.)](?=\s|[^\x00-\x7f]))
    | (?P<alpha>[a-zａ-ｚA-Z][.．)）](?=\s|[^\x00-\x7f]))
    | (?P<kana>[ア-ン](?:[.．)）]|(?=[ \t\u3000])))
    | (?P<bullet>[・●■◆◇▼▶►※★☆◎])
    | (?P<md>\#{{1,6}}(?=[ \t]))
    | (?P<dash>[-*+](?=[ \t]))
    | (?P<num_space>(?:第)?[{_N}一二三四五六七八九十]{{1,3}}(?=[ \t\u3000]))
    | (?P<lenticular>【)
    )""",
    re.X,
)
_LINE_START_ONLY = {"dash", "num_space"}
_LISTISH_ENDINGS = ("場合", "ため", "こと", "等", "など", "もの")
_PARTICLE_ENDINGS = tuple("はをにがでとも、，,")
_NAME_OR_ADDRESS = re.compile(r"株式会社|有限会社|法人|〒|TEL|Tel|電話|@|[0-9０-９]{2,}[-－][0-9０-９]|室長|部長|代表|氏名|住所|宛"
                              r"|[都道府県].{0,8}[市区町村郡]|[0-9０-９一二三四五六七八九十]+(?:丁目|番地?|号)")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]")
_MAX_HEADING = 40
_FLAT_LINE = 300        # a line this long is treated as a page flattened onto one line
_MAX_MENU_ITEM = 25
_MAX_SECTION_PART = 200  # longer headings are cut in section paths (the clause itself stays whole)
_LEAD_IN = re.compile(r"以下|次の|次に|下記|とおり|通り|[:：]\s*$")  # words that open a list
_MD_STYLES = ("md1", "md2", "md3", "md4", "md5", "md6")


def _bracket_depths(line: str) -> list[int]:
    """Depth of matched-bracket nesting at each index; unmatched brackets count for nothing.

    A closing bracket matches the nearest open bracket of its kind and discards the open
    brackets above it.  Each open bracket is pushed and popped once, so this stays linear
    even on lines of thousands of unmatched brackets.
    """
    stack: list[int] = []                                  # offsets of open brackets
    heights: dict[str, list[int]] = {ch: [] for ch in _OPEN}  # per kind: their places in stack
    spans: list[tuple[int, int]] = []
    for match in _BRACKET.finditer(line):
        i, ch = match.start(), match.group()
        if ch in heights:
            heights[ch].append(len(stack))
            stack.append(i)
        elif heights[_PAIR[ch]]:
            k = heights[_PAIR[ch]][-1]
            spans.append((stack[k], i))
            for j in stack[k:]:
                heights[line[j]].pop()
            del stack[k:]
    if not spans:
        return [0] * len(line)
    delta = [0] * len(line)
    for a, b in spans:
        delta[a + 1] += 1
        delta[b] -= 1
    return list(accumulate(delta))


def _is_table_row(line: str) -> bool:
    cells = line.split(" | ")
    return len(cells) >= 2 and max(map(len, cells)) <= 300


_LEADING_SPACE = re.compile(r"\s*")


def _marker_at(line: str, i: int) -> re.Match | None:
    """The list marker starting at ``i``, if ``i`` is at line start or after whitespace."""
    if i > 0 and not line[i - 1].isspace():
        return None
    match = _MARKER.match(line, i)
    if match and match.lastgroup in _LINE_START_ONLY and i > _LEADING_SPACE.match(line).end():
        return None  # "- item" and "8　見出し" are markers only at line start
    return match


def _style(match: re.Match) -> str:
    style = match.lastgroup or "plain"
    return f"md{len(match.group())}" if style == "md" else style


def _break_points(line: str, depth: list[int]) -> list[int]:
    """Offsets inside ``line`` where a new clause begins."""
    points = []
    i, n = 0, len(line)
    while i < n:
        ch = line[i]
        if depth[i] == 0 and (ch in _TERMINATORS and not (ch == "！" and line[max(0, i - 5):i].lower() == "yahoo")
                              or ch == "．" and _FULLWIDTH_STOP.match(line, i)):
            j = i + 1
            while j < n and (line[j] in _TERMINATORS or line[j] in _TRAILING_CLOSERS):
                j += 1
            points.append(j)
            i = j
            continue
        if i > 0 and line[i - 1].isspace() and depth[i] == 0 and _marker_at(line, i):
            before = line[points[-1] if points else 0:i].strip()
            lone = _MARKER.match(before + " ")
            if before and not (lone and lone.end() == len(before)):  # "- ① …" stays one item
                points.append(i)
        i += 1
    return points


def _split_heading(line: str, a: int, b: int, depth: list[int]) -> int | None:
    """If line[a:b] is a flattened "marker + short title + body", the offset where the body starts."""
    match = _marker_at(line, a) if a == 0 or line[a - 1].isspace() else None
    if not match or match.lastgroup in ("num_space", "dash"):  # "2　当社は、…" / "- 音声 → …" are items
        return None
    if match.lastgroup == "lenticular":
        close = line.find("】", a, b)
        if close < 0 or close + 1 >= b or not line[close + 1].isspace():
            return None
        body = close + 1
    else:
        title = match.end()
        while title < b and line[title].isspace():
            title += 1
        body = next((k for k in range(title, b) if line[k].isspace() and depth[k] == 0), None)
        if body is None:
            return None
        head = line[title:body]
        if (not (1 <= len(head) <= _MAX_HEADING) or "。" in head or not _CJK.search(head)
                or (head.endswith(_PARTICLE_ENDINGS) and not head.endswith("とは"))):
            return None
    while body < b and line[body].isspace():
        body += 1
    rest = line[body:b].rstrip()
    if not rest or rest[0] in "→⇒:：=＝" or (match.lastgroup != "lenticular" and not (
            rest.endswith(tuple(_TERMINATORS + _TRAILING_CLOSERS)) or (len(rest) >= 40 and _CJK.search(rest)))):
        return None
    return body


def _tokens(line: str, a: int, b: int, depth: list[int]) -> list[tuple[int, int]]:
    """Whitespace-separated tokens of line[a:b] at bracket depth 0; runs of non-CJK tokens merge."""
    tokens: list[tuple[int, int]] = []
    last_cjk = False  # whether tokens[-1] holds CJK text (kept, not re-searched: tokens grow)
    for m in re.finditer(r"\S+", line[a:b]):
        s, e = a + m.start(), a + m.end()
        cjk = bool(_CJK.search(line, s, e))
        if tokens and (depth[s] > 0 or not line[s - 1].isspace() or depth[s - 1] > 0):
            tokens[-1] = (tokens[-1][0], e)
            last_cjk = last_cjk or cjk
        elif tokens and not cjk and not last_cjk:
            tokens[-1] = (tokens[-1][0], e)
        else:
            tokens.append((s, e))
            last_cjk = cjk
    return tokens


def _menu_item(text: str) -> bool:
    return len(text) <= _MAX_MENU_ITEM and not any(p in text for p in "。、，")


def _split_menu(line: str, a: int, b: int, depth: list[int]) -> list[tuple[int, int]]:
    """Split runs of four or more short menu-like tokens into one span each; the rest stays whole.

    A run's last token leads into the sentence after it ("株式会社 Smartlog（以下…）は、…").
    """
    tokens = _tokens(line, a, b, depth)
    menu = [_menu_item(line[s:e]) for s, e in tokens]
    in_run = [False] * len(tokens)
    i = 0
    while i < len(tokens):
        j = i
        while j < len(tokens) and menu[j]:
            j += 1
        if j - i >= 4:
            in_run[i:j] = [True] * (j - i)
        i = max(j, i + 1)
    spans = []
    i = 0
    while i < len(tokens):
        following = line[tokens[i + 1][0]:tokens[i + 1][1]] if i + 1 < len(tokens) else ""
        leads_into_sentence = (following and not in_run[i + 1] and _CJK.search(following)
                               and any(p in following for p in "、。"))
        if in_run[i] and not leads_into_sentence:
            spans.append(tokens[i])
            i += 1
            continue
        j = i
        while j + 1 < len(tokens) and not in_run[j + 1]:
            j += 1
        spans.append((tokens[i][0], tokens[j][1]))
        i = j + 1
    return spans


def _trim(line: str, a: int, b: int) -> tuple[int, int] | None:
    while a < b and line[a].isspace():
        a += 1
    while b > a and line[b - 1].isspace():
        b -= 1
    return (a, b) if a < b else None


def _line_pieces(line: str) -> list[tuple[int, int, bool]]:
    """(start, end, separated_heading) spans of one line."""
    if _is_table_row(line):
        span = _trim(line, 0, len(line))
        return [(*span, False)] if span else []
    depth = _bracket_depths(line)
    bounds = [0, *_break_points(line, depth), len(line)]
    pieces: list[tuple[int, int, bool]] = []
    previous_item = None  # marker style of the previous piece when it was a list item
    for a, b in zip(bounds, bounds[1:]):
        span = _trim(line, a, b)
        if not span:
            continue
        a, b = span
        marker = _marker_at(line, a)
        style = _style(marker) if marker else None
        # a sibling of the list item before it is an item too, not a flattened heading
        body = _split_heading(line, a, b, depth) if style is None or style != previous_item else None
        previous_item = style if body is None else None
        if body is not None:
            head = _trim(line, a, body)
            pieces.append((*head, True))
            a = body
        if len(line) >= _FLAT_LINE:
            pieces.extend((s, e, False) for s, e in _split_menu(line, a, b, depth))
        else:
            pieces.append((a, b, False))
    return pieces


class _Piece(NamedTuple):
    start: int
    end: int
    line: int
    alone: bool        # the piece is its whole line
    separated: bool    # split off as a heading from a flattened body
    style: str | None  # marker style at its start, if any
    verbatim: bool = False  # a line of a Markdown code block: body text, never a heading or list item


def _lines(text: str) -> Iterator[tuple[int, str]]:
    r"""(offset, line) for every line of ``text``, as ``text.split("\n")`` gives them, one at a time."""
    start = 0
    while True:
        end = text.find("\n", start)
        if end < 0:
            yield start, text[start:]
            return
        yield start, text[start:end]
        start = end + 1


_FENCE = re.compile(r"\s{0,3}(```|~~~)")
_FRONT_MATTER_LINE = re.compile(r"\s*$|[\w-]+\s*:|\s+\S|-\s")  # "key: value", indented or "- " lines
_FRONT_MATTER_LINES = 50


def _front_matter_end(text: str) -> int:
    """How many lines of Markdown front matter (``---`` / ``key: value`` lines / ``---``) open
    ``text``: 0 when it has none.  Metadata, not policy text: those lines give no clauses."""
    if not text.startswith("---"):
        return 0
    for number, (_, line) in enumerate(_lines(text)):
        if number == 0:
            if line.strip() != "---":
                return 0
        elif line.strip() in ("---", "..."):
            return number + 1
        elif number > _FRONT_MATTER_LINES or not _FRONT_MATTER_LINE.match(line):
            return 0
    return 0


def _pieces(text: str, markdown: bool = False) -> Iterator[_Piece]:
    """The pieces of ``text`` line by line; in ``markdown``, without the front matter, and with
    the lines of code blocks as verbatim pieces (the fences themselves give none)."""
    skip = _front_matter_end(text) if markdown else 0
    fence = None  # the fence (``` or ~~~) of the code block we are in
    for number, (offset, line) in enumerate(_lines(text)):
        if number < skip:
            continue
        opening = _FENCE.match(line) if markdown else None
        if opening and (fence is None or opening.group(1) == fence):
            fence = opening.group(1) if fence is None else None
            continue  # the fence lines themselves say nothing
        if fence is not None:
            if line.strip():
                start = len(line) - len(line.lstrip())
                yield _Piece(offset + start, offset + len(line.rstrip()), number, True, False, None, True)
            continue
        spans = _line_pieces(line)
        for a, b, separated in spans:
            match = _marker_at(line, a)
            yield _Piece(offset + a, offset + b, number, len(spans) == 1,
                         separated, _style(match) if match else None)


def _short_plain(text: str, piece: _Piece) -> bool:
    return (piece.alone and piece.style is None and not piece.verbatim and len(text) <= 30 and "://" not in text
            and not any(p in text for p in "。、，:：|") and not text.endswith(_LISTISH_ENDINGS))


_Styled = tuple[_Piece, str, "str | None"]  # a piece, its text, its heading style (None: body)


def _marked_headings(text: str, pieces: Iterable[_Piece], html_headings: Mapping[int, int]) -> Iterator[_Styled]:
    """Each piece with the heading style its own marker, HTML tag or neighbours give it."""
    pieces = iter(pieces)
    previous: tuple[_Piece, str | None] | None = None
    piece = next(pieces, None)
    while piece is not None:
        following = next(pieces, None)
        t = text[piece.start:piece.end]
        style = None
        if piece.verbatim:
            pass
        elif piece.line in html_headings and piece.alone:
            style = f"h{html_headings[piece.line]}"
        elif piece.separated or piece.style in _MD_STYLES or (piece.style == "lenticular" and t.endswith("】")):
            style = piece.style
        elif piece.style and piece.style != "dash" and len(t) <= _MAX_HEADING \
                and not t.endswith(tuple(_TERMINATORS)) and "|" not in t:
            prev_same = previous is not None and previous[0].style == piece.style and previous[1] is None
            next_same = following is not None and following.style == piece.style
            if not prev_same and not next_same:
                style = piece.style
        yield piece, t, style
        previous = (piece, style)
        piece = following


def _headings(text: str, pieces: Iterable[_Piece], html_headings: Mapping[int, int]) -> Iterator[_Styled]:
    """Each piece with its heading style, or None when it is body text.

    Short unmarked lines standing alone before a body or a list are headings too
    ("お客さま情報の収集"), unless three or more come in a row (a list or menu).  After the
    first marked heading, lines that look like a name or an address are not.  At most
    three pieces wait for what follows them, so memory does not grow with the text.
    """
    run: list[_Styled] = []   # short plain pieces waiting for the piece after them
    long_run = False          # inside a run of three or more: none of them is a heading
    marked_before = False     # a marked heading came earlier
    for item in _marked_headings(text, pieces, html_headings):
        piece, t, style = item
        if style is None and _short_plain(t, piece) and (run or long_run or piece.line not in html_headings):
            if long_run:
                yield item
                continue
            run.append(item)
            if len(run) > 2:
                yield from run
                run, long_run = [], True
            continue
        if run and (piece.style or len(t) > 30):
            run = [(p, rt, "plain" if not marked_before or not _NAME_OR_ADDRESS.search(rt) else None)
                   for p, rt, _ in run]
        yield from run
        run, long_run = [], False
        yield item
        marked_before = marked_before or style is not None
    yield from run


def _section_part(heading: str) -> str:
    """A heading as it appears in the section path of the clauses under it, cut when absurdly long."""
    return heading if len(heading) <= _MAX_SECTION_PART else heading[:_MAX_SECTION_PART - 1] + "…"


def _is_item(piece: _Piece, text: str) -> bool:
    """A list item, table row or short bare entry: it reads as part of the list its lead-in opens."""
    return not piece.verbatim and (piece.style is not None or _is_table_row(text)
            or (len(text) <= _MAX_HEADING and not text.endswith(tuple(_TERMINATORS))))


def iter_segment(text: str, html_headings: Mapping[int, int] | None = None, markdown: bool = False) -> Iterator[Clause]:
    """Clauses of ``text`` one at a time (see :func:`segment`); memory does not grow with the text."""
    stack: list[tuple[str, str]] = []  # (style, heading as shown in sections)
    section = ""
    lead = ""  # the last sentence of this section that opens a list (else its first body sentence)
    for piece, clause_text, style in _headings(text, _pieces(text, markdown), html_headings or {}):
        if style is None:
            if _is_item(piece, clause_text):
                yield Clause(piece.start, piece.end, clause_text, section, False, lead)
            else:
                if not lead or _LEAD_IN.search(clause_text):
                    lead = _section_part(clause_text)
                yield Clause(piece.start, piece.end, clause_text, section)
            continue
        lead = ""
        for k, (s, _) in enumerate(stack):
            if s == style:
                del stack[k:]
                break
        yield Clause(piece.start, piece.end, clause_text, " > ".join(t for _, t in stack), True)
        stack.append((style, _section_part(clause_text)))
        section = " > ".join(t for _, t in stack)


def segment(text: str, html_headings: Mapping[int, int] | None = None, markdown: bool = False) -> list[Clause]:
    """Split ``text`` into clauses with offsets into ``text``, their section path and, for
    list items and table rows, the lead-in sentence of their list (``lead``).

    ``html_headings`` maps line numbers that were HTML headings to their level (1-6);
    readers pass it for HTML pages so headings are known rather than guessed.  ``markdown``
    (a ``.md`` file): front matter gives no clauses and code blocks no headings.
    """
    return list(iter_segment(text, html_headings, markdown))
