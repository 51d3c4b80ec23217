//! Quantisation error of block formats, through their bit-exact golden models: a random FP32
//! matrix-vector product y = A x is computed from the quantised A and x (each row and x cut into
//! blocks of K, converted by the format's converter model, the block dot products exact, summed
//! across blocks in f64) and compared with y in f64 from the unquantised FP32 values. `hbfpgen
//! compare-formats` prints it; `make run` shows it for HBFP and every MX format.

pub mod plot;

use crate::error::Result;
use crate::format::mls::MlsElement;
use crate::format::MxElement;
use crate::model::mls::MlsLayout;
use crate::units::convert::{Converter, ExponentRule, InputFormat, Rounding};
use crate::units::mx_convert::MxConverter;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

/// A block format whose error is measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Format {
    /// HBFP with M-bit elements (sign included) and a 10-bit exponent, converted with the exact
    /// exponent rule and rounding to nearest even.
    Hbfp(u32),
    /// OCP MX with this element format, converted with ties to even and saturation.
    Mx(MxElement),
    /// MLS with this layout, under a tensor scale of the tensor's largest magnitude (so that its
    /// largest group has the group scale 1), quantised by `model::mls::quantize`.
    Mls(MlsLayout),
    /// S2FP8: per tensor alpha and beta from its log2 statistics, each element an E5M2 code of
    /// 2^(alpha log2|x| + beta), decoded to FP32 (`model::s2fp8`, bit-exact).
    S2fp8,
}

impl Format {
    /// The formats `make run` compares: HBFP4/6/8 and every MX element format.
    pub fn default_set() -> Vec<Format> {
        let mut v = vec![Format::Hbfp(4), Format::Hbfp(6), Format::Hbfp(8)];
        v.extend(MxElement::ALL.map(Format::Mx));
        // the paper's two element settings, in groups of 16 with 3-bit group scales
        for man_bits in [1, 4] {
            v.push(Format::Mls(MlsLayout {
                elem: MlsElement {
                    exp_bits: 2,
                    man_bits,
                },
                group: 16,
                scale_bits: 3,
            }));
        }
        v.push(Format::S2fp8);
        v
    }

    /// The format's name (`HBFP4`, `MXFP6-E2M3`).
    pub fn label(self) -> String {
        match self {
            Format::Hbfp(m) => format!("HBFP{m}"),
            Format::Mx(e) => e.label().to_owned(),
            Format::Mls(l) => format!("MLS-{}-g{}u{}", l.elem, l.group, l.scale_bits),
            Format::S2fp8 => "S2FP8".into(),
        }
    }

    /// Storage bits per element with blocks of `k`: the element plus its share of the scale.
    pub fn bits_per_element(self, k: u32) -> f64 {
        let (elem, scale) = match self {
            Format::Hbfp(m) => (m, crate::format::EXP_BITS_DEFAULT),
            Format::Mx(e) => (e.bits(), 8),
            Format::Mls(l) => {
                return f64::from(l.elem.bits()) + f64::from(l.scale_bits) / f64::from(l.group)
            }
            // alpha and beta are per tensor
            Format::S2fp8 => return 8.0,
        };
        f64::from(elem) + f64::from(scale) / f64::from(k)
    }

    /// The values of one block of FP32 `lanes` after conversion to this format (exactly, in f64);
    /// `tensor_max` is the largest magnitude of the tensor the block belongs to (MLS's tensor
    /// scale; the other formats have none).
    pub fn quantise(self, lanes: &[f32], tensor_max: f64) -> Result<Vec<f64>> {
        let bits: Vec<u64> = lanes.iter().map(|x| u64::from(x.to_bits())).collect();
        let k = lanes.len() as u32;
        Ok(match self {
            Format::Hbfp(m) => {
                let c = Converter {
                    format: crate::format::BlockFormat::hbfp(
                        m,
                        k,
                        crate::format::EXP_BITS_DEFAULT,
                    )?,
                    input: InputFormat::Fp32,
                    rounding: Rounding::NearestEven,
                    rule: ExponentRule::Exact,
                    ftz: false,
                };
                let b = c.convert(&bits, &[])?;
                let ulp = 2f64.powi(b.exp as i32 - (m as i32 - 1));
                b.man.iter().map(|&q| q as f64 * ulp).collect()
            }
            Format::Mx(e) => {
                let c = MxConverter {
                    element: e,
                    block: k,
                    input: InputFormat::Fp32,
                    rounding: Default::default(),
                    overflow: Default::default(),
                };
                let b = c.convert(&bits)?;
                let scale = 2f64.powi(b.scale as i32 - e.frac_bits() as i32);
                b.codes
                    .iter()
                    .map(|&p| match e.decode(p) {
                        crate::format::MxValue::Finite { neg, fixed } => {
                            let v = fixed as f64 * scale;
                            if neg {
                                -v
                            } else {
                                v
                            }
                        }
                        _ => f64::NAN,
                    })
                    .collect()
            }
            Format::Mls(l) => {
                let st = if tensor_max > 0.0 { tensor_max } else { 1.0 };
                let y: Vec<f64> = lanes.iter().map(|&v| f64::from(v) / st).collect();
                let b = crate::model::mls::quantize(&l, &y);
                crate::model::mls::dequantize(&l, &b)
                    .into_iter()
                    .map(|v| v * st)
                    .collect()
            }
            Format::S2fp8 => return self.quantise_tensor(lanes, k),
        })
    }

