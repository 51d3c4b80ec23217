//! Co-simulation properties of the datapath models (`verif/src/datapath_units.rs`): the FP32 to
//! HBFP4 converter, the four `hbfp_mac` accumulators, the `fp_mac` baselines and the
//! `hbfp_mixed_dot` units, driven through Verilator under random input gaps and output stalls. Cases per property: `PROPTEST_CASES` (default 32).

use hbfp_verif::check::cases;
use hbfp_verif::datapath::PortDut;
use hbfp_verif::datapath_units::{
    datapath_converter, datapath_fp_macs, datapath_macs, datapath_mixed, DATAPATH_BLOCK,
};
use hbfpgen::convert::vectors::FP32_CORNERS;
use hbfpgen::format::mask;
use hbfpgen::mixed::{MixedOperand, MixedUnit};
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
    let ports = hbfpgen::unit::Unit::ports(&conv);
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
        let ports = hbfpgen::unit::Unit::ports(&mac);
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
    let ports = hbfpgen::unit::Unit::ports(mac);
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
        let ports = hbfpgen::unit::Unit::ports(&fp);
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

/// One operation of a mixed-mantissa unit: the mode code, both operands and the tag.
type MixedOp = (u32, MixedOperand, MixedOperand, u64);

/// Operations for `u`: any mode code (the unbuilt one included, when the code width has one),
/// runs of one mode as well as switches, lanes of any bit pattern or an extreme code of some mode
/// (with any bits above it), and exponents anywhere (the NaN code included).
fn mixed_ops(u: &MixedUnit) -> BoxedStrategy<Vec<MixedOp>> {
    let l = u.lane_bits();
    let b = u.block() as usize;
    let codes = 1u32 << u.mode_bits();
    let f = u.format_of(l);
    let (emin, emax) = (f.scale.min_exp(), f.scale.max_exp());
    let lane = prop_oneof![
        3 => any::<u64>(),
        1 => (
            proptest::sample::select(vec![0x08u64, 0x07, 0x20, 0x1f, 0x80, 0x7f, 0, 0xff]),
            any::<u64>()
        )
            .prop_map(|(x, junk)| x | (junk << 8)),
    ]
    .prop_map(move |x| x & mask(l));
    let operand = (emin..=emax, proptest::collection::vec(lane, b))
        .prop_map(|(exp, lanes)| MixedOperand { exp, lanes });
    let t = u.tag_bits;
    let op = (0..codes, operand.clone(), operand, any::<u64>())
        .prop_map(move |(c, a, x, tag)| (c, a, x, tag & mask(t)));
    // runs: a few operations of one mode, then another
    proptest::collection::vec(
        (op, 1usize..4).prop_map(|((c, a, x, tag), n)| vec![(c, a, x, tag); n]),
        1..8,
    )
    .prop_map(|runs| runs.into_iter().flatten().collect())
    .boxed()
}

fn mixed_expected(u: &MixedUnit, op: &MixedOp) -> Vec<u64> {
    let r = u.eval(op.0, &op.1, &op.2);
    let mut v = vec![
        r.sum as u64 & mask(u.sum_bits()),
        r.exp as u64 & mask(u.exp_out_bits()),
        u64::from(r.nan),
    ];
    if u.mode_bits() > 0 {
        v.push(u64::from(r.mode));
    }
    if u.tag_bits > 0 {
        v.push(op.3);
    }
    v
}

fn mixed_read(u: &MixedUnit) -> impl Fn(&PortDut) -> Vec<u64> {
    let (mb, t) = (u.mode_bits(), u.tag_bits);
    move |d: &PortDut| {
        let mut v = vec![d.get("sum_o"), d.get("exp_o"), d.get("nan_o")];
        if mb > 0 {
            v.push(d.get("mode_o"));
        }
        if t > 0 {
            v.push(d.get("tag_o"));
        }
        v
    }
}

fn mixed_load(u: &MixedUnit) -> impl FnMut(&mut PortDut, &MixedOp) {
    let sc = u.format_of(u.lane_bits()).scale;
    let (l, mb, t) = (u.lane_bits(), u.mode_bits(), u.tag_bits);
    move |d: &mut PortDut, (c, a, x, tag): &MixedOp| {
        if mb > 0 {
            d.set("mode_i", u64::from(*c));
        }
        d.set_lanes("a_man_i", l, &a.lanes);
        d.set("a_exp_i", sc.encode(a.exp));
        d.set_lanes("b_man_i", l, &x.lanes);
        d.set("b_exp_i", sc.encode(x.exp));
        if t > 0 {
            d.set("tag_i", *tag);
        }
    }
}

