//! `xaa_token._native.Engine`: one configuration of the component, run by a pool of
//! instances. Every method releases the GIL while the component runs.

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use xaa_host::imports::clock::Clock;
use xaa_host::wit::{Config, HttpRequest};
use xaa_host::{default_imports, ConfigureError, Imports, Runtime, Validator};

use crate::convert;
use crate::exports::{self, CallError};
use crate::pool::Pool;
use crate::runtimes;
use crate::serde_shape;
use crate::Trap;

/// Longest guest time budget per call `set_time_budget` accepts.
pub(crate) const MAX_TIME_BUDGET_SECONDS: f64 = 60.0;

/// Most instances one engine may keep (each may grow to the runtime's memory limit).
pub(crate) const MAX_INSTANCES: usize = 64;

/// A configured component.
#[pyclass(module = "xaa_token._native", frozen)]
pub(crate) struct Engine {
    runtime: Arc<Runtime>,
    sha256: String,
    /// `None`: an engine for the configuration-free exports (`client.*`, `keys.*`).
    config: Option<Config>,
    clock: Mutex<ClockState>,
    pool: Pool,
    /// The process that made the engine (see `Engine::pool`).
    pid: u32,
}

/// The imports the instances were built with, and whether their wall clock is pinned.
struct ClockState {
    imports: Imports,
    pinned: bool,
}

#[pymethods]
impl Engine {
    /// `config_json`: the WIT `config` record as JSON, in the serde shape of the host
    /// bindings (what `xaa conformance configs --out F` writes for each configuration).
    #[new]
    #[pyo3(signature = (config_json, *, wasm=None, now=None, accelerators=true, instances=1))]
    fn new(
        py: Python<'_>,
        config_json: &str,
        wasm: Option<&[u8]>,
        now: Option<i64>,
        accelerators: bool,
        instances: usize,
    ) -> PyResult<Self> {
        let config: Config = serde_json::from_str(config_json)
            .map_err(|e| serde_shape::without_strings(&e.to_string()))
            .and_then(serde_shape::read)
            .map_err(|e| PyValueError::new_err(format!("config: not a config record: {e}")))?;
        py.detach(|| Engine::make(Some(config), wasm, now, accelerators, instances))
    }

    /// An engine configured from an `xaa.toml` file (README "Configuration").
    #[staticmethod]
    #[pyo3(signature = (path, *, wasm=None, now=None, accelerators=true, instances=1))]
    fn from_config_file(
        py: Python<'_>,
        path: &str,
        wasm: Option<&[u8]>,
        now: Option<i64>,
        accelerators: bool,
        instances: usize,
    ) -> PyResult<Self> {
        py.detach(|| {
            let config = xaa_host::config_file::load(Path::new(path))
                .map_err(|e| PyValueError::new_err(format!("config: {e}")))?;
            Engine::make(Some(config), wasm, now, accelerators, instances)
        })
    }

    /// An engine without a configuration, for the `client.*` and `keys.*` exports (and
    /// `validator.verify-jws-signature`) through `call`.
    #[staticmethod]
    #[pyo3(signature = (*, wasm=None, now=None, accelerators=true, instances=1))]
    fn unconfigured(
        py: Python<'_>,
        wasm: Option<&[u8]>,
        now: Option<i64>,
        accelerators: bool,
        instances: usize,
    ) -> PyResult<Self> {
        py.detach(|| Engine::make(None, wasm, now, accelerators, instances))
    }

    /// Pins the wall clock every instance reads at `now` (Unix seconds), or (`None`) returns
    /// to the system clock.
    #[pyo3(signature = (now))]
    fn set_now(&self, py: Python<'_>, now: Option<i64>) -> PyResult<()> {
        py.detach(|| {
            let mut state = lock(&self.clock);
            match (now, state.pinned) {
                // Every instance's clock is a clone sharing the pinned value.
                (Some(now), true) => {
                    state.imports.clock.set(now);
                    Ok(())
                }
                (None, false) => Ok(()),
                // Pinned <-> system: the instances are rebuilt on the new clock (same replay
                // store, JWK Set fetcher and native verifier).
                (now, _) => {
                    let imports = Imports {
                        clock: now.map_or_else(Clock::system, Clock::pinned),
                        ..state.imports.clone()
                    };
                    self.pool()?.with_all(|all| {
                        let fresh = self.build(&imports, all.len())?;
                        for (slot, instance) in all.iter_mut().zip(fresh) {
                            **slot = instance;
                        }
                        Ok::<(), PyErr>(())
                    })?;
                    state.imports = imports;
                    state.pinned = now.is_some();
                    Ok(())
                }
            }
        })
    }

    /// The guest time each call may use, in seconds, for every instance from the next call on
    /// (default 1 s; at most `MAX_TIME_BUDGET_SECONDS`). A call past it is interrupted: a
    /// verdict becomes an `internal_error` rejection, `http` a 500, `call` raises `Trap`, and
    /// the instance is replaced.
    fn set_time_budget(&self, py: Python<'_>, seconds: f64) -> PyResult<()> {
        let budget = Duration::try_from_secs_f64(seconds)
            .ok()
            .filter(|d| d.as_secs_f64() <= MAX_TIME_BUDGET_SECONDS)
            .ok_or_else(|| {
                PyValueError::new_err(format!(
                    "time budget: {seconds} s: from 0 to {MAX_TIME_BUDGET_SECONDS} s"
                ))
            })?;
        let pool = self.pool()?;
        py.detach(|| pool.with_all(|all| all.iter_mut().for_each(|v| v.set_time_budget(budget))));
        Ok(())
    }

    /// The hex SHA-256 of the component this engine runs.
    fn component_sha256(&self) -> &str {
        &self.sha256
    }