    /// The values of a whole tensor after conversion, block by block (blocks of `k`) under the
    /// tensor's largest magnitude, or for S2FP8 under the tensor's statistics.
    pub fn quantise_tensor(self, tensor: &[f32], k: u32) -> Result<Vec<f64>> {
        if self == Format::S2fp8 {
            use crate::model::s2fp8::{decode, encode, stats};
            let f = crate::fp::FpFormat::FP32;
            let bits: Vec<u64> = tensor.iter().map(|x| u64::from(x.to_bits())).collect();
            let s = stats(f, &bits);
            return Ok(bits
                .iter()
                .map(|&p| f64::from(f32::from_bits(decode(f, &s, encode(f, &s, p)) as u32)))
                .collect());
        }
        let max = tensor.iter().fold(0.0f64, |m, v| m.max(f64::from(v.abs())));
        Ok(tensor
            .chunks(k as usize)
            .map(|c| self.quantise(c, max))
            .collect::<Result<Vec<_>>>()?
            .concat())
    }
}

impl Format {
    /// The start of the module names of this format's dot unit at 64 lanes in the recorded
    /// sweeps (`hbfp_dot_m4_b64_e10_`), which the stage count and datapath follow.
    /// `None` for S2FP8, whose products run on the FP32 or bf16 units after decoding.
    pub fn dot_id_stem(self) -> Option<String> {
        Some(match self {
            Format::Hbfp(m) => format!("hbfp_dot_m{m}_b64_e10_"),
            Format::Mx(e) => format!("mx_dot_{}_k64_", e.tag()),
            Format::Mls(l) => format!(
                "mls_dot_{}_g{}u{}_k64_",
                l.elem.tag(),
                l.group,
                l.scale_bits
            ),
            Format::S2fp8 => return None,
        })
    }
}

/// The LUTs per lane of each format's dot unit from the recorded sweeps' `results.csv` texts: the
/// fewest among the finished rows of that unit at 64 lanes on ECP5-85k without DSPs under Yosys
/// 0.23, over every stage count and datapath measured (the format's cheapest measured exact dot
/// product); `None` where no such row is recorded.
pub fn luts_per_lane(formats: &[Format], csvs: &[String]) -> Vec<Option<f64>> {
    // (module name, LUTs per lane) of every finished row at the comparison's target
    let mut rows: Vec<(String, f64)> = Vec::new();
    for text in csvs {
        let mut lines = text.lines();
        let Some(header) = lines.next() else { continue };
        let col = |name: &str| header.split(',').position(|h| h == name);
        let (Some(id), Some(status), Some(lpl)) = (col("id"), col("status"), col("luts_per_lane"))
        else {
            continue;
        };
        for line in lines {
            let f: Vec<&str> = line.split(',').collect();
            let (Some(i), Some(st), Some(v)) = (f.get(id), f.get(status), f.get(lpl)) else {
                continue;
            };
            let (Some(module), Ok(v)) = (i.strip_suffix("-ecp5-85k-nodsp-yosys023"), v.parse())
            else {
                continue;
            };
            if *st == "ok" {
                rows.push((module.to_owned(), v));
            }
        }
    }
    formats
        .iter()
        .map(|f| {
            let stem = f.dot_id_stem()?;
            rows.iter()
                .filter(|(m, _)| {
                    // the stage count follows the stem: `s8`, `s11_tree`
                    m.strip_prefix(&stem).is_some_and(|rest| {
                        rest.strip_prefix('s')
                            .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()))
                    })
                })
                .map(|&(_, v)| v)
                .min_by(f64::total_cmp)
        })
        .collect()
}

