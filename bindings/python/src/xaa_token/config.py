"""The `xaa.toml` file read into the WIT `config` record (serde-JSON shape), for the wasmtime backend.

This mirrors `host/src/config_file.rs` exactly: it reads only syntax (unknown keys, wrong TOML
types, unreadable files, `jwks_file` versus `jwks_uri`); every rule about values is the
component's, so all hosts refuse alike. File paths are relative to the configuration file's
directory. The result is what `xaa conformance configs` writes per configuration: snake_case
field names, `None` for an absent option, variants as `{"Inline": text}` / `"None"`.

The native backend reads the file with the Rust loader itself; `tests/test_config.py` checks
that the two agree on every configuration of the conformance suite.
"""

from __future__ import annotations

import os
import tomllib
from typing import Any, Callable

from .errors import ConfigError

__all__ = ["from_config_file", "from_toml"]


class _Syntax(Exception):
    """A syntax error of the file (one message, as the Rust loader reports the first)."""


# ---- the file's shape: each section's keys and their TOML types --------------------------------

_STR, _U32, _BOOL, _STRS, _PATHS = "string", "u32", "bool", "strings", "paths"

_SECTIONS: dict[str, dict[str, tuple[str, bool]]] = {
    # name: {key: (type, required)}
    "authorization_server": {
        "issuer": (_STR, True),
        "resources": (_STRS, False),
        "max_assertion_lifetime": (_U32, False),
        "leeway": (_U32, False),
        "resource_root_slash_equivalence": (_BOOL, False),
    },
    "trusted_issuers": {
        "issuer": (_STR, True),
        "jwks_file": (_STR, False),
        "jwks_uri": (_STR, False),
        "algorithms": (_STRS, False),
        "subject_namespace": (_STR, False),
        "tenant_required": (_BOOL, False),
    },
    "token_endpoint": {
        "url": (_STR, False),
        "jwks_uri": (_STR, False),
        "signing_keys": (_PATHS, False),
        "signing_kid": (_STR, False),
        "access_token_lifetime": (_U32, False),
        "may_outlive_assertion": (_BOOL, False),
        "client_assertion_algorithms": (_STRS, False),
        "allow_public_clients": (_BOOL, False),
    },
    "clients": {
        "client_id": (_STR, True),
        "auth_method": (_STR, True),
        "client_secret_sha256": (_STR, False),
        "jwks_file": (_STR, False),
        "resources": (_STRS, False),
        "scopes": (_STRS, False),
        "grant_types": (_STRS, False),
        "issuers": (_STRS, False),
    },
    "resource_server": {
        "resource": (_STR, True),
        "issuer": (_STR, True),
        "jwks_file": (_STR, False),
        "jwks_uri": (_STR, False),
        "algorithms": (_STRS, False),
        "leeway": (_U32, False),
        "resource_metadata_url": (_STR, False),
        "resource_root_slash_equivalence": (_BOOL, False),
    },
    "identity_provider": {
        "issuer": (_STR, True),
        "token_endpoint_url": (_STR, False),
        "jwks_uri": (_STR, False),
        "signing_keys": (_PATHS, False),
        "signing_kid": (_STR, False),
        "leeway": (_U32, False),
        "resource_root_slash_equivalence": (_BOOL, False),
        "development_sign_in": (_BOOL, False),
        "id_token_lifetime": (_U32, False),
        "refresh_token_lifetime": (_U32, False),
    },
    "idp_clients": {
        "client_id": (_STR, True),
        "auth_method": (_STR, True),
        "client_secret_sha256": (_STR, False),
        "jwks_file": (_STR, False),
        "redirect_uris": (_STRS, False),
    },
    "upstream_idps": {
        "issuer": (_STR, True),
        "jwks_file": (_STR, False),
        "jwks_uri": (_STR, False),
        "algorithms": (_STRS, False),
        "client_ids": (_STRS, False),
        "subject_claim": (_STR, False),
        "admit_unknown_users": (_BOOL, False),
    },
    "users": {
        "sub": (_STR, True),
        "groups": (_STRS, False),
        "disabled": (_BOOL, False),
        "email": (_STR, False),
        "password_sha256": (_STR, False),
    },
    "connections": {
        "client_id": (_STR, True),
        "audience": (_STR, True),
        "audience_aliases": (_STRS, False),
        "resources": (_STRS, False),
        "scopes": (_STRS, False),
        "client_id_at_audience": (_STR, True),
        "id_jag_lifetime": (_U32, False),
        "required_acr": (_STRS, False),
        "max_auth_age": (_U32, False),
        "users": (_STRS, False),
        "groups": (_STRS, False),
    },
    "jwks_cache": {
        "min_ttl": (_U32, False),
        "max_ttl": (_U32, False),
        "refresh_cooldown": (_U32, False),
        "max_stale": (_U32, False),
    },
    "gateway": {
        "required_scopes": ("required_scopes", False),
        "subject_header": (_STR, False),
        "client_id_header": (_STR, False),
        "scope_header": (_STR, False),
        "max_body_bytes": ("u64", False),
        "upstream_timeout": ("u64", False),
        "upstream_idle_timeout": ("u64", False),
    },
    "required_scopes": {
        "method": (_STR, True),
        "tool": (_STR, False),
        "scopes": (_STRS, False),
    },
    "replay_store": {
        "url": (_STR, True),
        "timeout_ms": ("u64", False),
    },
}

