"""test_desk_names.py -- ledgers as clerks write them, through `massline-agent import`: a person
given by name (unique in the roster) is the same event as by code; an ambiguous name is a bad row
naming the candidates; a recorded row changed in the spreadsheet is refused, naming the event it
resembles, until the row says 更正编号 or 新增."""
import os
import re
import sys
import unittest

import deskharness as dh

U = None
HEADER = "编号,日期,人员编号,接访方式,公布日期,备注,更正编号\r\n"


def setUpModule():
    global U
    U = dh.Unit(web=False)


def tearDownModule():
    if U:
        U.stop()


def ledger(name, rows):
    folder = os.path.join(U.dir, "files-%d" % len(os.listdir(U.dir)))
    os.makedirs(folder)
    path = os.path.join(folder, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(HEADER + "".join(r + "\r\n" for r in rows))
    return path


class Names(unittest.TestCase):
    def refs(self, path):
        return re.findall(r"\t(\S+)\t", U.agent("refs", path).stdout)

    def test_name_or_code_is_the_same_event(self):
        by_code = ledger("接访台账.csv", [",2025-10-06,P001,定点接访,2025-10-01,,"])
        by_name = ledger("接访台账.csv", [",2025-10-06,周建华,定点接访,2025-10-01,,"])
        self.assertEqual(self.refs(by_code), self.refs(by_name))
        before = U.pending()
        U.agent("import", by_name)
        r = U.agent("import", by_code)
        self.assertIn("0 events recorded, 1 already recorded", r.stdout)
        self.assertEqual(U.pending(), before + 1)

    def test_ambiguous_name_lists_the_candidates(self):
        U.agent("record", "person", "person=P901", "name=沈立新", "org=B03",
                'roles=[{"role": "party_member", "from": "2025-01-01"}]')
        path = ledger("接访台账.csv", [",2025-10-07,沈立新,定点接访,2025-10-01,,"])
        before = U.pending()
        r = U.agent("import", path, check=False)
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, r"接访台账.csv:2: field '人员编号': '沈立新' is the name of 2 persons "
                                   r"of the roster \(P002, P901\)")
        self.assertEqual(U.pending(), before)

    def test_unknown_name_is_an_unknown_person(self):
        path = ledger("接访台账.csv", [",2025-10-08,无此人,定点接访,2025-10-01,,"])
        r = U.agent("import", path, check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("field '人员编号'", r.stderr)


class Resemblance(unittest.TestCase):
    def test_changed_row_is_refused_until_marked(self):
        first = ledger("接访台账.csv", [",2025-11-03,P003,定点接访,2025-11-01,,"])
        U.agent("import", first)
        ref = re.findall(r"\t(~\S+)\t", U.agent("refs", first).stdout)[0]
        before = U.pending()
        # the clerk changes 接访方式 of the recorded row and imports the sheet again
        changed = ledger("接访台账.csv", [",2025-11-03,P003,公开接访,2025-11-01,,"])
        r = U.agent("import", changed, check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("接访台账.csv:2: resembles the recorded event %s (same person, date and kind)" % ref,
                      r.stderr)
        self.assertIn("write %s in '更正编号'" % ref, r.stderr)
        self.assertEqual(U.pending(), before)
        # only the note changed: the same event, skipped, nothing refused
        noted = ledger("接访台账.csv", [",2025-11-03,P003,定点接访,2025-11-01,补记,"])
        self.assertIn("0 events recorded, 1 already recorded", U.agent("import", noted).stdout)
        # a correction of it
        corrected = ledger("接访台账.csv", [",2025-11-03,P003,公开接访,2025-11-01,,%s" % ref])
        self.assertIn("1 events recorded", U.agent("import", corrected).stdout)
        # or another event indeed
        new = ledger("接访台账.csv", ["新增,2025-11-03,P003,专题接访,2025-11-01,,"])
        self.assertIn("1 events recorded", U.agent("import", new).stdout)
        self.assertIn("0 events recorded, 1 already recorded", U.agent("import", new).stdout)
        self.assertEqual(U.pending(), before + 2)


if __name__ == "__main__":
    sys.exit(0 if unittest.main(exit=False, verbosity=2).result.wasSuccessful() else 1)
