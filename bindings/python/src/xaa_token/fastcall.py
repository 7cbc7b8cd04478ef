"""Calls into and out of the component without wasmtime-py's per-call type queries.

wasmtime-py's `Func.__call__` asks the C API for the function's type on every call and its
value conversions query record fields and variant cases through ctypes each time (about 150 us
of a 200 us cached verdict). Here values are read straight from the C `wasmtime_component_val_t`
tree, which carries its own kinds, field names and case names (`lift`), and the few shapes this
package sends are written straight into it (`lower_*`). Byte lists are converted with strided
slices, not per element.

Pinned to wasmtime-py 50.0.1's `_ffi` (the package depends on exactly that version).
"""

from __future__ import annotations

import ctypes
from ctypes import byref, sizeof, string_at
from typing import Any, Callable

from wasmtime import WasmtimeError
from wasmtime import _ffi as ffi
from wasmtime.component._enter import maybe_raise_last_exn

__all__ = ["FastFunc", "lift", "lower_string", "lower_http_request", "HostFunc"]

VAL = ffi.wasmtime_component_val_t
_SIZE = sizeof(VAL)
_OF = VAL.of.offset

(K_BOOL, K_S8, K_U8, K_S16, K_U16, K_S32, K_U32, K_S64, K_U64, K_F32, K_F64, K_CHAR, K_STRING,
 K_LIST, K_RECORD, K_TUPLE, K_VARIANT, K_ENUM, K_OPTION, K_RESULT) = range(20)

_NUMBER_FIELD = {K_BOOL: "boolean", K_S8: "s8", K_U8: "u8", K_S16: "s16", K_U16: "u16",
                 K_S32: "s32", K_U32: "u32", K_S64: "s64", K_U64: "u64", K_F32: "f32",
                 K_F64: "f64"}


def _text(vec: Any) -> str:
    n = vec.size
    return string_at(vec.data, n).decode("utf-8") if n else ""


def lift(v: Any) -> Any:
    """A C component value as Python: string -> str; record -> dict (kebab-case names);
    variant -> (case, payload|None); option -> value|None; result -> (is_ok, payload|None);
    enum -> its name; list<u8> -> bytes; other lists -> list; numbers as they are."""
    k = v.kind
    of = v.of
    if k == K_STRING:
        return _text(of.string)
    if k == K_RECORD:
        r = of.record
        data = r.data
        out = {}
        for i in range(r.size):
            e = data[i]
            out[_text(e.name)] = lift(e.val)
        return out
    if k == K_LIST:
        lst = of.list
        n = lst.size
        if n == 0:
            return []
        data = lst.data
        if data[0].kind == K_U8:
            raw = string_at(ctypes.addressof(data.contents), n * _SIZE)
            return raw[_OF::_SIZE]
        return [lift(data[i]) for i in range(n)]
    if k == K_OPTION:
        p = of.option
        return lift(p.contents) if p else None
    if k == K_VARIANT:
        var = of.variant
        p = var.val
        return (_text(var.discriminant), lift(p.contents) if p else None)
    if k == K_ENUM:
        return _text(of.enumeration)
    if k == K_RESULT:
        res = of.result
        p = res.val
        return (bool(res.is_ok), lift(p.contents) if p else None)
    if k == K_TUPLE:
        t = of.tuple
        return tuple(lift(t.data[i]) for i in range(t.size))
    if k == K_CHAR:
        return chr(of.character)
    field = _NUMBER_FIELD.get(k)
    if field is None:
        raise TypeError(f"unsupported component value kind {k}")
    return getattr(of, field)


def lift_case_fields(v: Any) -> tuple[str, list[Any]]:
    """A variant whose payload is a record, as (case, field values in WIT order): the field
    names are not read (the caller checked the record types once, see `record_fields`).
    Strings (the usual field) are read here, without `lift`'s dispatch."""
    var = v.of.variant
    rec = var.val.contents.of.record
    data = rec.data
    values = []
    for i in range(rec.size):
        f = data[i].val
        if f.kind == K_STRING:
            s = f.of.string
            n = s.size
            values.append(string_at(s.data, n).decode("utf-8") if n else "")
        else:
            values.append(lift(f))
    return _text(var.discriminant), values


