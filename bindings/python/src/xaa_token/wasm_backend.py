"""The `wasmtime` backend: the component run by wasmtime-py, its `host` imports in Python.

Process-wide: one Engine (epoch interruption, a ticker thread) and each .wasm compiled once.
Per backend object (one Validator): one Linker, the replay store, the JWKS fetcher, the key
registry of the accelerators, the lowered config record; and `instances` component instances,
each with its own Store, taken by one call at a time (see pool.py). A trap (the time budget,
the memory cap, a guest panic) replaces the instance and the call answers a refusal.
"""

from __future__ import annotations

import json
import os
import threading
import time
from typing import Any, Callable

from wasmtime import Config, Engine, Store, WasmtimeError
from wasmtime.component import Component, Linker, Record

from . import results
from .accelerators import KeyRegistry
from .errors import ConfigError
from .jwks_fetch import FetchError, JwksFetcher
from .pool import Pool
from .replay import MemoryReplayStore, ReplayStore
from .serde_bridge import BridgeError, Converter

__all__ = ["WasmBackend", "TIME_PER_CALL", "MEMORY_BYTES"]

#: The limits of every call, as the Rust host's defaults (host/src/runtime.rs).
TIME_PER_CALL = 1.0  # seconds
MEMORY_BYTES = 64 * 1024 * 1024
_TICK = 0.02  # seconds per epoch tick

_lock = threading.Lock()
_engine: Engine | None = None
_components: dict[str, tuple[Component, str]] = {}


def _ticker(engine: Engine) -> None:
    while True:
        time.sleep(_TICK)
        engine.increment_epoch()


def _shared_engine() -> Engine:
    global _engine
    with _lock:
        if _engine is None:
            config = Config()
            config.epoch_interruption = True
            _engine = Engine(config)
            threading.Thread(target=_ticker, args=(_engine,), name="xaa-epoch",
                             daemon=True).start()
        return _engine


def _component(wasm: str) -> tuple[Component, str]:
    """The compiled component at `wasm` and its WIT package version."""
    engine = _shared_engine()
    with _lock:
        if wasm not in _components:
            component = Component.from_file(engine, wasm)
            hosts = [n for n in component.type.imports(engine) if n.startswith("xaa:token/host@")]
            if len(hosts) != 1:
                raise RuntimeError(f"{wasm} does not import one xaa:token/host interface")
            _components[wasm] = (component, hosts[0].split("@", 1)[1])
        return _components[wasm]


_VALIDATE = ("validate-access-token", "validate-id-jag", "authorization-server-http",
             "identity-provider-http", "resource-server-http")


class _Instance:
    """One component instance: its store and its pre-bound export functions."""

    __slots__ = ("store", "instance", "funcs")

    def __init__(self, store: Store, instance: Any):
        self.store = store
        self.instance = instance
        self.funcs: dict[str, Any] = {}


