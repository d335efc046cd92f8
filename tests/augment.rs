//! The augmentations: exact where the mathematics says exact (identity,
//! integer shift, quarter turn, scaling onto the grid), in [0, 1] for images
//! in [0, 1], seeded, and the elastic field as smooth as its σ says.

use lenet::augment::{
    Affine, Augment, Elastic, Mirror, Shift, displace, displacement_field, gaussian_smooth, mirror, rotate_scale,
    translate,
};
use lenet::ndarray::{Array2, ArrayView2};
use lenet::rng::Rng;
use std::f64::consts::PI;

/// A random 28×28 image in [0, 1] as `f32`, with some exact 0s and 1s (the
/// values where rounding could leave the range).
fn image(seed: u64) -> Array2<f32> {
    let mut rng = Rng::new(seed);
    Array2::from_shape_simple_fn((28, 28), || match rng.below(4) {
        0 => 0.0,
        1 => 1.0,
        _ => rng.uniform() as f32,
    })
}

fn bits(x: &Array2<f32>) -> Vec<u32> {
    x.iter().map(|v| v.to_bits()).collect()
}

/// The ink's mass Σ x_ij and first moments (Σ i·x_ij, Σ j·x_ij): the centre
/// of mass is moments / mass, so it moves by exactly (Δr, Δc) when the mass
/// stays and the moments grow by exactly (Δr, Δc)·mass.
fn mass_and_moments(x: ArrayView2<f64>) -> (f64, f64, f64) {
    let r: f64 = x.indexed_iter().map(|((i, _), v)| i as f64 * v).sum();
    let c: f64 = x.indexed_iter().map(|((_, j), v)| j as f64 * v).sum();
    (x.sum(), r, c)
}

#[test]
fn identity_parameters_give_the_image_back_bit_for_bit() {
    let x = image(1);
    assert_eq!(bits(&translate(x.view(), 0, 0)), bits(&x), "shift by 0");
    assert_eq!(bits(&rotate_scale(x.view(), 0.0, 1.0)), bits(&x), "rotation by 0, scale 1");
    let zero = Array2::zeros((28, 28));
    assert_eq!(bits(&displace(x.view(), &zero, &zero)), bits(&x), "zero displacement");
    let still = Elastic { sigma: 4.0, alpha: 0.0 };
    assert_eq!(bits(&still.apply(x.view(), &mut Rng::new(2))), bits(&x), "α = 0");
    // All three at once, through the entry point training uses.
    let identity = Augment {
        shift: Some(Shift { max_pixels: 0 }),
        affine: Some(Affine { max_degrees: 0.0, min_scale: 1.0, max_scale: 1.0 }),
        elastic: Some(still),
        mirror: Some(Mirror { probability: 0.0 }),
    };
    assert_eq!(bits(&identity.apply(x.view(), &mut Rng::new(3))), bits(&x), "Augment with identity parameters");
}

#[test]
fn an_integer_shift_moves_the_centre_of_mass_by_exactly_the_shift() {
    // Ink only in rows and columns 8..20, in multiples of 1/8, so every sum
    // is exact and a shift of up to 8 keeps it all in the frame.
    let mut rng = Rng::new(4);
    let x = Array2::from_shape_fn((28, 28), |(i, j)| {
        if (8..20).contains(&i) && (8..20).contains(&j) { rng.below(9) as f64 / 8.0 } else { 0.0 }
    });
    let (mass, r0, c0) = mass_and_moments(x.view());
    for (dr, dc) in [(0, 0), (1, 0), (0, -1), (2, -2), (-3, 3), (8, -8)] {
        let y = translate(x.view(), dr, dc);
        let moved = (mass, r0 + dr as f64 * mass, c0 + dc as f64 * mass);
        assert_eq!(mass_and_moments(y.view()), moved, "shift ({dr}, {dc})");
        assert_eq!(y[[12usize.wrapping_add_signed(dr), 12usize.wrapping_add_signed(dc)]], x[[12, 12]]);
    }
    // Further, ink leaves the frame and the centre of mass moves less.
    let (m, r, _) = mass_and_moments(translate(x.view(), 10, 0).view());
    assert!(m < mass && r / m < r0 / mass + 10.0);
    // Absurd shifts give an empty image, not an overflow.
    assert_eq!(translate(x.view(), isize::MIN, isize::MAX).sum(), 0.0);
}

