"""Reading the files of a ``multipart/form-data`` body (what a browser's ``FormData`` POST sends)."""

from email.message import Message
from email.utils import collapse_rfc2231_value

from keras_s2p.errors import DataError

MAX_PARTS = 8  # the page sends two (sketch, hints); each part costs a header parse


def _param(value, name):
    """Parameter `name` of a header value such as ``form-data; name="sketch"``."""
    message = Message()
    message["content-type"] = value
    return collapse_rfc2231_value(message.get_param(name) or "") or None  # name*=utf-8''... arrives as a tuple


def parse_form(content_type, body):
    """The fields of a ``multipart/form-data`` body.

    Args:
        content_type: the request's Content-Type header (with its ``boundary``).
        body: the request body, bytes.

    Returns:
        dict: field name -> bytes.

    Raises:
        DataError: not multipart/form-data, no boundary, more than `MAX_PARTS` parts, or a malformed or truncated
            body.

    Example:
        >>> parse_form(headers["Content-Type"], body)["sketch"]  # the PNG bytes
    """
    if not (content_type or "").lower().startswith("multipart/form-data"):
        raise DataError(f"expected a multipart/form-data body with a 'sketch' file, got {content_type or 'none'}")
    boundary = _param(content_type, "boundary")
    if not boundary:
        raise DataError("the multipart/form-data Content-Type has no boundary")
    try:
        delimiter = b"\r\n--" + boundary.encode("latin-1")
    except UnicodeEncodeError:
        raise DataError(f"the multipart/form-data boundary {boundary!r} is not Latin-1 text") from None
    parts = (b"\r\n" + body).split(delimiter, MAX_PARTS + 1)  # a preamble, the parts, the closing delimiter's rest
    if len(parts) == MAX_PARTS + 2 and not parts[-1].startswith(b"--"):
        raise DataError(f"the multipart/form-data body has more than {MAX_PARTS} parts")
    if len(parts) < 2 or not parts[-1].startswith(b"--"):
        raise DataError("malformed or truncated multipart/form-data body (no closing boundary)")
    fields = {}
    for part in parts[1:-1]:
        head, separator, content = part.partition(b"\r\n\r\n")
        disposition = next((line.split(b":", 1)[1].strip().decode("latin-1") for line in head.split(b"\r\n")
                            if line.lower().startswith(b"content-disposition:")), None)
        name = disposition and _param(disposition, "name")
        if not separator or not name:
            raise DataError("malformed multipart/form-data part (no headers or no field name)")
        fields[name] = content
    return fields
