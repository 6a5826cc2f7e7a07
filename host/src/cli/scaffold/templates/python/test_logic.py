"""Unit tests of the plugin's logic: `python3 -m unittest` (or ./test.sh)."""

import unittest

from logic import describe


class DescribeTest(unittest.TestCase):
    def test_names_the_owner(self):
        d = {"kind": "Component", "metadata": {"name": "payments"}, "spec": {"owner": "team-a"}}
        self.assertEqual(describe(d), "payments is owned by team-a")

    def test_says_when_there_is_no_owner(self):
        self.assertEqual(describe({"metadata": {"name": "ledger"}}), "ledger has no owner yet")


if __name__ == "__main__":
    unittest.main()
