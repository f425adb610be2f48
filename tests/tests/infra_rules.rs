//! The project's own rules for infra/, checked offline with the hcl crate (no provider
//! registry is reachable, so `terraform validate` and `plan` cannot run; checkov covers generic
//! AWS practice, these cover what only this project knows).
//!
//! Each rule is a checker in `infra_rules/` run once against the repository's infra/, and again
//! against copies with a defect seeded, to prove it can fail. Settings the code owns (the
//! environment it reads, the table's keys) come from the code's own constants.
//!
//! Runs without moto or any other service. With `LAMBDA_ARTIFACTS_REQUIRED=1` (CI, after
//! scripts/build-lambdas) the built zips are checked too.

mod infra_rules {
    pub mod iam;
    pub mod lambdas;
    pub mod messaging;
    pub mod references;
    pub mod resources;
    pub mod support;
}

use e2e_tests::terraform::schedule::{RateUnit, ScheduleExpression};
use e2e_tests::terraform::{Infra, InfraError, repository_infra_dir, workspace_root};
use sync_aws::handlers::operator;
use sync_aws::runtime::env;

use infra_rules::iam::{check_log_statements, check_wildcards};
use infra_rules::lambdas::{check_artifacts, check_environment, check_functions, zip_problems};
use infra_rules::messaging::{check_queues, check_retry_mapping, check_schedules};
use infra_rules::references::{check_function_names, check_references};
use infra_rules::resources::{check_documentation, check_http_api, check_table};
use infra_rules::support::{
    FunctionCrate, assert_caught, assert_clean, function_crates, repository, seeded,
    with_extra_file,
};

// ---------------------------------------------------------------------------------------------
// Loading

#[test]
fn infra_parses_and_a_syntax_error_names_its_file_line_and_column() {
    let infra = repository();
    assert!(infra.resources().count() > 20, "infra/ declares the stack");
    let err = Infra::from_sources(
        repository_infra_dir(),
        [(
            "broken.tf",
            "resource \"aws_sqs_queue\" \"q\" {\n  name = \"a\"\n  delay = = 3\n}\n",
        )],
    )
    .expect_err("a syntax error");
    let InfraError::Parse {
        file, line, column, ..
    } = &err
    else {
        panic!("expected a parse error, got {err}");
    };
    assert_eq!((file.as_str(), *line), ("broken.tf", 3), "{err}");
    assert!(*column > 1, "{err}");
}