/// Law: every mixed-mantissa unit's results are the golden model's (hbfp_dot of the mode's width;
/// NaN for an unbuilt mode code), in order, with the mode changing at random from one operation to
/// the next, under gaps and stalls.
#[test]
fn mixed_units_match_hbfp_dot_with_random_modes_under_gaps_and_stalls() {
    for u in datapath_mixed() {
        let ports = hbfpgen::unit::Unit::ports(&u);
        TestRunner::new(config())
            .run(
                &(mixed_ops(&u), pattern(), pattern()),
                |(ops, gaps, stalls)| {
                    let mut dut = PortDut::new(&u.name, &ports).expect("compiled in");
                    let expected: Vec<Vec<u64>> =
                        ops.iter().map(|op| mixed_expected(&u, op)).collect();
                    stream_check(
                        &mut dut,
                        &ops,
                        mixed_load(&u),
                        mixed_read(&u),
                        &expected,
                        &gaps,
                        &stalls,
                    )
                },
            )
            .unwrap_or_else(|e| panic!("{}: {e}", u.name));
    }
}

/// The checker can fail on a mixed unit: a result with one bit wrong in a 6-bit operation is
/// caught.
#[test]
fn the_mixed_checker_catches_a_wrong_result() {
    let u = &datapath_mixed()[0];
    let ports = hbfpgen::unit::Unit::ports(u);
    let op = |c: u32, v: u64| -> MixedOp {
        let o = MixedOperand {
            exp: 1,
            lanes: vec![v; u.block() as usize],
        };
        (c, o.clone(), o, 3)
    };
    let ops = vec![op(0, 0x35), op(1, 0x2b), op(2, 0x81), op(1, 0x1f)];
    let good: Vec<Vec<u64>> = ops.iter().map(|o| mixed_expected(u, o)).collect();
    let run = |expected: &[Vec<u64>]| {
        let mut dut = PortDut::new(&u.name, &ports).expect("compiled in");
        stream_check(
            &mut dut,
            &ops,
            mixed_load(u),
            mixed_read(u),
            expected,
            &[false, true],
            &[true, false],
        )
    };
    assert!(run(&good).is_ok());
    let mut bad = good.clone();
    bad[3][0] ^= 1 << 4;
    assert!(run(&bad).is_err(), "a wrong 6-bit result");
}

/// Law (exhaustive): at B = 2 in 6-bit mode, every pair of blocks of 6-bit codes (2^24 operations,
/// each 4 cycles, with varying bits above the codes) gives the exact dot product, the sum of the
/// lanes' products, at full rate. One operation in 4099 is also checked against the golden model.
#[test]
fn mixed_exhaustive_6_bit_b2() {
    let u = datapath_mixed()
        .into_iter()
        .find(|u| u.name == "dp_mixed_b2")
        .expect("dp_mixed_b2");
    assert_eq!((u.block(), u.mode_of(1)), (2, Some(6)));
    let ports = hbfpgen::unit::Unit::ports(&u);
    let mut dut = PortDut::new(&u.name, &ports).expect("compiled in");
    let sc = u.format_of(8).scale;
    let (ea, eb) = (3i64, -7i64);
    let w = u.sum_bits();
    dut.set("out_ready_i", 1);
    dut.set("mode_i", 1);
    dut.set("a_exp_i", sc.encode(ea));
    dut.set("b_exp_i", sc.encode(eb));
    let total: u64 = 1 << 24;
    let code = |x: u64| ((x << 58) as i64) >> 58;
    let lanes_of = |bits: u64, n: u64| -> [u64; 2] {
        let junk = n.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 60;
        [
            (bits & 63) | ((junk & 3) << 6),
            ((bits >> 6) & 63) | ((junk >> 2) << 6),
        ]
    };
    let mut queue = std::collections::VecDeque::new();
    let (mut next, mut checked, mut cycles) = (0u64, 0u64, 0u64);
    while checked < total {
        let (x, y) = (next >> 12, next & 4095);
        let (la, lb) = (lanes_of(x, next), lanes_of(y, !next));
        if next < total {
            dut.set("a_man_i", la[0] | la[1] << 8);
            dut.set("b_man_i", lb[0] | lb[1] << 8);
            dut.set("in_valid_i", 1);
        } else {
            dut.set("in_valid_i", 0);
        }
        dut.step();
        cycles += 1;
        assert!(cycles < 5 * total + 100, "time-out at {checked} results");
        if dut.get("out_valid_o") == 1 {
            let want = queue
                .pop_front()
                .expect("a result for an accepted operation");
            assert_eq!(dut.get("sum_o"), want, "operation {checked}");
            assert_eq!(dut.get("nan_o"), 0);
            checked += 1;
        }
        if next < total && dut.get("in_ready_o") == 1 {
            let sum = code(x) * code(y) + code(x >> 6) * code(y >> 6);
            if next % 4099 == 0 {
                let op = |l: [u64; 2], exp| MixedOperand {
                    exp,
                    lanes: l.to_vec(),
                };
                let r = u.eval(1, &op(la, ea), &op(lb, eb));
                assert_eq!((r.sum, r.exp, r.nan), (sum, ea + eb, false));
            }
            queue.push_back(sum as u64 & mask(w));
            next += 1;
        }
    }
    assert_eq!(dut.get("exp_o"), (ea + eb) as u64 & mask(u.exp_out_bits()));
    println!("{total} operations in {cycles} cycles");
}
