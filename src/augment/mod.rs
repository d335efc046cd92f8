//! Data augmentation: each training image moved a little at random (shifted,
//! rotated and scaled, elastically bent) every time it is seen, so that
//! 8,000 digits look like many more and the network learns what does not
//! change a digit instead of the pixels of these 8,000.
//!
//! | file | what it does |
//! |---|---|
//! | `shift.rs` | [`translate`]: an integer shift, zero fill |
//! | `mirror.rs` | [`mirror`]: left to right (clothes, not digits) |
//! | `affine.rs` | [`rotate_scale`]: rotation and scaling about the centre |
//! | `elastic.rs` | [`displacement_field`], [`gaussian_smooth`], [`displace`]: Simard et al.'s elastic distortion |
//! | `bilinear.rs` | [`bilinear`], [`resample`]: values between pixels |
//!
//! Every random choice comes from a [`Rng`] the caller seeds, so an
//! augmented run is as reproducible as a plain one (`train` seeds one
//! generator per image from the run's seed, the epoch and the image's
//! index).

mod affine;
mod bilinear;
mod elastic;
mod mirror;
mod shift;

pub use affine::{Affine, rotate_scale, rotate_scale_source};
pub use bilinear::{bilinear, resample};
pub use elastic::{Elastic, displace, displacement_field, gaussian_smooth};
pub use mirror::{Mirror, mirror, mirror_batch};
pub use shift::{MAX_SHIFT, Shift, translate};

use crate::element::Real;
use crate::invalid::ConfigError;
use crate::rng::Rng;
use ndarray::{Array2, Array4, ArrayView2, Axis};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Which augmentations a run applies, each with its parameters (`None`:
/// not applied). The default applies none. A checkpoint stores the
/// parameters, so a resumed run distorts as the run it continues did even
/// if the defaults change.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Augment {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shift: Option<Shift>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub affine: Option<Affine>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elastic: Option<Elastic>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mirror: Option<Mirror>,
}

/// What `--augment` accepts, for messages.
const NAMES: &str = "a comma-separated list of shift, affine, elastic and mirror, or none";

impl Augment {
    /// No augmentation.
    pub fn none() -> Augment {
        Augment::default()
    }

    /// The three that keep a digit a digit (shift, affine, elastic), at their
    /// defaults; not [`Mirror`], which does not.
    pub fn all() -> Augment {
        Augment {
            shift: Some(Shift::default()),
            affine: Some(Affine::default()),
            elastic: Some(Elastic::default()),
            mirror: None,
        }
    }

    /// `true` if nothing is applied.
    pub fn is_none(&self) -> bool {
        *self == Augment::none()
    }

    /// The augmentations named in `text`, each at its defaults: a comma list
    /// of `shift`, `affine`, `elastic`, `mirror` in any order (spaces around a name
    /// are ignored), or `none`.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the text if a name is unknown, repeated, or
    /// `none` is given with others.
    ///
    /// ```
    /// use lenet::augment::Augment;
    /// let a = Augment::parse("elastic, shift").unwrap();
    /// assert!(a.shift.is_some() && a.affine.is_none() && a.elastic.is_some());
    /// assert_eq!(a.to_string(), "shift,elastic");
    /// assert!(Augment::parse("none").unwrap().is_none());
    /// assert!(Augment::parse("foo").unwrap_err().to_string().contains("got foo"));
    /// ```
    pub fn parse(text: &str) -> Result<Augment, ConfigError> {
        let bad = || ConfigError { setting: "augmentation", value: text.to_string(), must_be: NAMES };
        let names: Vec<&str> = text.split(',').map(str::trim).collect();
        if names == ["none"] {
            return Ok(Augment::none());
        }
        let mut a = Augment::none();
        for name in names {
            let repeated = match name {
                "shift" => a.shift.replace(Shift::default()).is_some(),
                "affine" => a.affine.replace(Affine::default()).is_some(),
                "elastic" => a.elastic.replace(Elastic::default()).is_some(),
                "mirror" => a.mirror.replace(Mirror::default()).is_some(),
                _ => true,
            };
            if repeated {
                return Err(bad());
            }
        }
        Ok(a)
    }

