"""Values between the serde-JSON shape of the Rust bindings and wasmtime-py's dynamic
component values, directed by the WIT types (for `Validator.call`, the low-level escape hatch,
and for the config record).

serde shape: a record is an object with snake_case field names; an enum case and a variant
case without payload are their UpperCamelCase names (`"Es256"`, `"None"`); a variant case
with payload is `{"Name": payload}`; an option is its value or null; a result is
`{"Ok": v}` / `{"Err": e}`; a list<u8> is an array of numbers; a tuple an array.

wasmtime-py's shape: Record objects with kebab-case attributes; a variant, option or result is
a `Variant(tag, payload)` when its cases' Python types overlap ("tagged"), else the bare
payload (None for a case without one); enums are their kebab-case names; list<u8> is bytes.
Each type is compiled once into a pair of functions (`lower`, `lift`).
"""

from __future__ import annotations

from typing import Any, Callable

from wasmtime.component import (
    Bool, Char, EnumType, F32, F64, ListType, OptionType, Record, RecordType, ResultType, S8,
    S16, S32, S64, String, TupleType, U8, U16, U32, U64, Variant, VariantType)

__all__ = ["Converter", "camel", "BridgeError"]

_INT_RANGES = {S8: (-2**7, 2**7 - 1), S16: (-2**15, 2**15 - 1), S32: (-2**31, 2**31 - 1),
               S64: (-2**63, 2**63 - 1), U8: (0, 2**8 - 1), U16: (0, 2**16 - 1),
               U32: (0, 2**32 - 1), U64: (0, 2**64 - 1)}


class BridgeError(ValueError):
    """A JSON value that does not fit the WIT type (bad arguments)."""


def camel(kebab: str) -> str:
    """`ec-p256` -> `EcP256` (wit-bindgen's Rust case names, serde's tags)."""
    return "".join(part[:1].upper() + part[1:] for part in kebab.split("-"))


def snake(kebab: str) -> str:
    return kebab.replace("-", "_")


Lower = Callable[[Any], Any]
Lift = Callable[[Any], Any]


def _classes(ty: Any) -> set[type]:
    s: set[type] = set()
    ty.add_classes(s)
    return s


