//! `chaos`: the exactly-once harness (issue "Exactly once under races and crashes", point 7).
//!
//! Starts the Intacct and Invoiced sandboxes in this process with faults on (Intacct throttles,
//! 5xx pages, writes whose answer is lost, a concurrency limit of 2; Invoiced writes that
//! commit then fail, duplicated and reordered webhooks), runs the real `syncd serve` as a child
//! process, drives load through Invoiced's REST API and Intacct at once, re-sends some webhook
//! events as bursts of concurrent signed copies, SIGKILLs and restarts syncd at random moments,
//! waits for the system to be quiet with the faults off, then checks record by record that
//! every record is on both sides exactly once with the same totals and balances. Exits 1 when
//! a check fails, 2 when the harness itself could not run. See `docs/reliability.md`.

mod burst;
mod check;
mod faults;
mod load;
mod quiet;
mod report;
mod world;

use anyhow::Context;
use clap::Parser;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use sandbox::intacct::{Fields, ObjectKind};

use crate::faults::FaultPlan;
use crate::load::{Load, Sizes};
use crate::world::{ServeOptions, Syncd, World};

/// Chaos harness for the Invoiced ↔ Intacct sync.
#[derive(Debug, Parser)]
#[command(name = "chaos", about)]
struct Args {
    /// Stop generating load once the Invoiced sandbox has written this many events (roughly
    /// the webhook events sent).
    #[arg(long, default_value_t = 10_000)]
    events: usize,
    /// Records to create in all (customers, invoices, credit notes, payments and voids in
    /// Invoiced; a tenth of them customers, sales invoices and payments in Intacct).
    #[arg(long, default_value_t = 5_000)]
    records: usize,
    /// SIGKILLs of syncd during the load.
    #[arg(long, default_value_t = 5)]
    kills: usize,
    /// Seed of the load, the kill moments and the sandboxes' fault dice.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Seconds the load is spread over (default: records / 15, at least 60).
    #[arg(long)]
    load_secs: Option<u64>,
    /// Invoiced users working at once.
    #[arg(long, default_value_t = 4)]
    users: usize,
    /// syncd's poll interval in seconds.
    #[arg(long, default_value_t = 3)]
    poll_secs: u64,
    /// Longest wait for quiet after the load, in seconds.
    #[arg(long, default_value_t = 600)]
    quiet_timeout_secs: u64,
    /// The syncd binary (default: next to this one, built first when run by Cargo).
    #[arg(long)]
    syncd: Option<PathBuf>,
    /// syncd's data directory (default: a new one under the temp dir, kept for inspection).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Self-test: break one record on purpose before the check, to see that check fail.
    #[arg(long, value_enum)]
    tamper: Option<Tamper>,
    /// Machine-readable report on stdout.
    #[arg(long)]
    json: bool,
}

