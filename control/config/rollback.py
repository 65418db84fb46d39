"""Undoing one `configure terminal` line that failed halfway, at the cost of what the line touched.

A line may change several objects before a later token is refused (`police cir 64000 conform-action
set-frde-transmit` has replaced the class's policer when the action is read). IOS leaves no such
half-applied change, and neither may we. Copying the whole configuration before every line made
that sure, but cost ~34 ms a line on a 2,000-line configuration: a pasted configuration took a
minute, and the cost grew with every line.

A Checkpoint copies, before the line, only what the line can reach:
- the objects of the open modes (the stack): the line edits them in place;
- every object the line takes out of one of the configuration's dicts (access lists, class-maps,
  policy-maps, ...): during the line each dict is a `_Recorder`, which copies an object the first
  time it is handed out, whatever the handler then does with it;
- the configuration's other fields (a dataclass such as dynamic-author, tuples, scalars); `layout`
  holds only immutable entries ((kind, name) pairs whose names are strings, numbers or frozen
  Unmodeled blocks), so a copy of the list is a copy of it.
All copies share one deepcopy memo, so an object reached both ways (the policy-map on the stack and
in `policy_maps`) has one copy, and the restored stack edits the restored configuration.

An object the line never took out cannot have been changed by it: handlers reach the configuration
only through the stack and these fields (modes/context.py). Immutable values (qfp.tables' frozen
ACEs, AclEntry, Unmodeled) are their own copies, so an ACL's copy is a list copy.
"""
from __future__ import annotations

import copy

from . import model as M

_MISSING = object()


class _Recorder(dict):
    """One of the configuration's dicts during a line: every value it hands out is saved first."""

    __slots__ = ("_save",)

    def __init__(self, data: dict, save):
        super().__init__(data)
        self._save = save

    def __getitem__(self, key):
        return self._save(super().__getitem__(key))

    def get(self, key, default=None):
        value = super().get(key, _MISSING)
        return default if value is _MISSING else self._save(value)

    def values(self):
        return [self._save(v) for v in super().values()]

    def items(self):
        return [(k, self._save(v)) for k, v in super().items()]

    def pop(self, key, *default):
        value = super().pop(key, _MISSING)
        if value is _MISSING:
            if default:
                return default[0]
            raise KeyError(key)
        return self._save(value)

    def setdefault(self, key, default=None):
        if key in self:
            return self[key]
        return super().setdefault(key, default)

    def popitem(self):
        key, value = super().popitem()
        return key, self._save(value)

    def copy(self):
        return {k: self._save(v) for k, v in super().items()}

    def __reduce__(self):   # never pickled or deep-copied as a recorder
        return dict, (dict(super().items()),)


class Checkpoint:
    """The state before one line: `restore()` puts it back, `commit()` keeps what the line did.
    One of the two must be called, to give the configuration back its plain dicts."""

    def __init__(self, config: M.RunningConfig, stack: list, changes, extra: dict):
        self._config = config
        self._memo: dict = {}
        self._before: dict = {}
        self._dicts: list[str] = []
        for name, value in list(vars(config).items()):
            if type(value) is dict:
                self._before[name] = value            # untouched: the line edits the recorder
                self._dicts.append(name)
                setattr(config, name, _Recorder(value, self._save))
            elif name == "layout":
                self._before[name] = list(value)
            else:
                self._before[name] = copy.deepcopy(value, self._memo)
        self.stack = copy.deepcopy(stack, self._memo)
        self.changes = copy.copy(changes)
        for name, value in vars(changes).items():
            if isinstance(value, (set, dict)):
                setattr(self.changes, name, copy.copy(value))   # their values are never edited
        self.extra = {k: copy.copy(v) for k, v in extra.items()}

    def _save(self, obj):
        copy.deepcopy(obj, self._memo)
        return obj

    def commit(self) -> None:
        for name in self._dicts:
            setattr(self._config, name, dict(getattr(self._config, name)))

    def restore(self) -> None:
        """The configuration as it was (the same RunningConfig object, which the device holds):
        each dict as it was, with the copies of the objects the line took out of it."""
        memo = self._memo
        for name, value in self._before.items():
            if name in self._dicts:
                value = {k: memo.get(id(v), v) for k, v in value.items()}
            setattr(self._config, name, value)
