"""The exception types the CLI and web layers turn into a clean user-facing message."""


class UserError(Exception):
    """Bad input from the user: printed as one line, exit code 1, no traceback."""


class UsageError(UserError):
    """The command line itself is wrong: exit code 2, as for the usage errors Typer finds.

    An option value outside its allowed set or range, or options missing, conflicting or given
    without their partner. What the options point at being wrong (a file, an id, the database)
    stays a plain ``UserError``. The web shows both the same way, as a form error.
    """


class NotFound(UserError):
    """A user error naming something that is not there (or not theirs): a 404 on the web."""
