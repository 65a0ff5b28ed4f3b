"""Excel downloads: spooled workbook responses and cells that can never run as formulas."""

import tempfile

from django.http import FileResponse

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_cell(value):
    """Text that Excel would take for a formula is prefixed with a quote so it can never run."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def xlsx_response(write, *, filename: str) -> FileResponse:
    """A download of the workbook ``write(handle)`` writes, spooled through a temporary file (not held in memory)."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    write(handle)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX)