#[test]
fn a_resource_declared_twice_is_refused() {
    let err = Infra::from_sources(
        repository_infra_dir(),
        [
            ("a.tf", "resource \"aws_sqs_queue\" \"q\" {}\n"),
            ("b.tf", "\n\nresource \"aws_sqs_queue\" \"q\" {}\n"),
        ],
    )
    .expect_err("duplicate");
    assert!(
        err.to_string()
            .contains("aws_sqs_queue.q is declared twice"),
        "{err}"
    );
    assert!(err.to_string().contains("b.tf:3"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// Rule 1: every reference resolves

#[test]
fn every_reference_names_something_declared_and_in_scope() {
    assert_clean("references", &check_references(&repository()));
}

#[test]
fn every_function_called_is_a_terraform_function() {
    assert_clean("functions", &check_function_names(&repository()));
}

#[test]
fn an_undeclared_variable_local_resource_or_data_source_is_caught() {
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            "lambda.tf",
            "var.log_retention_days",
            "var.log_retention",
            "no variable \"log_retention\"",
        ),
        (
            "lambda.tf",
            "for_each = local.functions\n\n  name",
            "for_each = local.function\n\n  name",
            "no local \"function\"",
        ),
        (
            "iam.tf",
            "[aws_sqs_queue.retry.arn, aws_sqs_queue.dead_letter.arn]",
            "[aws_sqs_queue.retry.arn, aws_sqs_queue.dlq.arn]",
            "no resource \"aws_sqs_queue\" \"dlq\"",
        ),
        (
            "locals.tf",
            "data.aws_partition.current.partition",
            "data.aws_partition.here.partition",
            "no data \"aws_partition\" \"here\"",
        ),
        // Inside a heredoc, and inside a "${...}" template.
        (
            "outputs.tf",
            "SYNC_SECRET_PREFIX=${local.secret_prefix}",
            "SYNC_SECRET_PREFIX=${local.secret_prefixes}",
            "no local \"secret_prefixes\"",
        ),
        (
            "sqs.tf",
            "\"${var.name_prefix}-retry\"",
            "\"${var.prefix}-retry\"",
            "no variable \"prefix\"",
        ),
    ];
    for (file, from, to, expected) in cases {
        let findings = check_references(&seeded(&[(file, from, to)]));
        assert_caught(&findings, expected);
    }
}

#[test]
fn each_and_count_outside_their_blocks_and_loop_variables_out_of_scope_are_caught() {
    let findings = check_references(&seeded(&[(
        "sqs.tf",
        "name                       = \"${var.name_prefix}-retry\"",
        "name                       = \"${each.key}-retry\"",
    )]));
    assert_caught(&findings, "`each` exists only inside a block with for_each");

    let findings = check_references(&seeded(&[(
        "dynamodb.tf",
        "name                        = \"${var.name_prefix}-sync\"",
        "name                        = \"sync-${count.index}\"",
    )]));
    assert_caught(&findings, "`count` exists only inside a block with count");

    // `c` is the loop variable; `d` is nothing.
    let findings = check_references(&seeded(&[(
        "outputs.tf",
        "c => \"${aws_apigatewayv2_api.sync.api_endpoint}/webhooks/${c}\"",
        "c => \"${aws_apigatewayv2_api.sync.api_endpoint}/webhooks/${d}\"",
    )]));
    assert_caught(
        &findings,
        "`d` in output.webhook_urls (value) is not a valid reference",
    );
}

#[test]
fn an_instance_key_that_for_each_does_not_produce_is_caught() {
    let findings = check_references(&seeded(&[(
        "schedule.tf",
        "aws_lambda_function.function[\"poller\"].arn",
        "aws_lambda_function.function[\"pollster\"].arn",
    )]));
    assert_caught(&findings, "has no instance \"pollster\"");

    // Keys computed per instance: a policy for every function naming a log group only some have.
    let findings = check_references(&seeded(&[(
        "lambda.tf",
        "resource \"aws_cloudwatch_log_group\" \"function\" {\n  for_each = local.functions",
        "resource \"aws_cloudwatch_log_group\" \"function\" {\n  for_each = { writer = 1 }",
    )]));
    assert_caught(
        &findings,
        "aws_cloudwatch_log_group.function has no instance \"retrier\"",
    );

    // Reading an attribute of a repeated resource without choosing an instance.
    let findings = check_references(&seeded(&[(
        "schedule.tf",
        "aws_lambda_function.function[\"poller\"].arn",
        "aws_lambda_function.function.arn",
    )]));
    assert_caught(
        &findings,
        "has for_each, so pick an instance before reading .arn",
    );
}

#[test]
fn a_function_without_a_policy_is_caught_through_the_local_it_indexes() {
    let findings = check_references(&seeded(&[(
        "iam.tf",
        "    operator = data.aws_iam_policy_document.operator.json\n",
        "",
    )]));
    assert_caught(&findings, "local.function_policies has no key \"operator\"");
}

#[test]
fn a_misspelt_function_is_caught() {
    let findings = check_function_names(&seeded(&[(
        "locals.tf",
        "max(2, var.intacct_concurrency_per_company)",
        "maximum(2, var.intacct_concurrency_per_company)",
    )]));
    assert_caught(
        &findings,
        "locals.tf:70: maximum(...) is not a Terraform function",
    );
}

// ---------------------------------------------------------------------------------------------
// Rule 2: each Lambda deploys a binary from functions/, as cargo lambda builds it

#[test]
fn every_lambda_runs_a_functions_binary_from_the_cargo_lambda_zip_on_arm64() {
    let workspace = workspace_root();
    let crates = function_crates(&workspace);
    assert!(
        crates.iter().any(|c| c.dir_name == "syncd" && !c.is_lambda),
        "syncd is found and is not a Lambda: {crates:?}"
    );
    assert_clean(
        "functions",
        &check_functions(&repository(), &crates, &workspace),
    );
}

#[test]
fn a_wrong_runtime_handler_architecture_or_zip_path_is_caught() {
    let workspace = workspace_root();
    let crates = function_crates(&workspace);
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            "lambda.tf",
            "\"provided.al2023\"",
            "\"provided.al2\"",
            "runtime is \"provided.al2\", expected \"provided.al2023\"",
        ),
        (
            "lambda.tf",
            "handler          = \"bootstrap\"",
            "handler          = \"main\"",
            "handler is \"main\"",
        ),
        (
            "variables.tf",
            "default     = \"arm64\"",
            "default     = \"x86_64\"",
            "architectures is [\"x86_64\"]",
        ),
        (
            "lambda.tf",
            "filename         = \"${local.lambda_artifacts_dir}/${each.key}/bootstrap.zip\"",
            "filename         = \"${local.lambda_artifacts_dir}/${each.key}.zip\"",
            "but cargo lambda writes",
        ),
        (
            "locals.tf",
            "\"${path.module}/../target/lambda\"",
            "\"${path.module}/target/lambda\"",
            "but cargo lambda writes",
        ),
        (
            "lambda.tf",
            "source_code_hash = filebase64sha256(\"${local.lambda_artifacts_dir}/${each.key}/bootstrap.zip\")",
            "source_code_hash = filebase64sha256(\"${local.lambda_artifacts_dir}/writer/bootstrap.zip\")",
            "source_code_hash hashes",
        ),
        // A key that is not a crate in functions/, which also leaves the retrier undeployed.
        (
            "locals.tf",
            "    retrier = {",
            "    retry = {",
            "there is no crate functions/retry",
        ),
        (
            "locals.tf",
            "    retrier = {",
            "    retry = {",
            "functions/retrier is a Lambda function",
        ),
    ];
    for (file, from, to, expected) in cases {
        let findings = check_functions(&seeded(&[(file, from, to)]), &crates, &workspace);
        assert_caught(&findings, expected);
    }
}

