"""A cell's late output from the Rust kernel, caught by a barrier.

evcxr_jupyter 0.22 forwards a cell's standard output to Jupyter from a
thread of its own, line by line, and announces "idle" from another path with
only a 1-ms sleep in between (its core.rs: "Increase the odds that stdout
will have been finished being sent"). On a busy machine a cell's last lines
can reach the client after "idle". A client that stops at "idle", as nbval
and nbclient do, then loses them, and an unrelated later cell may receive
them: the test would pass or fail by chance.

So after each cell, a harness runs a barrier: one more execution that prints
a sentinel line. The kernel forwards standard output in order, on one thread,
so once the sentinel line has arrived every line the cell printed has
arrived too. A line that comes after the cell's "idle" and before the
sentinel is the cell's, whichever request it is stamped with (evcxr stamps a
late line with the newest request, which by then is the barrier's). The wait
is for that condition, with a deadline, never for a fixed time.

Used by notebooks/conftest.py (nbval, the test) and
scripts/update-notebooks.py (nbclient, which writes the committed outputs).
"""

SENTINEL = "lenet-notebook-barrier-3f9a7c"
BARRIER_CODE = f'println!("{SENTINEL}");'
# The barrier compiles one line; this bounds a kernel that never answers.
BARRIER_TIMEOUT_S = 300
# What a late message of a cell can be: a line of text, or a display that
# evcxr builds from standard output (EVCXR_BEGIN_CONTENT … EVCXR_END_CONTENT).
LATE_TYPES = ("stream", "display_data")


class Barrier:
    """Sorts the iopub messages that follow a cell's "idle" until the
    barrier is through: `feed` each message; it returns True when the
    sentinel line and the barrier's own "idle" have both arrived. `late`
    then holds the cell's late messages, in order, stamped with the cell's
    request id."""

    def __init__(self, cell_id, barrier_id):
        self.cell_id, self.barrier_id = cell_id, barrier_id
        self.late = []
        self.sentinel_seen = False
        self.barrier_idle = False

    def feed(self, msg):
        parent = msg.get("parent_header", {}).get("msg_id")
        kind = msg["msg_type"]
        if parent == self.barrier_id and kind == "status" and msg["content"]["execution_state"] == "idle":
            self.barrier_idle = True
        elif parent in (self.cell_id, self.barrier_id) and kind in LATE_TYPES and not self.sentinel_seen:
            if kind == "stream" and SENTINEL in msg["content"]["text"]:
                self.sentinel_seen = True
                rest = msg["content"]["text"].replace(SENTINEL + "\n", "").replace(SENTINEL, "")
                if not rest:
                    return self.done()
                msg["content"]["text"] = rest
            msg["parent_header"]["msg_id"] = self.cell_id
            self.late.append(msg)
        return self.done()

    def done(self):
        return self.sentinel_seen and self.barrier_idle

    def timeout_message(self):
        return (f"the kernel did not finish the output barrier within {BARRIER_TIMEOUT_S} s "
                f"(sentinel line {'seen' if self.sentinel_seen else 'not seen'}, "
                f"idle {'seen' if self.barrier_idle else 'not seen'})")


def as_output(msg):
    """A late iopub message as a notebook output (nbformat's dict form)."""
    content = msg["content"]
    if msg["msg_type"] == "stream":
        return {"output_type": "stream", "name": content["name"], "text": content["text"]}
    return {"output_type": "display_data", "data": content["data"], "metadata": content.get("metadata", {})}
