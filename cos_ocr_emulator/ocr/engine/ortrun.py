"""ONNX Runtime runs that stop at a deadline: the time limit of one PP-OCR `recognize` call.

Why: a PP-OCR reading is several session runs (detection, classification, recognition batches), each
up to a second or more on a big page, and neither RapidOCR nor ONNX Runtime has a timeout. ONNX
Runtime does have a `terminate` flag on `RunOptions`, checked between operators: a `Run` shares one
`RunOptions` among all the sessions of a call and a timer sets the flag at the deadline, so a run in
progress fails within tens of milliseconds; `check()` stops the call between runs. The session is
reusable afterwards (the flag belongs to the options, not to the session).
"""

from __future__ import annotations

import threading
import time

import numpy as np
import onnxruntime

from cos_ocr_emulator.ocr.engine.base import EngineTimeout


class Run:
    """The time limit of one `recognize` call: a deadline for the checks between steps, and the
    `RunOptions` every ONNX Runtime run of the call uses, terminated at the deadline by a timer."""

    def __init__(self, timeout: float | None) -> None:
        self.deadline = None if timeout is None else time.monotonic() + timeout
        self.options = onnxruntime.RunOptions()
        self.reason = ""
        self._timer = None if timeout is None else threading.Timer(max(0.0, timeout), self.stop, ("timeout",))
        if self._timer is not None:
            self._timer.daemon = True
            self._timer.start()

    def stop(self, reason: str) -> None:
        self.reason = self.reason or reason
        self.options.terminate = True

    def left(self) -> float | None:
        return None if self.deadline is None else self.deadline - time.monotonic()

    def check(self) -> None:
        """Raise EngineTimeout once the deadline has passed (or the engine was closed)."""
        left = self.left()
        if left is not None and left <= 0:
            self.stop("timeout")
        if self.reason:
            raise EngineTimeout(f"PP-OCR stopped ({self.reason})")

    def end(self) -> None:
        if self._timer is not None:
            self._timer.cancel()


class Session:
    """An ONNX Runtime session called with the current `Run`'s options (RapidOCR's own wrapper
    passes none, so its runs could not be stopped)."""

    def __init__(self, session: onnxruntime.InferenceSession) -> None:
        self.session = session
        self.input = session.get_inputs()[0].name
        self.outputs = [output.name for output in session.get_outputs()]
        self.run: Run | None = None

    def __call__(self, inputs: np.ndarray) -> list[np.ndarray]:
        options = self.run.options if self.run is not None else None
        outputs: list[np.ndarray] = self.session.run(self.outputs, {self.input: inputs}, options)
        return outputs
