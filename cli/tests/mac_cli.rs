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
    let stem = "hbfp_mac_m4_b3_e10_s5_fp12_sat";
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
    assert_eq!(j["latency"], 6, "5 stages and the accumulator register");
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
            vec!["--block", "64", "--stages", "10"],
            "`stages`: 10 is out of range; allowed: 0 to 9",
        ),
        (vec!["--mantissa", "17"], "`mantissa`"),
        (vec!["--name", "wire"], "keyword"),
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
