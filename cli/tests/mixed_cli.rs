//! The command line of `hbfp_mixed_dot`: outputs, determinism, the manifest (cycles and latency
//! per mode), vectors, a TOML config, and every error path (a message that names the parameter and
//! its range, exit code 2, no files).

mod common;
use common::{files_in, hbfpgen, stderr};

#[test]
fn gen_mixed_writes_sv_manifest_and_testbench_deterministically() {
    let t = tempfile::tempdir().unwrap();
    let (d1, d2) = (t.path().join("one"), t.path().join("two"));
    for d in [&d1, &d2] {
        let o = hbfpgen(&[
            "gen",
            "mixed",
            "--modes",
            "6,4",
            "--block",
            "3",
            "--testbench",
            "-o",
            d.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(String::from_utf8_lossy(&o.stdout).contains("HBFP6 4 cycle(s) per block"));
    }
    let stem = "hbfp_mixed_dot_m4_6_b3_e10_s6";
    let names = files_in(&d1);
    assert_eq!(
        names,
        [
            format!("{stem}.json"),
            format!("{stem}.sv"),
            format!("{stem}_tb.sv")
        ]
    );
    for n in &names {
        assert_eq!(
            std::fs::read(d1.join(n)).unwrap(),
            std::fs::read(d2.join(n)).unwrap(),
            "{n} differs between two runs"
        );
    }
    let j: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d1.join(format!("{stem}.json"))).unwrap()).unwrap();
    assert_eq!(j["unit"], "hbfp_mixed_dot");
    let modes = j["modes"].as_array().unwrap();
    assert_eq!(modes.len(), 2);
    // 6 stages (the bit heap at B = 3): HBFP4 1 cycle per block, latency 7; HBFP6 4 cycles, latency 10
    for (m, code, cycles, latency, sum_bits) in [(4, 0, 1, 7, 9), (6, 1, 4, 10, 13)] {
        let x = modes.iter().find(|x| x["mantissa"] == m).unwrap();
        assert_eq!(x["code"], code);
        assert_eq!(x["cycles_per_block"], cycles);
        assert_eq!(x["latency"], latency);
        assert_eq!(x["schedule"].as_array().unwrap().len(), cycles);
        assert_eq!(x["sum_bits"], sum_bits);
    }
    let port = |n: &str| {
        j["ports"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == n)
            .unwrap_or_else(|| panic!("no port {n}"))
            .clone()
    };
    assert_eq!(port("a_man_i")["width"], 18);
    assert_eq!(port("mode_i")["width"], 1);
    assert_eq!(port("sum_o")["width"], 13);
    let sv = std::fs::read_to_string(d1.join(format!("{stem}.sv"))).unwrap();
    assert!(sv.contains("hbfpgen gen mixed --modes 4,6 --block 3"));
}

#[test]
fn info_and_vectors_and_config() {
    let t = tempfile::tempdir().unwrap();
    let cfg = t.path().join("m.toml");
    std::fs::write(&cfg, "modes = [8]\nblock = 2\nstages = 1\n").unwrap();
    let o = hbfpgen(&["info", "mixed", "--config", cfg.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["modes"][0]["cycles_per_block"], 9);
    assert!(
        !j["ports"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "mode_i"),
        "one mode: no mode port"
    );
    // flags override the file
    let o = hbfpgen(&[
        "info",
        "mixed",
        "--config",
        cfg.to_str().unwrap(),
        "--modes",
        "4,8",
    ]);
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["modes"].as_array().unwrap().len(), 2);
    let vec_file = t.path().join("v.vec");
    let o = hbfpgen(&[
        "vectors",
        "mixed",
        "--block",
        "4",
        "-n",
        "50",
        "-o",
        vec_file.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&vec_file).unwrap();
    assert!(text.contains("mode:2 a_man:32 a_exp:10"), "{text}");
    assert_eq!(text.lines().filter(|l| !l.starts_with("//")).count(), 50);
}

#[test]
fn invalid_input_is_a_clear_error_with_exit_2_and_no_files() {
    let t = tempfile::tempdir().unwrap();
    let bad_toml = t.path().join("bad.toml");
    std::fs::write(&bad_toml, "modes = [4, 7]\n").unwrap();
    let unknown = t.path().join("unknown.toml");
    std::fs::write(&unknown, "mode = [4]\n").unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["--modes", "4,5"],
            "`modes`: 5 is out of range; allowed: a list of distinct widths from 4, 6 and 8",
        ),
        (vec!["--modes", "6,6"], "given twice"),
        (vec!["--modes", "x"], "--modes"),
        (
            vec!["--block", "64", "--stages", "11"],
            "`stages`: 11 is out of range; allowed: 0 to 10",
        ),
        (vec!["--block", "0"], "`block`"),
        (vec!["--exp-bits", "1"], "`exp_bits`"),
        (vec!["--tag-bits", "65"], "`tag_bits`"),
        (vec!["--name", "module"], "keyword"),
        (vec!["--config", bad_toml.to_str().unwrap()], "`modes`: 7"),
        (vec!["--config", unknown.to_str().unwrap()], "mode"),
    ];
    for (args, msg) in cases {
        let out = t.path().join("out");
        let mut full = vec!["gen", "mixed"];
        full.extend(args.iter().copied());
        full.extend(["-o", out.to_str().unwrap()]);
        let o = hbfpgen(&full);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains(msg),
            "{args:?}: expected {msg:?} in {}",
            stderr(&o)
        );
        assert!(!out.exists(), "{args:?}: output written");
    }
}
