//! `writer`: Invoiced webhooks through API Gateway → the engine, written to Intacct at once.

use lambda_http::{Error, run, service_fn};
use sync_aws::handlers::writer;
use sync_aws::runtime::{Deployment, init_logging};

#[tokio::main]
async fn main() -> Result<(), Error> {
    init_logging();
    let engine = Deployment::from_env().await?.engine;
    run(service_fn(move |request| {
        let engine = engine.clone();
        async move { Ok::<_, Error>(writer::handle(&engine, request).await) }
    }))
    .await
}
