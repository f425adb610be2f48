//! `retrier`: SQS retry messages → the engine; only the messages that could not be settled are
//! reported back for redelivery.

use aws_lambda_events::event::sqs::SqsEvent;
use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use std::sync::Arc;
use sync_aws::handlers::retrier;
use sync_aws::runtime::{Deployment, init_logging};

#[tokio::main]
async fn main() -> Result<(), Error> {
    init_logging();
    let deployment = Arc::new(Deployment::from_env().await?);
    run(service_fn(move |event: LambdaEvent<SqsEvent>| {
        let deployment = deployment.clone();
        async move {
            let deadline = event.context.deadline();
            Ok::<_, Error>(retrier::handle(deployment, event.payload, deadline).await)
        }
    }))
    .await
}