    /// `Ok` if every parameter is in its range (a checkpoint may have been
    /// edited): shift at most [`MAX_SHIFT`] pixels; rotation 0° to 180°;
    /// scales positive, finite and in order; σ positive and finite; α ≥ 0
    /// and finite; the mirror's probability in [0, 1].
    ///
    /// # Errors
    /// A [`ConfigError`] naming the first parameter out of range.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |setting, value: String, must_be| Err(ConfigError { setting, value, must_be });
        let num = crate::invalid::number_text;
        if let Some(s) = self.shift
            && s.max_pixels > MAX_SHIFT
        {
            return bad("shift", s.max_pixels.to_string(), "at most 28 pixels");
        }
        if let Some(a) = self.affine {
            if !(0.0..=180.0).contains(&a.max_degrees) {
                return bad("rotation", num(a.max_degrees), "0 to 180 degrees");
            }
            let positive = |x: f64| x > 0.0 && x.is_finite();
            if !(positive(a.min_scale) && positive(a.max_scale) && a.min_scale <= a.max_scale) {
                let value = format!("{} to {}", num(a.min_scale), num(a.max_scale));
                return bad("scale", value, "a range of positive finite numbers, smallest first");
            }
        }
        if let Some(e) = self.elastic {
            if !(e.sigma > 0.0 && e.sigma.is_finite()) {
                return bad("elastic σ", num(e.sigma), "a positive finite number of pixels");
            }
            if !(e.alpha >= 0.0 && e.alpha.is_finite()) {
                return bad("elastic α", num(e.alpha), "≥ 0 and finite");
            }
        }
        if let Some(m) = self.mirror
            && !(0.0..=1.0).contains(&m.probability)
        {
            return bad("mirror probability", num(m.probability), "0 to 1");
        }
        Ok(())
    }

    // ANCHOR: apply
    /// One image augmented: rotated and scaled, elastically distorted,
    /// shifted, then mirrored, each only if chosen,
    ///
    /// out = M(T_shift(E_Δ(A_θ,s(x)))),  E_Δ(y)(p) = y(p + Δ(p)),  A_θ,s(x)(q) = x(A⁻¹q),
    ///
    /// with the random numbers drawn from `rng` in the order elastic field,
    /// (θ, s), shift, mirror (the mirror last, so that adding it leaves the
    /// other draws of a seed as they were). With both of the first two, a pixel p comes from
    /// A⁻¹(p + Δ(p)) ([`rotate_scale_source`] of the displaced position),
    /// so the image is interpolated once rather than twice (each bilinear
    /// resampling blurs a little), at the cost of one. The shift and the
    /// mirror come after the resampling because they are exact (no
    /// interpolation, no blur).
    ///
    /// # Panics
    /// If a parameter is out of the range [`Augment::validate`] checks.
    pub fn apply<F: Real>(&self, image: ArrayView2<F>, rng: &mut Rng) -> Array2<F> {
        let field = self.elastic.map(|e| displacement_field(rng, image.dim(), e.sigma, e.alpha));
        let affine = self.affine.map(|a| a.draw(rng));
        let out = match (affine, field) {
            (None, None) => image.to_owned(),
            (None, Some((dr, dc))) => displace(image, &dr, &dc),
            (Some((theta, scale)), None) => rotate_scale(image, theta, scale),
            (Some((theta, scale)), Some((dr, dc))) => {
                let source = rotate_scale_source(image.dim(), theta, scale);
                resample(image, |i, j| source(i as f64 + dr[[i, j]], j as f64 + dc[[i, j]]))
            }
        };
        let out = match self.shift {
            Some(s) => s.apply(out.view(), rng),
            None => out,
        };
        match self.mirror {
            Some(m) => m.apply(out.view(), rng),
            None => out,
        }
    }
    // ANCHOR_END: apply

    /// Every image of a batch (N×1×H×W, the layout of
    /// [`Dataset::batch`](crate::data::Dataset::batch)) augmented in place,
    /// image n with the generator `rng_of(n)`, shared among `threads`
    /// threads. Seeding each image on its own makes its distortion
    /// independent of the batch it lands in and of which thread takes it, so
    /// the batch is the same, bit for bit, whatever `threads` is.
    ///
    /// # Panics
    /// If a parameter is out of range, as [`Augment::apply`].
    pub fn apply_to_batch<F: Real>(&self, x: &mut Array4<F>, threads: usize, rng_of: impl Fn(usize) -> Rng + Sync) {
        if self.is_none() || x.is_empty() {
            return;
        }
        let n = x.len_of(Axis(0));
        // A shift or a mirror costs a copy of the image, less than starting
        // a thread for the batch; interpolation and the elastic field
        // (~0.1 ms an image) are worth threads.
        let threads = if self.affine.is_none() && self.elastic.is_none() { 1 } else { threads };
        // Contiguous runs of images, one per thread: each image costs about
        // the same.
        let per_thread = n.div_ceil(threads.clamp(1, n));
        let run = |first: usize, mut images: ndarray::ArrayViewMut4<F>| {
            for (k, mut sample) in images.axis_iter_mut(Axis(0)).enumerate() {
                let mut rng = rng_of(first + k);
                for mut channel in sample.axis_iter_mut(Axis(0)) {
                    let out = self.apply(channel.view(), &mut rng);
                    channel.assign(&out);
                }
            }
        };
        std::thread::scope(|scope| {
            let mut runs = x.axis_chunks_iter_mut(Axis(0), per_thread).enumerate();
            let own = runs.next();
            for (t, images) in runs {
                scope.spawn(move || run(t * per_thread, images));
            }
            if let Some((_, images)) = own {
                run(0, images);
            }
        });
    }
}

impl fmt::Display for Augment {
    /// `shift,affine,elastic,mirror` (those chosen, in this order), or
    /// `none`: what [`Augment::parse`] reads back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let chosen = [
            ("shift", self.shift.is_some()),
            ("affine", self.affine.is_some()),
            ("elastic", self.elastic.is_some()),
            ("mirror", self.mirror.is_some()),
        ];
        let names: Vec<&str> = chosen.iter().filter(|(_, on)| *on).map(|(name, _)| *name).collect();
        f.write_str(if names.is_empty() { "none".to_string() } else { names.join(",") }.as_str())
    }
}
