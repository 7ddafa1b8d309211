"""Progress lines: to the run's log in the UI, and to the terminal when the command line runs the assets.

`notice` lines (a run waiting for another) reach the terminal even with --quiet.
"""

_printer = None
_notice = None


def set_printer(printer, notice=None) -> None:
    global _printer, _notice
    _printer, _notice = printer, notice


def reporter(context):
    def report(message: str) -> None:
        context.log.info(message)
        if _printer is not None:
            _printer(message)

    return report


def tell(message: str, log=None) -> None:
    """A message the person at the terminal must see (and the run's log)."""
    if log is not None:
        log.info(message)
    if _notice is not None:
        _notice(message)
