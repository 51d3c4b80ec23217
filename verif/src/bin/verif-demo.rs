//! The datapath demonstration of `make run`: a random FP32 matrix-vector product y = A x through
//! the Verilated units, converter -> block dot product -> accumulator, for each accumulator preset.
//! Every block the converter emits and every result of every accumulator is checked bit for bit
//! against the golden model, and the error of each preset against an f64 reference is printed.
//!
//! `cargo run --release -p hbfp-verif --bin verif-demo [ROWS] [SEED]`; exits with 1 on a mismatch.

use hbfp_verif::datapath::PortDut;
use hbfp_verif::datapath_units::{
    datapath_converter, datapath_mac_contexts, datapath_macs, DATAPATH_BLOCK,
};
use hbfpgen::fp::FpFormat;
use hbfpgen::model::Block;

/// xorshift64*: the demo's own deterministic source of numbers.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A float of random sign, a uniform fraction and an exponent in -4..0 (magnitudes 2^-4 to 2).
    fn float(&mut self) -> f32 {
        let r = self.next();
        let frac = (r >> 40) as f32 / (1u64 << 24) as f32;
        let e = ((r >> 8) % 5) as i32 - 4;
        let v = (1.0 + frac) * 2f32.powi(e);
        if r & 1 == 1 {
            -v
        } else {
            v
        }
    }
}

fn value(format: FpFormat, bits: u64) -> f64 {
    format.decode(bits).to_f64()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let rows: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(32);
    let seed: u64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(1);
    let b = DATAPATH_BLOCK as usize;
    let k = 16 * b;
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let a: Vec<Vec<f32>> = (0..rows)
        .map(|_| (0..k).map(|_| rng.float()).collect())
        .collect();
    let x: Vec<f32> = (0..k).map(|_| rng.float()).collect();
    let reference: Vec<f64> = a
        .iter()
        .map(|row| row.iter().zip(&x).map(|(p, q)| *p as f64 * *q as f64).sum())
        .collect();
    // errors are relative to sum |a_k x_k|, the scale of a dot product's rounding errors
    let scale: Vec<f64> = a
        .iter()
        .map(|row| {
            row.iter()
                .zip(&x)
                .map(|(p, q)| (*p as f64 * *q as f64).abs())
                .sum()
        })
        .collect();

    // 1. The converter: every block of A's rows and of x, through the Verilated unit.
    let conv = datapath_converter();
    let mut dut = PortDut::new(&conv);
    let chunks: Vec<Vec<u64>> = a
        .iter()
        .chain(std::iter::once(&x))
        .flat_map(|v| {
            v.chunks(b)
                .map(|c| c.iter().map(|f| u64::from(f.to_bits())).collect())
        })
        .collect();
    let m = conv.mantissa_bits();
    let mut blocks: Vec<Block> = Vec::new();
    let taken = dut.stream(
        &chunks,
        |d, lanes| d.set_lanes("fp_i", 32, lanes),
        |d| {
            let el = conv.conv.format.element;
            let sc = conv.conv.format.scale;
            blocks.push(Block {
                exp: sc.decode(d.get("exp_o")),
                man: d
                    .get_lanes("man_o", m, b)
                    .into_iter()
                    .map(|p| el.decode(p))
                    .collect(),
            });
        },
        chunks.len(),
    );
    let mut bad = 0usize;
    if taken != chunks.len() {
        eprintln!("converter: {taken} of {} blocks came out", chunks.len());
        std::process::exit(1);
    }
    for (lanes, got) in chunks.iter().zip(&blocks) {
        let want = conv.conv.convert(lanes, &[]).expect("valid lanes");
        if *got != want {
            bad += 1;
            if bad <= 5 {
                eprintln!("converter mismatch: {lanes:08x?}: got {got:?}, expected {want:?}");
            }
        }
    }
    println!(
        "hbfp_convert ({}, HBFP{m} x {b}): {} blocks, {} mismatches against the golden model",
        conv.name,
        chunks.len(),
        bad
    );
    let per_row = k / b;
    let x_blocks = &blocks[rows * per_row..];

    // 2. Each accumulator: every row's dot product with x, as per_row block pairs.
    // the exact dot product of the HBFP blocks: what an exact accumulator would give
    let exact: Vec<f64> = (0..rows)
        .map(|r| {
            (0..per_row)
                .map(|j| {
                    let (p, q) = (&blocks[r * per_row + j], &x_blocks[j]);
                    (0..b)
                        .map(|i| p.value(conv.conv.format, i) * q.value(conv.conv.format, i))
                        .sum::<f64>()
                })
                .sum()
        })
        .collect();
    println!(
        "y = A x, A {rows} x {k} and x random FP32 (magnitudes 2^-4 to 2), through HBFP{m} x {b} blocks;"
    );
    println!(
        "errors as |y - reference| / sum |a_k x_k|, against the f64 product and against the exact HBFP dot product:"
    );
    println!(
        "| accumulator | results | mismatches | vs f64: max | mean | vs exact HBFP: max | mean |"
    );
    println!("|---|---|---|---|---|---|---|");
    for mac in datapath_macs() {
        let mut dut = PortDut::new(&mac);
        let pairs: Vec<(usize, usize)> = (0..rows)
            .flat_map(|r| (0..per_row).map(move |j| (r, j)))
            .collect();
        let mut results = Vec::new();
        let taken = dut.stream(
            &pairs,
            |d, &(r, j)| load_pair(d, &mac, &blocks[r * per_row + j], &x_blocks[j], j, per_row),
            |d| results.push(d.get("acc_o")),
            rows,
        );
        let mut mismatches = rows - taken;
        let mut err = [(0f64, 0f64); 2];
        for (r, &got) in results.iter().enumerate() {
            let row_pairs: Vec<(Block, Block)> = (0..per_row)
                .map(|j| (blocks[r * per_row + j].clone(), x_blocks[j].clone()))
                .collect();
            let want = mac.dot_product(&row_pairs).expect("valid blocks");
            if got != want {
                mismatches += 1;
                if mismatches <= 5 {
                    eprintln!("{}: row {r}: got {got:#x}, expected {want:#x}", mac.name);
                }
            }
            let y = value(mac.acc.format, got);
            for (e, reference) in err.iter_mut().zip([reference[r], exact[r]]) {
                let rel = (y - reference).abs() / scale[r].max(f64::MIN_POSITIVE);
                e.0 = e.0.max(rel);
                e.1 += rel / rows as f64;
            }
        }
        bad += mismatches;
        println!(
            "| {} = {} | {} | {} | {:.2e} | {:.2e} | {:.2e} | {:.2e} |",
            mac.acc_label(),
            mac.acc.format,
            results.len(),
            mismatches,
            err[0].0,
            err[0].1,
            err[1].0,
            err[1].1
        );
    }
    bad += rows_as_contexts(&blocks, x_blocks, rows, per_row);
    if bad > 0 {
        eprintln!("{bad} mismatches against the golden model");
        std::process::exit(1);
    }
    println!("every block and every result equals the golden model's");
}

