//! Co-simulation properties of the datapath models (`verif/src/datapath_units.rs`): the FP32 to
//! HBFP4 converter and the four `hbfp_mac` accumulators, driven through Verilator under random input
//! gaps and output stalls. Cases per property: `PROPTEST_CASES` (default 32).

use hbfp_verif::check::cases;
use hbfp_verif::datapath::PortDut;
use hbfp_verif::datapath_units::{
    datapath_converter, datapath_fp_macs, datapath_macs, DATAPATH_BLOCK,
};
use hbfpgen::convert_vectors::FP32_CORNERS;
use hbfpgen::manifest::{ConvertManifest, FpMacManifest, MacManifest};
use hbfpgen::model::Block;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// Streams `items` through `dut` with the source holding each item until it is accepted and
/// pausing where `gaps` says, and the sink refusing where `stalls` says (both cyclic), and checks
/// the laws: the outputs (`read` of each accepted output) equal `expected`, in order, none lost or
/// duplicated, and none more in the 16 cycles after the last; a refused output stays valid and
/// unchanged until accepted.
fn stream_check<T>(
    dut: &mut PortDut,
    items: &[T],
    mut load: impl FnMut(&mut PortDut, &T),
    read: impl Fn(&PortDut) -> Vec<u64>,
    expected: &[Vec<u64>],
    gaps: &[bool],
    stalls: &[bool],
) -> Result<(), TestCaseError> {
    let (mut next, mut got) = (0usize, 0usize);
    let mut presenting = false;
    let mut held: Option<Vec<u64>> = None;
    let bound = 8 * (items.len() + 4) * (gaps.len() + stalls.len() + 2);
    // after the last item is in and the last expected output out, 16 more cycles: nothing may come
    let mut drain = 16;
    for cycle in 0..bound {
        if got == expected.len() && next == items.len() {
            if drain == 0 {
                break;
            }
            drain -= 1;
        }
        if !presenting && next < items.len() && !gaps[cycle % gaps.len()] {
            load(dut, &items[next]);
            presenting = true;
        }
        dut.set("in_valid_i", u64::from(presenting));
        let ready = !stalls[cycle % stalls.len()];
        dut.set("out_ready_i", u64::from(ready));
        dut.step();
        let valid = dut.get("out_valid_o") == 1;
        if let Some(h) = held.take() {
            prop_assert!(valid, "cycle {cycle}: a refused output dropped its valid");
            prop_assert_eq!(&read(dut), &h, "cycle {}: a refused output changed", cycle);
        }
        if valid && ready {
            prop_assert!(got < expected.len(), "cycle {cycle}: an output too many");
            prop_assert_eq!(&read(dut), &expected[got], "output {}", got);
            got += 1;
        } else if valid {
            held = Some(read(dut));
        }
        if presenting && dut.get("in_ready_o") == 1 {
            presenting = false;
            next += 1;
        }
    }
    prop_assert_eq!(got, expected.len(), "outputs before the time-out");
    Ok(())
}

fn config() -> Config {
    Config {
        cases: cases(32),
        failure_persistence: None,
        ..Config::default()
    }
}

/// A lane: a corner value, any bit pattern, or a value near a common binade (so that lanes of a
/// block interact).
fn lane() -> BoxedStrategy<u64> {
    prop_oneof![
        2 => proptest::sample::select(FP32_CORNERS).prop_map(u64::from),
        1 => any::<u32>().prop_map(u64::from),
        5 => (any::<bool>(), 120u32..136, 0u32..(1 << 23))
            .prop_map(|(s, e, f)| u64::from(u32::from(s) << 31 | e << 23 | f)),
    ]
    .boxed()
}

/// A cyclic pattern of pauses (gaps or stalls): none, some, or mostly pauses; never only pauses.
fn pattern() -> BoxedStrategy<Vec<bool>> {
    prop_oneof![
        Just(vec![false]),
        proptest::collection::vec(proptest::bool::weighted(0.3), 1..40),
        proptest::collection::vec(proptest::bool::weighted(0.9), 1..40),
    ]
    .prop_map(|mut v| {
        v.push(false);
        v
    })
    .boxed()
}