class WasmBackend:
    name = "wasmtime"

    def __init__(self, config: dict[str, Any], *, wasm: str, now: int | None = None,
                 accelerators: bool = True, replay_store: ReplayStore | None = None,
                 fetcher: Callable[[str], tuple[int, str, int | None]] | None = None,
                 instances: int = 1, fetch: bool = True):
        if instances < 1:
            raise ValueError("instances must be at least 1")
        self._engine = _shared_engine()
        self.wasm = wasm
        self._component, self.version = _component(wasm)
        self._host = f"xaa:token/host@{self.version}"
        self._now = now
        self._replay = replay_store if replay_store is not None else MemoryReplayStore()
        self._fetch = (fetcher or JwksFetcher()) if fetch else None
        self._keys = KeyRegistry() if accelerators else None
        self._converter = Converter()
        self._signatures: dict[str, Any] = {}  # WIT name -> (param lowers, result lift)
        self._local = threading.local()  # `now`: the clock of the current thread's call
        self._linker = self._build_linker()
        self._config_json = config
        first = self._instantiate()
        lower, _ = self._signature(first, "validator.configure")
        try:
            self._config = lower[0](config)
        except BridgeError as e:
            raise ConfigError([f"config: {e}"]) from None
        self._configure(first)
        self._pool: Pool[_Instance] = Pool(
            [first] + [self._configured() for _ in range(instances - 1)], self._configured)

    # ---- instances -----------------------------------------------------------------------
    def _instantiate(self) -> _Instance:
        store = Store(self._engine)
        store.set_limits(memory_size=MEMORY_BYTES)
        store.set_epoch_deadline(int(TIME_PER_CALL / _TICK) + 1)
        return _Instance(store, self._linker.instantiate(store, self._component))

    def _configure(self, inst: _Instance) -> None:
        inst.store.set_epoch_deadline(int(TIME_PER_CALL / _TICK) + 1)
        res = self._func(inst, "validator.configure")(inst.store, self._config)
        if res is not None:
            raise ConfigError([f"{e.path}: {e.message}" if e.path else e.message for e in res])

    def _configured(self) -> _Instance:
        inst = self._instantiate()
        self._configure(inst)
        return inst

    def _func(self, inst: _Instance, name: str) -> Any:
        """The export `name` (`interface.function`) of `inst`, looked up once."""
        f = inst.funcs.get(name)
        if f is None:
            interface, _, function = name.partition(".")
            store = inst.store
            iface = inst.instance.get_export_index(store, f"xaa:token/{interface}@{self.version}")
            idx = None if iface is None else inst.instance.get_export_index(store, function, iface)
            if idx is None:
                raise ValueError(f"the component has no function {name!r}")
            f = inst.funcs[name] = inst.instance.get_func(store, idx)
        return f

    def _signature(self, inst: _Instance, name: str) -> Any:
        sig = self._signatures.get(name)
        if sig is None:
            fty = self._func(inst, name).type(inst.store)
            lowers = [self._converter.compile(t)[0] for _, t in fty.params]
            result = fty.result
            lift = (lambda v: None) if result is None else self._converter.compile(result)[1]
            sig = self._signatures[name] = (lowers, lift)
        return sig

    def _run(self, name: str, args: tuple[Any, ...], now: int | None,
             on_trap: Callable[[str], Any]) -> Any:
        """Calls export `name` on a free instance; a trap replaces the instance and answers
        `on_trap(reason)`."""
        try:
            inst: _Instance | None = self._pool.take()
        except Exception as e:  # noqa: BLE001 - no instance could be built
            return on_trap(f"no component instance: {e}")
        try:
            self._local.now = self._now if now is None else now
            inst.store.set_epoch_deadline(int(TIME_PER_CALL / _TICK) + 1)
            try:
                return self._func(inst, name)(inst.store, *args)
            except (WasmtimeError, RecursionError, MemoryError) as e:
                reason = _trap_reason(e)
            try:
                inst = self._configured()
            except Exception:  # noqa: BLE001 - keep serving: the next call retries
                inst = None
            return on_trap(reason)
        finally:
            self._pool.give(inst)

    # ---- the API ---------------------------------------------------------------------------
    def validate_access_token(self, token: str, now: int | None) -> results.Verdict:
        return _verdict(self._run("validator.validate-access-token", (token,), now,
                                  _trap_verdict))

    def validate_id_jag(self, token: str, client_id: str, now: int | None) -> results.Verdict:
        return _verdict(self._run("validator.validate-id-jag", (token, client_id), now,
                                  _trap_verdict))

    def http(self, role: str, method: str, path: str, headers: list[tuple[str, str]],
             body: bytes, now: int | None) -> results.HttpResponse:
        req = Record()
        d = req.__dict__
        d["method"], d["path"], d["body"] = method, path, body
        hs = []
        for name, value in headers:
            h = Record()
            h.__dict__["name"], h.__dict__["value"] = name, value
            hs.append(h)
        d["headers"] = hs
        r = self._run(f"validator.{role}-http", (req,), now, _trap_response)
        if isinstance(r, results.HttpResponse):
            return r
        rd = r.__dict__
        return results.HttpResponse(rd["status"], [(h.name, h.value) for h in rd["headers"]],
                                    bytes(rd["body"]), rd["verdict-code"], rd["audit-event"])

    def call(self, function: str, args_json: str, now: int | None) -> str:
        if function == "validator.configure":
            raise ValueError("configure is done once, by the constructor")
        try:
            args = json.loads(args_json)
        except ValueError as e:
            raise ValueError(f"args: not JSON: {e}") from None
        if not isinstance(args, list):
            raise ValueError("args: a JSON array of the arguments")
        inst = self._pool.take()
        try:
            lowers, lift = self._signature(inst, function)
        except BridgeError as e:
            raise ValueError(f"{function}: {e}") from None
        finally:
            self._pool.give(inst)
        if len(args) != len(lowers):
            raise ValueError(f"{function} takes {len(lowers)} arguments, got {len(args)}")
        try:
            lowered = tuple(lo(a) for lo, a in zip(lowers, args))
        except BridgeError as e:
            raise ValueError(f"{function}: {e}") from None
        result = self._run(function, lowered, now, _TrapMarker)
        if isinstance(result, _TrapMarker):
            raise RuntimeError(f"{function}: {result.reason}")
        return json.dumps(lift(result))

    def component_sha256(self) -> str:
        return ""

    # ---- the host imports ------------------------------------------------------------------
    def _build_linker(self) -> Linker:
        linker = Linker(self._engine)
        local_now = self._instance_now
        replay, fetch, keys = self._replay, self._fetch, self._keys
        t0 = time.monotonic()

        def replay_insert(_s: Any, key: str, expires_at: int) -> Any:
            # result<bool, replay-error>: wasmtime-py's untagged form, a bool or the error text.
            try:
                return bool(replay.insert(key, expires_at, local_now()))
            except Exception as e:  # noqa: BLE001 - any failure: the component fails closed
                return f"replay store: {type(e).__name__}"

        def fetch_jwks(_s: Any, uri: str) -> Any:
            # result<jwks-response, fetch-error>: a Record, the failure text, or None
            # (would-block: this host fetches synchronously unless fetching is off).
            if fetch is None:
                return None
            try:
                status, body, max_age = fetch(uri)
            except FetchError as e:
                return str(e) or "fetch failed"
            except Exception as e:  # noqa: BLE001
                return f"fetch failed: {type(e).__name__}"
            r = Record()
            r.__dict__.update({"status": status, "body": body, "max-age": max_age})
            return r

        with linker.root() as root:
            with root.add_instance(self._host) as host:
                host.add_func("now", lambda _s: local_now())
                host.add_func("monotonic-millis",
                              lambda _s: int((time.monotonic() - t0) * 1000))
                host.add_func("fetch-jwks", fetch_jwks)
                host.add_func("replay-insert", replay_insert)
                host.add_func("random-bytes", lambda _s, n: os.urandom(n))
                if self.version == "0.1.0":  # the previous contract: no native crypto
                    host.add_func("verify-signature", lambda _s, a, k, m, s: "not-offered")
                    host.add_func("sign-es256", lambda _s, d, p, m: None)
                elif keys is None:
                    host.add_func("register-public-key", lambda _s, alg, key: None)
                    host.add_func("verify-signature", lambda _s, h, m, s: "not-offered")
                    host.add_func("register-signing-key", lambda _s, d, p: None)
                    host.add_func("sign-es256", lambda _s, h, m: None)
                else:
                    host.add_func("register-public-key",
                                  lambda _s, alg, key: keys.register_public_key(alg, key))
                    host.add_func("verify-signature",
                                  lambda _s, h, m, s: keys.verify_signature(h, m, s))
                    host.add_func("register-signing-key",
                                  lambda _s, d, p: keys.register_signing_key(d, p))
                    host.add_func("sign-es256", lambda _s, h, m: keys.sign_es256(h, m))
        return linker

    def _instance_now(self) -> int:
        now = getattr(self._local, "now", self._now)
        return int(time.time()) if now is None else now


class _TrapMarker:
    def __init__(self, reason: str):
        self.reason = reason


def _trap_reason(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return f"component trapped: {text[0] if text else type(e).__name__}"


def _trap_verdict(reason: str) -> Any:
    return reason


def _trap_response(reason: str) -> results.HttpResponse:
    return results.internal_error_response()


def _verdict(v: Any) -> results.Verdict:
    if isinstance(v, str):  # a trap's reason
        return results.internal_error(v)
    d = v.payload.__dict__
    if v.tag == "valid":
        return results.Verdict(True, "valid", None, 200, None, None, d["issuer"], d["subject"],
                               d["client-id"], d["scope"], d["jwt-id"], tuple(d["audience"]),
                               tuple(d["resource"]), d["issued-at"], d["expires-at"],
                               d["claims-json"])
    return results.Verdict(False, d["code"], d["oauth-error"], d["http-status"],
                           d["www-authenticate"], d["description"])
