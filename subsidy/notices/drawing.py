"""Drawing a Notice as a print-ready PDF: A4 (or A3) portrait, and a large-print landscape version (大字版).

Drawn on the reportlab canvas with precomputed column positions (fast, and every character goes through the
per-character font fallback of fonts.py). The table header is repeated on every page a table continues on;
"第 X 页 共 Y 页" is on every page. Same notice and settings give the same bytes: the document date is the
publish date and reportlab runs in invariant mode.
"""

from __future__ import annotations

import calendar
import io
import itertools
import re
import time
from dataclasses import dataclass, fields
from datetime import date
from functools import lru_cache

from reportlab.graphics.barcode import qrencoder
from reportlab.lib.pagesizes import A3, A4, landscape
from reportlab.lib.rl_accel import fp_str
from reportlab.lib.units import mm
from reportlab.lib.utils import TimeStamp
from reportlab.pdfbase.pdfmetrics import getFont, stringWidth
from reportlab.pdfgen.canvas import Canvas

from subsidy.intake.ownfiles import MARKER
from subsidy.notices import fonts
from subsidy.notices import reportlab_private as rl
from subsidy.notices.content import Notice, Row, numeral
from subsidy.notices.pdfa import identify

_ROW_FIELDS = tuple(f.name for f in fields(Row))


@dataclass(frozen=True)
class Layout:
    name: str
    page: tuple[float, float]
    body: float  # body text size in points
    title: float
    margin_x: float
    margin_top: float
    margin_bottom: float
    columns: tuple[tuple[str, str, float, str], ...]  # (label, field, relative width, align)

    @property
    def line(self) -> float:
        return self.body * 1.5


_COLUMNS_FULL = (("序号", "seq", 0.75, "c"), ("户主姓名", "name", 1.5, "c"), ("身份证号", "id_masked", 2.6, "c"),
                 ("面积(亩)", "area", 1.1, "r"), ("标准(元/亩)", "rate", 1.45, "r"), ("金额(元)", "amount", 1.4, "r"),
                 ("发放情况", "status", 1.2, "c"), ("备注", "remark", 1.6, "l"))
_CADRE_COLUMNS = (("序号", "seq", 0.7, "c"), ("姓名", "name", 1.5, "c"), ("职务", "post", 2.0, "c"),
                  ("补贴项目", "subsidy", 3.2, "l"), ("金额(元)", "amount", 1.5, "r"))
_COLUMNS_LARGE = (("序号", "seq", 0.6, "c"), ("户主姓名", "name", 1.7, "c"), ("身份证号", "id_masked", 3.1, "c"),
                  ("金额(元)", "amount", 1.6, "r"), ("发放情况", "status", 1.3, "c"), ("备注", "remark", 2.0, "l"))


def layout(paper: str, large: bool, show_status: bool) -> Layout:
    scale = 1.0 if paper == "A4" else 2 ** 0.5
    columns = _COLUMNS_LARGE if large else _COLUMNS_FULL
    if not show_status:
        columns = tuple(c for c in columns if c[1] != "status")
    if large:
        page = landscape(A4 if paper == "A4" else A3)
        return Layout("large", page, 16 * scale, 24 * scale, 15 * mm * scale, 15 * mm * scale, 16 * mm * scale, columns)
    page = A4 if paper == "A4" else A3
    return Layout("normal", page, 10.5 * scale, 18 * scale, 18 * mm * scale, 20 * mm * scale, 18 * mm * scale, columns)


# ---------------------------------------------------------------- text helpers


# a line must not start with closing punctuation (禁则): the character before moves down with it
_NO_LINE_START = set("，。、；：？！）》」』”’】〕…—,.;:?!)%")


_WORD = re.compile(r"[0-9A-Za-z][0-9A-Za-z.,\-/*]*|.", re.DOTALL)


