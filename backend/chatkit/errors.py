"""The errors only ChatKit requests can meet (docs/chatkit.md). Streaming requests carry them
in ChatKit's `error` event; the others answer with the JSON error of docs/api.md §5."""

from backend.http.errors import AppError, NotFound


class UnsupportedRequest(AppError):
    status_code = 422
    code = "unsupported_request"
    detail = "todo-chat does not support this ChatKit request."


class AttachmentsUnsupported(UnsupportedRequest):
    detail = "Attachments are not supported; send the message as text."


class InvalidMessage(AppError):
    status_code = 422
    code = "validation_error"
    detail = "A message is 1 to 4000 characters of text, not blank."


class InvalidTitle(AppError):
    status_code = 422
    code = "validation_error"
    detail = "A title is 1 to 200 characters after trimming."


class ItemNotFound(NotFound):
    code = "item_not_found"
    detail = "Message not found."


class InvalidTimeZone(AppError):
    status_code = 422
    code = "validation_error"
    detail = "metadata.timezone must be an IANA time zone name, such as Europe/Berlin."
