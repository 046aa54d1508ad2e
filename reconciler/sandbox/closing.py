"""`with org:` closes the org's database at the end, for one org and for several alike."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Self


class Closing:
    close: Callable[[], None]  # each subclass's own

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