_TABLES = ("authorization_server", "token_endpoint", "resource_server", "identity_provider",
           "jwks_cache", "gateway", "replay_store")
_ARRAYS = ("trusted_issuers", "clients", "idp_clients", "users", "connections", "upstream_idps")
_AUTH_METHODS = ("client_secret_basic", "client_secret_post", "private_key_jwt", "none")


def _check_value(where: str, kind: str, value: Any) -> Any:
    def bad(expected: str) -> _Syntax:
        return _Syntax(f"{where}: invalid type: expected {expected}")

    if kind in (_STR,):
        if not isinstance(value, str):
            raise bad("a string")
    elif kind in (_U32, "u64"):
        if not isinstance(value, int) or isinstance(value, bool):
            raise bad(kind)
        if not 0 <= value <= (2**32 - 1 if kind == _U32 else 2**64 - 1):
            raise _Syntax(f"{where}: invalid value: integer `{value}`, expected {kind}")
    elif kind == _BOOL:
        if not isinstance(value, bool):
            raise bad("a boolean")
    elif kind in (_STRS, _PATHS):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise bad("a sequence of strings")
    elif kind == "required_scopes":
        if not isinstance(value, list):
            raise bad("a sequence")
        return [_table(f"{where}[{i}]", "required_scopes", v) for i, v in enumerate(value)]
    return value


def _table(where: str, section: str, value: Any) -> dict[str, Any]:
    """A section's table checked against its keys (deny unknown fields, required keys)."""
    if not isinstance(value, dict):
        raise _Syntax(f"{where}: invalid type: expected a table")
    keys = _SECTIONS[section]
    for k in value:
        if k not in keys:
            raise _Syntax(f"{where}: unknown field `{k}`, expected one of "
                          + ", ".join(f"`{n}`" for n in keys))
    out: dict[str, Any] = {}
    for k, (kind, required) in keys.items():
        if k in value:
            out[k] = _check_value(f"{where}.{k}", kind, value[k])
        elif required:
            raise _Syntax(f"{where}: missing field `{k}`")
        else:
            out[k] = None
    return out


def _parse(text: str) -> dict[str, Any]:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise _Syntax(str(e)) from None
    known = set(_TABLES) | set(_ARRAYS) | {"token_cache_size"}
    for k in doc:
        if k not in known:
            raise _Syntax(f"unknown field `{k}`")
    f: dict[str, Any] = {}
    for name in _TABLES:
        f[name] = None if name not in doc else _table(name, name, doc[name])
    for name in _ARRAYS:
        items = doc.get(name, [])
        if not isinstance(items, list):
            raise _Syntax(f"{name}: invalid type: expected a sequence")
        f[name] = [_table(f"{name}[{i}]", name, v) for i, v in enumerate(items)]
    f["token_cache_size"] = (None if "token_cache_size" not in doc
                             else _check_value("token_cache_size", _U32, doc["token_cache_size"]))
    for section in ("clients", "idp_clients"):
        for i, c in enumerate(f[section]):
            if c["auth_method"] not in _AUTH_METHODS:
                raise _Syntax(f"{section}[{i}].auth_method: unknown variant `{c['auth_method']}`")
    return f


# ---- conversion into the WIT record (config_file.rs: into_config) ------------------------------

