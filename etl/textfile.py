"""Bytes -> text for the readers: format sniffing, encoding detection (BOMs, UTF-16
without a BOM, UTF-8, GB18030), the delimiter, and strict CSV parsing. A file that cannot
be read as what it claims to be is refused whole (FileRefused), never guessed at."""
from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

csv.field_size_limit(64 * 1024 * 1024)


class FileRefused(Exception):
    """The whole file is refused; the message is for the clerk, in Chinese."""


def sniff_format(path: Path, head: bytes) -> str:
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    if path.suffix.lower() in (".xlsx", ".xls", ".xlsm"):
        raise FileRefused(f"文件扩展名为 {path.suffix}，但内容不是 Excel 工作簿（文件可能已损坏）")
    return "csv"


def decode(data: bytes) -> tuple[str, str]:
    """Bytes -> (text, encoding name). UTF-16 and UTF-8 by BOM, UTF-16 without one, then
    UTF-8, then GB18030. A file whose bytes break the encoding its BOM announces (cut
    short, or saved wrongly) is refused whole: loading a guess could load wrong text."""
    boms = ((codecs.BOM_UTF8, "utf-8-sig", "UTF-8"), (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
            (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"))
    for bom, encoding, label in boms:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise FileRefused(f"文件开头标明是 {label} 编码，但第 {exc.start} 字节起的内容不是 {label} 文本"
                                  "（文件可能不完整或保存有误）：请重新导出") from None
    utf16 = _utf16_without_bom(data)
    if utf16:
        return data.decode(utf16), utf16
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes
    guess = from_bytes(data[:200_000]).best()
    if guess is None:
        raise FileRefused("无法识别文件编码：既不是 UTF-8/UTF-16，也不是 GBK/GB18030 文本")
    return data.decode(guess.encoding, errors="replace"), guess.encoding


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 saved without a byte-order mark (some exports do): every ASCII character
    (digits, commas, line ends) has a NUL byte on the same side. GB18030 would decode such
    bytes without complaint, into nonsense, and the header would not be found."""
    sample = data[:4096]
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    for zeros, others, encoding in ((odd, even, "utf-16-le"), (even, odd, "utf-16-be")):
        if zeros >= max(2, len(sample) // 16) and zeros > 4 * others:
            try:
                data.decode(encoding)
            except UnicodeDecodeError:
                return None
            return encoding
    return None


def delimiter(first_lines: str, suffix: str) -> str:
    tabs, commas = first_lines.count("\t"), first_lines.count(",")
    if suffix == ".txt" and tabs:
        return "\t"
    return "\t" if tabs > commas else ","


def _take(iterator, n):
    for i, item in enumerate(iterator):
        if i >= n:
            break
        yield item


HEAD_CHARS = 1 << 20


def utf8_head(data: bytes) -> str | None:
    """The file's first megabyte as text, if the file looks like UTF-8 without a BOM."""
    if data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _utf16_without_bom(data):
        return None
    try:  # an incremental decoder leaves a character cut at the end for later
        return codecs.getincrementaldecoder("utf-8")().decode(data[:HEAD_CHARS], final=False)
    except UnicodeDecodeError:
        return None


def csv_rows(text: str, delim: str, limit: int | None = None) -> list[list[str]]:
    """Rows of CSV text. newline="" lets the csv module see every line end itself, so a
    file with old Mac line ends (CR only) or a stray CR reads instead of failing. Strict:
    a quote left open would otherwise swallow every later row into one cell, silently;
    what cannot be parsed is refused with a clear line, not a traceback."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim, strict=True)
    try:
        return list(_take(reader, limit)) if limit else list(reader)
    except csv.Error as exc:
        raise FileRefused(f"文件无法按 CSV 格式读取（第 {reader.line_num} 行：{exc}）") from None