#[test]
fn a_quarter_turn_takes_pixel_i_j_to_row_27_minus_j_column_i() {
    let x = image(5).mapv(f64::from);
    let y = rotate_scale(x.view(), PI / 2.0, 1.0);
    for ((i, j), &v) in y.indexed_iter() {
        // cos(π/2) is 6e-17, not 0: the sources are integer points within 1e-14.
        assert!((v - x[[j, 27 - i]]).abs() < 1e-12, "({i}, {j}): {v} vs {}", x[[j, 27 - i]]);
    }
    // Counter-clockwise as seen: the top right corner goes to the top left.
    let mut dot = Array2::<f32>::zeros((28, 28));
    dot[[0, 27]] = 1.0;
    let turned = rotate_scale(dot.view(), PI / 2.0, 1.0);
    assert!((turned[[0, 0]] - 1.0).abs() < 1e-6 && (turned.sum() - 1.0).abs() < 1e-5, "{turned}");
    // Four quarter turns come back.
    let mut z = x.clone();
    for _ in 0..4 {
        z = rotate_scale(z.view(), PI / 2.0, 1.0);
    }
    assert!(z.iter().zip(&x).all(|(a, b)| (a - b).abs() < 1e-12));
}

#[test]
fn scaling_by_one_half_about_the_centre_samples_every_other_pixel() {
    // On 29×29 the centre is pixel 14, so out(i, j) = x(2i − 14, 2j − 14): an
    // integer point, copied exactly, or 0 outside.
    let x = Rng::new(6).uniform_array((29, 29), 0.0, 1.0);
    let y = rotate_scale(x.view(), 0.0, 0.5);
    for ((i, j), &v) in y.indexed_iter() {
        let (si, sj) = (2 * i as isize - 14, 2 * j as isize - 14);
        let want = if (0..29).contains(&si) && (0..29).contains(&sj) { x[[si as usize, sj as usize]] } else { 0.0 };
        assert_eq!(v, want, "({i}, {j})");
    }
    // Twice as large: the middle pixel stays, its neighbour is half-way to the next.
    let y = rotate_scale(x.view(), 0.0, 2.0);
    assert_eq!(y[[14, 14]], x[[14, 14]]);
    assert!((y[[14, 15]] - (x[[14, 14]] + x[[14, 15]]) / 2.0).abs() < 1e-15);
}

#[test]
fn every_augmentation_keeps_f32_images_in_0_1() {
    // Larger than the defaults, so many pixels are sampled between pixels
    // and near the border.
    let strong = Augment {
        shift: Some(Shift { max_pixels: 3 }),
        affine: Some(Affine { max_degrees: 45.0, min_scale: 0.5, max_scale: 1.5 }),
        elastic: Some(Elastic { sigma: 2.0, alpha: 60.0 }),
        mirror: Some(Mirror::default()),
    };
    for seed in 0..200 {
        let x = image(seed);
        for a in [strong, Augment::all()] {
            let y = a.apply(x.view(), &mut Rng::new(seed + 1000));
            assert!(
                y.iter().all(|v| (0.0..=1.0).contains(v)),
                "seed {seed}: {:?}",
                y.iter().find(|v| !(0.0..=1.0).contains(*v))
            );
        }
        // An image of ones, resampled between pixels, sums four weights to 1.
        let ones = Array2::<f32>::ones((28, 28));
        let y = rotate_scale(ones.view(), 0.3 + seed as f64 * 0.01, 1.0);
        assert!(y.iter().all(|&v| v <= 1.0));
        assert_eq!(y[[14, 14]], 1.0, "inside, the weights sum to 1");
    }
}