#[test]
fn a_lambda_crate_without_a_function_is_caught_and_syncd_is_not_one() {
    let workspace = workspace_root();
    let mut crates = function_crates(&workspace);
    crates.push(FunctionCrate {
        dir_name: "reporter".into(),
        binaries: vec!["reporter".into()],
        is_lambda: true,
    });
    let findings = check_functions(&repository(), &crates, &workspace);
    assert_caught(&findings, "functions/reporter is a Lambda function");
    assert!(
        !findings
            .iter()
            .any(|f| f.message.contains("functions/syncd")),
        "syncd is not a Lambda: {findings:?}"
    );
}

/// CI builds the zips (scripts/build-lambdas) and sets LAMBDA_ARTIFACTS_REQUIRED=1; elsewhere
/// the zips may not exist, and this says so.
#[test]
fn the_built_zips_hold_a_bootstrap_when_ci_built_them() {
    if std::env::var("LAMBDA_ARTIFACTS_REQUIRED").as_deref() != Ok("1") {
        eprintln!(
            "LAMBDA_ARTIFACTS_REQUIRED is not 1: the Lambda zips are not checked (scripts/build-lambdas builds them)"
        );
        return;
    }
    assert_clean("artifacts", &check_artifacts(&repository()));
}

#[test]
fn a_zip_that_was_not_built_is_caught() {
    let infra = seeded(&[(
        "locals.tf",
        "coalesce(var.lambda_artifacts_dir, \"${path.module}/../target/lambda\")",
        "coalesce(var.lambda_artifacts_dir, \"${path.module}/../target/never-built\")",
    )]);
    assert_caught(
        &check_artifacts(&infra),
        "never-built/writer/bootstrap.zip cannot be read",
    );
}

#[test]
fn a_zip_whose_entry_is_not_bootstrap_or_is_built_for_x86_is_caught() {
    let arm = elf(183);
    assert!(zip_problems(&zip("bootstrap", &arm, 0), "arm64").is_empty());
    // Deflated entries: the name is checked, the machine is not.
    assert!(zip_problems(&zip("bootstrap", b"\x03\x00", 8), "arm64").is_empty());

    let problems = zip_problems(&zip("main", &arm, 0), "arm64");
    assert!(
        problems
            .iter()
            .any(|p| p.contains("first entry is \"main\"")),
        "{problems:?}"
    );
    let problems = zip_problems(&zip("bootstrap", &elf(62), 0), "arm64");
    assert!(
        problems.iter().any(|p| p.contains("machine 62, not arm64")),
        "{problems:?}"
    );
    let problems = zip_problems(b"#!/bin/sh\n", "arm64");
    assert!(
        problems.iter().any(|p| p.contains("not a zip")),
        "{problems:?}"
    );
}

