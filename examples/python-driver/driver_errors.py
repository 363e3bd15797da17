"""The one error the file backend raises on purpose.

Its code is a gRPC status name, so the glue (file_driver.py) passes it through unchanged while the
backend itself stays free of gRPC.
"""

# Why a backend call refused or gave up; each is the gRPC status the driver answers with.
#   INVALID_ARGUMENT     the request itself is wrong (an unsafe id, a repeated id, mismatched lists)
#   NOT_FOUND            a file the request relies on does not exist
#   FAILED_PRECONDITION  the operation id was already used for another request. Never ABORTED or
#                        UNAVAILABLE: the host retries those, and a retry cannot cure this.
#   CANCELLED            the caller gave up (deadline or cancel); the work was abandoned part-way
CODES = frozenset({"INVALID_ARGUMENT", "NOT_FOUND", "FAILED_PRECONDITION", "CANCELLED"})


class FileDriverError(Exception):
    """A refusal or failure of the file backend, with the gRPC status name it maps to."""

    def __init__(self, code: str, detail: str):
        if code not in CODES:
            raise ValueError(f"unknown FileDriverError code {code!r}; use one of {sorted(CODES)}")
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


def raise_if_cancelled(cancelled, doing: str) -> None:
    """Raises CANCELLED when the caller's `cancelled()` says so, naming what was being done."""
    if cancelled is not None and cancelled():
        raise FileDriverError("CANCELLED", f"abandoned {doing}: the caller cancelled the call or its deadline passed")