#[test]
fn the_same_seed_gives_the_same_image_and_another_seed_another() {
    let x = image(7);
    for (name, a) in [
        ("shift", Augment { shift: Some(Shift::default()), ..Augment::none() }),
        ("affine", Augment { affine: Some(Affine::default()), ..Augment::none() }),
        ("elastic", Augment { elastic: Some(Elastic::default()), ..Augment::none() }),
        ("all", Augment::all()),
    ] {
        let once = a.apply(x.view(), &mut Rng::new(11));
        assert_eq!(bits(&once), bits(&a.apply(x.view(), &mut Rng::new(11))), "{name}: same seed");
        // A shift of ±2 may come out (0, 0) for one seed: of several, some differ.
        let differ = (12..16).filter(|&s| a.apply(x.view(), &mut Rng::new(s)) != once).count();
        assert!(differ >= 3, "{name}: other seeds gave the same image {} times of 4", 4 - differ);
        assert_ne!(once, x, "{name} changes the image");
    }
    assert!(Augment::none().apply(x.view(), &mut Rng::new(1)) == x);
}

#[test]
fn a_huge_sigma_smooths_the_field_to_its_mean_a_uniform_displacement() {
    let u = Rng::new(8).uniform_array((28, 28), -1.0, 1.0);
    let mean = u.mean().unwrap();
    let smooth = gaussian_smooth(u.view(), 1e6);
    assert!(smooth.iter().all(|v| (v - mean).abs() < 1e-9), "{smooth}");
    // And a moderate σ does not: the field still varies.
    let s4 = gaussian_smooth(u.view(), 4.0);
    let spread = s4.iter().fold(f64::MIN, |m, &v| m.max(v)) - s4.iter().fold(f64::MAX, |m, &v| m.min(v));
    assert!(spread > 0.05, "σ = 4 leaves variation: {spread}");
    // So with σ huge, every pixel moves by the same amount.
    let (dr, dc) = displacement_field(&mut Rng::new(9), (28, 28), 1e6, 34.0);
    for d in [dr, dc] {
        assert!(d.iter().all(|v| (v - d[[0, 0]]).abs() < 1e-7), "{d}");
    }
}

#[test]
fn smoothing_keeps_a_constant_and_a_tiny_sigma_keeps_everything() {
    let c = Array2::from_elem((28, 28), 0.375);
    assert!(gaussian_smooth(c.view(), 4.0).iter().all(|&v| (v - 0.375).abs() < 1e-15), "weights sum to 1");
    let u = Rng::new(10).uniform_array((28, 28), -1.0, 1.0);
    assert_eq!(gaussian_smooth(u.view(), 1e-3), u, "g_k = 0 for k ≠ 0");
}

/// Over many draws at the centre of a 28×28 field of σ = 4: each component
/// has variance α²·(1/3)·Σ w², with w the normalised Gaussian weights (the
/// window lies inside the field there), and neighbours move together with
/// correlation Σ w_k w_{k+1} / Σ w_k² along a row. Uniform, unsmoothed noise
/// would give 1/3 and 0.
#[test]
fn the_elastic_field_has_the_spread_and_smoothness_its_sigma_predicts() {
    let (sigma, alpha) = (4.0, 34.0);
    let g: Vec<f64> = (-12..=12i32).map(|k| (-0.5 * (f64::from(k) / sigma).powi(2)).exp()).collect();
    let total: f64 = g.iter().sum();
    let w: Vec<f64> = g.iter().map(|x| x / total).collect();
    let sum_w2: f64 = w.iter().map(|x| x * x).sum();
    let lag1: f64 = w.windows(2).map(|p| p[0] * p[1]).sum();
    let want_var = alpha * alpha / 3.0 * sum_w2 * sum_w2; // 2-D: the product of two 1-D sums
    let want_corr = lag1 / sum_w2;

    let draws = 2000;
    let mut rng = Rng::new(12);
    let (mut sxx, mut sxy, mut syy) = (0.0, 0.0, 0.0);
    for _ in 0..draws {
        let (dr, _) = displacement_field(&mut rng, (28, 28), sigma, alpha);
        let (a, b) = (dr[[14, 14]], dr[[14, 15]]);
        sxx += a * a;
        sxy += a * b;
        syy += b * b;
    }
    let var = sxx / draws as f64;
    let corr = sxy / (sxx * syy).sqrt();
    // The estimate of a variance from 2000 draws is good to about 3%.
    assert!((var / want_var - 1.0).abs() < 0.1, "variance {var}, predicted {want_var}");
    assert!((corr - want_corr).abs() < 0.02, "neighbour correlation {corr}, predicted {want_corr}");
    // The default's typical displacement: about 1.4 pixels.
    assert!((1.2..1.6).contains(&var.sqrt()), "{}", var.sqrt());
}