def wrap(text: str, size: float, max_width: float, face: str = fonts.REGULAR) -> list[str]:
    """Break text into lines no wider than max_width: CJK between any two characters, a number or a Latin
    word kept whole where it fits, and no line starting with closing punctuation."""
    if not text:
        return [""]
    lines, current, current_width = [], "", 0.0
    for token in _WORD.findall(text):
        w = sum(_char_width(ch, face) for ch in token) * size
        if current and current_width + w > max_width:
            if token in (" ", "\u3000"):
                lines.append(current)
                current, current_width = "", 0.0
                continue
            if len(token) > 1 and w > max_width:  # a word longer than the line: break it anywhere
                for ch in token:
                    cw = _char_width(ch, face) * size
                    if current and current_width + cw > max_width:
                        lines.append(current)
                        current, current_width = "", 0.0
                    current += ch
                    current_width += cw
                continue
            carry = ""
            if token in _NO_LINE_START and len(current) > 1:
                carry, current = current[-1], current[:-1]
            lines.append(current)
            current = carry
            current_width = _char_width(carry, face) * size if carry else 0.0
        current += token
        current_width += w
    lines.append(current)
    return lines


_WIDTHS: dict[tuple[str, str], float] = {}


def _char_width(ch: str, face: str) -> float:
    """Width of one character at size 1 (cached: wrapping measures every character of every cell)."""
    key = (ch, face)
    found = _WIDTHS.get(key)
    if found is None:
        found = fonts.width(ch, 1.0, face)
        _WIDTHS[key] = found
    return found


def draw(c: Canvas, x: float, y: float, text: str, size: float, face: str = fonts.REGULAR, align: str = "l") -> None:
    pieces = fonts.runs(text, face)
    if align != "l":
        total = sum(stringWidth(p, f, size) for f, p in pieces)
        x = x - total / 2 if align == "c" else x - total
    # one text object per string, so the font switches of the fallback stay one run of text for extractors; the
    # operators reportlab's text object writes (BT, Tm, Tf per font subset, Tj, ET), without building the object:
    # a notice draws hundreds of strings a page, and the object cost a third of the drawing
    doc, escape = rl.document(c), rl.escaper(c)
    tf = f"{fp_str(size)} Tf {fp_str(size * 1.2)} TL"
    code = ["BT", f"1 0 0 1 {fp_str(x, y)} Tm"]
    for name, piece in pieces:
        font = getFont(name)
        current = -1
        for subset, chars in font.splitString(piece, doc):
            if subset != current:
                code.append(f"{font.getSubsetInternalName(subset, doc)} {tf}")
                current = subset
            code.append(f"({escape(chars)}) Tj")
    code.append("ET")
    rl.emit(c, " ".join(code))


# ---------------------------------------------------------------- flow items


@dataclass
class _Item:
    height: float
    kind: str  # text, row, header, gap, seal
    payload: object = None
    keep_with_next: bool = False


def _paragraph(text: str, size: float, width: float, face: str, align: str = "l", indent: bool = False,
               gap: float = 0) -> list[_Item]:
    prefix = "\u3000\u3000" if indent else ""
    lines = wrap(prefix + text, size, width, face)
    items = [_Item(size * 1.55, "text", (line, size, face, align)) for line in lines]
    if gap:
        items.append(_Item(gap, "gap"))
    return items


def _cells(values: list[str], widths: list[float], size: float, face: str) -> tuple[list[list[str]], float]:
    cells = [wrap(v, size, w - size * 0.6, face) for v, w in zip(values, widths, strict=True)]
    lines = max(len(c) for c in cells)
    return cells, lines * size * 1.3 + size * 0.7


def _table(columns: tuple, width: float, body: float) -> tuple[list[float], list[str], _Item]:
    """Column widths, alignments and the header item of a table with these columns."""
    unit = sum(c[2] for c in columns)
    widths = [width * c[2] / unit for c in columns]
    aligns = [c[3] for c in columns]
    cells, height = _cells([c[0] for c in columns], widths, body, fonts.BOLD)
    return widths, aligns, _Item(height, "header", (cells, widths, aligns), keep_with_next=True)


