"""Progress lines: to the run's log in the UI, and to the terminal when the command line runs the assets."""

_printer = None


def set_printer(printer) -> None:
    global _printer
    _printer = printer


def reporter(context):
    def report(message: str) -> None:
        context.log.info(message)
        if _printer is not None:
            _printer(message)

    return report
