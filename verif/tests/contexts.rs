//! Contexts (issue 15): C contexts of an accumulating unit equal C separate single-context units.
//! An exhaustive small case, RTL against RTL: every dot product of one and of two block pairs of
//! HBFP2 x 1 with 2-bit exponents (256 pairs, so 256 + 65536 products) into the 6-bit accumulator
//! FP(3, 2), where subnormals, overflow to infinity and NaN blocks are common. The single-context
//! unit takes the products one after another; the unit with contexts takes them dealt round robin
//! to its contexts, in turns, every context of a round with a product of the same length (idle
//! turns where a round runs short). Each result of the unit with contexts, matched to its product
//! by the context it names (`acc_ctx_o`), must equal the single unit's bit for bit. The property
//! suite of `verif/matrix.toml` checks the same units against the golden model under gaps, stalls
//! and resets; this check needs no model but the RTL without contexts.

use hbfp_verif::compile::{build, BuildOptions};
use hbfp_verif::sim::Sim;
use hbfpgen::acc_loop::Contexts;
use hbfpgen::mac::{MacSpec, MacUnit};
use hbfpgen::pipeline::Stages;
use hbfpgen::unit::Unit;
use std::collections::VecDeque;
use std::sync::Arc;

/// One block pair: (a_man, a_exp, b_man, b_exp) codes.
type Pair = [u64; 4];

fn unit(contexts: u32, acc_stages: u32, stages: u32) -> MacUnit {
    MacSpec {
        mantissa: Some(2),
        block: Some(1),
        exp_bits: Some(2),
        acc_exp_bits: Some(3),
        acc_man_bits: Some(2),
        stages: Some(Stages::Count(stages)),
        contexts: Some(Contexts::Count(contexts)),
        acc_stages: Some(acc_stages),
        ..Default::default()
    }
    .resolve()
    .expect("a valid unit")
}

fn sim_of(u: &MacUnit, sv: &str) -> Sim {
    let opts = BuildOptions {
        opt_level: 1,
        ..BuildOptions::default()
    };
    let model = build(&u.name, sv, "the test's RTL", &u.ports(), &opts)
        .unwrap_or_else(|e| panic!("the model of {}: {e}", u.name));
    Sim::after_reset(Arc::new(model))
}

/// Every product of one pair, then of two pairs.
fn products() -> Vec<Vec<Pair>> {
    let pairs: Vec<Pair> = (0..256u64)
        .map(|p| [p & 3, (p >> 2) & 3, (p >> 4) & 3, p >> 6])
        .collect();
    let mut v: Vec<Vec<Pair>> = pairs.iter().map(|p| vec![*p]).collect();
    for p in &pairs {
        for q in &pairs {
            v.push(vec![*p, *q]);
        }
    }
    v
}

fn load(sim: &mut Sim, p: &Pair, first: bool, last: bool) {
    sim.set("a_man_i", p[0]);
    sim.set("a_exp_i", p[1]);
    sim.set("b_man_i", p[2]);
    sim.set("b_exp_i", p[3]);
    sim.set("first_i", u64::from(first));
    sim.set("last_i", u64::from(last));
}

/// The single-context unit's result of every product, in order.
fn single_results(sim: &mut Sim, products: &[Vec<Pair>]) -> Vec<u64> {
    let slots: Vec<(&Pair, bool, bool)> = products
        .iter()
        .flat_map(|p| {
            p.iter()
                .enumerate()
                .map(move |(i, q)| (q, i == 0, i + 1 == p.len()))
        })
        .collect();
    let mut out = Vec::new();
    let mut next = 0;
    sim.set("out_ready_i", 1);
    for _ in 0..slots.len() * 2 + 64 {
        if out.len() == products.len() {
            break;
        }
        if let Some(&(p, f, l)) = slots.get(next) {
            load(sim, p, f, l);
            sim.set("in_valid_i", 1);
        } else {
            sim.set("in_valid_i", 0);
        }
        sim.step();
        if sim.get("out_valid_o") == 1 {
            out.push(sim.get("acc_o"));
        }
        if next < slots.len() && sim.get("in_ready_o") == 1 {
            next += 1;
        }
    }
    assert_eq!(out.len(), products.len(), "the single unit lost results");
    out
}

