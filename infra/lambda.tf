# The four functions from functions/, built by
#   cargo lambda build --release --arm64 --output-format zip
# into target/lambda/<function>/bootstrap.zip.

resource "aws_cloudwatch_log_group" "function" {
  for_each = local.functions

  name              = "/aws/lambda/${local.function_names[each.key]}"
  retention_in_days = var.log_retention_days
}

resource "aws_lambda_function" "function" {
  for_each = local.functions

  function_name    = local.function_names[each.key]
  description      = each.value.description
  role             = aws_iam_role.function[each.key].arn
  runtime          = "provided.al2023"
  handler          = "bootstrap"
  architectures    = [var.lambda_architecture]
  filename         = "${local.lambda_artifacts_dir}/${each.key}/bootstrap.zip"
  source_code_hash = filebase64sha256("${local.lambda_artifacts_dir}/${each.key}/bootstrap.zip")
  memory_size      = each.value.memory_mb
  timeout          = each.value.timeout_seconds

  reserved_concurrent_executions = each.key == "poller" ? var.poller_reserved_concurrency : -1

  environment {
    variables = local.function_environment
  }

  # The functions write one JSON object per line already; Text keeps those lines as they are.
  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.function[each.key].name
  }

  depends_on = [aws_iam_role_policy.function]
}

# Retry queue -> retrier. The retrier answers with the ids of the messages that did not settle
# (ReportBatchItemFailures), so one bad record never re-runs the batch. maximum_concurrency keeps
# the retrier from swarming a company that accepts two requests at a time.
resource "aws_lambda_event_source_mapping" "retry_queue" {
  event_source_arn                   = aws_sqs_queue.retry.arn
  function_name                      = aws_lambda_function.function["retrier"].arn
  batch_size                         = 10
  maximum_batching_window_in_seconds = 0
  function_response_types            = ["ReportBatchItemFailures"]

  scaling_config {
    maximum_concurrency = local.retrier_maximum_concurrency
  }
}

# A poll that fails after Lambda's own retries is reported to the poll-failures queue.
resource "aws_lambda_function_event_invoke_config" "poller" {
  function_name                = aws_lambda_function.function["poller"].function_name
  maximum_retry_attempts       = 1
  maximum_event_age_in_seconds = 3600

  destination_config {
    on_failure {
      destination = aws_sqs_queue.poll_failures.arn
    }
  }
}
