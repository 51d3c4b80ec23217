//! The command line of `hbfp_mac`: outputs, determinism, the manifest, the vectors' framing, and
//! every error path (a message that names the parameter and its range, exit code 2, no files).

mod common;
use common::{files_in, hbfpgen, stderr};

#[test]
fn gen_mac_writes_sv_manifest_and_testbench_deterministically() {
    let t = tempfile::tempdir().unwrap();
    let (d1, d2) = (t.path().join("one"), t.path().join("two"));
    for d in [&d1, &d2] {
        let o = hbfpgen(&[
            "gen",
            "mac",
            "--block",
            "3",
            "--acc",
            "fp12",
            "--saturate",
            "--testbench",
            "-o",
            d.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let stem = "hbfp_mac_m4_b3_e10_s7_fp12_sat";
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
    assert_eq!(j["latency"], 8, "7 stages and the accumulator register");
    let acc_o = j["ports"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "acc_o")
        .unwrap();
    assert_eq!(acc_o["width"], 12);
}

#[test]
fn invalid_input_is_a_clear_error_with_exit_2_and_no_files() {
    let t = tempfile::tempdir().unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--acc", "fp8"], "`acc`: fp8 is out of range"),
        (vec!["--acc", "fp64"], "fp32, bf16, fp16, fp12"),
        (
            vec!["--acc-exp-bits", "12", "--acc-man-bits", "10"],
            "`acc_exp_bits`: 12 is out of range; allowed: 3 to 11",
        ),
        (
            vec!["--acc-exp-bits", "5", "--acc-man-bits", "53"],
            "`acc_man_bits`",
        ),
        (vec!["--acc-exp-bits", "5"], "--acc-man-bits"),
        (
            vec![
                "--acc",
                "fp16",
                "--acc-exp-bits",
                "5",
                "--acc-man-bits",
                "10",
            ],
            "cannot be used with",
        ),
        (
            vec!["--block", "64", "--stages", "12"],
            "`stages`: 12 is out of range; allowed: 0 to 11",
        ),
        (
            vec!["--block", "64", "--datapath", "tree", "--stages", "10"],
            "`stages`: 10 is out of range; allowed: 0 to 9",
        ),
        (vec!["--mantissa", "17"], "`mantissa`"),
        (vec!["--name", "wire"], "keyword"),
        (
            vec!["--contexts", "0"],
            "`contexts`: 0 is out of range; allowed: 1 to 64",
        ),
        (vec!["--contexts", "65"], "allowed: 1 to 64"),
        (
            vec!["--contexts", "two"],
            "expected a whole number or `auto`",
        ),
        (
            vec!["--contexts", "auto", "--acc-stages", "10"],
            "`acc_stages`: 10 is out of range; allowed: 1 to 9",
        ),
        (
            vec!["--contexts", "2", "--acc-stages", "3"],
            "needs at least K contexts",
        ),
        (vec!["--acc-stages", "2"], "raise --contexts"),
    ];
    for (args, msg) in cases {
        let out = t.path().join("out");
        let mut full = vec!["gen", "mac"];
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

/// Every dot product of the vectors begins with `first` and ends with `last`, and the files are
/// deterministic.
#[test]
fn vectors_frame_every_dot_product_and_are_deterministic() {
    use hbfpgen::mac::MacSpec;
    let unit = MacSpec {
        block: Some(4),
        acc: Some("fp16".into()),
        ..Default::default()
    }
    .resolve()
    .unwrap();
    let v = hbfpgen::mac::vectors::generate(&unit, 300, 3);
    assert!(v.len() >= 300 && v.len() < 306);
    assert!(v[0].first && v.last().unwrap().last);
    for w in v.windows(2) {
        assert_eq!(
            w[1].first, w[0].last,
            "a dot product starts right after one ends"
        );
    }
    // the accumulator after a pair is the model's: one more pair from the previous value
    let frac = 2 * i64::from(unit.dot.format.element.frac_bits());
    for w in v.windows(2).filter(|w| !w[1].first) {
        let r = unit.dot.dot(&w[1].a, &w[1].b).unwrap();
        assert_eq!(
            unit.acc
                .add_block(w[0].expected, r.sum, r.exp - frac, r.nan),
            w[1].expected
        );
    }
    let a = hbfpgen::mac::vectors::to_text(&unit, &v, 3);
    let b =
        hbfpgen::mac::vectors::to_text(&unit, &hbfpgen::mac::vectors::generate(&unit, 300, 3), 3);
    assert_eq!(a, b);
}

#[test]
fn gen_fp_mac_writes_files_and_rejects_bad_input() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("o");
    let o = hbfpgen(&[
        "gen",
        "fp-mac",
        "--operand",
        "bf16",
        "--stages",
        "1",
        "--testbench",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        files_in(&out),
        [
            "fp_mac_bf16_fp32_s1.json",
            "fp_mac_bf16_fp32_s1.sv",
            "fp_mac_bf16_fp32_s1_tb.sv"
        ]
    );
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["--operand", "fp12"],
            "`operand`: fp12 is out of range; allowed: fp32, bf16, fp16",
        ),
        (vec!["--acc", "fp64"], "`acc`"),
        (
            vec!["--stages", "4"],
            "`stages`: 4 is out of range; allowed: 0 to 3",
        ),
        (vec!["--tag-bits", "65"], "`tag_bits`"),
    ];
    for (args, msg) in cases {
        let bad = t.path().join("bad");
        let mut full = vec!["gen", "fp-mac"];
        full.extend(args.iter().copied());
        full.extend(["-o", bad.to_str().unwrap()]);
        let o = hbfpgen(&full);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains(msg),
            "{args:?}: expected {msg:?} in {}",
            stderr(&o)
        );
        assert!(!bad.exists());
    }
}

/// Law: `--contexts 1` (with or without `--acc-stages 1`) is the unit without contexts, file for
/// file; a unit with contexts has the turn and the result's context as ports, records C, K, the
/// rule and the loop's registers in its manifest, and its vectors are in turn order (word i of
/// context i mod C, `acc_ctx` naming it).
#[test]
fn contexts_one_is_the_plain_unit_and_contexts_are_recorded() {
    let t = tempfile::tempdir().unwrap();
    let gen = |dir: &str, extra: &[&str]| {
        let out = t.path().join(dir);
        let mut a = vec!["gen", "mac", "-b", "8", "--testbench"];
        a.extend_from_slice(extra);
        a.extend(["-o", out.to_str().unwrap()]);
        let o = hbfpgen(&a);
        assert!(o.status.success(), "{extra:?}: {}", stderr(&o));
        out
    };
    let plain = gen("plain", &[]);
    for extra in [
        &["--contexts", "1"][..],
        &["--contexts", "1", "--acc-stages", "1"],
    ] {
        let one = gen(&format!("one{}", extra.len()), extra);
        for f in files_in(&plain) {
            assert_eq!(
                std::fs::read(plain.join(&f)).unwrap(),
                std::fs::read(one.join(&f)).unwrap(),
                "{f} differs with {extra:?}"
            );
        }
    }
    let ring = gen(
        "ring",
        &[
            "--contexts",
            "5",
            "--acc-stages",
            "3",
            "-s",
            "5",
            "--name",
            "ringmac",
        ],
    );
    let json = std::fs::read_to_string(ring.join("ringmac.json")).unwrap();
    let m: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(m["schedule"]["contexts"], 5);
    assert_eq!(m["schedule"]["acc_stages"], 3);
    assert_eq!(m["schedule"]["context_rule"], "turns");
    assert_eq!(m["latency"], 5 + 3);
    let ports: Vec<&str> = m["ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(ports.contains(&"ctx_o") && ports.contains(&"acc_ctx_o"));
    let sv = std::fs::read_to_string(ring.join("ringmac.sv")).unwrap();
    assert!(sv.contains("--contexts 5 --acc-stages 3"));
    assert!(sv.contains("// Contexts: C = 5 dot products take turns"));

    let u = hbfpgen::mac::MacSpec {
        block: Some(8),
        contexts: Some(hbfpgen::acc_loop::Contexts::Count(5)),
        acc_stages: Some(3),
        ..Default::default()
    }
    .resolve()
    .unwrap();
    let v = hbfpgen::mac::vectors::generate(&u, 200, 3);
    assert_eq!(v.len(), 200);
    for (i, w) in v.iter().enumerate() {
        assert_eq!(w.ctx as usize, i % 5, "word {i}");
    }
    // each context's words, in order, are whole dot products from first to last
    for c in 0..5 {
        let mine: Vec<_> = v.iter().filter(|w| w.ctx == c).collect();
        assert!(mine[0].first && mine.last().unwrap().last);
        for p in mine.windows(2) {
            assert_eq!(p[0].last, p[1].first);
        }
    }
}
