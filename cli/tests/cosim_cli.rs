//! `hbfpgen cosim` from the command line, for every unit of the registry, on a configuration that
//! no matrix contains:
//! - the generated RTL passes the whole suite (exit 0);
//! - the same RTL with one deliberately broken output bit fails (exit 1) with a shrunk case saved
//!   as JSON, a VCD waveform, and a replay command that reproduces the failure;
//! - RTL whose ports differ from the manifest is refused before anything runs (exit 2), naming the
//!   port.
//!
//! They need verilator and a C++ compiler (`make setup`), so they are `#[ignore]`d in a plain
//! `cargo test`; `make test` runs them. Models go to the cache (`HBFPGEN_CACHE`).

use std::path::{Path, PathBuf};
use std::process::Output;

mod common;
use common::hbfpgen;

/// One configuration of each unit of the registry that neither matrix file contains (small ones:
/// the models' C++ build is most of the test's time).
const CONFIGS: &[(&str, &[&str])] = &[
    (
        "dot",
        &[
            "--mantissa",
            "6",
            "--block",
            "12",
            "--stages",
            "2",
            "--exp-bits",
            "9",
        ],
    ),
    (
        "convert",
        &[
            "--mantissa",
            "5",
            "--block",
            "7",
            "--input-format",
            "bf16",
            "--stages",
            "2",
        ],
    ),
    (
        "mac",
        &[
            "--mantissa",
            "5",
            "--block",
            "6",
            "--acc",
            "fp12",
            "--stages",
            "1",
            "--tag-bits",
            "3",
        ],
    ),
    ("fp-mac", &["--operand", "fp16", "--acc", "bf16"]),
    (
        "mixed",
        &["--modes", "4,8", "--block", "5", "--stages", "2"],
    ),
    (
        "int-dot",
        &["--mantissa", "6", "--block", "9", "--stages", "2"],
    ),
    (
        "mx-convert",
        &[
            "--elements",
            "fp8-e5m2",
            "--block",
            "6",
            "--input-format",
            "bf16",
            "--stages",
            "1",
        ],
    ),
    (
        "mx-dot",
        &[
            "--elements",
            "fp6-e2m3",
            "--elements-b",
            "fp4",
            "--block",
            "5",
            "--stages",
            "2",
        ],
    ),
    (
        "mx-mac",
        &[
            "--elements",
            "fp4",
            "--block",
            "4",
            "--acc",
            "bf16",
            "--stages",
            "1",
        ],
    ),
    (
        "mls-convert",
        &[
            "--elem-exp-bits",
            "2",
            "--elem-man-bits",
            "1",
            "--group",
            "2",
            "--block",
            "4",
            "--rounding",
            "stochastic",
            "--random-bits",
            "3",
            "--stages",
            "1",
        ],
    ),
    (
        "s2fp8-encode",
        &["--block", "3", "--input-format", "bf16", "--stages", "3"],
    ),
    (
        "s2fp8-stats",
        &["--block", "2", "--input-format", "bf16", "--tag-bits", "1"],
    ),
    (
        "s2fp8-decode",
        &["--block", "2", "--output-format", "bf16", "--stages", "1"],
    ),
    ("s2fp8-decode-table", &["--block", "2"]),
    (
        "mls-dot",
        &[
            "--elem-exp-bits",
            "3",
            "--elem-man-bits",
            "2",
            "--group",
            "2",
            "--block",
            "6",
            "--stages",
            "2",
        ],
    ),
    (
        "mls-mac",
        &[
            "--elem-exp-bits",
            "1",
            "--elem-man-bits",
            "3",
            "--group",
            "4",
            "--block",
            "8",
            "--acc",
            "fp16",
            "--stages",
            "3",
        ],
    ),
];

/// The units whose configuration above is also checked with a broken output bit: a dot product
/// and an accumulator (the failure path, shrinking, waveform and replay, is the same
/// code for every unit; each check builds a second model).
const BROKEN: &[&str] = &["dot", "mx-mac"];

/// How many units the main test checks at once (each check is a C++ build, then a simulation).
const JOBS: usize = 2;