def _read(base: str, where: str, file: str) -> str:
    full = os.path.join(base, file)
    try:
        with open(full, encoding="utf-8") as fh:
            return fh.read()
    except (OSError, UnicodeDecodeError) as e:
        raise _Syntax(f"{where}: cannot read {full}: {e}") from None


def _key_source(base: str, where: str, file: str | None, uri: str | None) -> dict[str, str]:
    if file is not None and uri is None:
        return {"Inline": _read(base, f"{where}.jwks_file", file)}
    if file is None and uri is not None:
        return {"Uri": uri}
    if file is not None:
        raise _Syntax(f"{where}: give jwks_file or jwks_uri, not both")
    raise _Syntax(f"{where}: give jwks_file or jwks_uri")


def _credential(base: str, where: str, c: dict[str, Any]) -> Any:
    method, secret, jwks = c["auth_method"], c["client_secret_sha256"], c["jwks_file"]
    if method in ("client_secret_basic", "client_secret_post"):
        if secret is None:
            raise _Syntax(f"{where}: client_secret_sha256 is required for this auth_method "
                          "(make it with `xaa keys hash-secret`)")
        if jwks is not None:
            raise _Syntax(f'{where}: jwks_file is only for auth_method = "private_key_jwt"')
        return {"SecretBasic" if method == "client_secret_basic" else "SecretPost": secret}
    if method == "private_key_jwt":
        if jwks is None:
            raise _Syntax(f'{where}: jwks_file is required for auth_method = "private_key_jwt"')
        if secret is not None:
            raise _Syntax(f"{where}: client_secret_sha256 is not used with private_key_jwt")
        return {"PrivateKeyJwt": _read(base, f"{where}.jwks_file", jwks)}
    if jwks is not None or secret is not None:
        raise _Syntax(f'{where}: a public client (auth_method = "none") has no credential')
    return "None"


def _each(items: list[dict[str, Any]], section: str,
          convert: Callable[[dict[str, Any], str], Any]) -> list[Any]:
    return [convert(item, f"{section}[{i}]") for i, item in enumerate(items)]


def _signing_keys(base: str, section: str, files: list[str] | None) -> list[str]:
    return [_read(base, f"{section}.signing_keys[{i}]", p) for i, p in enumerate(files or [])]


def _token_endpoint(base: str, f: dict[str, Any]) -> dict[str, Any] | None:
    t = f["token_endpoint"]
    if t is None:
        if f["clients"]:
            raise _Syntax("[[clients]] needs a [token_endpoint] section")
        return None
    clients = _each(f["clients"], "clients", lambda c, where: {
        "client_id": c["client_id"],
        "credential": _credential(base, where, c),
        "resources": c["resources"] or [],
        "scopes": c["scopes"] or [],
        "grant_types": c["grant_types"],
        "issuers": c["issuers"] or [],
    })
    return {
        "url": t["url"],
        "jwks_uri": t["jwks_uri"],
        "signing_keys": _signing_keys(base, "token_endpoint", t["signing_keys"]),
        "signing_kid": t["signing_kid"],
        "access_token_lifetime": t["access_token_lifetime"],
        "may_outlive_assertion": bool(t["may_outlive_assertion"]),
        "client_assertion_algorithms": t["client_assertion_algorithms"],
        "allow_public_clients": bool(t["allow_public_clients"]),
        "clients": clients,
    }


