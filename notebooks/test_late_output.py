"""Tests of late_output.Barrier on the message orders the kernel can produce."""

import unittest

from late_output import SENTINEL, Barrier, as_output

CELL, BARRIER = "cell-1", "barrier-1"


def stream(parent, text, name="stdout"):
    return {"msg_type": "stream", "parent_header": {"msg_id": parent}, "content": {"name": name, "text": text}}


def idle(parent):
    return {"msg_type": "status", "parent_header": {"msg_id": parent}, "content": {"execution_state": "idle"}}


def status(parent, state):
    return {"msg_type": "status", "parent_header": {"msg_id": parent}, "content": {"execution_state": state}}


def run(messages):
    barrier = Barrier(CELL, BARRIER)
    done_at = None
    for i, m in enumerate(messages):
        if barrier.feed(m) and done_at is None:
            done_at = i
    return barrier, done_at


class BarrierTest(unittest.TestCase):
    def test_nothing_late(self):
        b, done = run([status(BARRIER, "busy"), stream(BARRIER, SENTINEL + "\n"), idle(BARRIER)])
        self.assertEqual(done, 2)
        self.assertEqual(b.late, [])

    def test_late_lines_stamped_with_either_request_are_the_cells(self):
        b, done = run([stream(CELL, "step 32\n"), status(BARRIER, "busy"), stream(BARRIER, "step 40\n"),
                       stream(BARRIER, SENTINEL + "\n"), idle(BARRIER)])
        self.assertEqual(done, 4)
        self.assertEqual([m["content"]["text"] for m in b.late], ["step 32\n", "step 40\n"])
        self.assertTrue(all(m["parent_header"]["msg_id"] == CELL for m in b.late))

    def test_the_barrier_waits_for_its_line_even_after_its_idle(self):
        # The same race, on the barrier itself: its idle before its line.
        b, done = run([idle(BARRIER), stream(BARRIER, "late\n"), stream(BARRIER, SENTINEL + "\n")])
        self.assertEqual(done, 2)
        self.assertEqual([m["content"]["text"] for m in b.late], ["late\n"])

    def test_not_done_without_the_sentinel(self):
        b, done = run([stream(BARRIER, "late\n"), idle(BARRIER)])
        self.assertIsNone(done)
        self.assertIn("sentinel line not seen", b.timeout_message())

    def test_other_requests_and_status_are_ignored(self):
        b, done = run([stream("other", "noise\n"), status(CELL, "busy"), stream(BARRIER, SENTINEL + "\n"),
                       idle(BARRIER)])
        self.assertEqual(done, 3)
        self.assertEqual(b.late, [])

    def test_a_late_display_becomes_a_display_output(self):
        msg = {"msg_type": "display_data", "parent_header": {"msg_id": BARRIER},
               "content": {"data": {"image/svg+xml": "<svg/>"}, "metadata": {}}}
        b, _ = run([msg, stream(BARRIER, SENTINEL + "\n"), idle(BARRIER)])
        self.assertEqual(as_output(b.late[0]), {"output_type": "display_data", "data": {"image/svg+xml": "<svg/>"},
                                                "metadata": {}})

    def test_stream_output_form(self):
        self.assertEqual(as_output(stream(CELL, "x\n", "stderr")), {"output_type": "stream", "name": "stderr",
                                                                    "text": "x\n"})


if __name__ == "__main__":
    unittest.main()
