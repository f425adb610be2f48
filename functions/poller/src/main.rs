//! `poller`: EventBridge Scheduler (hourly), "sync now" or an initial data sync → the read side,
//! stopping cleanly before the invocation's deadline.

use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use serde_json::Value;
use sync_aws::handlers::poller;
use sync_aws::runtime::{Deployment, init_logging};

#[tokio::main]
async fn main() -> Result<(), Error> {
    init_logging();
    let engine = Deployment::from_env().await?.engine;
    run(service_fn(move |event: LambdaEvent<Value>| {
        let engine = engine.clone();
        async move {
            let deadline = event.context.deadline();
            poller::handle(&engine, event.payload, deadline)
                .await
                .map_err(Error::from)
        }
    }))
    .await
}
