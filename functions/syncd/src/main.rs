//! The `syncd` binary: see `syncd --help`.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = syncd::cli::parse();
    syncd::cli::init_tracing(&cli);
    syncd::cli::run(cli).await
}
