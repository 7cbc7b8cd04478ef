"""(c) The resource authorization server as an ASGI application: every answer (the jwt-bearer
token endpoint, RFC 8414 metadata, the JWK Set) is the component's `authorization_server_http`.

Usage: python asgi_as.py --config asgi.toml --port PORT   (asgi.toml: `[authorization_server]`,
`[[trusted_issuers]]`, `[token_endpoint]`, `[[clients]]`, the same TOML as `xaa serve as`)
"""

from __future__ import annotations

import argparse
import os
import logging

import xaa_token
from serve import serve
from xaa_token.asgi import authorization_server_app

# "auto" (native if the extension imports, else wasmtime), "native" or "wasmtime".
BACKEND = os.environ.get("XAA_TOKEN_BACKEND", "auto")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(name)s %(message)s")
    validator = xaa_token.Validator.from_config_file(args.config, backend=BACKEND)
    serve(authorization_server_app(validator), args.port)


if __name__ == "__main__":
    main()
