//! The exhaustive 6-bit check of `hbfp_mixed_dot` at B = 2 (2^24 operations), driven by port
//! name through its Verilator model. The property suite of every unit, this one included, runs on
//! the matrix of `verif/matrix.toml` (tests/cosim.rs); this check is too large for a vector pool.

use hbfp_verif::datapath::PortDut;
use hbfp_verif::datapath_units::datapath_mixed_b2;
use hbfpgen::format::mask;
use hbfpgen::mixed::MixedOperand;

/// Law (exhaustive): at B = 2 in 6-bit mode, every pair of blocks of 6-bit codes (2^24 operations,
/// each 4 cycles, with varying bits above the codes) gives the exact dot product, the sum of the
/// lanes' products, at full rate. One operation in 4099 is also checked against the golden model.
#[test]
#[ignore = "needs verilator and a C++ compiler: run by `make test`"]
fn mixed_exhaustive_6_bit_b2() {
    let u = datapath_mixed_b2();
    assert_eq!((u.block(), u.mode_of(1)), (2, Some(6)));
    let total: u64 = 1 << 24;
    // the operations in two halves, each on its own model instance, at once
    let cycles: u64 = std::thread::scope(|scope| {
        let u = &u;
        let halves: Vec<_> = [(0, total / 2), (total / 2, total)]
            .into_iter()
            .map(|(lo, hi)| scope.spawn(move || run_ops(u, lo, hi)))
            .collect();
        halves.into_iter().map(|h| h.join().unwrap()).sum()
    });
    println!("{total} operations in {cycles} cycles");
}

/// Runs operations `lo..hi` of the exhaustive set through a new model instance at full rate,
/// checking every result; returns the cycles taken.
fn run_ops(u: &hbfpgen::mixed::MixedUnit, lo: u64, hi: u64) -> u64 {
    let mut dut = PortDut::new(u);
    let sc = u.format_of(8).scale;
    let (ea, eb) = (3i64, -7i64);
    let w = u.sum_bits();
    dut.set("out_ready_i", 1);
    dut.set("mode_i", 1);
    dut.set("a_exp_i", sc.encode(ea));
    dut.set("b_exp_i", sc.encode(eb));
    let total = hi - lo;
    let code = |x: u64| ((x << 58) as i64) >> 58;
    let lanes_of = |bits: u64, n: u64| -> [u64; 2] {
        let junk = n.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 60;
        [
            (bits & 63) | ((junk & 3) << 6),
            ((bits >> 6) & 63) | ((junk >> 2) << 6),
        ]
    };
    // the ports of the loop, looked up once
    let [a_man, b_man, in_valid] = ["a_man_i", "b_man_i", "in_valid_i"].map(|p| dut.port(p));
    let [out_valid, in_ready, sum_o, nan_o] =
        ["out_valid_o", "in_ready_o", "sum_o", "nan_o"].map(|p| dut.port(p));
    let mut queue = std::collections::VecDeque::new();
    let (mut next, mut checked, mut cycles) = (lo, 0u64, 0u64);
    while checked < total {
        let (x, y) = (next >> 12, next & 4095);
        let (la, lb) = (lanes_of(x, next), lanes_of(y, !next));
        if next < hi {
            dut.set_at(&a_man, la[0] | la[1] << 8);
            dut.set_at(&b_man, lb[0] | lb[1] << 8);
            dut.set_at(&in_valid, 1);
        } else {
            dut.set_at(&in_valid, 0);
        }
        dut.step();
        cycles += 1;
        assert!(cycles < 5 * total + 100, "time-out at {checked} results");
        if dut.get_at(&out_valid) == 1 {
            let want = queue
                .pop_front()
                .expect("a result for an accepted operation");
            assert_eq!(dut.get_at(&sum_o), want, "operation {}", lo + checked);
            assert_eq!(dut.get_at(&nan_o), 0);
            checked += 1;
        }
        if next < hi && dut.get_at(&in_ready) == 1 {
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
    cycles
}