/// Law: every block the converter emits is the golden model's, in order, under gaps and stalls.
#[test]
fn converter_matches_the_model_under_gaps_and_stalls() {
    let conv = datapath_converter();
    let ports = ConvertManifest::of(&conv).ports;
    let (b, m) = (DATAPATH_BLOCK as usize, conv.mantissa_bits());
    let blocks = proptest::collection::vec(proptest::collection::vec(lane(), b), 1..10);
    TestRunner::new(config())
        .run(&(blocks, pattern(), pattern()), |(blocks, gaps, stalls)| {
            let mut dut = PortDut::new(&conv.name, &ports).expect("compiled in");
            let el = conv.conv.format.element;
            let sc = conv.conv.format.scale;
            let expected: Vec<Vec<u64>> = blocks
                .iter()
                .map(|lanes| {
                    let q = conv.conv.convert(lanes, &[]).expect("valid lanes");
                    let mut v = vec![sc.encode(q.exp)];
                    v.extend(q.man.iter().map(|&x| el.encode(x)));
                    v
                })
                .collect();
            stream_check(
                &mut dut,
                &blocks,
                |d, lanes| d.set_lanes("fp_i", 32, lanes),
                |d| {
                    let mut v = vec![d.get("exp_o")];
                    v.extend(d.get_lanes("man_o", m, b));
                    v
                },
                &expected,
                &gaps,
                &stalls,
            )
        })
        .unwrap();
}

/// A block pair of a dot product: codes anywhere, exponents near each other or at the extremes
/// (NaN blocks included).
fn pair() -> BoxedStrategy<(Block, Block)> {
    let b = DATAPATH_BLOCK as usize;
    let block = (
        prop_oneof![4 => -6i64..6, 1 => Just(-512i64), 1 => Just(511i64), 1 => -512i64..511],
        proptest::collection::vec(-7i64..=7, b),
    )
        .prop_map(|(exp, man)| Block { exp, man });
    (block.clone(), block).boxed()
}

/// Law: every accumulator's result for a dot product (pairs framed by first and last) is the
/// golden model's, in order, under gaps and stalls.
#[test]
fn accumulators_match_the_model_under_gaps_and_stalls() {
    let products = proptest::collection::vec(proptest::collection::vec(pair(), 1..6), 1..6);
    for mac in datapath_macs() {
        let ports = MacManifest::of(&mac).ports;
        let m = mac.dot.mantissa_bits();
        TestRunner::new(config())
            .run(
                &(products.clone(), pattern(), pattern()),
                |(dots, gaps, stalls)| {
                    let mut dut = PortDut::new(&mac.name, &ports).expect("compiled in");
                    let el = mac.dot.format.element;
                    let sc = mac.dot.format.scale;
                    let expected: Vec<Vec<u64>> = dots
                        .iter()
                        .map(|pairs| vec![mac.dot_product(pairs).expect("valid blocks")])
                        .collect();
                    let items: Vec<(&Block, &Block, bool, bool)> = dots
                        .iter()
                        .flat_map(|pairs| {
                            let n = pairs.len();
                            pairs
                                .iter()
                                .enumerate()
                                .map(move |(j, (a, x))| (a, x, j == 0, j + 1 == n))
                        })
                        .collect();
                    stream_check(
                        &mut dut,
                        &items,
                        |d, (a, x, first, last)| {
                            let man = |blk: &Block| {
                                blk.man.iter().map(|&q| el.encode(q)).collect::<Vec<_>>()
                            };
                            d.set_lanes("a_man_i", m, &man(a));
                            d.set("a_exp_i", sc.encode(a.exp));
                            d.set_lanes("b_man_i", m, &man(x));
                            d.set("b_exp_i", sc.encode(x.exp));
                            d.set("first_i", u64::from(*first));
                            d.set("last_i", u64::from(*last));
                        },
                        |d| vec![d.get("acc_o")],
                        &expected,
                        &gaps,
                        &stalls,
                    )
                },
            )
            .unwrap_or_else(|e| panic!("{}: {e}", mac.name));
    }
}

