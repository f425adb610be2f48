//! Where operator commands act: the local SQLite file, or an AWS deployment (`--aws`). Both
//! answer through the shared [`Operator`], so a command gives the same JSON on either.

use anyhow::Context;
use std::path::Path;
use std::sync::Arc;

use sync_aws::runtime::Deployment;
use sync_aws::sqs::SqsQueues;
use sync_engine::adapters::memory::StaticSecrets;
use sync_engine::config::ConnectionId;
use sync_engine::engine::read::Progress;
use sync_engine::engine::{Engine, EngineSettings};
use sync_engine::operator::{Operator, OpsError, Request, Response};
use sync_engine::ports::QueueInspection;

use super::Cli;
use super::output::invalid;
use crate::service::{Service, load_secrets};

/// Why `connection secret` needs --aws.
pub const LOCAL_SECRETS_MESSAGE: &str = "on one machine, credentials come from the --secrets file (one object per connection id): \
     edit the connection's entry there and restart `syncd serve`; `connection secret` writes Secrets Manager and needs --aws";

/// Opens the local service: the SQLite file under `--data-dir`, credentials from `--secrets`.
pub fn open_local(cli: &Cli, settings: EngineSettings) -> anyhow::Result<Service> {
    let secrets = match &cli.secrets {
        Some(path) => load_secrets(path)?,
        None => StaticSecrets::new(),
    };
    Ok(Service::open(&cli.data_dir, Arc::new(secrets), settings)?)
}

/// The runtime a command acts on.
pub enum Backend {
    /// The SQLite file.
    Local(Service),
    /// The deployment named by the environment, and its queues.
    Aws(Box<Deployment>, SqsQueues),
}

impl Backend {
    /// The runtime `cli` names.
    pub async fn open(cli: &Cli) -> anyhow::Result<Backend> {
        Ok(if cli.aws {
            let deployment = Deployment::from_env().await?;
            let queues = deployment.queues();
            Backend::Aws(Box::new(deployment), queues)
        } else {
            Backend::Local(open_local(cli, EngineSettings::default())?)
        })
    }

    fn engine(&self) -> &Engine {
        match self {
            Backend::Local(service) => &service.engine,
            Backend::Aws(deployment, _) => &deployment.engine,
        }
    }

    fn queue(&self) -> &dyn QueueInspection {
        match self {
            Backend::Local(service) => &service.queue,
            Backend::Aws(_, queues) => queues,
        }
    }

    /// Runs an operator request.
    pub async fn answer(&self, request: Request) -> Result<Response, OpsError> {
        Operator::new(self.engine(), self.queue())
            .dispatch(request)
            .await
    }

    /// Runs an operator request, reporting an initial sync's progress to `progress`.
    pub async fn answer_with_progress(
        &self,
        request: Request,
        progress: &(dyn Fn(&Progress) + Send + Sync),
    ) -> Result<Response, OpsError> {
        Operator::new(self.engine(), self.queue())
            .with_progress(progress)
            .dispatch(request)
            .await
    }

    /// The deployment, for what only AWS has (Secrets Manager).
    fn deployment(&self, refusal: &str) -> anyhow::Result<&Deployment> {
        match self {
            Backend::Aws(deployment, _) => Ok(deployment),
            Backend::Local(_) => Err(invalid(refusal)),
        }
    }

    /// Rotates a configured connection's credentials in Secrets Manager (AWS only); returns the
    /// secret's name and what changed. An unknown connection is refused: a typo in the id
    /// would otherwise create a secret nothing reads while the real one stays stale.
    pub async fn rotate_secret(
        &self,
        id: &ConnectionId,
        path: &Path,
    ) -> anyhow::Result<(String, sync_aws::secrets::Rotation)> {
        let d = self.deployment(LOCAL_SECRETS_MESSAGE)?;
        if d.engine.store().get_config(id).await?.is_none() {
            return Err(OpsError::NotFound(format!(
                "no connection `{id}` in this deployment: add it with `connection add --config FILE --secret FILE`"
            ))
            .into());
        }
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let name = format!("{}{id}", d.secret_prefix);
        let rotation =
            sync_aws::secrets::rotate_secret(&d.secrets, &name, &secrecy::SecretString::from(text))
                .await?;
        Ok((name, rotation))
    }

    /// Stores a connection's secret document in Secrets Manager (AWS only).
    pub async fn put_secret(&self, id: &ConnectionId, path: &Path) -> anyhow::Result<()> {
        let d = self.deployment(
            "--secret stores credentials in Secrets Manager (with --aws); on one machine use --secrets FILE",
        )?;
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let name = format!("{}{id}", d.secret_prefix);
        sync_aws::secrets::put_secret(&d.secrets, &name, &secrecy::SecretString::from(text))
            .await?;
        eprintln!("secret {name} stored");
        Ok(())
    }
}