fn scratch(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("cosim-cli")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn cosim(unit: &str, flags: &[&str], more: &[&str]) -> Output {
    let mut args = vec!["cosim", unit];
    args.extend(flags);
    // -O1: these models run a few hundred cycles, and compile faster than at the default -O2
    args.extend(["--cases", "16", "--cxx-opt", "1"]);
    args.extend(more);
    hbfpgen(&args)
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The unit's manifest: its module name and ports (name, direction, width).
fn manifest(unit: &str, flags: &[&str]) -> (String, Vec<(String, String, u64)>) {
    let mut args = vec!["info", unit];
    args.extend(flags);
    let o = hbfpgen(&args);
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let ports = v["ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_owned(),
                p["direction"].as_str().unwrap().to_owned(),
                p["width"].as_u64().unwrap(),
            )
        })
        .collect();
    (v["module"].as_str().unwrap().to_owned(), ports)
}

/// The generated RTL with the module renamed `<name>_orig` under a wrapper of the same name and
/// ports that inverts bit 0 of the first data output: one deliberately broken bit.
fn broken(sv: &str, name: &str, ports: &[(String, String, u64)]) -> String {
    let range = |w: u64| {
        if w > 1 {
            format!("[{}:0] ", w - 1)
        } else {
            String::new()
        }
    };
    let handshake = ["in_ready_o", "out_valid_o"];
    let flip = ports
        .iter()
        .find(|(n, d, _)| d == "output" && !handshake.contains(&n.as_str()))
        .expect("a data output");
    let decl: Vec<String> = ports
        .iter()
        .map(|(n, d, w)| format!("  {d} logic {}{n}", range(*w)))
        .collect();
    let conn: Vec<String> = ports
        .iter()
        .map(|(n, ..)| {
            if n == &flip.0 {
                format!("    .{n}(inner_{n})")
            } else {
                format!("    .{n}({n})")
            }
        })
        .collect();
    format!(
        "{}\nmodule {name} (\n{}\n);\n  logic {}inner_{f};\n  {name}_orig u (\n{}\n  );\n  \
         assign {f} = inner_{f} ^ {w}'d1;\nendmodule\n",
        sv.replacen(
            &format!("module {name} "),
            &format!("module {name}_orig "),
            1
        ),
        decl.join(",\n"),
        range(flip.2),
        conn.join(",\n"),
        f = flip.0,
        w = flip.2
    )
}

/// Law: for every unit, `hbfpgen cosim` passes the generated RTL of a configuration no matrix
/// holds; for the units of [`BROKEN`], it catches one broken output bit in a user's RTL with exit
/// 1, a shrunk case, a waveform and a replay command that fails the same way. The units run
/// [`JOBS`] at a time.
#[test]
#[ignore = "needs verilator and a C++ compiler: run by `make test`"]
fn cosim_passes_every_unit_and_catches_a_broken_bit() {
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..JOBS {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some((unit, flags)) = CONFIGS.get(i) else {
                    break;
                };
                check_unit(unit, flags);
            });
        }
    });
}

/// The list above has a configuration of every unit of the registry.
#[test]
fn every_unit_of_the_registry_is_checked() {
    for kind in hbfpgen::units::REGISTRY {
        assert!(
            CONFIGS.iter().any(|(u, _)| *u == kind.command()),
            "cosim_cli.rs checks no configuration of `{}`",
            kind.command()
        );
    }
    for b in BROKEN {
        assert!(CONFIGS.iter().any(|(u, _)| u == b), "{b} is not in CONFIGS");
    }
}

