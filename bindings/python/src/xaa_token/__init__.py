"""xaa-token: Cross-App Access (ID-JAG, RFC 7523, RFC 9068) token decisions by the xaa-token
WebAssembly component, for Python servers.

    import xaa_token
    v = xaa_token.Validator.from_config_file("xaa.toml")
    verdict = v.validate_access_token(token)
    if not verdict.valid:
        ...  # answer verdict.http_status with verdict.www_authenticate
"""

from .errors import ConfigError
from .replay import MemoryReplayStore, RedisReplayStore, ReplayStore, ReplayStoreFull
from .results import INTERNAL_ERROR, HttpResponse, Verdict
from .validator import COMPONENT_PATH, Validator

__all__ = ["Validator", "Verdict", "HttpResponse", "ConfigError", "ReplayStore",
           "MemoryReplayStore", "RedisReplayStore", "ReplayStoreFull", "INTERNAL_ERROR",
           "COMPONENT_PATH"]
__version__ = "0.2.0"