def _rows(records: list[dict], columns: tuple, width: float, body: float, bold_last: bool,
          seen: list[tuple[str, str]], label: str = "") -> list[_Item]:
    """A table's header and rows; the last row stays with the one before it (a 小计 never stands alone on a page
    under a repeated header). Every cell goes into `seen`, its field the column's label."""
    widths, aligns, header = _table(columns, width, body)
    items = [header]
    for n, record in enumerate(records):
        last = n == len(records) - 1
        values = [str(record.get(c[1], "")) for c in columns]
        seen += [(label + c[0], v) for c, v in zip(columns, values, strict=True) if v]
        cells, h = _cells(values, widths, body, fonts.BOLD if last and bold_last else fonts.REGULAR)
        items.append(_Item(h, "row", (cells, widths, aligns, last and bold_last, header),
                           keep_with_next=n == len(records) - 2))
    return items


def _heading(text: str, body: float, width: float) -> list[_Item]:
    items = _paragraph(text, body, width, fonts.BOLD)
    for item in items:
        item.keep_with_next = True
    return [*items, _Item(body * 0.3, "gap", keep_with_next=True)]


def _flow(notice: Notice, lay: Layout, width: float, seen: list[tuple[str, str]] | None = None) -> list[_Item]:
    """The notice as items to lay out; every text it will draw goes into `seen` with its field, whole (before
    wrapping: a name broken over two lines is still one text there)."""
    body, line = lay.body, lay.line
    seen = [] if seen is None else seen
    items: list[_Item] = []

    def paragraph(field: str, text: str, *args, **kwargs) -> list[_Item]:
        seen.append((field, text))
        return _paragraph(text, *args, **kwargs)

    items += paragraph("标题", notice.title, lay.title, width, fonts.BOLD, "c", gap=body * 0.8)
    items += paragraph("正文", notice.intro, body, width, fonts.REGULAR, indent=True, gap=body * 0.6)
    if notice.web_note:
        items += paragraph("说明", notice.web_note, body, width, fonts.BOLD, indent=True, gap=body * 0.6)
    for n, text in enumerate(notice.correction_lines):
        last = n == len(notice.correction_lines) - 1
        items += paragraph("更正内容", text, body, width, fonts.BOLD if n == 0 else fonts.REGULAR, indent=n in (0, last),
                           gap=body * 0.6 if last else 0)
    for group in notice.groups:
        columns = tuple(c for c in lay.columns if c[1] != "status" or group.show_status)
        records = [{f: getattr(row, f) for f in _ROW_FIELDS} for row in group.rows]
        records.append({"seq": "小计", "name": f"{group.households}户", "area": group.area, "amount": group.amount})
        seen.append(("补贴说明", group.heading))
        items += _heading(group.heading, body, width) + _rows(records, columns, width, body, True, seen)
        items.append(_Item(line * 0.6, "gap"))
    if notice.cadres:
        items += _heading(f"{numeral(len(notice.groups))}、村干部享受惠农补贴情况", body, width)
        items += _rows([vars(c) for c in notice.cadres], _CADRE_COLUMNS, width, body, False, seen, "村干部：")
        items.append(_Item(line * 0.6, "gap"))
    items += paragraph("合计", notice.total_line, body, width, fonts.BOLD, gap=body * 0.6)
    for text in notice.closing:
        closing = paragraph("公示期与监督", text, body, width, fonts.REGULAR, indent=True)
        for item in closing:  # the period, objections and phones stay together with the issuer and the seal
            item.keep_with_next = True
        items += closing
    seen += [("落款", notice.issuer), ("落款", notice.date_line)]
    items.append(_Item(body * 8, "seal", (notice.issuer, notice.date_line, body)))
    return items