/// The error of one format on one matrix-vector product.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FormatError {
    /// The format.
    pub format: String,
    /// The distribution of the tensors.
    pub distribution: &'static str,
    /// Storage bits per element, the scale's share included.
    pub bits_per_element: f64,
    /// ||y_q - y|| / ||y||.
    pub relative_error: f64,
    /// Signal-to-noise ratio of y_q against y, in dB: 20 log10(||y|| / ||y_q - y||).
    pub snr_db: f64,
}

/// The distribution of the random tensors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Distribution {
    /// Standard normal.
    Gaussian,
    /// Laplace (double exponential) of scale 1: heavier tails than the normal.
    Laplace,
    /// Student's t with 3 degrees of freedom: heavy tails, with outliers tens of times the typical
    /// magnitude (infinite kurtosis), as activations and gradients show.
    StudentT,
}

impl Distribution {
    /// The name in tables and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Distribution::Gaussian => "gaussian",
            Distribution::Laplace => "laplace",
            Distribution::StudentT => "student-t",
        }
    }

    /// One sample, as f32.
    fn sample(self, rng: &mut ChaCha8Rng) -> f32 {
        let normal = |rng: &mut ChaCha8Rng| {
            let u1: f64 = rng.gen_range(f64::MIN_POSITIVE..1.0);
            let u2: f64 = rng.gen();
            (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
        };
        let v = match self {
            Distribution::Gaussian => normal(rng),
            Distribution::Laplace => {
                let u: f64 = rng.gen_range(-0.5..0.5);
                -u.signum() * (1.0 - 2.0 * u.abs()).max(f64::MIN_POSITIVE).ln()
            }
            Distribution::StudentT => {
                let z = normal(rng);
                let chi2: f64 = (0..3).map(|_| normal(rng).powi(2)).sum();
                z / (chi2 / 3.0).sqrt()
            }
        };
        v as f32
    }
}