/// The fp32 accumulator with contexts: the rows of A as its contexts, C at a time, each row's
/// block pairs in its context's turns (idle turns where the last group of rows runs short).
/// Returns the mismatches against the golden model.
fn rows_as_contexts(blocks: &[Block], x_blocks: &[Block], rows: usize, per_row: usize) -> usize {
    let mac = datapath_mac_contexts();
    let c = mac.schedule.contexts as usize;
    let mut dut = PortDut::new(&mac);
    // the turn schedule: (row, block) or idle
    let mut slots: Vec<Option<(usize, usize)>> = Vec::new();
    for r0 in (0..rows).step_by(c) {
        for j in 0..per_row {
            for k in 0..c {
                slots.push((r0 + k < rows).then_some((r0 + k, j)));
            }
        }
    }
    let mut issued: Vec<std::collections::VecDeque<usize>> = vec![Default::default(); c];
    let mut got = vec![None; rows];
    let mut cycles = 0usize;
    dut.set("out_ready_i", 1);
    for i in 0..slots.len() + 64 {
        match slots.get(i).copied().flatten() {
            Some((r, j)) => {
                load_pair(
                    &mut dut,
                    &mac,
                    &blocks[r * per_row + j],
                    &x_blocks[j],
                    j,
                    per_row,
                );
                dut.set("in_valid_i", 1);
                if j + 1 == per_row {
                    issued[i % c].push_back(r);
                }
            }
            None => dut.set("in_valid_i", 0),
        }
        dut.step();
        if dut.get("out_valid_o") == 1 {
            let ctx = dut.get("acc_ctx_o") as usize;
            if let Some(r) = issued.get_mut(ctx).and_then(|q| q.pop_front()) {
                got[r] = Some(dut.get("acc_o"));
                cycles = i + 1;
            }
        }
    }
    let mut mismatches = 0;
    for (r, g) in got.iter().enumerate() {
        let row_pairs: Vec<(Block, Block)> = (0..per_row)
            .map(|j| (blocks[r * per_row + j].clone(), x_blocks[j].clone()))
            .collect();
        let want = mac.dot_product(&row_pairs).expect("valid blocks");
        if *g != Some(want) {
            mismatches += 1;
            if mismatches <= 5 {
                eprintln!("{}: row {r}: got {g:x?}, expected {want:#x}", mac.name);
            }
        }
    }
    println!(
        "rows as contexts: {} ({} contexts through {} loop stages, ctx_o taking turns): {} rows in \
         {cycles} cycles, {mismatches} mismatches against the golden model",
        mac.name, c, mac.schedule.acc_stages, rows
    );
    mismatches
}

/// Sets the operands of block pair `j` of a row of `per_row` pairs (A's block `a`, x's block `x`)
/// on an `hbfp_mac`, with `first_i` and `last_i` framing the row.
fn load_pair(
    dut: &mut PortDut,
    mac: &hbfpgen::mac::MacUnit,
    a: &Block,
    x: &Block,
    j: usize,
    per_row: usize,
) {
    let (el, sc) = (mac.dot.format.element, mac.dot.format.scale);
    let m = mac.dot.mantissa_bits();
    let man = |blk: &Block| blk.man.iter().map(|&q| el.encode(q)).collect::<Vec<_>>();
    dut.set_lanes("a_man_i", m, &man(a));
    dut.set("a_exp_i", sc.encode(a.exp));
    dut.set_lanes("b_man_i", m, &man(x));
    dut.set("b_exp_i", sc.encode(x.exp));
    dut.set("first_i", u64::from(j == 0));
    dut.set("last_i", u64::from(j + 1 == per_row));
}