/// The law above for one unit: panics on the first broken part.
fn check_unit(unit: &str, flags: &[&str]) {
    let dir = scratch(unit);
    let waves = dir.join("failures");
    let w = waves.to_str().unwrap();
    let o = cosim(unit, flags, &["--waves", w]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{unit}: the generated RTL:\n{}",
        text(&o)
    );
    assert!(text(&o).contains("every check passes"), "{}", text(&o));
    if !BROKEN.contains(&unit) {
        return;
    }

    let (name, ports) = manifest(unit, flags);
    let mut gen = vec!["gen", unit];
    gen.extend(flags);
    let out = dir.to_str().unwrap();
    gen.extend(["-o", out]);
    assert!(hbfpgen(&gen).status.success());
    let sv = std::fs::read_to_string(dir.join(format!("{name}.sv"))).unwrap();
    let bad = dir.join("broken.sv");
    std::fs::write(&bad, broken(&sv, &name, &ports)).unwrap();
    let o = cosim(unit, flags, &["--rtl", bad.to_str().unwrap(), "--waves", w]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{unit}: the broken RTL:\n{t}");
    assert!(
        t.contains("RTL ") && t.contains("model "),
        "{unit}: names the mismatch:\n{t}"
    );
    let case = waves.join(format!("{name}-stream.json"));
    assert!(case.is_file(), "{unit}: no saved case:\n{t}");
    // an FST waveform (the default, `make setup` installs zlib's header): its first block is
    // the header block, type 0, of 329 bytes
    let fst = std::fs::read(waves.join(format!("{name}-stream.fst"))).unwrap_or_default();
    assert!(
        fst.len() > 329 && fst[0] == 0 && t.contains(&format!("{name}-stream.fst")),
        "{unit}: no FST waveform:\n{t}"
    );
    // the replay command, as printed, fails the same way
    let replay = t
        .lines()
        .find_map(|l| l.trim().strip_prefix("replay:"))
        .filter(|c| c.contains(case.to_str().unwrap()))
        .or_else(|| t.lines().find_map(|l| l.trim().strip_prefix("replay:")))
        .expect("a replay command")
        .trim()
        .to_owned();
    let argv: Vec<&str> = replay.split_whitespace().collect();
    assert_eq!(argv[0], "hbfpgen", "{replay}");
    let r = hbfpgen(&argv[1..]);
    assert_eq!(
        r.status.code(),
        Some(1),
        "{unit}: the replay:\n{}",
        text(&r)
    );
    assert!(text(&r).contains("replay of"), "{}", text(&r));
}

/// Law: RTL whose ports differ from the manifest's is refused with exit 2 and an error that names
/// the port, before anything is built.
#[test]
#[ignore = "needs verilator: run by `make test`"]
fn cosim_refuses_rtl_with_other_ports() {
    let dir = scratch("ports");
    let flags: &[&str] = &[
        "--mantissa",
        "4",
        "--block",
        "4",
        "--stages",
        "1",
        "--name",
        "u",
    ];
    let mut gen = vec!["gen", "dot"];
    gen.extend(flags);
    gen.extend(["-o", dir.to_str().unwrap()]);
    assert!(hbfpgen(&gen).status.success());
    let sv = std::fs::read_to_string(dir.join("u.sv")).unwrap();
    // the same module at B = 5 has wider mantissa ports
    let o = cosim(
        "dot",
        &[
            "--mantissa",
            "4",
            "--block",
            "5",
            "--stages",
            "1",
            "--name",
            "u",
        ],
        &["--rtl", dir.join("u.sv").to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("port a_man_i is an input of 16 bits"),
        "{}",
        text(&o)
    );
    // another module name
    let named_v: &[&str] = &[
        "--mantissa",
        "4",
        "--block",
        "4",
        "--stages",
        "1",
        "--name",
        "v",
    ];
    let o = cosim(
        "dot",
        named_v,
        &["--rtl", dir.join("u.sv").to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("has no module `v`"), "{}", text(&o));
    // a port removed
    let renamed = dir.join("renamed.sv");
    std::fs::write(&renamed, sv.replace("nan_o", "nan_x")).unwrap();
    let o = cosim("dot", flags, &["--rtl", renamed.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("has no port nan_o"), "{}", text(&o));
    // a missing file
    let o = cosim("dot", flags, &["--rtl", "/nonexistent.sv"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("no such file"), "{}", text(&o));
    // no cases, and an empty pool
    for bad in [&["--cases", "0"][..], &["--pool", "0"][..]] {
        let mut args = vec!["cosim", "dot"];
        args.extend(flags);
        args.extend(bad);
        let o = hbfpgen(&args);
        assert_eq!(o.status.code(), Some(2), "{bad:?}: {}", text(&o));
    }
}