def variant_record_fields(ty: Any) -> dict[str, tuple[str, ...]]:
    """For a wasmtime-py VariantType whose cases carry records: case -> field names."""
    return {case: tuple(name for name, _ in rty.fields) for case, rty in ty.cases}


# ---- lowering ------------------------------------------------------------------------------

def lower_string(v: Any, s: str) -> None:
    v.kind = K_STRING
    v.of.string = ffi.str_to_capi(s)


def lower_bytes(v: Any, b: bytes) -> None:
    raw = ffi.wasmtime_component_vallist_t()
    n = len(b)
    if n == 0:
        ffi.wasmtime_component_vallist_new_empty(raw)
    else:
        ffi.wasmtime_component_vallist_new_uninit(raw, n)
        buf = bytearray(n * _SIZE)
        buf[0::_SIZE] = bytes((K_U8,)) * n
        buf[_OF::_SIZE] = b
        ctypes.memmove(raw.data, bytes(buf), n * _SIZE)
    v.kind = K_LIST
    v.of.list = raw


def _lower_record(v: Any, fields: list[tuple[str, Callable[[Any, Any], None], Any]]) -> None:
    raw = ffi.wasmtime_component_valrecord_t()
    ffi.wasmtime_component_valrecord_new_uninit(raw, len(fields))
    for i, (name, lower, value) in enumerate(fields):
        entry = raw.data[i]
        entry.name = ffi.str_to_capi(name)
        lower(entry.val, value)
    v.kind = K_RECORD
    v.of.record = raw


def _lower_header(v: Any, h: tuple[str, str]) -> None:
    _lower_record(v, [("name", lower_string, h[0]), ("value", lower_string, h[1])])


def _lower_headers(v: Any, headers: list[tuple[str, str]]) -> None:
    raw = ffi.wasmtime_component_vallist_t()
    n = len(headers)
    if n == 0:
        ffi.wasmtime_component_vallist_new_empty(raw)
    else:
        ffi.wasmtime_component_vallist_new_uninit(raw, n)
        for i, h in enumerate(headers):
            _lower_header(raw.data[i], h)
    v.kind = K_LIST
    v.of.list = raw


def lower_http_request(v: Any, req: tuple[str, str, list[tuple[str, str]], bytes]) -> None:
    method, path, headers, body = req
    _lower_record(v, [("method", lower_string, method), ("path", lower_string, path),
                      ("headers", _lower_headers, headers), ("body", lower_bytes, body)])


def lower_option_u32(v: Any, x: int | None) -> None:
    v.kind = K_OPTION
    if x is None:
        v.of.option = None
    else:
        inner = VAL()
        inner.kind = K_U32
        inner.of.u32 = x
        v.of.option = ffi.wasmtime_component_val_new(byref(inner))


def lower_option_string(v: Any, s: str | None) -> None:
    v.kind = K_OPTION
    if s is None:
        v.of.option = None
    else:
        inner = VAL()
        lower_string(inner, s)
        v.of.option = ffi.wasmtime_component_val_new(byref(inner))


def lower_enum(v: Any, name: str) -> None:
    v.kind = K_ENUM
    v.of.enumeration = ffi.str_to_capi(name)


def lower_s64(v: Any, x: int) -> None:
    v.kind = K_S64
    v.of.s64 = x


def lower_u64(v: Any, x: int) -> None:
    v.kind = K_U64
    v.of.u64 = x


# ---- calls into the component ----------------------------------------------------------------

class FastFunc:
    """An export called with pre-chosen lowerings (one per parameter) and `lift` for the
    result. Raises WasmtimeError on a trap, as wasmtime-py does."""

    __slots__ = ("_func", "_lowers", "_n", "_lift")

    def __init__(self, func: Any, lowers: list[Callable[[Any, Any], None]],
                 lift_result: Callable[[Any], Any] = lift):
        self._func = func._func
        self._lowers = lowers
        self._n = len(lowers)
        self._lift = lift_result

    def __call__(self, store: Any, *args: Any) -> Any:
        n = self._n
        params = (VAL * n)()
        done = 0
        try:
            for lower, arg in zip(self._lowers, args):
                lower(params[done], arg)
                done += 1
            result = VAL()
            err = ffi.wasmtime_component_func_call(byref(self._func), store._context(), params,
                                                   n, byref(result), 1)
            if err:
                error = WasmtimeError._from_ptr(err)
                maybe_raise_last_exn()
                raise error
            try:
                return self._lift(result)
            finally:
                ffi.wasmtime_component_val_delete(byref(result))
        finally:
            for i in range(done):
                ffi.wasmtime_component_val_delete(byref(params[i]))


