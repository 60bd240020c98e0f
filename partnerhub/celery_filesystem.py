"""A safer filesystem broker for the embedded default (`make run`, no Redis).

kombu's filesystem transport writes a message file in place and reads it without a
lock, so a worker can pick up a file that is still empty — a publisher interrupted by
Ctrl-C leaves such a file behind too — and the worker dies on it, taking `make run`
down with it. This transport writes each message under a temporary name and renames it
into place (atomic on one filesystem), and a reader that still finds an unreadable
message (left by an older run) logs it and skips it instead of crashing.
"""

from __future__ import annotations

import logging
import os
import uuid
from time import monotonic
from typing import Any

from kombu.transport import filesystem
from kombu.transport.virtual import base as virtual
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

logger = logging.getLogger(__name__)

PART_SUFFIX = ".part"  # "<stamp>_<id>.<queue>.msg.part" never matches "<queue>.msg"


class Channel(filesystem.Channel):
    def _put(self, queue: str, payload: Any, **kwargs: Any) -> None:
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = final + PART_SUFFIX
        with open(partial, "wb") as handle:
            handle.write(str_to_bytes(dumps(payload)))
        os.replace(partial, final)

    def _get(self, queue: str) -> Any:
        try:
            return super()._get(queue)
        except ValueError:
            # An empty or truncated file from an interrupted writer: the message never
            # was complete, so there is nothing to deliver. The next poll goes on.
            logger.warning("skipped an unreadable message file in queue %s", queue)
            raise virtual.Empty() from None


class Transport(filesystem.Transport):
    Channel = Channel