/// Ways to break the result on purpose (each must make the run fail).
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Tamper {
    /// Renumber an engine-written Intacct AR invoice (its Invoiced invoice is then lost).
    LoseInvoice,
    /// Copy an engine-written Intacct AR payment (a double payment).
    DuplicatePayment,
    /// Change an Intacct AR invoice's amount due.
    Balance,
    /// Un-reverse a reversed Intacct AR invoice (a lost void).
    Unvoid,
    /// Create an Intacct sales invoice after the last poll (never imported).
    LoseImport,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    match run(args).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("chaos: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn say(line: &str) {
    eprintln!("[chaos] {line}");
}

async fn run(args: Args) -> anyhow::Result<bool> {
    let started = Instant::now();
    say(&format!(
        "seed {} — {} records, {} events at most, {} kills",
        args.seed, args.records, args.events, args.kills
    ));
    let syncd_bin = world::locate_syncd(args.syncd.clone())?;
    let data_dir = args.data_dir.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("chaos-seed{}-{}", args.seed, std::process::id()))
    });
    let serve = ServeOptions {
        poll_secs: args.poll_secs,
        retry_base_secs: 1,
        retry_cap_secs: 15,
        retry_max_attempts: 20,
    };
    let mut world = World::start(args.seed, syncd_bin, data_dir.clone(), serve).await?;
    say(&format!(
        "sandboxes up; syncd serving {} (data in {})",
        world.webhook_url,
        data_dir.display()
    ));

    let plan = FaultPlan::default();
    plan.apply(&world)?;
    let sizes = Sizes::for_records(args.records);
    let load_secs = args
        .load_secs
        .unwrap_or_else(|| (args.records as u64 / 15).max(60));
    let load = Load::new(
        &world,
        burst::Burster::new(&world),
        args.seed,
        sizes,
        args.events,
        Duration::from_secs(load_secs),
    );
    say(&format!(
        "faults on; load of {} Invoiced chains × {} operations and {} Intacct records over ~{load_secs} s",
        sizes.chains,
        sizes.ops_per_chain,
        sizes.intacct_customers + sizes.intacct_invoices + sizes.intacct_payments
    ));
    let load_started = Instant::now();
    let done = AtomicBool::new(false);
    let (loaded, killed) = tokio::join!(
        async {
            let result = load.run(args.users).await;
            done.store(true, Ordering::Relaxed);
            result
        },
        kill_monkey(
            &mut world.syncd,
            &load,
            args.kills,
            args.seed,
            sizes.invoiced_ops(),
            &done
        )
    );
    killed?;
    loaded?;
    let load_time = load_started.elapsed().as_secs_f64();
    say(&format!(
        "load done in {load_time:.0} s; faults off, waiting for quiet"
    ));

    FaultPlan::clear(&world);
    let quiet = quiet::wait(&world, Duration::from_secs(args.quiet_timeout_secs)).await?;
    say(&format!(
        "{} after {:.0} s",
        if quiet.reached {
            "quiet"
        } else {
            "NOT quiet (timeout)"
        },
        quiet.waited_secs
    ));
    if let Some(tamper) = args.tamper {
        apply_tamper(&world, tamper)?;
    }
    let open_errors = world.syncd.open_errors().await?;
    let dead_letters = world.syncd.dead_letters().await?;
    let snapshot = check::Snapshot::read(
        &world.api,
        &world.intacct.handle,
        open_errors,
        dead_letters,
        &quiet.status,
    )
    .await
    .context("reading both systems")?;
    let verdict = check::verdict(&snapshot);
    let injected = faults::FaultCounts::read(&world);
    world.syncd.stop();
    // A webhook Invoiced disables is an outage, whatever the records say at the end.
    let ok = verdict.ok() && quiet.reached && !quiet.webhook_disabled;
    let report = report::Report {
        seed: args.seed,
        max_events: args.events,
        records: args.records,
        sizes,
        faults: &plan,
        load: &load.stats,
        bursts: &load.burster().stats,
        injected,
        kills: world.syncd.kills,
        quiet,
        load_secs: load_time,
        total_secs: started.elapsed().as_secs_f64(),
        data_dir: data_dir.display().to_string(),
        verdict,
        ok,
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("{}", report.render());
    }
    Ok(ok)
}

/// SIGKILLs syncd `kills` times at moments drawn from the seed (as shares of the load's
/// operations), each followed by a restart after a short random outage. Kills still due when
/// the load ends early are made at once.
async fn kill_monkey(
    syncd: &mut Syncd,
    load: &Load,
    kills: usize,
    seed: u64,
    total_ops: usize,
    done: &AtomicBool,
) -> anyhow::Result<()> {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x00DE_AD5E);
    let mut points: Vec<usize> = (0..kills)
        .map(|_| rng.random_range(total_ops / 20..=total_ops * 19 / 20))
        .collect();
    points.sort_unstable();
    for (n, point) in points.into_iter().enumerate() {
        while load.progress.load(Ordering::Relaxed) < point && !done.load(Ordering::Relaxed) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        tokio::time::sleep(Duration::from_millis(rng.random_range(0..300))).await;
        syncd.kill()?;
        let outage = Duration::from_millis(rng.random_range(100..1_500));
        say(&format!(
            "SIGKILL {} of {kills} at operation {}; restarting in {} ms",
            n + 1,
            load.progress.load(Ordering::Relaxed),
            outage.as_millis()
        ));
        tokio::time::sleep(outage).await;
        syncd.start().await?;
    }
    Ok(())
}

