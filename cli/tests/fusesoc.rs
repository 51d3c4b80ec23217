//! FuseSoC (docs/fusesoc.md), with FuseSoC from pip in `.venv` (`make setup`):
//!
//! 1. `hbfpgen gen ... --fusesoc` writes a core with which `fusesoc run` lints the unit (Verilator
//!    -Wall), runs its self-checking testbench under Icarus and under Verilator, and synthesises it
//!    with Yosys for ECP5 and iCE40; each target fails when its check fails (a vector changed, a
//!    dangling signal added).
//! 2. The generator core (`fusesoc/hbfpgen.core`) generates a unit from a user's core
//!    (`fusesoc/examples/hbfp_dot_demo.core`), which then lints and simulates under both
//!    simulators; a parameter the unit does not take fails the run with the generator's message.
//! 3. The core file is deterministic, and a malformed name is refused with nothing written.
//!
//! They need fusesoc, verilator, iverilog and yosys, so they are `#[ignore]`d in a plain `cargo
//! test`; `make test` runs them.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const HBFPGEN: &str = env!("CARGO_BIN_EXE_hbfpgen");

/// The repository's root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// `.venv/bin/fusesoc` (make setup), with `.venv/bin` first on the PATH (the generator's python3
/// then has PyYAML) and `HBFPGEN` the binary under test.
fn fusesoc(dir: &Path, args: &[&str]) -> Output {
    let venv = root().join(".venv/bin");
    let exe = venv.join("fusesoc");
    assert!(
        exe.is_file(),
        "{} is missing: run `make setup`",
        exe.display()
    );
    let path = format!(
        "{}:{}",
        venv.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    Command::new(exe)
        .args(args)
        .current_dir(dir)
        .env("PATH", path)
        .env("HBFPGEN", HBFPGEN)
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Runs target `target` of core `vlnv` from `cores_root`; returns (success, output).
fn run_target(dir: &Path, cores_root: &Path, target: &str, vlnv: &str) -> (bool, String) {
    let o = fusesoc(
        dir,
        &[
            "--cores-root",
            cores_root.to_str().unwrap(),
            "run",
            "--target",
            target,
            vlnv,
        ],
    );
    (o.status.success(), text(&o))
}

fn gen(dir: &Path, args: &[&str]) -> Output {
    Command::new(HBFPGEN)
        .arg("gen")
        .args(args)
        .args(["-o", dir.to_str().unwrap()])
        .output()
        .unwrap()
}

#[test]
#[ignore = "needs fusesoc (pip, .venv), verilator, iverilog and yosys: run by `make test`"]
fn a_generated_core_lints_simulates_and_synthesises() {
    let t = tempfile::tempdir().unwrap();
    let cores = t.path().join("cores");
    let o = gen(
        &cores,
        &[
            "dot",
            "--mantissa",
            "4",
            "--block",
            "4",
            "--name",
            "d4",
            "--fusesoc",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    for f in ["d4.sv", "d4.json", "d4_tb.sv", "d4.vec", "d4.core"] {
        assert!(cores.join(f).is_file(), "{f} was not written");
    }
    let vlnv = format!("hbfpgen:unit:d4:{}", env!("CARGO_PKG_VERSION"));
    for (target, expect) in [
        ("lint", ""),
        ("sim", "1000 passed, 0 failed"),
        ("sim_verilator", "1000 passed, 0 failed"),
        ("synth", "synth_ecp5"),
        ("synth_ice40", "synth_ice40"),
    ] {
        let (ok, out) = run_target(t.path(), &cores, target, &vlnv);
        assert!(ok, "target {target} failed:\n{out}");
        assert!(
            out.contains(expect),
            "target {target}: no `{expect}` in\n{out}"
        );
    }

    // a result's expected value changed in the vectors: both simulations fail
    let vec = std::fs::read_to_string(cores.join("d4.vec")).unwrap();
    let mut lines: Vec<String> = vec.lines().map(str::to_owned).collect();
    let i = lines.iter().position(|l| l.starts_with("1_")).unwrap() + 3;
    let flipped = if lines[i].ends_with('0') { '1' } else { '0' };
    lines[i].pop();
    lines[i].push(flipped);
    std::fs::write(cores.join("d4.vec"), lines.join("\n") + "\n").unwrap();
    for target in ["sim", "sim_verilator"] {
        let (ok, out) = run_target(t.path(), &cores, target, &vlnv);
        assert!(!ok, "target {target} passed a wrong vector:\n{out}");
        assert!(out.contains("999 passed, 1 failed"), "{target}:\n{out}");
    }

    // a dangling signal: lint fails
    let sv = std::fs::read_to_string(cores.join("d4.sv")).unwrap();
    let sv = sv.replacen("endmodule", "  logic dangling_q;\nendmodule", 1);
    std::fs::write(cores.join("d4.sv"), sv).unwrap();
    let (ok, out) = run_target(t.path(), &cores, "lint", &vlnv);
    assert!(
        !ok && out.contains("dangling_q"),
        "lint passed a dangling signal:\n{out}"
    );
}

#[test]
#[ignore = "needs fusesoc (pip, .venv), verilator and iverilog: run by `make test`"]
fn the_generator_core_generates_a_unit_from_a_users_core() {
    let t = tempfile::tempdir().unwrap();
    let cores = root().join("fusesoc");
    let vlnv = "hbfpgen:example:hbfp_dot_demo";
    for (target, expect) in [
        ("lint", "Generating"),
        ("sim", "1000 passed, 0 failed"),
        ("sim_verilator", "1000 passed, 0 failed"),
    ] {
        let (ok, out) = run_target(t.path(), &cores, target, vlnv);
        assert!(ok, "target {target} failed:\n{out}");
        assert!(
            out.contains(expect),
            "target {target}: no `{expect}` in\n{out}"
        );
    }

    // a user's core with a parameter the unit does not take: the run fails with hbfpgen's message
    let user = t.path().join("user");
    std::fs::create_dir_all(&user).unwrap();
    let demo = std::fs::read_to_string(cores.join("examples/hbfp_dot_demo.core")).unwrap();
    let bad = demo
        .replace("hbfp_dot_demo:0.1.0", "bad_demo:0.1.0")
        .replace("      block: 16\n", "      block: 16\n      mantisa: 4\n");
    assert_ne!(bad, demo);
    std::fs::write(user.join("bad.core"), bad).unwrap();
    std::fs::copy(cores.join("hbfpgen.core"), user.join("hbfpgen.core")).unwrap();
    std::fs::copy(
        cores.join("hbfpgen_generator.py"),
        user.join("hbfpgen_generator.py"),
    )
    .unwrap();
    let (ok, out) = run_target(t.path(), &user, "lint", "hbfpgen:example:bad_demo");
    assert!(!ok, "a bad parameter passed:\n{out}");
    assert!(out.contains("--mantisa"), "{out}");
}

#[test]
fn the_core_is_deterministic_and_a_bad_name_writes_nothing() {
    let t = tempfile::tempdir().unwrap();
    let args = [
        "mx-convert",
        "--elements",
        "fp4",
        "--block",
        "8",
        "--fusesoc",
    ];
    let (a, b) = (t.path().join("a"), t.path().join("b"));
    assert!(gen(&a, &args).status.success());
    assert!(gen(&b, &args).status.success());
    let core = "mx_convert_fp32_e2m1_k8_s6.core";
    let text_a = std::fs::read_to_string(a.join(core)).unwrap();
    assert_eq!(text_a, std::fs::read_to_string(b.join(core)).unwrap());
    assert!(text_a.contains("name: hbfpgen:unit:mx_convert_fp32_e2m1_k8_s6:"));

    let c = t.path().join("c");
    let mut bad = args.to_vec();
    bad.extend(["--fusesoc-vlnv", "no spaces:a:b:1"]);
    let o = gen(&c, &bad);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("vendor:library:name:version"),
        "{}",
        text(&o)
    );
    assert!(!c.exists(), "a refused run wrote {}", c.display());

    // --fusesoc-vlnv needs --fusesoc
    let o = gen(&c, &["dot", "--fusesoc-vlnv", "a:b:c:1"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(!c.exists());
}

#[test]
fn a_unit_without_a_handshake_gets_no_testbench_or_simulation_targets() {
    let t = tempfile::tempdir().unwrap();
    let o = gen(
        t.path(),
        &["int-dot", "--mantissa", "4", "--block", "4", "--fusesoc"],
    );
    assert!(o.status.success(), "{}", text(&o));
    let core = std::fs::read_to_string(t.path().join("int_dot_m4_b4_s6.core")).unwrap();
    for absent in ["sim", "tb", ".vec"] {
        assert!(!core.contains(absent), "`{absent}` in\n{core}");
    }
    for present in ["lint:", "synth:", "synth_ice40:"] {
        assert!(core.contains(present), "no `{present}` in\n{core}");
    }
    assert!(!t.path().join("int_dot_m4_b4_s6_tb.sv").exists());
}
