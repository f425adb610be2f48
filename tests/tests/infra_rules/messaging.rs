//! Rules 4, 5 and 6: the retry queue's event source mapping, the queues' redrive and
//! encryption, and the poll schedule.
//!
//! The retry queue and its dead-letter queue are the queues the functions read from
//! `SYNC_RETRY_QUEUE_URL` and `SYNC_DEAD_LETTER_QUEUE_URL`, so the rules follow whatever the
//! code is pointed at rather than resource names.

use e2e_tests::terraform::schedule::ScheduleExpression;
use e2e_tests::terraform::{Infra, Instance};
use sync_aws::runtime::env;

use super::support::{
    Finding, lambda_binary, lambda_for_binary, referenced_instance, refers_to, resource_behind_env,
};

/// The binaries (crates in functions/) the rules expect behind the triggers.
pub const RETRIER: &str = "retrier";
pub const POLLER: &str = "poller";

/// Event source mappings accept 2 to 1000 for `maximum_concurrency`.
const MAXIMUM_CONCURRENCY: std::ops::RangeInclusive<i64> = 2..=1000;

/// The mapping from the retry queue targets the retrier, reports batch item failures and bounds
/// its concurrency.
pub fn check_retry_mapping(infra: &Infra) -> Vec<Finding> {
    let retry = match resource_behind_env(infra, env::RETRY_QUEUE_URL) {
        Ok(retry) => retry,
        Err(finding) => return vec![finding],
    };
    let mut findings = Vec::new();
    let mut mappings = Vec::new();
    for block in infra.resources_of("aws_lambda_event_source_mapping") {
        match infra.instances_of(block) {
            Ok(instances) => mappings.extend(instances.into_iter().filter(|m| {
                m.attr("event_source_arn")
                    .is_some_and(|e| refers_to(&e, &retry, &["arn"]))
            })),
            Err(err) => findings.push(Finding::from(err)),
        }
    }
    if mappings.len() != 1 {
        findings.push(Finding::from(format!(
            "expected one aws_lambda_event_source_mapping with event_source_arn = {}.{}.arn, found {}",
            retry.0,
            retry.1,
            mappings.len()
        )));
    }
    for mapping in &mappings {
        let at = mapping.location();
        let address = mapping.address();
        match mapping
            .expr("function_name")
            .map_err(|e| e.to_string())
            .and_then(|e| referenced_instance(infra, &e))
            .and_then(|f| lambda_binary(&f))
        {
            Ok(binary) if binary == RETRIER => {}
            Ok(binary) => findings.push(Finding::at(
                at,
                format!("{address} invokes the {binary} function, expected the {RETRIER}"),
            )),
            Err(err) => findings.push(Finding::at(at, format!("{address}.function_name: {err}"))),
        }
        match mapping.expr("function_response_types").and_then(|e| e.strings()) {
            Ok(types) if types.iter().any(|t| t == "ReportBatchItemFailures") => {}
            Ok(types) => findings.push(Finding::at(
                at,
                format!(
                    "{address}.function_response_types is {types:?}: without ReportBatchItemFailures \
                     one failed record re-runs the whole batch"
                ),
            )),
            Err(err) => findings.push(Finding::from(err)),
        }
        match mapping
            .expr("scaling_config.maximum_concurrency")
            .and_then(|e| e.integer())
        {
            Ok(n) if MAXIMUM_CONCURRENCY.contains(&n) => {}
            Ok(n) => findings.push(Finding::at(
                at,
                format!(
                    "{address}.scaling_config.maximum_concurrency is {n}; AWS accepts 2 to 1000"
                ),
            )),
            Err(err) => findings.push(Finding::from(err)),
        }
    }
    findings
}

