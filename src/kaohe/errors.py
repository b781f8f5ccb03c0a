"""The few exceptions kaohe raises: only for runs that cannot be made at all."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kaohe.words import Translator


class KaoheError(Exception):
    """Base class: an assessment that cannot be made; cli.py turns it into exit status 1.

    Raised with a key of the words catalogue (and its parameters), the message reads in the user's language;
    raised with a plain message, that message.
    """

    def __init__(self, message: str = "", *, key: str | None = None, **params: object) -> None:
        self.key = key
        self.params = params
        if key is not None and not message:
            from kaohe.words import Translator

            message = Translator("en")(key, **params)
        super().__init__(message)

    def text(self, tr: Translator) -> str:
        """The message in the translator's language."""
        return tr(self.key, **self.params) if self.key is not None else str(self)


class TargetsError(KaoheError):
    """The targets file is missing, not YAML, or does not describe an assessment."""


class RosterError(KaoheError):
    """The roster file cannot be read or names no street."""


class InputError(KaoheError):
    """A submissions path does not exist or is not a folder or workbook."""


class UnreadableFile(KaoheError):
    """One workbook cannot be opened; the reader turns this into an unreadable-file issue."""

    def __init__(self, reason: str, detail: str = "", **params: object) -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
        self.params = params  # what the message names: the sheet and its size (too-large), what was found …
