"""Progress reporting for long calls (``minimize(progress=True)``, ``glens.collect``, the COCO/IOH
benchmark runs): a tqdm bar on a terminal, log records elsewhere.

On a terminal (stderr is a TTY) the bar is tqdm's, with the best value so far as its postfix. When
stderr is not a terminal (redirected to a file, a pipe, CI) tqdm draws nothing (``disable=None``)
and the progress goes to the ``scoreopt.progress`` logger instead: an INFO record at most every
``log_every`` seconds and one at the end, so a long run still leaves a trace in a log once logging
is configured (``logging.basicConfig(level=logging.INFO)``).
"""

from __future__ import annotations

import logging
import sys
import time
from typing import Optional, TextIO

from tqdm.auto import tqdm

logger = logging.getLogger("scoreopt.progress")


class Progress:
    """A bar over ``total`` units (evaluations, parameters) that ``update`` moves to ``done``."""

    def __init__(self, total: int, label: str, *, unit: str = "eval", initial: int = 0,
                 log_every: float = 10.0, file: Optional[TextIO] = None):
        self.total, self.unit, self.log_every = int(total), unit, float(log_every)
        self._label = label
        self.bar = tqdm(total=self.total, desc=label, unit=unit, initial=int(initial),
                        file=file if file is not None else sys.stderr, disable=None, mininterval=0.1,
                        dynamic_ncols=True, leave=True)
        self.tty = not self.bar.disable
        self.done = int(initial)
        self.note = ""
        self.t0 = self.last_log = time.monotonic()

    @property
    def label(self) -> str:
        return self._label

    @label.setter
    def label(self, text: str) -> None:
        self._label = text
        self.bar.set_description(text, refresh=False)

    def update(self, done: int, best: Optional[float] = None, force: bool = False,
               note: Optional[str] = None) -> None:
        """Move to ``done`` units; ``best``: the best value so far; ``note``: a free postfix."""
        done = int(done)
        if best is not None:
            self.note = f"best={best:.6g}"
        if note is not None:
            self.note = note
        if self.tty:
            self.bar.set_postfix_str(self.note, refresh=False)
            if done != self.bar.n:
                self.bar.update(done - self.bar.n)
            if force:
                self.bar.refresh()
        now = time.monotonic()
        if not self.tty and (force or now - self.last_log >= self.log_every) and done != self.done:
            self.last_log = now
            self._log(done, now)
        self.done = done

    def _log(self, done: int, now: float) -> None:
        pct = 100.0 * done / max(1, self.total)
        logger.info("%s: %d/%d %s (%.0f%%)%s, %.1f s", self._label.strip(), done, self.total, self.unit + "s",
                    pct, f", {self.note}" if self.note else "", now - self.t0)

    def close(self) -> None:
        if not self.tty:
            self._log(self.done, time.monotonic())
        self.bar.close()