/// Breaks one record on purpose (see [`Tamper`]).
fn apply_tamper(world: &World, tamper: Tamper) -> anyhow::Result<()> {
    let intacct = &world.intacct.handle;
    let ours = |r: &sandbox::intacct::Record| {
        r.get("DESCRIPTION")
            .is_some_and(|d| d.contains("imported from Invoiced"))
    };
    let fields = |pairs: &[(&str, String)]| -> Fields {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    };
    let done = match tamper {
        Tamper::LoseInvoice | Tamper::Balance => {
            let ar = intacct
                .records(ObjectKind::ArInvoice)
                .into_iter()
                .find(|r| ours(r) && r.get("STATE") != Some("Reversed"))
                .context("no engine-written AR invoice to tamper with")?;
            let change = match tamper {
                Tamper::LoseInvoice => fields(&[(
                    "RECORDID",
                    format!("TAMPERED-{}", ar.get("RECORDID").unwrap_or_default()),
                )]),
                _ => fields(&[(
                    "TOTALDUE",
                    (ar.money("TOTALDUE") + rust_decimal::Decimal::ONE).to_string(),
                )]),
            };
            intacct.overwrite_fields(ObjectKind::ArInvoice, ar.recordno, change);
            format!("AR invoice {} ({:?})", ar.recordno, ar.get("RECORDID"))
        }
        Tamper::DuplicatePayment => {
            let p = intacct
                .records(ObjectKind::ArPayment)
                .into_iter()
                .find(|r| {
                    r.get("DOCNUMBER")
                        .is_some_and(|d| d.contains("Invoiced ID: "))
                        && r.get("STATE") != Some("V")
                })
                .context("no engine-written AR payment to copy")?;
            let mut copy = p.fields.clone();
            copy.remove("RECORDNO");
            let key = intacct.insert_record(ObjectKind::ArPayment, copy);
            format!("AR payment {} copied as {key}", p.recordno)
        }
        Tamper::Unvoid => {
            let ar = intacct
                .records(ObjectKind::ArInvoice)
                .into_iter()
                .find(|r| r.get("STATE") == Some("Reversed"))
                .context("no reversed AR invoice to un-reverse")?;
            intacct.overwrite_fields(
                ObjectKind::ArInvoice,
                ar.recordno,
                fields(&[("STATE", "Posted".into())]),
            );
            format!("AR invoice {} un-reversed", ar.recordno)
        }
        Tamper::LoseImport => {
            let customer = intacct
                .records(ObjectKind::Customer)
                .into_iter()
                .find_map(|r| r.get("CUSTOMERID").map(str::to_owned))
                .context("no Intacct customer")?;
            let date = intacct.now().date();
            let split = format!(
                "<year>{}</year><month>{}</month><day>{}</day>",
                date.format("%Y"),
                date.format("%m"),
                date.format("%d")
            );
            intacct.execute(&format!(
                "<create_sotransaction><transactiontype>Sales Invoice</transactiontype><datecreated>{split}</datecreated><customerid>{customer}</customerid><documentno>TAMPERED-INV</documentno><termname>Net 30</termname><datedue>{split}</datedue><sotransitems><sotransitem><itemid>Consulting</itemid><quantity>1</quantity><price>10.00</price></sotransitem></sotransitems></create_sotransaction>"
            )).map_err(anyhow::Error::msg)?;
            "sales invoice TAMPERED-INV created after the last poll".to_owned()
        }
    };
    say(&format!("tampered ({tamper:?}): {done}"));
    Ok(())
}