    /// How many instances serve calls in parallel.
    fn instances(&self) -> usize {
        self.pool.len()
    }

    /// `validate-access-token`: the verdict tuple (see the module docs).
    fn validate_access_token<'py>(
        &self,
        py: Python<'py>,
        token: &str,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let pool = self.pool()?;
        let verdict = py.detach(|| pool.with(|v| v.validate_access_token(token)));
        convert::verdict(py, verdict)
    }

    /// `validate-id-jag`: the verdict tuple (see the module docs).
    fn validate_id_jag<'py>(
        &self,
        py: Python<'py>,
        token: &str,
        client_id: &str,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let pool = self.pool()?;
        let verdict = py.detach(|| pool.with(|v| v.validate_id_jag(token, client_id)));
        convert::verdict(py, verdict)
    }

    /// One request to a role's HTTP surface: `role` is `authorization-server`,
    /// `identity-provider` or `resource-server`. A call that trapped answers the host's
    /// 500 `server_error` response (verdict code `internal_error`).
    fn http<'py>(
        &self,
        py: Python<'py>,
        role: &str,
        method: &str,
        path: &str,
        headers: Vec<(String, String)>,
        body: &[u8],
    ) -> PyResult<Bound<'py, PyTuple>> {
        let serve = match role {
            "authorization-server" => Validator::authorization_server_http,
            "identity-provider" => Validator::identity_provider_http,
            "resource-server" => Validator::resource_server_http,
            other => {
                return Err(PyValueError::new_err(format!(
                    "role {other:?}: authorization-server, identity-provider or resource-server"
                )))
            }
        };
        let request = HttpRequest {
            method: method.to_owned(),
            path: path.to_owned(),
            headers: convert::headers_in(headers),
            body: body.to_vec(),
        };
        let pool = self.pool()?;
        let response = py.detach(|| {
            pool.with(|v| serve(v, &request))
                .unwrap_or_else(|_trap| xaa_host::instance::trap_response())
        });
        convert::http_response(py, response)
    }

    /// Any other export, by WIT name (`validator.explain-id-jag`, `client.jwt-bearer-body`,
    /// `keys.client-secret-digest`, ...): `args_json` a JSON array of its arguments, the
    /// result as JSON, both in the serde shape of the host bindings. Raises `ValueError` for
    /// an unknown function or bad arguments, `Trap` when the component trapped.
    fn call(&self, py: Python<'_>, function: &str, args_json: &str) -> PyResult<String> {
        let pool = self.pool()?;
        py.detach(|| exports::call(pool, function, args_json))
            .map_err(|e| match e {
                CallError::Request(message) => PyValueError::new_err(message),
                CallError::Trap(reason) => Trap::new_err(reason),
            })
    }

    /// Every function name `call` accepts.
    #[staticmethod]
    fn functions() -> Vec<&'static str> {
        exports::FUNCTIONS.to_vec()
    }

    fn __repr__(&self) -> String {
        format!(
            "<xaa_token._native.Engine component sha256={} instances={} configured={}>",
            &self.sha256[..12.min(self.sha256.len())],
            self.pool.len(),
            self.config.is_some()
        )
    }
}

impl Engine {
    /// The instances, unless this process is a `fork()` child of the one that made them:
    /// their time limit's ticker thread did not survive the fork, so the child refuses to
    /// run them (fail closed) and must make its own engine.
    fn pool(&self) -> PyResult<&Pool> {
        if std::process::id() == self.pid {
            Ok(&self.pool)
        } else {
            Err(PyRuntimeError::new_err(
                "this Engine was made in the parent of this forked process, where its time \
                 limit runs; make a new Engine in this process",
            ))
        }
    }

    fn make(
        config: Option<Config>,
        wasm: Option<&[u8]>,
        now: Option<i64>,
        accelerators: bool,
        instances: usize,
    ) -> PyResult<Self> {
        if !(1..=MAX_INSTANCES).contains(&instances) {
            return Err(PyValueError::new_err(format!(
                "instances: {instances}: from 1 to {MAX_INSTANCES}"
            )));
        }
        let (runtime, sha256) =
            runtimes::runtime_for(wasm).map_err(|e| PyValueError::new_err(format!("wasm: {e}")))?;
        let imports = default_imports(now, accelerators);
        let mut engine = Engine {
            runtime,
            sha256,
            config,
            clock: Mutex::new(ClockState {
                imports: imports.clone(),
                pinned: now.is_some(),
            }),
            pool: Pool::new(Vec::new()),
            pid: std::process::id(),
        };
        engine.pool = Pool::new(engine.build(&imports, instances)?);
        Ok(engine)
    }

    /// `n` fresh instances on `imports`.
    fn build(&self, imports: &Imports, n: usize) -> PyResult<Vec<Validator>> {
        (0..n)
            .map(|_| {
                let runtime = self.runtime.clone();
                match &self.config {
                    Some(config) => Validator::new(runtime, imports.clone(), config.clone()),
                    None => Validator::unconfigured(runtime, imports.clone()),
                }
                .map_err(configure_error)
            })
            .collect()
    }
}

/// `ValueError("config: <path>: <message>; ...")` for a refused configuration.
fn configure_error(e: ConfigureError) -> PyErr {
    match e {
        ConfigureError::Refused(errors) => {
            let list: Vec<String> = errors
                .iter()
                .map(|e| {
                    if e.path.is_empty() {
                        e.message.clone()
                    } else {
                        format!("{}: {}", e.path, e.message)
                    }
                })
                .collect();
            PyValueError::new_err(format!("config: {}", list.join("; ")))
        }
        ConfigureError::Runtime(e) => PyRuntimeError::new_err(format!("component runtime: {e:#}")),
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
