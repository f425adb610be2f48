//! The `syncd` binary: see `syncd --help`.

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = syncd::cli::Cli::parse();
    syncd::cli::init_tracing(&cli);
    match syncd::cli::run(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