# ---- calls out of the component (host imports) -----------------------------------------------

class HostFunc:
    """A host import: its arguments lifted with `lift`, its result written by `lower`.

    `func(*args)` must not raise: whatever it raises becomes a trap of the calling export."""

    def __init__(self, func: Callable[..., Any], lower: Callable[[Any, Any], None] | None):
        self.func = func
        self.lower = lower


_HOST: dict[int, HostFunc] = {}
_next_id = [1]


@ffi.wasmtime_component_func_callback_t
def _host_impl(idx, context, ty_raw, args, nargs, results, nresults):  # type: ignore[no-untyped-def]
    try:
        h = _HOST[idx or 0]
        value = h.func(*[lift(args[i]) for i in range(nargs)])
        if h.lower is not None and nresults == 1:
            h.lower(results[0], value)
        return 0
    except BaseException as e:  # noqa: BLE001 - never unwind through the C frames
        error = WasmtimeError(f"host import failed: {type(e).__name__}")
        return ctypes.cast(error._consume(), ctypes.c_void_p).value


@ctypes.CFUNCTYPE(None, ctypes.c_void_p)
def _host_finalize(idx):  # type: ignore[no-untyped-def]
    table = _HOST  # None while the interpreter shuts down
    if table is not None:
        table.pop(idx or 0, None)


def add_host_func(linker_instance: Any, name: str, host: HostFunc) -> None:
    """Defines `name` in a wasmtime-py LinkerInstance with the fast trampoline."""
    linker_instance._assert_not_locked()
    idx = _next_id[0]
    _next_id[0] += 1
    _HOST[idx] = host
    name_bytes = name.encode("utf-8")
    err = ffi.wasmtime_component_linker_instance_add_func(
        linker_instance.ptr(), ctypes.create_string_buffer(name_bytes), len(name_bytes),
        _host_impl, idx, _host_finalize)
    if err:
        raise WasmtimeError._from_ptr(err)


def lower_result(ok_lower: Callable[[Any, Any], None] | None,
                 err_lower: Callable[[Any, Any], None] | None) -> Callable[[Any, Any], None]:
    """A `result<T, E>` writer taking `(is_ok, payload)`."""
    def lower(v: Any, value: tuple[bool, Any]) -> None:
        is_ok, payload = value
        f = ok_lower if is_ok else err_lower
        v.kind = K_RESULT
        v.of.result.is_ok = is_ok
        if f is None:
            v.of.result.val = None
        else:
            inner = VAL()
            f(inner, payload)
            v.of.result.val = ffi.wasmtime_component_val_new(byref(inner))
    return lower


def lower_variant(v: Any, value: tuple[str, Callable[[Any, Any], None] | None, Any]) -> None:
    """A variant case `(name, payload writer or None, payload)`."""
    name, f, payload = value
    v.kind = K_VARIANT
    v.of.variant.discriminant = ffi.str_to_capi(name)
    if f is None:
        v.of.variant.val = None
    else:
        inner = VAL()
        f(inner, payload)
        v.of.variant.val = ffi.wasmtime_component_val_new(byref(inner))


def lower_bool(v: Any, x: bool) -> None:
    v.kind = K_BOOL
    v.of.boolean = bool(x)


def lower_u16(v: Any, x: int) -> None:
    v.kind = K_U16
    v.of.u16 = x


def lower_jwks_response(v: Any, r: tuple[int, str, int | None]) -> None:
    status, body, max_age = r
    _lower_record(v, [("status", lower_u16, status), ("body", lower_string, body),
                      ("max-age", lower_option_u32, max_age)])