/// The retry queue dead-letters to the DLQ (and only it may), its visibility timeout covers six
/// retrier timeouts, and every queue is encrypted.
pub fn check_queues(infra: &Infra) -> Vec<Finding> {
    let (retry, dead_letter) = match (
        resource_behind_env(infra, env::RETRY_QUEUE_URL),
        resource_behind_env(infra, env::DEAD_LETTER_QUEUE_URL),
    ) {
        (Ok(r), Ok(d)) => (r, d),
        (Err(f), _) | (_, Err(f)) => return vec![f],
    };
    let mut findings = Vec::new();
    let retry_queue = match infra.instances(&retry.0, &retry.1) {
        Ok(mut instances) if instances.len() == 1 => instances.remove(0),
        Ok(_) => {
            return vec![Finding::from(format!(
                "{}.{} must be one queue",
                retry.0, retry.1
            ))];
        }
        Err(err) => return vec![Finding::from(err)],
    };
    let at = retry_queue.location();
    let address = retry_queue.address().to_owned();

    // redrive_policy = jsonencode({ deadLetterTargetArn = <dlq>.arn, maxReceiveCount = n })
    match retry_queue.expr("redrive_policy").and_then(|e| e.json_argument()) {
        Ok(policy) => {
            match policy.field("deadLetterTargetArn") {
                Ok(target) if refers_to(&target, &dead_letter, &["arn"]) => {}
                Ok(target) => findings.push(Finding::at(
                    target.location(),
                    format!(
                        "{address}.redrive_policy.deadLetterTargetArn is {target}, expected {}.{}.arn",
                        dead_letter.0, dead_letter.1
                    ),
                )),
                Err(err) => findings.push(Finding::from(err)),
            }
            match policy.field("maxReceiveCount").and_then(|e| e.integer()) {
                Ok(n) if n >= 1 => {}
                Ok(n) => findings.push(Finding::at(
                    at,
                    format!("{address}.redrive_policy.maxReceiveCount is {n}; it must be at least 1"),
                )),
                Err(err) => findings.push(Finding::from(err)),
            }
        }
        Err(err) => findings.push(Finding::at(
            at,
            format!("{address} needs redrive_policy = jsonencode({{...}}) to its dead-letter queue: {err}"),
        )),
    }

    // Only the retry queue may use the DLQ.
    findings.extend(check_redrive_allow_policy(infra, &retry, &dead_letter));

    // SQS redelivers a message whose visibility ran out while the retrier still works on it.
    match lambda_for_binary(infra, RETRIER) {
        Ok(retrier) => match (
            retry_queue.expr("visibility_timeout_seconds").and_then(|e| e.integer()),
            retrier.expr("timeout").and_then(|e| e.integer()),
        ) {
            (Ok(visibility), Ok(timeout)) if visibility >= 6 * timeout => {}
            (Ok(visibility), Ok(timeout)) => findings.push(Finding::at(
                at,
                format!(
                    "{address}.visibility_timeout_seconds is {visibility}, less than 6 x the retrier's \
                     timeout ({timeout} s) = {}",
                    6 * timeout
                ),
            )),
            (Err(err), _) | (_, Err(err)) => findings.push(Finding::from(err)),
        },
        Err(finding) => findings.push(finding),
    }

    for block in infra.resources_of("aws_sqs_queue") {
        let instances = match infra.instances_of(block) {
            Ok(instances) => instances,
            Err(err) => {
                findings.push(Finding::from(err));
                continue;
            }
        };
        for queue in instances {
            findings.extend(check_queue_encryption(&queue));
        }
    }
    findings
}

fn check_redrive_allow_policy(
    infra: &Infra,
    retry: &(String, String),
    dead_letter: &(String, String),
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut policies = Vec::new();
    for block in infra.resources_of("aws_sqs_queue_redrive_allow_policy") {
        match infra.instances_of(block) {
            Ok(instances) => policies.extend(instances.into_iter().filter(|p| {
                p.attr("queue_url")
                    .is_some_and(|e| refers_to(&e, dead_letter, &["id", "url"]))
            })),
            Err(err) => findings.push(Finding::from(err)),
        }
    }
    let [policy] = policies.as_slice() else {
        findings.push(Finding::from(format!(
            "expected one aws_sqs_queue_redrive_allow_policy on {}.{}, found {}",
            dead_letter.0,
            dead_letter.1,
            policies.len()
        )));
        return findings;
    };
    let address = policy.address();
    let document = match policy
        .expr("redrive_allow_policy")
        .and_then(|e| e.json_argument())
    {
        Ok(document) => document,
        Err(err) => {
            findings.push(Finding::from(err));
            return findings;
        }
    };
    match document.field("redrivePermission").and_then(|e| e.string()) {
        Ok(p) if p == "byQueue" => {}
        Ok(p) => findings.push(Finding::at(
            document.location(),
            format!("{address}: redrivePermission is {p:?}, expected \"byQueue\""),
        )),
        Err(err) => findings.push(Finding::from(err)),
    }
    match document.field("sourceQueueArns").and_then(|e| e.elements()) {
        Ok(sources) => {
            let only_retry = sources.len() == 1 && refers_to(&sources[0], retry, &["arn"]);
            if !only_retry {
                let listed: Vec<String> = sources.iter().map(ToString::to_string).collect();
                findings.push(Finding::at(
                    document.location(),
                    format!(
                        "{address}: sourceQueueArns is [{}], expected exactly [{}.{}.arn]",
                        listed.join(", "),
                        retry.0,
                        retry.1
                    ),
                ));
            }
        }
        Err(err) => findings.push(Finding::from(err)),
    }
    findings
}

