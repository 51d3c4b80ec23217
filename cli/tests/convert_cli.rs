//! The command line of `hbfp_convert`: outputs, determinism, configuration files, the manifest, and
//! every error path (a message that names the parameter and its range, exit code 2, no files).

mod common;
use common::{files_in, hbfpgen, stderr};

#[test]
fn gen_convert_writes_sv_manifest_and_testbench_deterministically() {
    let t = tempfile::tempdir().unwrap();
    let (d1, d2) = (t.path().join("one"), t.path().join("two"));
    let args = [
        "gen",
        "convert",
        "--mantissa",
        "6",
        "--block",
        "3",
        "--rounding",
        "stochastic",
        "--random-bits",
        "5",
        "--ftz",
        "--testbench",
    ];
    for d in [&d1, &d2] {
        let mut a = args.to_vec();
        a.extend(["-o", d.to_str().unwrap()]);
        let o = hbfpgen(&a);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let stem = "hbfp_convert_fp32_m6_b3_e10_s5_sr5_ftz";
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
    // the header records the command that regenerates the unit, and it does
    let sv = std::fs::read_to_string(d1.join(format!("{stem}.sv"))).unwrap();
    let cmd = sv.lines().nth(2).unwrap().trim_start_matches("//").trim();
    assert!(cmd.starts_with("hbfpgen gen convert "), "{cmd}");
    let d3 = t.path().join("three");
    let mut again: Vec<&str> = cmd.split_whitespace().skip(1).collect();
    again.extend(["-o", d3.to_str().unwrap()]);
    let o = hbfpgen(&again);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(d3.join(format!("{stem}.sv"))).unwrap(),
        sv
    );
}

#[test]
fn manifest_gives_the_ports_of_the_parameters() {
    let o = hbfpgen(&[
        "info",
        "convert",
        "--block",
        "16",
        "--mantissa",
        "8",
        "--input-format",
        "bf16",
        "--rounding",
        "stochastic",
        "--tag-bits",
        "3",
        "--stages",
        "0",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let width = |name: &str| {
        j["ports"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .map(|p| p["width"].as_u64().unwrap())
    };
    assert_eq!(width("fp_i"), Some(16 * 16));
    assert_eq!(width("rnd_i"), Some(16 * 8), "default random bits: 8");
    assert_eq!(width("man_o"), Some(16 * 8));
    assert_eq!(width("exp_o"), Some(10));
    assert_eq!(width("tag_o"), Some(3));
    assert_eq!(width("clk_i"), None, "a combinational unit has no clock");
    assert_eq!(j["latency"], 0);
    assert_eq!(j["derived"]["max_stages"], 4 + 3);
}

#[test]
fn config_file_gives_parameters_and_flags_override_it() {
    let t = tempfile::tempdir().unwrap();
    let cfg = t.path().join("c.toml");
    std::fs::write(
        &cfg,
        "mantissa = 8\nblock = 4\ninput_format = \"bf16\"\nrounding = \"toward-zero\"\nemulator_compat = true\n",
    )
    .unwrap();
    let out = t.path().join("o");
    let o = hbfpgen(&[
        "gen",
        "convert",
        "--config",
        cfg.to_str().unwrap(),
        "--block",
        "2",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        files_in(&out),
        [
            "hbfp_convert_bf16_m8_b2_e10_s4_tz_emu.json",
            "hbfp_convert_bf16_m8_b2_e10_s4_tz_emu.sv"
        ]
    );
}

#[test]
fn invalid_input_is_a_clear_error_with_exit_2_and_no_files() {
    let t = tempfile::tempdir().unwrap();
    let bad_toml = t.path().join("bad.toml");
    std::fs::write(&bad_toml, "rounding = \"stochastic\"\nbits = 3\n").unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--mantissa", "1"], "`mantissa`: 1 is out of range"),
        (vec!["--block", "0"], "`block`"),
        (vec!["--exp-bits", "17"], "`exp_bits`"),
        (
            vec!["--block", "64", "--stages", "10"],
            "`stages`: 10 is out of range; allowed: 0 to 9",
        ),
        (vec!["--random-bits", "4"], "only with stochastic rounding"),
        (
            vec!["--rounding", "stochastic", "--random-bits", "0"],
            "`random_bits`: 0 is out of range; allowed: 1 to 32",
        ),
        (
            vec!["--rounding", "stochastic", "--random-bits", "33"],
            "`random_bits`",
        ),
        (
            vec!["--rounding", "up"],
            "nearest-even, stochastic or toward-zero",
        ),
        (vec!["--input-format", "fp16"], "use fp32 or bf16"),
        (vec!["--tag-bits", "65"], "`tag_bits`"),
        (vec!["--name", "end"], "keyword"),
        (
            vec!["--config", bad_toml.to_str().unwrap()],
            "unknown field `bits`",
        ),
    ];
    for (args, msg) in cases {
        let out = t.path().join("out");
        let mut full = vec!["gen", "convert"];
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
    // exhaustive vectors only for blocks of 1 or 2 lanes, and no partial file
    let vf = t.path().join("v.vec");
    let o = hbfpgen(&[
        "vectors",
        "convert",
        "--block",
        "3",
        "--exhaustive",
        "-o",
        vf.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("1 or 2 with --exhaustive"),
        "{}",
        stderr(&o)
    );
    assert!(!vf.exists());
    assert_eq!(files_in(t.path()), ["bad.toml"]);
}

#[test]
fn vectors_are_deterministic_and_exhaustive_covers_every_pair() {
    let t = tempfile::tempdir().unwrap();
    let run = |name: &str, extra: &[&str]| {
        let f = t.path().join(name);
        let mut a = vec![
            "vectors",
            "convert",
            "--block",
            "2",
            "-o",
            f.to_str().unwrap(),
        ];
        a.extend(extra.iter().copied());
        let o = hbfpgen(&a);
        assert!(o.status.success(), "{}", stderr(&o));
        std::fs::read_to_string(f).unwrap()
    };
    assert_eq!(run("a.vec", &["-n", "50"]), run("b.vec", &["-n", "50"]));
    assert_ne!(
        run("c.vec", &["-n", "50", "--seed", "2"]),
        run("a.vec", &["-n", "50"])
    );
    let ex = run("e.vec", &["--exhaustive"]);
    let words = ex.lines().filter(|l| !l.starts_with("//")).count();
    let corners = hbfpgen::convert::vectors::corner_values(hbfpgen::convert::InputFormat::Fp32);
    assert_eq!(words, corners.len() * corners.len());
}