/// Plays every product through the unit with `c` contexts (dealt round robin, in turns) and
/// returns how many results differ from `want` (the single unit's), or are missing or extra.
fn mismatches(sim: &mut Sim, c: usize, products: &[Vec<Pair>], want: &[u64]) -> usize {
    // the turn schedule: each round of c products of one length, idle turns where it runs short
    let mut slots: Vec<Option<(usize, usize)>> = Vec::new();
    let mut i = 0;
    while i < products.len() {
        let len = products[i].len();
        let round: Vec<usize> = (i..products.len())
            .take_while(|&k| products[k].len() == len)
            .take(c)
            .collect();
        for step in 0..len {
            for ctx in 0..c {
                slots.push(round.get(ctx).map(|&k| (k, step)));
            }
        }
        i += round.len();
    }
    let mut issued: Vec<VecDeque<usize>> = vec![VecDeque::new(); c];
    let (mut bad, mut seen, mut next) = (0usize, 0usize, 0usize);
    sim.set("out_ready_i", 1);
    for _ in 0..slots.len() + 64 {
        match slots.get(next).copied().flatten() {
            Some((k, step)) => {
                let p = &products[k];
                load(sim, &p[step], step == 0, step + 1 == p.len());
                sim.set("in_valid_i", 1);
                if step + 1 == p.len() {
                    issued[next % c].push_back(k);
                }
            }
            None => sim.set("in_valid_i", 0),
        }
        sim.step();
        // the turn moves on every cycle the unit is ready (always, here)
        if sim.get("ctx_o") as usize != next % c {
            return usize::MAX;
        }
        if sim.get("out_valid_o") == 1 {
            seen += 1;
            let ctx = sim.get("acc_ctx_o") as usize;
            match issued.get_mut(ctx).and_then(VecDeque::pop_front) {
                Some(k) if sim.get("acc_o") == want[k] => {}
                _ => bad += 1,
            }
        }
        next += 1;
    }
    bad + products.len().abs_diff(seen)
}

/// Law: C contexts equal C separate single-context units, over every product of one and two
/// pairs of the small format, for a loop full of contexts (C = K = 3, pipelined front) and for
/// contexts waiting outside the loop (C = 5, K = 2, no front pipeline). The check can fail: a
/// unit whose result names the wrong context (its exit counter one off) gives mismatches.
#[test]
#[ignore = "needs verilator and a C++ compiler: run by `make test`"]
fn contexts_equal_separate_single_context_units() {
    let products = products();
    let single = unit(1, 1, 0);
    let want = single_results(&mut sim_of(&single, &single.sv().unwrap()), &products);
    // the two shapes at once (each builds and runs two models)
    std::thread::scope(|scope| {
        for (c, k, s) in [(3u32, 3u32, 2u32), (5, 2, 0)] {
            let (products, want) = (&products, &want);
            scope.spawn(move || {
                let u = unit(c, k, s);
                let sv = u.sv().unwrap();
                let bad = mismatches(&mut sim_of(&u, &sv), c as usize, products, want);
                assert_eq!(
                    bad, 0,
                    "{}: {bad} results differ from the single unit's",
                    u.name
                );

                // the same unit with its exit counter one context off must be caught
                let reset = sv
                    .lines()
                    .find(|l| l.trim_start().starts_with("exit_q      <= "))
                    .expect("the exit counter's reset")
                    .to_owned();
                let value: u32 = reset
                    .rsplit("'d")
                    .next()
                    .unwrap()
                    .trim_end_matches(';')
                    .parse()
                    .unwrap();
                let broken_line =
                    reset.replace(&format!("'d{value};"), &format!("'d{};", (value + 1) % c));
                let broken = sv.replace(&reset, &broken_line);
                assert_ne!(broken, sv);
                let bad = mismatches(&mut sim_of(&u, &broken), c as usize, products, want);
                assert!(
                    bad > 0,
                    "{}: a unit naming the wrong context passed ({bad} mismatches)",
                    u.name
                );
            });
        }
    });
}
