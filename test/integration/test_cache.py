"""The response cache (issue 14): after a change of the database, no worker thread
serves an old answer, whatever changed it (SPEC §16: a change shows at once)."""

import concurrent.futures
import json
import sqlite3
import unittest

import harness
from common import AC_PATH, q

JSON = "application/json"
ADDRESS = "jane@cache.example"
THREADS = 16


def seed(provider):
    return {"version": 2, "provider": provider, "domains": [{"name": "cache.example"}],
            "servers": [{"type": "imap", "name": "imap.cache.example"},
                        {"type": "smtp", "name": "smtp.cache.example"}]}


class CacheTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.st = harness.session().stack("cache", threads=THREADS)

    def answers(self, rounds=6):
        """The bodies of many concurrent requests: enough to reach every worker thread."""
        def one(_):
            r = self.st.get(AC_PATH + q(emailaddress=ADDRESS))
            self.assertEqual(r.status, 200, r)
            return r.text
        with concurrent.futures.ThreadPoolExecutor(THREADS) as pool:
            return list(pool.map(one, range(THREADS * rounds)))

    def load(self, provider):
        self.assertEqual(self.st.request("DELETE", "/initdb/").status, 200)
        r = self.st.post("/initdb/", json.dumps(seed(provider)), JSON)
        self.assertEqual(r.status, 200, r)

    def test_initdb_delete_and_post_show_at_once_in_every_thread(self):
        self.load("First Provider")
        for text in self.answers():
            self.assertIn("First Provider", text)
        self.load("Second Provider")
        for text in self.answers():
            self.assertIn("Second Provider", text)
            self.assertNotIn("First Provider", text)

    def test_a_write_by_another_process_shows_at_once(self):
        self.load("Before Provider")
        self.assertTrue(all("Before Provider" in t for t in self.answers()))
        sql = "UPDATE provider SET name = 'After Provider' WHERE name = 'Before Provider'"
        if self.st.dialect == "sqlite":
            con = sqlite3.connect(self.st.db_path, timeout=10)
            con.execute(sql)
            con.commit()
            con.close()
        else:
            self.st.session.db_server.execute_script(self.st.db_name, sql + ";\n")
        for text in self.answers():
            self.assertIn("After Provider", text)


if __name__ == "__main__":
    unittest.main()
