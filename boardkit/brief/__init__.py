"""The daily prevention-meeting brief: gathered from the figures and queries, written
as a workbook and a printable page."""
