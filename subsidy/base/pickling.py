"""Row records pickled compactly: a slotted dataclass as its field values in order, rebuilt by a positional
constructor generated for it (as `dataclasses` generates __init__).

A million roster rows and as many bank rows are pickled and unpickled several times a run: from the parsing
workers, into and out of the parse cache, between Dagster steps. The default pickling of a slotted dataclass
builds a dict of its fields per record and sets them one by one: about twice as slow to load, and a quarter larger.
"""

from __future__ import annotations

import dataclasses
import functools
import pickle
import sys
from decimal import Decimal
from operator import attrgetter
from typing import TypeVar

T = TypeVar("T")


def compact_pickle(cls: type[T]) -> type[T]:
    """Class decorator (below @dataclass(slots=True), not frozen): pickle records as (constructor, field values)."""
    names = [f.name for f in dataclasses.fields(cls)]
    if cls.__dataclass_params__.frozen or not hasattr(cls, "__slots__") or len(names) < 2 \
            or {"record", "_new", "_cls"} & set(names):
        raise TypeError(f"{cls.__name__}: compact_pickle is for slotted, unfrozen dataclasses of two fields or more "
                        "(none named record, _new or _cls)")
    name = f"_restore_{cls.__name__}"
    source = (f"def {name}({', '.join(names)}):\n    record = _new(_cls)\n"
              + "".join(f"    record.{n} = {n}\n" for n in names) + "    return record\n")
    namespace = {"_new": object.__new__, "_cls": cls}
    exec(source, namespace)  # noqa: S102 - field names only, as dataclasses itself does
    restore = namespace[name]
    restore.__module__, restore.__qualname__ = cls.__module__, name
    setattr(sys.modules[cls.__module__], name, restore)  # where pickle looks it up
    values = attrgetter(*names)
    cls.__reduce__ = lambda self: (restore, values(self))
    return cls


class SharingUnpickler(pickle.Unpickler):
    """Unpickles equal Decimals (by their exact text: 1.0 and 1.00 stay apart) as one object across everything
    loaded with the same `shared` dict. Each input file is pickled on its own, so without it a million rows held
    some 900,000 copies of a few hundred amounts, areas and rates (about 90 MB)."""

    LIMIT = 100_000  # distinct values kept for sharing (amounts all different would otherwise grow the dict)

    def __init__(self, file, shared: dict[str, Decimal]):
        super().__init__(file)
        # not a bound method: the unpickler would hold itself (and its file: every byte of the pickle) in a cycle,
        # and stages run with the cyclic collector off
        self._decimal = functools.partial(_shared_decimal, shared)

    def find_class(self, module: str, name: str):
        if module == "decimal" and name == "Decimal":
            return self._decimal
        return super().find_class(module, name)


def _shared_decimal(shared: dict[str, Decimal], text: str = "0") -> Decimal:
    value = shared.get(text)
    if value is None:
        value = Decimal(text)
        if len(shared) < SharingUnpickler.LIMIT:
            shared[text] = value
    return value