def _paginate(items: list[_Item], usable: float) -> list[list[_Item]]:
    """Pages of items; a table continued on a new page starts with its header again."""
    pages: list[list[_Item]] = [[]]
    used = 0.0
    i = 0
    while i < len(items):
        item = items[i]
        # keep a heading with what follows it
        block = [item]
        j = i
        while items[j].keep_with_next and j + 1 < len(items):
            j += 1
            block.append(items[j])
        block_h = sum(b.height for b in block)
        if used + block_h > usable and pages[-1]:
            pages.append([])
            used = 0.0
            if item.kind == "row":  # the table goes on: repeat its header
                header = item.payload[4]
                pages[-1].append(header)
                used += header.height
        for b in block:
            if b.kind == "gap" and not pages[-1]:
                continue
            pages[-1].append(b)
            used += b.height
        i = j + 1
    return pages


def _drawn(pages: list[list[_Item]]) -> list[tuple]:
    """What the pages draw, as plain tuples (a row's payload ends with its table's header item: left out, the
    header is drawn in its own right)."""
    return [(i.kind, i.payload[:4] if i.kind == "row" else i.payload) for page in pages for i in page]


def _time_stamp(d: date) -> TimeStamp:
    stamp = TimeStamp(invariant=1)
    t = calendar.timegm(d.timetuple())
    lt = time.gmtime(t)
    stamp.t, stamp.lt, stamp.YMDhms = t, lt, tuple(lt)[:6]
    return stamp


DRAFT_MARK = "草稿（未公示）"


def notice_keywords(notice: Notice) -> str:
    """The PDF's keywords (document information and XMP alike): what it is, the village code, our marker."""
    return f"惠农补贴,村务公开,{notice.village_code},{'草稿' if notice.draft else '公示'},{MARKER}"


def render(notice: Notice, paper: str, large: bool, seen: list[tuple[str, str]] | None = None) -> tuple[bytes, int]:
    """The notice as PDF bytes, and its page count. A draft (no publish date) carries 草稿（未公示） at the head of
    every page and as a light diagonal watermark, and its document date is fixed (it never depends on the clock).
    Every text the PDF holds (drawn, or in its document information) goes into `seen`, with its field."""
    seen = [] if seen is None else seen
    publish = notice.publish_date or date(notice.year, 1, 1)
    fonts.register()
    lay = layout(paper, large, notice.show_status)
    page_w, page_h = lay.page
    width = page_w - 2 * lay.margin_x
    footer_h = lay.body * 2.2
    usable = page_h - lay.margin_top - lay.margin_bottom - footer_h
    pages = _paginate(_flow(notice, lay, width, seen), usable)
    buffer = io.BytesIO()
    # the initial font must be one of ours, or reportlab names an unembedded Helvetica on every page
    c = Canvas(buffer, pagesize=lay.page, invariant=1, pageCompression=1, pdfVersion=(1, 7),
               initialFontName=fonts.REGULAR, initialFontSize=lay.body)
    rl.set_time_stamp(c, _time_stamp(publish))
    title = notice.title + ("（大字版）" if large else "")
    subject = f"村务公开栏公示：{notice.town}{notice.village_name}{notice.year}年度惠农补贴（村代码{notice.village_code}）"
    seen += [("文档信息", text) for text in (title, subject, notice.issuer, notice_keywords(notice))]
    seen += [("页脚", f"核验码：{notice.verification_code}"), ("二维码", notice.qr_payload)]
    identify(c, title=title, subject=subject, author=notice.issuer, when=publish, keywords=notice_keywords(notice),
             fingerprint=repr((title, subject, notice.issuer, publish, notice.verification_code, paper,
                               _drawn(pages))).encode())
    for number, page in enumerate(pages, 1):
        if notice.draft:
            _draft_marks(c, lay, page_w, page_h)
        y = page_h - lay.margin_top
        for item in page:
            _draw_item(c, item, lay.margin_x, y, width, lay.body)
            y -= item.height
        draw(c, page_w / 2, lay.margin_bottom - lay.body * 0.2, f"第 {number} 页 共 {len(pages)} 页", lay.body, align="c")
        if notice.verification_code:
            _verification(c, notice, lay, page_w)
        c.showPage()
    c.save()
    return buffer.getvalue(), len(pages)