class Converter:
    """Compiles WIT types into (lower, lift) functions between serde JSON and wasmtime-py."""

    def compile(self, ty: Any) -> tuple[Lower, Lift]:
        kind = type(ty)
        if kind is Bool:
            def lower_bool(j: Any) -> bool:
                if not isinstance(j, bool):
                    raise BridgeError(f"expected a boolean, got {j!r:.40}")
                return j
            return lower_bool, lambda v: v
        if kind in _INT_RANGES:
            lo, hi = _INT_RANGES[kind]

            def lower_int(j: Any) -> int:
                if isinstance(j, bool) or not isinstance(j, int) or not lo <= j <= hi:
                    raise BridgeError(f"expected an integer in {lo}..={hi}, got {j!r:.40}")
                return j
            return lower_int, lambda v: v
        if kind in (F32, F64):
            def lower_float(j: Any) -> float:
                if isinstance(j, bool) or not isinstance(j, (int, float)):
                    raise BridgeError(f"expected a number, got {j!r:.40}")
                return float(j)
            return lower_float, lambda v: v
        if kind in (String, Char):
            def lower_str(j: Any) -> str:
                if not isinstance(j, str):
                    raise BridgeError(f"expected a string, got {j!r:.40}")
                return j
            return lower_str, lambda v: v
        if kind is ListType:
            return self._list(ty)
        if kind is RecordType:
            return self._record(ty)
        if kind is TupleType:
            return self._tuple(ty)
        if kind is EnumType:
            return self._enum(ty)
        if kind is OptionType:
            return self._variant_like(ty, "option")
        if kind is ResultType:
            return self._variant_like(ty, "result")
        if kind is VariantType:
            return self._variant_like(ty, "variant")
        raise BridgeError(f"unsupported WIT type {kind.__name__}")

    def _list(self, ty: ListType) -> tuple[Lower, Lift]:
        if ty._is_bytes():
            def lower_bytes(j: Any) -> bytes:
                if not isinstance(j, list):
                    raise BridgeError("expected an array of bytes")
                try:
                    return bytes(j)
                except (TypeError, ValueError):
                    raise BridgeError("expected an array of bytes") from None
            return lower_bytes, lambda v: list(v)
        lower_el, lift_el = self.compile(ty.element)

        def lower_list(j: Any) -> list[Any]:
            if not isinstance(j, list):
                raise BridgeError(f"expected an array, got {j!r:.40}")
            return [lower_el(x) for x in j]
        return lower_list, lambda v: [lift_el(x) for x in v]

    def _record(self, ty: RecordType) -> tuple[Lower, Lift]:
        fields = [(name, snake(name), isinstance(fty, OptionType), *self.compile(fty))
                  for name, fty in ty.fields]

        def lower_record(j: Any) -> Record:
            if not isinstance(j, dict):
                raise BridgeError(f"expected an object, got {j!r:.40}")
            unknown = set(j) - {f[1] for f in fields}
            if unknown:
                raise BridgeError(f"unknown field {sorted(unknown)[0]!r}")
            r = Record()
            for name, key, optional, lower, _ in fields:
                if key in j:
                    r.__dict__[name] = lower(j[key])
                elif optional:
                    r.__dict__[name] = None
                else:
                    raise BridgeError(f"missing field {key!r}")
            return r

        def lift_record(v: Record) -> dict[str, Any]:
            d = v.__dict__
            return {key: lift(d[name]) for name, key, _, _, lift in fields}
        return lower_record, lift_record

    def _tuple(self, ty: TupleType) -> tuple[Lower, Lift]:
        els = [self.compile(t) for t in ty.elements]

        def lower_tuple(j: Any) -> tuple[Any, ...]:
            if not isinstance(j, list) or len(j) != len(els):
                raise BridgeError(f"expected an array of {len(els)}")
            return tuple(lo(x) for (lo, _), x in zip(els, j))
        return lower_tuple, lambda v: [li(x) for (_, li), x in zip(els, v)]

    def _enum(self, ty: EnumType) -> tuple[Lower, Lift]:
        by_camel = {camel(n): n for n in ty.names}

        def lower_enum(j: Any) -> str:
            if not isinstance(j, str) or j not in by_camel:
                raise BridgeError(f"expected one of {sorted(by_camel)}, got {j!r:.40}")
            return by_camel[j]
        return lower_enum, lambda v: camel(v)

    def _variant_like(self, ty: Any, kind: str) -> tuple[Lower, Lift]:
        cases = ty._cases()
        tagged = ty._tagged()
        compiled = {name: (None if cty is None else self.compile(cty)) for name, cty in cases}
        # Untagged lifting: the case is found from the payload's Python type.
        by_class: list[tuple[tuple[type, ...], str]] = [
            (tuple(_classes(cty)), name) for name, cty in cases if cty is not None]
        unit = [name for name, cty in cases if cty is None]

        def pick(j: Any) -> tuple[str, Any]:
            """(case name, JSON payload) of a serde-shaped value."""
            if kind == "option":
                return ("none", None) if j is None else ("some", j)
            if kind == "result":
                if isinstance(j, dict) and len(j) == 1:
                    (k, p), = j.items()
                    if k in ("Ok", "Err"):
                        return k.lower(), p
                raise BridgeError(f'expected {{"Ok": ...}} or {{"Err": ...}}, got {j!r:.40}')
            if isinstance(j, str):
                for name in unit:
                    if camel(name) == j:
                        return name, None
            elif isinstance(j, dict) and len(j) == 1:
                (k, p), = j.items()
                for name, c in compiled.items():
                    if c is not None and camel(name) == k:
                        return name, p
            raise BridgeError(f"no case {j!r:.60} in {[camel(n) for n in compiled]}")

        def lower_variant(j: Any) -> Any:
            name, payload = pick(j)
            c = compiled[name]
            if c is None:
                if kind == "result" and payload is not None:
                    raise BridgeError(f"result case {name} has no payload")
                value = None
            else:
                value = c[0](payload)
            return Variant(name, value) if tagged else value

        def shape(name: str, payload: Any) -> Any:
            if kind == "option":
                return payload if name == "some" else None
            if kind == "result":
                return {"Ok" if name == "ok" else "Err": payload}
            return camel(name) if compiled[name] is None else {camel(name): payload}

        def lift_variant(v: Any) -> Any:
            if tagged:
                name, raw = v.tag, v.payload
            elif v is None and unit:
                name, raw = unit[0], None
            else:
                for classes, name in by_class:
                    if isinstance(v, classes):
                        raw = v
                        break
                else:
                    raise BridgeError(f"cannot tell the case of {type(v).__name__}")
            c = compiled[name]
            return shape(name, None if c is None else c[1](raw))
        return lower_variant, lift_variant