/// A zip with one entry, as cargo lambda writes it (method 0: stored, 8: deflated).
fn zip(name: &str, data: &[u8], method: u16) -> Vec<u8> {
    let mut out = b"PK\x03\x04".to_vec();
    out.extend_from_slice(&20u16.to_le_bytes()); // version needed
    out.extend_from_slice(&0u16.to_le_bytes()); // flags
    out.extend_from_slice(&method.to_le_bytes());
    out.extend_from_slice(&[0; 8]); // time, date, crc-32
    let len = u32::try_from(data.len()).expect("small");
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&u16::try_from(name.len()).expect("short").to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes()); // extra field length
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(data);
    out
}

/// The first bytes of a 64-bit little-endian ELF executable for `machine`.
fn elf(machine: u16) -> Vec<u8> {
    let mut header = vec![0x7f, b'E', b'L', b'F', 2, 1, 1, 0];
    header.extend_from_slice(&[0; 8]);
    header.extend_from_slice(&2u16.to_le_bytes()); // ET_EXEC
    header.extend_from_slice(&machine.to_le_bytes());
    header.extend_from_slice(&[0; 44]);
    header
}

// ---------------------------------------------------------------------------------------------
// Rule 3: the environment is exactly what the code reads

#[test]
fn every_function_gets_exactly_the_environment_the_code_reads() {
    assert_clean("environment", &check_environment(&repository(), &env::ALL));
}

#[test]
fn an_extra_a_missing_or_a_twice_listed_variable_is_caught() {
    let infra = seeded(&[(
        "locals.tf",
        "    RUST_LOG                   = var.log_level\n",
        "    RUST_LOG                   = var.log_level\n    SYNC_DEBUG = \"1\"\n",
    )]);
    assert_caught(
        &check_environment(&infra, &env::ALL),
        "sets SYNC_DEBUG, which the code does not read",
    );

    let infra = seeded(&[(
        "locals.tf",
        "    SYNC_RETRY_MAX_ATTEMPTS    = tostring(var.retry_max_attempts)\n",
        "",
    )]);
    assert_caught(
        &check_environment(&infra, &env::ALL),
        "does not set SYNC_RETRY_MAX_ATTEMPTS, which the code reads",
    );

    let mut twice = env::ALL.to_vec();
    twice.push(env::TABLE);
    assert_caught(
        &check_environment(&repository(), &twice),
        "names SYNC_TABLE_NAME twice",
    );
}

// ---------------------------------------------------------------------------------------------
// Rule 4: the retry queue's event source mapping

#[test]
fn the_retrier_consumes_the_retry_queue_reporting_batch_item_failures_with_bounded_concurrency() {
    assert_clean("event source mapping", &check_retry_mapping(&repository()));
}

#[test]
fn a_mapping_without_partial_batch_responses_or_to_the_wrong_function_is_caught() {
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            "lambda.tf",
            "function_response_types            = [\"ReportBatchItemFailures\"]",
            "function_response_types            = []",
            "without ReportBatchItemFailures",
        ),
        (
            "locals.tf",
            "max(2, var.intacct_concurrency_per_company)",
            "1",
            "maximum_concurrency is 1; AWS accepts 2 to 1000",
        ),
        (
            "lambda.tf",
            "function_name                      = aws_lambda_function.function[\"retrier\"].arn",
            "function_name                      = aws_lambda_function.function[\"writer\"].arn",
            "invokes the writer function, expected the retrier",
        ),
        (
            "lambda.tf",
            "event_source_arn                   = aws_sqs_queue.retry.arn",
            "event_source_arn                   = aws_sqs_queue.dead_letter.arn",
            "expected one aws_lambda_event_source_mapping",
        ),
    ];
    for (file, from, to, expected) in cases {
        assert_caught(&check_retry_mapping(&seeded(&[(file, from, to)])), expected);
    }
}

