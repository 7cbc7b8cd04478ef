"""Replay stores: the bounded in-memory one, the Redis adapter, and a failing store."""

from __future__ import annotations

import threading
import unittest

import xaa_token
from xaa_token import MemoryReplayStore, RedisReplayStore, ReplayStoreFull

import suite_data


class Memory(unittest.TestCase):
    def test_a_key_is_new_once_while_live(self):
        s = MemoryReplayStore()
        self.assertTrue(s.insert("k", 100, 50))
        self.assertFalse(s.insert("k", 100, 60))
        self.assertFalse(s.insert("k", 100, 100))  # still live at its expiry second
        self.assertTrue(s.insert("k", 200, 101))  # expired: new again

    def test_bound_refuses_rather_than_forgets_a_live_key(self):
        s = MemoryReplayStore(max_entries=2)
        self.assertTrue(s.insert("a", 100, 0))
        self.assertTrue(s.insert("b", 200, 0))
        with self.assertRaises(ReplayStoreFull):
            s.insert("c", 300, 0)
        self.assertFalse(s.insert("a", 100, 0))  # nothing was forgotten
        self.assertEqual(len(s), 2)

    def test_bound_makes_room_from_expired_keys(self):
        s = MemoryReplayStore(max_entries=2)
        s.insert("a", 100, 0)
        s.insert("b", 200, 0)
        self.assertTrue(s.insert("c", 300, 150))  # "a" expired at 100
        self.assertEqual(len(s), 2)
        self.assertFalse(s.insert("b", 200, 150))

    def test_concurrent_inserts_of_one_key_admit_one(self):
        s = MemoryReplayStore()
        wins = []
        barrier = threading.Barrier(8)

        def go():
            barrier.wait()
            wins.append(s.insert("same", 100, 0))

        threads = [threading.Thread(target=go) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(sorted(wins), [False] * 7 + [True])

    def test_max_entries_must_be_positive(self):
        with self.assertRaises(ValueError):
            MemoryReplayStore(max_entries=0)


class FakeRedis:
    """`SET name value NX EXAT t` semantics, for the adapter's contract."""

    def __init__(self):
        self.calls = []
        self.data = {}

    def set(self, name, value, nx=False, exat=None):
        self.calls.append((name, value, nx, exat))
        if nx and name in self.data:
            return None
        self.data[name] = (value, exat)
        return True


class Redis(unittest.TestCase):
    def test_set_nx_exat(self):
        r = FakeRedis()
        s = RedisReplayStore(r)
        self.assertTrue(s.insert("iss jti", 1000, 10))
        self.assertFalse(s.insert("iss jti", 1000, 20))
        self.assertEqual(r.calls[0], ("xaa:jti:iss jti", "1", True, 1000))

    def test_expiry_in_the_past_is_kept_a_second(self):
        r = FakeRedis()
        RedisReplayStore(r, prefix="p:").insert("k", 5, 10)
        self.assertEqual(r.calls[0], ("p:k", "1", True, 11))


class Broken:
    def insert(self, key, expires_at, now):
        raise ConnectionError("down")


class ThroughTheComponent(unittest.TestCase):
    def validator(self, store):
        return xaa_token.Validator.from_config_file(
            suite_data.config_path("validator"), backend="wasmtime", now=suite_data.now(),
            replay_store=store)

    def test_a_failing_store_fails_closed(self):
        s = suite_data.case("baseline-id-jag-valid")["steps"][0]["input"]
        v = self.validator(Broken())
        r = v.validate_id_jag(s["token"], s["client_id"])
        self.assertEqual(r.code, "replay_store_unavailable")
        self.assertEqual(r.http_status, 503)

    def test_a_custom_store_sees_the_jti(self):
        s = suite_data.case("baseline-id-jag-valid")["steps"][0]["input"]
        r = FakeRedis()
        v = self.validator(RedisReplayStore(r))
        self.assertTrue(v.validate_id_jag(s["token"], s["client_id"]).valid)
        self.assertEqual(v.validate_id_jag(s["token"], s["client_id"]).code, "replayed")
        self.assertEqual(len(r.data), 1)

    def test_a_full_store_fails_closed(self):
        steps = [suite_data.case(c)["steps"][0]["input"]
                 for c in ("baseline-id-jag-valid", "baseline-id-jag-single-use")]
        v = self.validator(MemoryReplayStore(max_entries=1))
        self.assertTrue(v.validate_id_jag(steps[0]["token"], steps[0]["client_id"]).valid)
        self.assertEqual(v.validate_id_jag(steps[1]["token"], steps[1]["client_id"]).code,
                         "replay_store_unavailable")

    def test_native_backend_refuses_a_custom_store(self):
        with self.assertRaises(ValueError):
            xaa_token.Validator.from_config_file(suite_data.config_path("validator"),
                                                 backend="native", replay_store=Broken())


if __name__ == "__main__":
    unittest.main()
