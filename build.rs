fn main() {
    // rust-i18n compiles locales/*.yml in through a macro, which cargo does not track.
    println!("cargo:rerun-if-changed=locales");
    // Debug info lets the integration tests find elements by accessible label.
    let config = slint_build::CompilerConfiguration::new()
        .with_style("fluent".into())
        .with_debug_info(true);
    if let Err(e) = slint_build::compile_with_config("ui/app.slint", config) {
        eprintln!("slint compile failed: {e}");
        std::process::exit(1);
    }
}
