"""The package's exceptions."""

from __future__ import annotations

from typing import Iterable

__all__ = ["ConfigError"]


class ConfigError(ValueError):
    """A configuration was refused: by the file reader (syntax) or by the component (values).

    `errors` lists every refusal as `path: message`; the message joins them all."""

    def __init__(self, errors: Iterable[str]):
        self.errors: tuple[str, ...] = tuple(errors)
        super().__init__("; ".join(self.errors) if self.errors else "configuration refused")
