//! `sandbox`: run the Intacct and/or Invoiced simulators until Ctrl-C.

use clap::Parser;

/// Local simulators of the Sage Intacct XML gateway and the Invoiced REST API.
#[derive(Debug, Parser)]
#[command(name = "sandbox", version, about)]
struct Cli {
    #[command(flatten)]
    intacct: sandbox::intacct::IntacctArgs,
    #[command(flatten)]
    invoiced: sandbox::invoiced::InvoicedArgs,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let cli = Cli::parse();
    let mut started = false;
    let _intacct = match &cli.intacct.intacct_addr {
        Some(_) => {
            let running = sandbox::intacct::spawn(cli.intacct.to_config()?).await?;
            println!("{}", running.banner());
            started = true;
            Some(running)
        }
        None => None,
    };
    let _invoiced = match &cli.invoiced.invoiced_addr {
        Some(_) => {
            let running = sandbox::invoiced::spawn(cli.invoiced.to_config()?).await?;
            println!("{}", running.banner());
            started = true;
            Some(running)
        }
        None => None,
    };
    if !started {
        anyhow::bail!("nothing to run: pass --intacct-addr and/or --invoiced-addr (see --help)");
    }
    tokio::signal::ctrl_c().await?;
    Ok(())
}
