"""Messages between the trusted parent and the process that runs a submission.

A message is a length (8 bytes, big-endian), the run's token (16 bytes, chosen by the parent
for each run: bytes that do not start with it are not from the checker's side of the child)
and a ``torch.save`` payload of plain data: tensors, numbers, strings, None, lists and dicts.
The parent reads with a deadline and a cap on the bytes, so a child that trickles bytes,
floods or never writes cannot hold it, and loads with ``weights_only=True``, which rebuilds
plain tensors and containers and nothing else.
"""

import io
import os
import select
import time
from dataclasses import dataclass, field

import torch

HEADER = 8
TOKEN = 16
NO_TOKEN = bytes(TOKEN)  # check() in a notebook: the child is the student's own kernel


def encode(message, token: bytes = NO_TOKEN) -> bytes:
    buffer = io.BytesIO()
    torch.save(message, buffer)
    payload = token + buffer.getvalue()
    return len(payload).to_bytes(HEADER, "big") + payload


def send(fd: int, message, token: bytes = NO_TOKEN) -> None:
    """Write one message to the file descriptor ``fd`` (the child's side)."""
    view = memoryview(encode(message, token))
    while view:
        view = view[os.write(fd, view):]


def decode(payload: bytes):
    """A message back from its payload, or ValueError if it is not one."""
    try:
        return torch.load(io.BytesIO(payload), weights_only=True)
    except Exception as error:  # anything the bytes do to the unpickler: not a message
        raise ValueError(f"not a message: {type(error).__name__}") from None


@dataclass
class Inbox:
    """What the parent read from one child: the messages, and why reading stopped
    ('eof', 'deadline', 'too_much' or 'garbled')."""

    messages: list = field(default_factory=list)
    ended: str = "eof"
    token: bytes = NO_TOKEN
    _buffer: bytearray = field(default_factory=bytearray)
    _total: int = 0

    def feed(self, data: bytes, cap: int) -> bool:
        """Take bytes just read; False once the child has sent more than ``cap`` bytes or
        something that is not a message."""
        self._total += len(data)
        if self._total > cap:
            self.ended = "too_much"
            return False
        self._buffer += data
        while len(self._buffer) >= HEADER:
            size = int.from_bytes(self._buffer[:HEADER], "big")
            if len(self._buffer) < HEADER + size:
                break
            payload = bytes(self._buffer[HEADER:HEADER + size])
            del self._buffer[:HEADER + size]
            if payload[:TOKEN] != self.token:
                self.ended = "garbled"
                return False
            try:
                self.messages.append(decode(payload[TOKEN:]))
            except ValueError:
                self.ended = "garbled"
                return False
        return True


def read(fd: int, deadline: float, cap: int, until=None) -> Inbox:
    """Read messages from ``fd`` until end of file, ``deadline`` (time.monotonic), ``cap``
    bytes in all, or ``until(inbox)`` says enough."""
    inbox = Inbox()
    os.set_blocking(fd, False)
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            inbox.ended = "deadline"
            return inbox
        ready, _, _ = select.select([fd], [], [], min(left, 0.5))
        if not ready:
            continue
        try:
            data = os.read(fd, 1 << 16)
        except BlockingIOError:
            continue
        if not data:
            return inbox
        if not inbox.feed(data, cap) or (until is not None and until(inbox)):
            return inbox