/// The checker can fail: a corrupted result, a missing one (two expected, one produced) and an
/// extra one (none expected, one produced) are each caught.
#[test]
fn the_checker_catches_a_wrong_missing_or_extra_result() {
    let mac = &datapath_macs()[0];
    let ports = MacManifest::of(mac).ports;
    let m = mac.dot.mantissa_bits();
    let blk = |exp: i64, q: i64| Block {
        exp,
        man: vec![q; DATAPATH_BLOCK as usize],
    };
    let items = [
        (blk(0, 3), blk(1, -2), true, false),
        (blk(2, 1), blk(0, 5), false, true),
    ];
    let pairs: Vec<(Block, Block)> = items
        .iter()
        .map(|(a, x, _, _)| (a.clone(), x.clone()))
        .collect();
    let good = vec![vec![mac.dot_product(&pairs).unwrap()]];
    let el = mac.dot.format.element;
    let sc = mac.dot.format.scale;
    let run = |expected: &[Vec<u64>]| {
        let mut dut = PortDut::new(&mac.name, &ports).expect("compiled in");
        stream_check(
            &mut dut,
            &items,
            |d, (a, x, first, last)| {
                let man = |b: &Block| b.man.iter().map(|&q| el.encode(q)).collect::<Vec<_>>();
                d.set_lanes("a_man_i", m, &man(a));
                d.set("a_exp_i", sc.encode(a.exp));
                d.set_lanes("b_man_i", m, &man(x));
                d.set("b_exp_i", sc.encode(x.exp));
                d.set("first_i", u64::from(*first));
                d.set("last_i", u64::from(*last));
            },
            |d| vec![d.get("acc_o")],
            expected,
            &[false, true],
            &[true, false, false],
        )
    };
    assert!(run(&good).is_ok());
    assert!(run(&[vec![good[0][0] ^ 1]]).is_err(), "a wrong result");
    assert!(
        run(&[good[0].clone(), good[0].clone()]).is_err(),
        "a missing result"
    );
    assert!(run(&[]).is_err(), "an extra result");
}

/// An operand: a special value (zeros, subnormals, the largest values, infinities, NaN) or a value
/// of random sign and fraction with an exponent within a few binades of 1 (fp32 bits, or bf16 as
/// the top half).
fn operand(bf16: bool) -> BoxedStrategy<u64> {
    let specials: Vec<u32> = vec![
        0,
        0x8000_0000,
        1,
        0x807f_ffff,
        0x7f7f_ffff,
        0xff7f_ffff,
        0x7f80_0000,
        0xff80_0000,
        0x7fc0_0000,
    ];
    prop_oneof![
        1 => proptest::sample::select(specials),
        8 => (any::<bool>(), 110u32..145, 0u32..(1 << 23))
            .prop_map(|(s, e, f)| u32::from(s) << 31 | e << 23 | f),
    ]
    .prop_map(move |x| {
        if bf16 {
            u64::from(x >> 16)
        } else {
            u64::from(x)
        }
    })
    .boxed()
}

/// Law: each `fp_mac` baseline's result for a dot product of 1 to 8 operand pairs is the golden
/// model's (IEEE 754 fusedMultiplyAdd into the accumulator), in order, under gaps and stalls.
#[test]
fn fp_baselines_match_the_model_under_gaps_and_stalls() {
    for fp in datapath_fp_macs() {
        let ports = FpMacManifest::of(&fp).ports;
        let bf16 = fp.mac.operand.bits() == 16;
        let pairs = (operand(bf16), operand(bf16));
        let dots = proptest::collection::vec(proptest::collection::vec(pairs, 1..9), 1..6);
        TestRunner::new(config())
            .run(&(dots, pattern(), pattern()), |(dots, gaps, stalls)| {
                let mut dut = PortDut::new(&fp.name, &ports).expect("compiled in");
                let expected: Vec<Vec<u64>> = dots
                    .iter()
                    .map(|pairs| {
                        let acc = pairs
                            .iter()
                            .fold(fp.mac.acc.format.zero(false), |acc, (a, b)| {
                                fp.mac.step(acc, *a, *b)
                            });
                        vec![acc]
                    })
                    .collect();
                let items: Vec<(u64, u64, bool, bool)> = dots
                    .iter()
                    .flat_map(|pairs| {
                        let n = pairs.len();
                        pairs
                            .iter()
                            .enumerate()
                            .map(move |(j, (a, b))| (*a, *b, j == 0, j + 1 == n))
                    })
                    .collect();
                stream_check(
                    &mut dut,
                    &items,
                    |d, (a, b, first, last)| {
                        d.set("a_i", *a);
                        d.set("b_i", *b);
                        d.set("first_i", u64::from(*first));
                        d.set("last_i", u64::from(*last));
                    },
                    |d| vec![d.get("acc_o")],
                    &expected,
                    &gaps,
                    &stalls,
                )
            })
            .unwrap_or_else(|e| panic!("{}: {e}", fp.name));
    }
}
