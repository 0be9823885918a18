//! A finger signature: strokes in pad coordinates, drawn on screen as a path and saved as
//! a PNG (dark ink on white) for the QuestionnaireResponse.

use std::fmt::Write as _;
use std::io::Cursor;

/// Enough for any signature; a finger resting on the pad cannot grow memory without end.
const MAX_POINTS: usize = 4000;
/// Ink width in pad pixels.
const INK_RADIUS: f32 = 2.2;

#[derive(Clone, Default)]
pub struct Signature {
    /// The item this drawing answers.
    pub link_id: String,
    strokes: Vec<Vec<(f32, f32)>>,
    points: usize,
    width: f32,
    height: f32,
}

// Strokes are the patient's signature: never printed.
impl std::fmt::Debug for Signature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signature")
            .field("link_id", &self.link_id)
            .field("strokes", &self.strokes.len())
            .finish_non_exhaustive()
    }
}

impl Signature {
    pub fn new(link_id: &str) -> Self {
        Signature {
            link_id: link_id.to_owned(),
            ..Signature::default()
        }
    }

    pub fn is_empty(&self) -> bool {
        self.points == 0
    }

    fn inside(&self, x: f32, y: f32) -> (f32, f32) {
        (x.clamp(0.0, self.width), y.clamp(0.0, self.height))
    }

    pub fn start(&mut self, x: f32, y: f32, width: f32, height: f32) {
        if !(width.is_finite() && height.is_finite() && width >= 1.0 && height >= 1.0) {
            return;
        }
        self.width = width;
        self.height = height;
        if self.points < MAX_POINTS && x.is_finite() && y.is_finite() {
            let p = self.inside(x, y);
            self.strokes.push(vec![p]);
            self.points += 1;
        }
    }

    pub fn extend(&mut self, x: f32, y: f32) {
        if self.points >= MAX_POINTS || !x.is_finite() || !y.is_finite() {
            return;
        }
        let p = self.inside(x, y);
        if let Some(stroke) = self.strokes.last_mut() {
            // Sub-pixel jitter adds points, not ink.
            if stroke
                .last()
                .is_some_and(|q| (q.0 - p.0).abs() + (q.1 - p.1).abs() < 1.0)
            {
                return;
            }
            stroke.push(p);
            self.points += 1;
        }
    }

    /// SVG path commands for Slint's `Path` (viewbox = the pad in logical pixels).
    pub fn path_commands(&self) -> String {
        let mut out = String::new();
        for stroke in &self.strokes {
            let Some((first, rest)) = stroke.split_first() else {
                continue;
            };
            let _ = write!(out, "M {:.1} {:.1} ", first.0, first.1);
            if rest.is_empty() {
                // A dot: a tiny line so the round cap shows it.
                let _ = write!(out, "L {:.1} {:.1} ", first.0 + 0.5, first.1 + 0.5);
            }
            for p in rest {
                let _ = write!(out, "L {:.1} {:.1} ", p.0, p.1);
            }
        }
        out
    }

    /// The drawing as a PNG the size of the pad; None when nothing is drawn.
    pub fn png(&self) -> Option<Vec<u8>> {
        if self.is_empty() {
            return None;
        }
        let w = self.width.ceil().clamp(1.0, 2000.0) as u32;
        let h = self.height.ceil().clamp(1.0, 1000.0) as u32;
        let mut img = image::GrayImage::from_pixel(w, h, image::Luma([255]));
        for stroke in &self.strokes {
            let mut prev = match stroke.first() {
                Some(p) => *p,
                None => continue,
            };
            stamp(&mut img, prev.0, prev.1);
            for &p in stroke.iter().skip(1) {
                let dist = ((p.0 - prev.0).powi(2) + (p.1 - prev.1).powi(2)).sqrt();
                let steps = (dist / 0.75).ceil().max(1.0) as u32;
                for i in 1..=steps {
                    let t = i as f32 / steps as f32;
                    stamp(
                        &mut img,
                        prev.0 + (p.0 - prev.0) * t,
                        prev.1 + (p.1 - prev.1) * t,
                    );
                }
                prev = p;
            }
        }
        let mut bytes = Cursor::new(Vec::new());
        img.write_to(&mut bytes, image::ImageFormat::Png).ok()?;
        Some(bytes.into_inner())
    }
}

/// A filled disc of ink centred on (x, y).
fn stamp(img: &mut image::GrayImage, x: f32, y: f32) {
    let r = INK_RADIUS;
    let (w, h) = (img.width() as i64, img.height() as i64);
    let x0 = (x - r).floor() as i64;
    let y0 = (y - r).floor() as i64;
    for py in y0.max(0)..=((y + r).ceil() as i64).min(h - 1) {
        for px in x0.max(0)..=((x + r).ceil() as i64).min(w - 1) {
            let dx = px as f32 + 0.5 - x;
            let dy = py as f32 + 0.5 - y;
            if dx * dx + dy * dy <= r * r {
                img.put_pixel(px as u32, py as u32, image::Luma([20]));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_drawn_stroke_becomes_ink_in_a_png_of_the_pad_size() {
        let mut s = Signature::new("signature");
        assert!(s.png().is_none(), "nothing drawn, no signature");
        s.start(10.0, 10.0, 300.0, 100.0);
        for i in 1..=50 {
            s.extend(10.0 + i as f32 * 5.0, 10.0 + (i % 10) as f32 * 8.0);
        }
        let png = s.png().unwrap();
        let img = image::load_from_memory(&png).unwrap().to_luma8();
        assert_eq!((img.width(), img.height()), (300, 100));
        let ink = img.pixels().filter(|p| p.0[0] < 128).count();
        assert!(ink > 500, "ink pixels: {ink}");
        assert_eq!(
            img.get_pixel(299, 0).0[0],
            255,
            "untouched corner stays white"
        );
        assert!(s.path_commands().starts_with("M 10.0 10.0 L 15.0 18.0"));
    }

    #[test]
    fn points_outside_the_pad_are_clamped_and_the_count_is_bounded() {
        let mut s = Signature::new("sig");
        s.start(-50.0, 500.0, 200.0, 80.0);
        for i in 0..10_000 {
            s.extend(i as f32, (i % 3) as f32 * 40.0);
        }
        s.extend(f32::NAN, 3.0);
        assert!(s.points <= MAX_POINTS);
        let img = image::load_from_memory(&s.png().unwrap()).unwrap();
        assert_eq!((img.width(), img.height()), (200, 80));
        assert!(s.path_commands().starts_with("M 0.0 80.0"));
    }
}
