"""groups/<groupId>.json: what the driver knows of a group.

The host's database is the source of truth for membership; this record lets an operator (and the
driver) see which volume files belong together, and where a cloned group came from.
"""
import datetime
import json

import atomic_file


def read_group_record(path: str):
    """Reads a group record: a dict with id, members, departed and maybe source; None when there is none."""
    try:
        with open(path, "r", encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        return None


def write_group_record(path: str, group_id: str, members, departed, source=None) -> None:
    """Writes a group record atomically, stamping the time."""
    record = {"format": 1, "id": group_id, "members": list(members), "departed": list(departed)}
    if source is not None:
        record["source"] = source
    record["updatedAt"] = datetime.datetime.now(datetime.timezone.utc).isoformat()
    atomic_file.write_file_atomic(path, (json.dumps(record, indent=2) + "\n").encode("utf-8"))