def _identity_provider(base: str, f: dict[str, Any]) -> dict[str, Any] | None:
    i = f["identity_provider"]
    if i is None:
        if f["idp_clients"] or f["users"] or f["connections"] or f["upstream_idps"]:
            raise _Syntax("[[idp_clients]], [[users]], [[connections]] and [[upstream_idps]] "
                          "need an [identity_provider] section")
        return None
    clients = _each(f["idp_clients"], "idp_clients", lambda c, where: {
        "client_id": c["client_id"], "credential": _credential(base, where, c),
        "redirect_uris": list(c.get("redirect_uris") or [])})
    return {
        "issuer": i["issuer"],
        "token_endpoint_url": i["token_endpoint_url"],
        "jwks_uri": i["jwks_uri"],
        "signing_keys": _signing_keys(base, "identity_provider", i["signing_keys"]),
        "signing_kid": i["signing_kid"],
        "leeway": i["leeway"],
        "resource_root_slash_equivalence": bool(i["resource_root_slash_equivalence"]),
        "clients": clients,
        "users": [{
            "sub": u["sub"],
            "groups": u["groups"] or [],
            "disabled": bool(u["disabled"]),
            "email": u["email"],
            "password_sha256": u["password_sha256"],
        } for u in f["users"]],
        "connections": [{
            "client_id": c["client_id"],
            "audience": c["audience"],
            "audience_aliases": c["audience_aliases"] or [],
            "resources": c["resources"] or [],
            "scopes": c["scopes"] or [],
            "client_id_at_audience": c["client_id_at_audience"],
            "id_jag_lifetime": c["id_jag_lifetime"],
            "required_acr": c["required_acr"],
            "max_auth_age": c["max_auth_age"],
            "users": c["users"],
            "groups": c["groups"],
        } for c in f["connections"]],
        "development_sign_in": bool(i["development_sign_in"]),
        "id_token_lifetime": i["id_token_lifetime"],
        "refresh_token_lifetime": i["refresh_token_lifetime"],
        "upstream_idps": _each(f["upstream_idps"], "upstream_idps", lambda u, where: {
            "issuer": u["issuer"],
            "keys": _key_source(base, where, u["jwks_file"], u["jwks_uri"]),
            "algorithms": u["algorithms"] or [],
            "client_ids": u["client_ids"] or [],
            "subject_claim": u["subject_claim"],
            "admit_unknown_users": bool(u["admit_unknown_users"]),
        }),
    }


def _into_config(base: str, f: dict[str, Any]) -> dict[str, Any]:
    a = f["authorization_server"]
    if a is None and f["trusted_issuers"]:
        raise _Syntax("[[trusted_issuers]] needs an [authorization_server] section")
    if a is None and f["token_endpoint"] is not None:
        raise _Syntax("[token_endpoint] needs an [authorization_server] section")
    token_endpoint = _token_endpoint(base, f)
    identity_provider = _identity_provider(base, f)
    trusted_issuers = _each(f["trusted_issuers"], "trusted_issuers", lambda t, where: {
        "issuer": t["issuer"],
        "keys": _key_source(base, where, t["jwks_file"], t["jwks_uri"]),
        "algorithms": t["algorithms"] or [],
        "subject_namespace": t["subject_namespace"],
        "tenant_required": bool(t["tenant_required"]),
    })
    authorization_server = None if a is None else {
        "issuer": a["issuer"],
        "resources": a["resources"] or [],
        "max_assertion_lifetime": a["max_assertion_lifetime"],
        "leeway": a["leeway"],
        "resource_root_slash_equivalence": bool(a["resource_root_slash_equivalence"]),
        "trusted_issuers": trusted_issuers,
        "token_endpoint": token_endpoint,
    }
    r, g = f["resource_server"], f["gateway"]
    if r is None and g is not None:
        raise _Syntax("[gateway] needs a [resource_server] section")
    required_scopes = [{"method": s["method"], "tool": s["tool"], "scopes": s["scopes"] or []}
                       for s in ((g or {}).get("required_scopes") or [])]
    resource_server = None if r is None else {
        "resource": r["resource"],
        "issuer": r["issuer"],
        "keys": _key_source(base, "resource_server", r["jwks_file"], r["jwks_uri"]),
        "algorithms": r["algorithms"] or [],
        "leeway": r["leeway"],
        "resource_metadata_url": r["resource_metadata_url"],
        "resource_root_slash_equivalence": bool(r["resource_root_slash_equivalence"]),
        "required_scopes": required_scopes,
    }
    c = f["jwks_cache"] or {}
    return {
        "authorization_server": authorization_server,
        "resource_server": resource_server,
        "identity_provider": identity_provider,
        "jwks_cache": {k: c.get(k) for k in ("min_ttl", "max_ttl", "refresh_cooldown",
                                             "max_stale")},
        "token_cache_size": f["token_cache_size"],
    }


def from_toml(text: str, base_dir: str, name: str = "<config>") -> dict[str, Any]:
    """The TOML `text` (files relative to `base_dir`) as the WIT config record.

    Raises ConfigError naming `name` on a syntax error."""
    try:
        return _into_config(base_dir, _parse(text))
    except _Syntax as e:
        raise ConfigError([f"{name}: {e}"]) from None


def from_config_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Reads an `xaa.toml` file into the WIT config record (serde-JSON shape)."""
    path = os.fspath(path)
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError([f"{path}: cannot read the configuration: {e}"]) from None
    return from_toml(text, os.path.dirname(path) or ".", path)
