"""The one exception type the CLI and web layers turn into a clean user-facing message."""


class UserError(Exception):
    """Bad input from the user: printed as one line, exit code 1, no traceback."""


class NotFound(UserError):
    """A user error naming something that is not there (or not theirs): a 404 on the web."""
