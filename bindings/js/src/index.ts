// xaa-token: Cross-App Access token verdicts from the xaa-token WebAssembly component.
export { Validator, ConfigError } from './validator.js';
export type { ValidatorOptions, CallOptions, HttpRequest, HttpResponse, CallResult } from './validator.js';
export { Verdict } from './verdict.js';
export { MemoryReplayStore } from './replay.js';
export type { ReplayStore } from './replay.js';
export { ConfigFileError, configJsonFromFile, configJsonFromToml, readConfigFile, readConfigFilePath } from './config_file.js';
export type { ConfigFile, FileSource, Json } from './config_file.js';
export { ConfigShapeError } from './config_json.js';
export { fetchJwks, JwksFetchError, DEFAULT_MAX_BYTES } from './jwks_fetch.js';
export type { FetchOptions, JwksResponse } from './jwks_fetch.js';
export { httpHandler } from './http.js';
export type { HandlerOptions, Surface } from './http.js';
export type { AcceleratorStats } from './accelerators.js';
