"""How a rule says no: a reason in plain words, or a reason for each wrong field."""

from __future__ import annotations


class Refused(Exception):
    """The action is not allowed; str() is the sentence staff read."""


class FieldsInvalid(Refused):
    """One or more fields are wrong; `errors` maps each field to its reason."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(errors.values()))
