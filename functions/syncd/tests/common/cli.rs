//! The `syncd` binary run as an operator runs it, on a data directory.

use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// What one run printed.
pub struct Run {
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Its stdout as JSON, the run having succeeded.
    pub fn json(&self) -> Value {
        assert!(self.ok, "command failed: {}", self.stderr);
        self.output()
    }

    /// Its stdout as JSON, whether it succeeded or not (`--json` prints failures too).
    pub fn output(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.stdout))
    }
}

pub fn syncd(dir: &Path, args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_syncd"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove(syncd::cli::WEBHOOK_BASE_URL_ENV)
        .output()
        .expect("run syncd");
    Run {
        ok: output.status.success(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Runs the binary off the async runtime, so in-process sandboxes keep serving meanwhile.
pub async fn syncd_async(dir: &Path, args: &[&str]) -> Run {
    let dir = dir.to_owned();
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        syncd(&dir, &args)
    })
    .await
    .expect("command task")
}