/// SQS-managed encryption, or a KMS key.
fn check_queue_encryption(queue: &Instance<'_>) -> Vec<Finding> {
    let managed = queue
        .expr("sqs_managed_sse_enabled")
        .and_then(|e| e.boolean());
    let kms = queue
        .expr("kms_master_key_id")
        .and_then(|e| match e.value() {
            Ok(v) => Ok(!v.is_null()),
            Err(err) if err.is_unknown() => Ok(true),
            Err(err) => Err(err),
        })
        .unwrap_or(false);
    match managed {
        Ok(true) => vec![],
        _ if kms => vec![],
        Ok(false) => vec![Finding::at(
            queue.location(),
            format!(
                "{}: sqs_managed_sse_enabled is false and no kms_master_key_id is set",
                queue.address()
            ),
        )],
        Err(err) => vec![Finding::at(
            queue.location(),
            format!(
                "{} is not encrypted: set sqs_managed_sse_enabled = true or kms_master_key_id ({err})",
                queue.address()
            ),
        )],
    }
}

/// Every schedule's expression parses, and it invokes the poller with a retry policy and a
/// dead-letter queue.
pub fn check_schedules(infra: &Infra) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut schedules = Vec::new();
    for block in infra.resources_of("aws_scheduler_schedule") {
        match infra.instances_of(block) {
            Ok(instances) => schedules.extend(instances),
            Err(err) => findings.push(Finding::from(err)),
        }
    }
    if schedules.is_empty() {
        findings.push(Finding::from(
            "no aws_scheduler_schedule: nothing runs the poller",
        ));
    }
    for schedule in &schedules {
        let at = schedule.location();
        let address = schedule.address();
        match schedule
            .expr("schedule_expression")
            .and_then(|e| e.string())
        {
            Ok(expression) => {
                if let Err(err) = ScheduleExpression::parse(&expression) {
                    findings.push(Finding::at(at, format!("{address}: {err}")));
                }
            }
            Err(err) => findings.push(Finding::from(err)),
        }
        match schedule
            .expr("target.arn")
            .map_err(|e| e.to_string())
            .and_then(|e| referenced_instance(infra, &e))
            .and_then(|f| lambda_binary(&f))
        {
            Ok(binary) if binary == POLLER => {}
            Ok(binary) => findings.push(Finding::at(
                at,
                format!("{address}.target invokes the {binary} function, expected the {POLLER}"),
            )),
            Err(err) => findings.push(Finding::at(at, format!("{address}.target.arn: {err}"))),
        }
        let target = match schedule.nested("target") {
            Ok(target) => target,
            Err(err) => {
                findings.push(Finding::from(err));
                continue;
            }
        };
        if let Err(err) = target.nested("retry_policy") {
            findings.push(Finding::at(
                at,
                format!("{address}: no retry_policy: {err}"),
            ));
        }
        match target.expr("dead_letter_config.arn") {
            Ok(arn) => {
                let is_queue = arn.reference().is_some_and(|r| {
                    r.resource()
                        .is_some_and(|(kind, _)| kind == "aws_sqs_queue")
                        && r.attributes == ["arn"]
                });
                if !is_queue {
                    findings.push(Finding::at(
                        arn.location(),
                        format!("{address}: dead_letter_config.arn is {arn}, expected an aws_sqs_queue's arn"),
                    ));
                }
            }
            Err(err) => findings.push(Finding::at(
                at,
                format!("{address}: no dead-letter queue: {err}"),
            )),
        }
    }
    findings
}