/// The error of each of `formats` on y = A x with A of `rows` x `cols` and x of `cols` FP32 values
/// drawn from `dist` with `seed`, blocks of `k` along the rows (`cols` a multiple of `k`).
pub fn matvec_errors(
    formats: &[Format],
    dist: Distribution,
    rows: usize,
    cols: usize,
    k: u32,
    seed: u64,
) -> Result<Vec<FormatError>> {
    let kk = k as usize;
    if kk == 0 || cols % kk != 0 {
        return Err(crate::error::Error::OutOfRange {
            name: "cols",
            value: cols.to_string(),
            allowed: format!("a multiple of the block size {k}"),
        });
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let a: Vec<f32> = (0..rows * cols).map(|_| dist.sample(&mut rng)).collect();
    let x: Vec<f32> = (0..cols).map(|_| dist.sample(&mut rng)).collect();
    let y: Vec<f64> = (0..rows)
        .map(|r| {
            (0..cols)
                .map(|c| f64::from(a[r * cols + c]) * f64::from(x[c]))
                .sum()
        })
        .collect();
    let norm = y.iter().map(|v| v * v).sum::<f64>().sqrt();
    formats
        .iter()
        .map(|&f| {
            // blocks never cross a row: cols is a multiple of k
            let xq = f.quantise_tensor(&x, k)?;
            let aq_all = f.quantise_tensor(&a, k)?;
            let mut err = 0.0;
            for (r, yr) in y.iter().enumerate() {
                let aq = &aq_all[r * cols..(r + 1) * cols];
                let yq: f64 = aq.iter().zip(&xq).map(|(p, q)| p * q).sum();
                err += (yq - yr) * (yq - yr);
            }
            let err = err.sqrt();
            Ok(FormatError {
                format: f.label(),
                distribution: dist.name(),
                bits_per_element: f.bits_per_element(k),
                relative_error: err / norm,
                snr_db: 20.0 * (norm / err).log10(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_bits_give_less_error_and_hbfp8_is_near_its_rounding_bound() {
        let e = matvec_errors(
            &Format::default_set(),
            Distribution::Gaussian,
            16,
            256,
            32,
            3,
        )
        .unwrap();
        let by = |name: &str| e.iter().find(|r| r.format == name).unwrap().relative_error;
        assert!(
            by("HBFP4") > by("HBFP6") && by("HBFP6") > by("HBFP8"),
            "{e:?}"
        );
        assert!(by("MXFP4") > by("MXFP8-E4M3"), "{e:?}");
        assert!(by("MXINT8") < by("MXFP4"), "{e:?}");
        // MLS: four more mantissa bits, less error; E2M4 (7 bits) between HBFP6 and HBFP8
        assert!(by("MLS-E2M1-g16u3") > by("MLS-E2M4-g16u3"), "{e:?}");
        assert!(by("MLS-E2M4-g16u3") < by("HBFP6"), "{e:?}");
        // HBFP8 of 32 standard normal values: the largest is about 2, so X = 2 and the step is
        // 2^-5; rounding errors uniform in +-half a step (sigma 2^-5 / sqrt 12 = 0.009) on both
        // operands give a relative error of about 0.009 * sqrt 2 = 0.013. Within a factor of 2:
        let hbfp8 = by("HBFP8");
        assert!((0.0065..0.026).contains(&hbfp8), "{e:?}");
        // S2FP8 squeezes the tensor's spread of binades into E5M2's range: 2 mantissa bits, but
        // alpha of about 5 on normal data makes each binade of x five of E5M2's, so it is far
        // more accurate than MXFP8's E5M2 elements
        assert!(by("S2FP8") < 0.5 * by("MXFP8-E5M2"), "{e:?}");
        // MXINT8 has the same grid as HBFP8: 2^(floor(log2 max) - 6) = 2^(X - 7)
        assert_eq!(hbfp8, by("MXINT8"));
        // the same seed gives the same figures
        assert_eq!(
            e,
            matvec_errors(
                &Format::default_set(),
                Distribution::Gaussian,
                16,
                256,
                32,
                3
            )
            .unwrap()
        );
    }

    /// Law: outliers cost a block format precision: with a shared scale, one large element in a
    /// block coarsens the others' grid, so HBFP4's error on Student-t data (heavy tails) is larger
    /// than on Gaussian data, while MLS E2M4's per-element exponents keep it within a factor of 2.
    #[test]
    fn heavy_tails_cost_shared_scale_formats_more() {
        let f = [Format::Hbfp(4), Format::default_set()[10]];
        let err = |d| matvec_errors(&f, d, 16, 256, 32, 5).unwrap();
        let (g, t) = (err(Distribution::Gaussian), err(Distribution::StudentT));
        assert!(
            t[0].relative_error > 1.2 * g[0].relative_error,
            "{g:?} {t:?}"
        );
        assert!(
            t[1].relative_error < 2.0 * g[1].relative_error,
            "{g:?} {t:?}"
        );
        let l = err(Distribution::Laplace);
        assert!(l.iter().all(|r| r.distribution == "laplace"));
    }

    /// Law: a format's LUTs per lane is the fewest of its dot unit's finished 64-lane rows at
    /// the target, whatever the stage count or datapath; other targets, DSP settings, block
    /// sizes, failed rows and other units are ignored; a format with no row has none.
    #[test]
    fn luts_per_lane_takes_the_cheapest_matching_row() {
        let head = "id,unit,status,luts_per_lane";
        let a = format!(
            "{head}\nhbfp_dot_m4_b64_e10_s8-ecp5-85k-nodsp-yosys023,hbfp_dot,ok,64.4\n\
             hbfp_dot_m4_b64_e10_s11_tree-ecp5-85k-nodsp-yosys023,hbfp_dot,ok,70.0\n\
             hbfp_dot_m4_b64_e10_s8-ecp5-85k-dsp-yosys023,hbfp_dot,ok,10.0\n\
             hbfp_dot_m4_b16_e10_s8-ecp5-85k-nodsp-yosys023,hbfp_dot,ok,9.0\n\
             hbfp_dot_m4_b64_e10_s9-ecp5-85k-nodsp-yosys070,hbfp_dot,ok,8.0\n"
        );
        let b = format!(
            "{head}\nhbfp_dot_m4_b64_e10_s2-ecp5-85k-nodsp-yosys023,hbfp_dot,ok,30.7\n\
             hbfp_dot_m4_b64_e10_s3-ecp5-85k-nodsp-yosys023,hbfp_dot,failed,1.0\n\
             hbfp_mixed_dot_m4_b64_e10_s3-ecp5-85k-nodsp-yosys023,hbfp_mixed_dot,ok,2.0\n\
             mx_dot_e2m1_k64_s9-ecp5-85k-nodsp-yosys023,mx_dot,ok,74.8\n"
        );
        let got = luts_per_lane(
            &[
                Format::Hbfp(4),
                Format::Mx(MxElement::Fp4E2M1),
                Format::Hbfp(8),
            ],
            &[a, b],
        );
        assert_eq!(got, vec![Some(30.7), Some(74.8), None]);
    }

    #[test]
    fn cols_must_be_whole_blocks() {
        let err = matvec_errors(&[Format::Hbfp(4)], Distribution::Gaussian, 2, 30, 32, 1)
            .unwrap_err()
            .to_string();
        assert!(err.contains("multiple of the block size 32"), "{err}");
    }
}
