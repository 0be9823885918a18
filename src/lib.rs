//! Check-in Kiosk: a self-hosted patient check-in kiosk. The library wires the parts; the
//! rules live in `domain`, persistence in `store`, the screens in `ui`.

slint::include_modules!();