@lru_cache(maxsize=64)
def _qr_modules(payload: str) -> tuple[tuple[bool, ...], ...]:
    """The QR code's dark modules (error correction M), worked out once per payload: a notice, its large print
    and the web copies carry the same one."""
    qr = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    qr.addData(payload)
    qr.make()
    return tuple(tuple(bool(m) for m in row) for row in qr.modules)


def _draw_qr(c: Canvas, payload: str, size: float) -> None:
    """The QR code in a size × size square with a quiet zone of four modules, as one filled path."""
    modules = _qr_modules(payload)
    box = size / (len(modules) + 8)
    path = c.beginPath()
    for r, row in enumerate(modules):
        col = 0
        for dark, run in itertools.groupby(row):
            count = len(list(run))
            if dark:
                path.rect((col + 4) * box, size - (r + 5) * box, count * box, box)
            col += count
    c.drawPath(path, stroke=0, fill=1)


def _verification(c: Canvas, notice: Notice, lay: Layout, page_w: float) -> None:
    """核验码 at the foot of the page, and a QR code holding the village page's URL (or the code) beside it: drawn
    once per document as a form, placed on every page."""
    draw(c, lay.margin_x, lay.margin_bottom - lay.body * 0.2, f"核验码：{notice.verification_code}", lay.body * 0.9)
    size = lay.margin_bottom - 4 * mm
    if not getattr(c, "_qr_drawn", False):
        c.beginForm("qr", 0, 0, size, size)
        _draw_qr(c, notice.qr_payload or notice.verification_code, size)
        c.endForm()
        c._qr_drawn = True
    c.saveState()
    c.translate(page_w - lay.margin_x - size, 2 * mm)
    c.doForm("qr")
    c.restoreState()


def _draft_marks(c: Canvas, lay: Layout, page_w: float, page_h: float) -> None:
    """草稿（未公示）: a light diagonal watermark behind the page, and a line in the top margin."""
    c.saveState()
    c.setFillGray(0.82)
    c.translate(page_w / 2, page_h / 2)
    c.rotate(35)
    draw(c, 0, 0, DRAFT_MARK, lay.title * 3.2, fonts.BOLD, "c")
    c.restoreState()
    draw(c, page_w / 2, page_h - lay.margin_top / 2 - lay.body / 2,
         f"{DRAFT_MARK}　仅供核对，不得张贴", lay.body, fonts.BOLD, "c")


def _draw_item(c: Canvas, item: _Item, x0: float, y: float, width: float, body: float) -> None:
    if item.kind == "text":
        text, size, face, align = item.payload
        x = {"l": x0, "c": x0 + width / 2, "r": x0 + width}[align]
        draw(c, x, y - size * 1.15, text, size, face, align)
    elif item.kind in ("header", "row"):
        cells, widths, aligns = item.payload[:3]
        bold = item.kind == "header" or item.payload[3]
        size = body  # every table cell is body text
        if item.kind == "header":
            c.setFillGray(0.9)
            c.rect(x0, y - item.height, width, item.height, stroke=0, fill=1)
            c.setFillGray(0)
        c.setLineWidth(0.5)
        x = x0
        for lines, w, align in zip(cells, widths, aligns, strict=True):
            c.rect(x, y - item.height, w, item.height, stroke=1, fill=0)
            ty = y - size * 0.35 - size
            for text in lines:
                tx = {"l": x + size * 0.3, "c": x + w / 2, "r": x + w - size * 0.3}[align]
                draw(c, tx, ty, text, size, fonts.BOLD if bold else fonts.REGULAR, align)
                ty -= size * 1.3
            x += w
    elif item.kind == "seal":
        issuer, date_line, size = item.payload
        right = x0 + width - size * 2
        # room for the seal (盖章) above and over the issuer and the date
        draw(c, right - size * 2, y - size * 2.6, "（盖章）", size, fonts.REGULAR, "r")
        draw(c, right, y - size * 4.6, issuer, size * 1.05, fonts.REGULAR, "r")
        draw(c, right, y - size * 6.2, date_line, size * 1.05, fonts.REGULAR, "r")
