"""Idempotency: the operation ledger.

The host sends the same operation id on every retry of an uncertain call and after its own restart,
and expects a repeated id to do nothing twice and to answer as the first call did. The ledger keeps
the answer of each completed operation in operations/<operationId>.json, written atomically after
the work; a repeat reads it back instead of touching files again.

What it does not cover, by design: a crash after the work but before the entry is written. The
retry then redoes the work, which every operation tolerates because each one converges (copies
replace their target atomically, deletes treat "already gone" as done). Failed calls are not
recorded either: a retry of a failure runs again, so a cancelled copy is redone, not replayed.
Entries are never expired here; a production driver would drop them after the host's retry horizon.
"""
import datetime
import hashlib
import json
import threading
from typing import Any, Callable, NamedTuple

import atomic_file
from driver_errors import FileDriverError


class Outcome(NamedTuple):
    """The answer of a ledgered operation, and whether it came from the ledger (an earlier call did the work)."""

    answer: Any
    replayed: bool


def fingerprint_of(subject) -> str:
    """A digest of what a request is about (its kind and ids), stable across retries of that request."""
    return hashlib.sha256(json.dumps(subject, separators=(",", ":"), ensure_ascii=False).encode("utf-8")).hexdigest()


class OperationLedger:
    """The operation ledger of one data directory."""

    def __init__(self, layout):
        self._layout = layout
        # A retry can arrive while the first attempt still runs (the host stopped waiting for it):
        # the retry waits for that attempt rather than copying the same files concurrently.
        self._changed = threading.Condition()
        self._in_flight = set()

    def once(self, operation_id: str, kind: str, fingerprint: str, work: Callable[[], Any]) -> Outcome:
        """Runs `work` once per operation id; a repeat returns the stored answer without running it."""
        path = self._layout.operation_record(operation_id)
        with self._changed:
            self._changed.wait_for(lambda: operation_id not in self._in_flight)
            self._in_flight.add(operation_id)
        try:
            return self._replay_or_run(path, operation_id, kind, fingerprint, work)
        finally:
            with self._changed:
                self._in_flight.discard(operation_id)
                self._changed.notify_all()

    def _replay_or_run(self, path: str, operation_id: str, kind: str, fingerprint: str, work) -> Outcome:
        stored = _read_entry(path)
        if stored is not None:
            if stored.get("kind") != kind or stored.get("fingerprint") != fingerprint:
                raise FileDriverError(
                    "FAILED_PRECONDITION",
                    f"operation id {operation_id} was already used for another request ({stored.get('kind')} at "
                    f"{stored.get('completedAt')}); use a new operation id for a new request",
                )
            return Outcome(stored["answer"], True)
        # Round-tripping through JSON makes the first answer identical to every replay of it.
        answer = json.loads(json.dumps(work()))
        entry = {
            "format": 1,
            "operationId": operation_id,
            "kind": kind,
            "fingerprint": fingerprint,
            "completedAt": datetime.datetime.now(datetime.timezone.utc).isoformat(),
            "answer": answer,
        }
        atomic_file.write_file_atomic(path, (json.dumps(entry, indent=2) + "\n").encode("utf-8"))
        return Outcome(answer, False)


def _read_entry(path: str):
    try:
        with open(path, "r", encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        return None
    try:
        return json.loads(text)
    except ValueError as error:
        # Atomic writes make this a sign of outside tampering, not of a crash; say which file.
        raise RuntimeError(f"operation ledger entry {path} is not valid JSON; move it away to let the operation run again") from error
