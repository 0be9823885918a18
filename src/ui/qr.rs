//! The "follow your place in line" QR code as a Slint image.

use qrcode::{Color, EcLevel, QrCode};
use slint::{Image, Rgb8Pixel, SharedPixelBuffer};

const QUIET_ZONE: usize = 4;
const MODULE_PX: usize = 8;

/// A crisp black-on-white QR image for `url`, or None when the URL cannot be encoded.
pub fn qr_image(url: &str) -> Option<Image> {
    let code = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M).ok()?;
    let modules = code.width();
    let colors = code.to_colors();
    let side = (modules + 2 * QUIET_ZONE) * MODULE_PX;
    let side_u32 = u32::try_from(side).ok()?;
    let mut buffer = SharedPixelBuffer::<Rgb8Pixel>::new(side_u32, side_u32);
    let pixels = buffer.make_mut_slice();
    for (i, px) in pixels.iter_mut().enumerate() {
        let (x, y) = (i % side / MODULE_PX, i / side / MODULE_PX);
        let dark = x >= QUIET_ZONE
            && y >= QUIET_ZONE
            && x - QUIET_ZONE < modules
            && y - QUIET_ZONE < modules
            && colors.get((y - QUIET_ZONE) * modules + (x - QUIET_ZONE)) == Some(&Color::Dark);
        let v = if dark { 0 } else { 255 };
        *px = Rgb8Pixel { r: v, g: v, b: v };
    }
    Some(Image::from_rgb8(buffer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_a_url_with_a_quiet_zone() {
        let image = qr_image("https://clinic.example/line/Zx81kQ").unwrap();
        let size = image.size();
        assert_eq!(size.width, size.height);
        // Version 2 or 3 for a short URL: 25-29 modules plus 8 quiet modules, 8 px each.
        assert!(
            size.width >= (25 + 8) * 8 && size.width <= (29 + 8) * 8,
            "{size:?}"
        );
    }
}