#[test]
fn parse_reads_comma_lists_and_names_a_bad_value() {
    assert_eq!(Augment::parse("shift,affine,elastic").unwrap(), Augment::all());
    assert_eq!(Augment::parse(" elastic , affine,shift").unwrap(), Augment::all());
    assert!(Augment::parse("none").unwrap().is_none());
    let a = Augment::parse("affine").unwrap();
    assert_eq!(a, Augment { affine: Some(Affine::default()), ..Augment::none() });
    assert_eq!(Augment::parse(&a.to_string()).unwrap(), a);
    assert_eq!(Augment::none().to_string(), "none");
    let m = Augment::parse("mirror,shift").unwrap();
    assert_eq!(m, Augment { shift: Some(Shift::default()), mirror: Some(Mirror::default()), ..Augment::none() });
    assert_eq!(m.to_string(), "shift,mirror");
    assert!(Augment::all().mirror.is_none(), "all() keeps digits digits: no mirror");
    for bad in ["foo", "shift,foo", "shift,shift", "", "none,shift", "Shift"] {
        let e = Augment::parse(bad).unwrap_err().to_string();
        assert_eq!(
            e,
            format!(
                "augmentation must be a comma-separated list of shift, affine, elastic and mirror, or none, got {bad}"
            )
        );
    }
}

#[test]
fn validate_names_the_parameter_out_of_range() {
    let with = |a: Augment| a.validate().map_err(|e| e.to_string());
    assert_eq!(with(Augment::all()), Ok(()));
    let cases = [
        (
            Augment { shift: Some(Shift { max_pixels: 29 }), ..Augment::none() },
            "shift must be at most 28 pixels, got 29",
        ),
        (
            Augment { affine: Some(Affine { max_degrees: f64::NAN, ..Affine::default() }), ..Augment::none() },
            "rotation must be 0 to 180 degrees, got NaN",
        ),
        (
            Augment { affine: Some(Affine { min_scale: 1.2, max_scale: 1.1, ..Affine::default() }), ..Augment::none() },
            "scale must be a range of positive finite numbers, smallest first, got 1.2 to 1.1",
        ),
        (
            Augment { elastic: Some(Elastic { sigma: 0.0, alpha: 34.0 }), ..Augment::none() },
            "elastic σ must be a positive finite number of pixels, got 0",
        ),
        (
            Augment { elastic: Some(Elastic { sigma: 4.0, alpha: -1.0 }), ..Augment::none() },
            "elastic α must be ≥ 0 and finite, got -1",
        ),
        (
            Augment { mirror: Some(Mirror { probability: 1.5 }), ..Augment::none() },
            "mirror probability must be 0 to 1, got 1.5",
        ),
    ];
    for (a, says) in cases {
        assert_eq!(with(a), Err(says.to_string()));
    }
}

#[test]
fn a_batch_is_augmented_image_by_image_with_each_images_own_generator() {
    let data = lenet::data::load(&lenet::data::Source::Embedded).unwrap();
    let seeds = [3, 1, 4, 1, 5, 9, 2];
    let (x, _) = data.train.batch::<f32>(&seeds.map(|s| s as usize));
    let a = Augment::all();
    let mut y = x.clone();
    a.apply_to_batch(&mut y, 1, |n| Rng::new(seeds[n]));
    for (n, seed) in seeds.into_iter().enumerate() {
        let one = a.apply(x.slice(lenet::ndarray::s![n, 0, .., ..]), &mut Rng::new(seed));
        assert_eq!(y.slice(lenet::ndarray::s![n, 0, .., ..]), one, "image {n}");
    }
    // Any number of threads, even more than images, gives the same batch.
    for threads in [2, 3, 7, 16] {
        let mut z = x.clone();
        a.apply_to_batch(&mut z, threads, |n| Rng::new(seeds[n]));
        assert_eq!(z, y, "{threads} threads");
    }
    // No augmentation leaves the batch alone.
    let mut z = x.clone();
    Augment::none().apply_to_batch(&mut z, 2, |_| unreachable!("no generator is needed"));
    assert_eq!(z, x);
}