// ---------------------------------------------------------------------------------------------
// Rule 5: redrive, redrive allow policy, visibility, encryption

#[test]
fn the_retry_queue_dead_letters_to_a_queue_that_only_it_may_use() {
    assert_clean("queues", &check_queues(&repository()));
}

#[test]
fn a_broken_redrive_short_visibility_or_unencrypted_queue_is_caught() {
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            "sqs.tf",
            "deadLetterTargetArn = aws_sqs_queue.dead_letter.arn",
            "deadLetterTargetArn = aws_sqs_queue.poll_failures.arn",
            "deadLetterTargetArn is aws_sqs_queue.poll_failures.arn",
        ),
        (
            "locals.tf",
            "retry_max_receive_count = 5",
            "retry_max_receive_count = 0",
            "maxReceiveCount is 0",
        ),
        (
            "sqs.tf",
            "  redrive_policy = jsonencode({\n    deadLetterTargetArn = aws_sqs_queue.dead_letter.arn\n    maxReceiveCount     = local.retry_max_receive_count\n  })\n",
            "",
            "needs redrive_policy",
        ),
        (
            "sqs.tf",
            "sourceQueueArns   = [aws_sqs_queue.retry.arn]",
            "sourceQueueArns   = [aws_sqs_queue.retry.arn, aws_sqs_queue.poll_failures.arn]",
            "expected exactly [aws_sqs_queue.retry.arn]",
        ),
        (
            "sqs.tf",
            "redrivePermission = \"byQueue\"",
            "redrivePermission = \"allowAll\"",
            "redrivePermission is \"allowAll\"",
        ),
        (
            "sqs.tf",
            "queue_url = aws_sqs_queue.dead_letter.id",
            "queue_url = aws_sqs_queue.poll_failures.id",
            "expected one aws_sqs_queue_redrive_allow_policy",
        ),
        (
            "locals.tf",
            "6 * local.functions.retrier.timeout_seconds",
            "5 * local.functions.retrier.timeout_seconds",
            "less than 6 x the retrier's timeout (120 s) = 720",
        ),
        (
            "sqs.tf",
            "  name                      = \"${var.name_prefix}-poll-failures\"\n  message_retention_seconds = 14 * 24 * 3600\n  sqs_managed_sse_enabled   = true",
            "  name                      = \"${var.name_prefix}-poll-failures\"\n  message_retention_seconds = 14 * 24 * 3600\n  sqs_managed_sse_enabled   = false",
            "aws_sqs_queue.poll_failures: sqs_managed_sse_enabled is false",
        ),
    ];
    for (file, from, to, expected) in cases {
        assert_caught(&check_queues(&seeded(&[(file, from, to)])), expected);
    }
}

// ---------------------------------------------------------------------------------------------
// Rule 6: the poll schedule

#[test]
fn the_schedule_parses_and_invokes_the_poller_with_retries_and_a_dead_letter_queue() {
    let infra = repository();
    assert_clean("schedule", &check_schedules(&infra));
    let expression = infra
        .instance("aws_scheduler_schedule", "poll", None)
        .expect("the poll schedule")
        .expr("schedule_expression")
        .and_then(|e| e.string())
        .expect("evaluates from the variable's default");
    assert_eq!(
        ScheduleExpression::parse(&expression)
            .expect("parses")
            .rate_seconds(),
        Some(3600),
        "the issue asks for an hourly poll"
    );
}

#[test]
fn a_bad_schedule_expression_or_target_is_caught() {
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            "variables.tf",
            "default     = \"rate(1 hour)\"",
            "default     = \"rate(1 hours)\"",
            "a rate of 1 takes a singular unit",
        ),
        (
            "variables.tf",
            "default     = \"rate(1 hour)\"",
            "default     = \"cron(0 * * * * *)\"",
            "one of day-of-month and day-of-week must be `?`",
        ),
        (
            "schedule.tf",
            "arn      = aws_lambda_function.function[\"poller\"].arn",
            "arn      = aws_lambda_function.function[\"writer\"].arn",
            "invokes the writer function, expected the poller",
        ),
        (
            "schedule.tf",
            "    retry_policy {\n      maximum_event_age_in_seconds = 3600\n      maximum_retry_attempts       = 3\n    }\n",
            "",
            "no retry_policy",
        ),
        (
            "schedule.tf",
            "    dead_letter_config {\n      arn = aws_sqs_queue.poll_failures.arn\n    }\n",
            "",
            "no dead-letter queue",
        ),
    ];
    for (file, from, to, expected) in cases {
        assert_caught(&check_schedules(&seeded(&[(file, from, to)])), expected);
    }
}

