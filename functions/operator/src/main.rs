//! `operator`: reconciliation errors, sync now, initial data sync, status and dead-letter
//! redrive behind IAM-authorised API Gateway routes.

use lambda_http::{Error, run, service_fn};
use std::sync::Arc;
use sync_aws::handlers::operator;
use sync_aws::runtime::{Deployment, init_logging};

#[tokio::main]
async fn main() -> Result<(), Error> {
    init_logging();
    let deployment = Arc::new(Deployment::from_env().await?);
    run(service_fn(move |request| {
        let deployment = deployment.clone();
        async move { Ok::<_, Error>(operator::handle(&deployment, request).await) }
    }))
    .await
}