#[test]
fn rotation_and_elastic_distortion_together_draw_and_map_as_each_alone() {
    // The field is drawn first, then (θ, s): with α = 0 the pair is the
    // rotation alone with the same draws, and with θ = 0, s = 1 the elastic
    // distortion alone, bit for bit.
    let x = image(13);
    let both = |affine, elastic| Augment { affine: Some(affine), elastic: Some(elastic), ..Augment::none() };
    let still = Elastic { sigma: 4.0, alpha: 0.0 };
    let mut rng = Rng::new(14);
    let _ = displacement_field(&mut rng, (28, 28), 4.0, 0.0);
    let (theta, scale) = Affine::default().draw(&mut rng);
    let rotated = rotate_scale(x.view(), theta, scale);
    assert_eq!(bits(&both(Affine::default(), still).apply(x.view(), &mut Rng::new(14))), bits(&rotated));
    assert_ne!(rotated, x);
    let upright = Affine { max_degrees: 0.0, min_scale: 1.0, max_scale: 1.0 };
    let bent = Elastic::default().apply(x.view(), &mut Rng::new(15));
    assert_eq!(bits(&both(upright, Elastic::default()).apply(x.view(), &mut Rng::new(15))), bits(&bent));
    // Both at once: one interpolation of the composed map, x(A⁻¹(p + Δ(p))).
    let mut rng = Rng::new(16);
    let (dr, dc) = displacement_field(&mut rng, (28, 28), 4.0, 34.0);
    let (theta, scale) = Affine::default().draw(&mut rng);
    let source = lenet::augment::rotate_scale_source((28, 28), theta, scale);
    let want = lenet::augment::resample(x.view(), |i, j| source(i as f64 + dr[[i, j]], j as f64 + dc[[i, j]]));
    assert_eq!(bits(&both(Affine::default(), Elastic::default()).apply(x.view(), &mut Rng::new(16))), bits(&want));
}

#[test]
fn mirroring_reverses_each_row_and_twice_is_the_identity() {
    let x = image(21);
    let m = mirror(x.view());
    for i in 0..28 {
        for j in 0..28 {
            assert_eq!(m[[i, j]].to_bits(), x[[i, 27 - j]].to_bits(), "pixel ({i}, {j})");
        }
    }
    assert_eq!(bits(&mirror(m.view())), bits(&x), "mirrored twice");
    // The centre of mass moves to its mirror image: column c ↦ 27 − c.
    let mass: f64 = x.iter().map(|&v| v as f64).sum();
    let col = |a: &Array2<f32>| a.indexed_iter().map(|((_, j), &v)| j as f64 * v as f64).sum::<f64>() / mass;
    assert!((col(&m) - (27.0 - col(&x))).abs() < 1e-12);
    // Probability 1 always mirrors, 0 never, ½ about half the time.
    let always = Mirror { probability: 1.0 };
    let never = Mirror { probability: 0.0 };
    assert_eq!(bits(&always.apply(x.view(), &mut Rng::new(5))), bits(&m));
    assert_eq!(bits(&never.apply(x.view(), &mut Rng::new(5))), bits(&x));
    let half = Mirror::default();
    let mirrored = (0..1000).filter(|&s| half.draw(&mut Rng::new(s))).count();
    for s in 0..20 {
        assert_eq!(half.draw(&mut Rng::new(s)), half.draw(&mut Rng::new(s)), "seed {s}: same seed, same draw");
    }
    // Binomial(1000, ½): mean 500, standard deviation about 16; 430..570 is
    // more than four of them either side, and the seeds are fixed anyway.
    assert!((430..570).contains(&mirrored), "{mirrored} of 1000 mirrored");
}

#[test]
fn adding_the_mirror_leaves_the_other_draws_of_a_seed_as_they_were() {
    // The mirror draws last, so a run with `all,mirror` distorts every image
    // exactly as `all` does and then mirrors some of them.
    let x = image(9);
    let with = Augment { mirror: Some(Mirror::default()), ..Augment::all() };
    for seed in 0..20 {
        let plain = Augment::all().apply(x.view(), &mut Rng::new(seed));
        let y = with.apply(x.view(), &mut Rng::new(seed));
        let mirrored = mirror(plain.view());
        assert!(bits(&y) == bits(&plain) || bits(&y) == bits(&mirrored), "seed {seed}");
    }
}