#[test]
fn schedule_expressions_aws_accepts_parse() {
    let good = [
        "rate(1 minute)",
        "rate(5 minutes)",
        "rate(1 hour)",
        "rate(12 hours)",
        "rate(1 day)",
        "rate(7 days)",
        "cron(0 * * * ? *)",
        "cron(0/15 * * * ? *)",
        "cron(*/5 8-17 ? * MON-FRI *)",
        "cron(0 10 ? * 6L 2030-2040)",
        "cron(0 10 ? * 2#1 *)",
        "cron(0 12 L * ? *)",
        "cron(0 12 15W * ? *)",
        "cron(30 2 1,15 JAN,jul ? 2031)",
        "cron(0 0 ? * L *)",
        "at(2030-02-28T23:59:59)",
        "at(2032-02-29T00:00:00)",
    ];
    for expression in good {
        if let Err(err) = ScheduleExpression::parse(expression) {
            panic!("{err}");
        }
    }
    assert_eq!(
        ScheduleExpression::parse("rate(12 hours)"),
        Ok(ScheduleExpression::Rate {
            value: 12,
            unit: RateUnit::Hour
        })
    );
}

#[test]
fn schedule_expressions_aws_refuses_do_not_parse() {
    let bad = [
        ("every 5 minutes", "expected rate(...)"),
        ("rate(0 minutes)", "at least 1"),
        ("rate(1 hours)", "singular"),
        ("rate(2 hour)", "plural"),
        ("rate(5 weeks)", "unknown rate unit"),
        ("rate(-1 minutes)", "not a whole number"),
        ("rate(5  minutes)", "one space apart"),
        ("rate(1.5 hours)", "not a whole number"),
        ("cron(0 * * * *)", "six fields"),
        ("cron(0 * * * * *)", "must be `?`"),
        ("cron(0 * ? * ? *)", "only one of"),
        ("cron(60 * * * ? *)", "outside 0-59"),
        ("cron(0 24 * * ? *)", "outside 0-23"),
        ("cron(0 0 0 * ? *)", "outside 1-31"),
        ("cron(0 0 * 13 ? *)", "outside 1-12"),
        ("cron(0 0 ? * 8 *)", "outside 1-7"),
        ("cron(0 0 * * ? 1969)", "outside 1970-2199"),
        ("cron(0 0 ? * MON#6 *)", "1 to 5"),
        ("cron(L 0 * * ? *)", "not a whole number"),
        ("cron(0 0 5L * ? *)", "not a whole number"),
        ("cron(0 0 ? * 2W *)", "not a whole number"),
        ("cron(0 0 * FOO ? *)", "not a whole number"),
        ("cron(0 17-9 * * ? *)", "runs backwards"),
        ("cron(0/0 * * * ? *)", "increment"),
        ("cron(*,5 * * * ? *)", "stands alone"),
        ("cron(0,,5 * * * ? *)", "not a whole number"),
        ("at(2030-02-29T00:00:00)", "has no day 29"),
        ("at(2030-13-01T00:00:00)", "month 13"),
        ("at(2030-01-01T24:00:00)", "not a time of day"),
        ("at(2030-01-01 00:00:00)", "yyyy-mm-ddThh:mm:ss"),
        ("weekly(1)", "unknown schedule type"),
    ];
    for (expression, reason) in bad {
        match ScheduleExpression::parse(expression) {
            Ok(parsed) => panic!("{expression} parsed as {parsed:?}"),
            Err(err) => assert!(
                err.reason.contains(reason),
                "{expression}: {err}, expected {reason:?}"
            ),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Rule 7: the table matches the code

#[test]
fn the_table_has_the_codes_keys_ttl_and_protections() {
    assert_clean("table", &check_table(&repository()));
}

#[test]
fn a_table_that_differs_from_the_code_or_lacks_a_protection_is_caught() {
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            "dynamodb.tf",
            "hash_key                    = \"pk\"",
            "hash_key                    = \"id\"",
            "hash_key is \"id\", expected \"pk\"",
        ),
        (
            "dynamodb.tf",
            "name = \"sk\"\n    type = \"S\"",
            "name = \"sk\"\n    type = \"N\"",
            "key attribute sk has type \"N\"",
        ),
        (
            "dynamodb.tf",
            "  ttl {\n    attribute_name = \"ttl\"",
            "  ttl {\n    attribute_name = \"expires_at\"",
            "ttl.attribute_name is \"expires_at\"",
        ),
        (
            "dynamodb.tf",
            "billing_mode                = \"PAY_PER_REQUEST\"",
            "billing_mode                = \"PROVISIONED\"",
            "billing_mode is \"PROVISIONED\"",
        ),
        (
            "dynamodb.tf",
            "  point_in_time_recovery {\n    enabled = true",
            "  point_in_time_recovery {\n    enabled = false",
            "point_in_time_recovery.enabled is false",
        ),
        (
            "dynamodb.tf",
            "  server_side_encryption {\n    enabled = true\n  }\n",
            "",
            "server_side_encryption is not set",
        ),
        (
            "variables.tf",
            "  type        = bool\n  default     = true",
            "  type        = bool\n  default     = false",
            "deletion_protection_enabled is false",
        ),
        (
            "dynamodb.tf",
            "  attribute {\n    name = \"sk\"",
            "  attribute {\n    name = \"status\"\n    type = \"S\"\n  }\n\n  attribute {\n    name = \"sk\"",
            "declares attributes",
        ),
        (
            "dynamodb.tf",
            "  point_in_time_recovery {",
            "  global_secondary_index {\n    name            = \"by_status\"\n    hash_key        = \"pk\"\n    projection_type = \"ALL\"\n  }\n\n  point_in_time_recovery {",
            "declares global secondary indexes",
        ),
    ];
    for (file, from, to, expected) in cases {
        assert_caught(&check_table(&seeded(&[(file, from, to)])), expected);
    }
}

// ---------------------------------------------------------------------------------------------
// Rule 8: the HTTP API

#[test]
fn webhooks_reach_the_writer_unsigned_and_operator_routes_need_iam() {
    assert_clean(
        "http api",
        &check_http_api(&repository(), &operator::ROUTES),
    );
}

#[test]
fn an_open_operator_route_a_signed_webhook_or_a_v1_payload_is_caught() {
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            "api.tf",
            "authorization_type = \"NONE\"",
            "authorization_type = \"AWS_IAM\"",
            "has authorization_type \"AWS_IAM\", expected \"NONE\"",
        ),
        (
            "api.tf",
            "  authorization_type = \"AWS_IAM\"\n",
            "",
            "has authorization_type \"NONE\", expected \"AWS_IAM\"",
        ),
        (
            "api.tf",
            "route_key = \"POST /webhooks/{connection}\"",
            "route_key = \"POST /webhook/{connection}\"",
            "expected one route with route_key",
        ),
        (
            "api.tf",
            "target    = \"integrations/${aws_apigatewayv2_integration.writer.id}\"",
            "target    = \"integrations/${aws_apigatewayv2_integration.operator.id}\"",
            "reaches the operator function, expected the writer",
        ),
        (
            "api.tf",
            "integration_uri        = aws_lambda_function.function[\"operator\"].invoke_arn\n  payload_format_version = \"2.0\"",
            "integration_uri        = aws_lambda_function.function[\"operator\"].invoke_arn\n  payload_format_version = \"1.0\"",
            "payload_format_version is \"1.0\"",
        ),
        (
            "api.tf",
            "\"POST /dlq/redrive\",",
            "\"POST dlq/redrive\",",
            "is not \"METHOD /path\"",
        ),
        // The routes declared are exactly those the operator answers.
        (
            "api.tf",
            "    \"POST /dlq/redrive\",\n",
            "",
            "the operator answers \"POST /dlq/redrive\"",
        ),
        (
            "api.tf",
            "    \"POST /dlq/redrive\",\n",
            "    \"POST /dlq/redrive\",\n    \"DELETE /dlq\",\n",
            "route \"DELETE /dlq\" is declared, but the operator does not answer it",
        ),
    ];
    for (file, from, to, expected) in cases {
        assert_caught(
            &check_http_api(&seeded(&[(file, from, to)]), &operator::ROUTES),
            expected,
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Rule 9: least privilege

#[test]
fn no_policy_allows_a_whole_service_or_every_resource() {
    assert_clean("iam wildcards", &check_wildcards(&repository()));
}

#[test]
fn each_function_may_write_only_to_its_own_log_group() {
    assert_clean("iam log groups", &check_log_statements(&repository()));
}

#[test]
fn a_wildcard_action_or_resource_is_caught() {
    let infra = seeded(&[(
        "iam.tf",
        "actions   = [\"sqs:SendMessage\"]\n    resources = [aws_sqs_queue.retry.arn]\n  }\n}\n\ndata \"aws_iam_policy_document\" \"retrier\"",
        "actions   = [\"sqs:*\"]\n    resources = [aws_sqs_queue.retry.arn]\n  }\n}\n\ndata \"aws_iam_policy_document\" \"retrier\"",
    )]);
    assert_caught(&check_wildcards(&infra), "allows \"sqs:*\"");
    let infra = seeded(&[(
        "iam.tf",
        "resources = [aws_dynamodb_table.sync.arn]",
        "resources = [\"*\"]",
    )]);
    assert_caught(
        &check_wildcards(&infra),
        "statement[1].resources allows \"*\"",
    );
    // An inline policy cannot hide one.
    let infra = with_extra_file(
        "extra.tf",
        "resource \"aws_iam_role_policy\" \"extra\" {\n  role = aws_iam_role.scheduler.id\n  policy = jsonencode({\n    Version = \"2012-10-17\"\n    Statement = [{ Effect = \"Allow\", Action = \"*\", Resource = aws_sqs_queue.retry.arn }]\n  })\n}\n",
    );
    assert_caught(
        &check_wildcards(&infra),
        "extra.tf:3: aws_iam_role_policy.extra.policy(jsonencode argument 0).Statement[0].Action allows \"*\"",
    );
}

#[test]
fn a_role_that_may_write_to_another_functions_log_group_is_caught() {
    let infra = seeded(&[(
        "iam.tf",
        "resources = [\"${aws_cloudwatch_log_group.function[each.key].arn}:*\"]",
        "resources = [\"${aws_cloudwatch_log_group.function[\"writer\"].arn}:*\"]",
    )]);
    let findings = check_log_statements(&infra);
    assert_caught(
        &findings,
        "lets aws_lambda_function.function[\"retrier\"] write to aws_cloudwatch_log_group.function[\"writer\"]",
    );
    assert!(
        !findings
            .iter()
            .any(|f| f.message.contains("function[\"writer\"] write to")),
        "the writer's own group is fine: {findings:?}"
    );

    let infra = seeded(&[(
        "iam.tf",
        "resources = [\"${aws_cloudwatch_log_group.function[each.key].arn}:*\"]",
        "resources = [\"${aws_cloudwatch_log_group.function[each.key].arn}:*\", aws_cloudwatch_log_group.api_access.arn]",
    )]);
    assert_caught(
        &check_log_statements(&infra),
        "write to aws_cloudwatch_log_group.api_access",
    );
}

// ---------------------------------------------------------------------------------------------
// Rule 10: documented variables and outputs

#[test]
fn every_variable_and_output_is_typed_and_described() {
    assert_clean("documentation", &check_documentation(&repository()));
}

#[test]
fn an_undescribed_or_untyped_variable_or_output_is_caught() {
    let infra = seeded(&[(
        "variables.tf",
        "  description = \"AWS region for every resource.\"\n",
        "",
    )]);
    assert_caught(
        &check_documentation(&infra),
        "variables.tf:1: var.region has no description",
    );
    let infra = seeded(&[("variables.tf", "  type        = map(string)\n", "")]);
    assert_caught(&check_documentation(&infra), "var.tags has no type");
    let infra = seeded(&[(
        "outputs.tf",
        "  description = \"DynamoDB table.\"\n",
        "  description = \"\"\n",
    )]);
    assert_caught(
        &check_documentation(&infra),
        "output.table_name has an empty description",
    );
}
