locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition

  tags = merge(var.tags, {
    application = "invoiced-intacct-sync"
    deployment  = var.name_prefix
  })

  # One entry per Lambda function; each key is a binary in functions/ and the directory
  # cargo lambda writes its bootstrap.zip to.
  functions = {
    writer = {
      description = "Invoiced webhooks (HTTP API) -> Intacct, at once; throttled work goes to the retry queue"
      memory_mb   = 256
      # The HTTP API waits at most 30 s for an integration; the writer waits 10 s at most for an
      # Intacct slot and queues the work instead.
      timeout_seconds = 29
    }
    retrier = {
      description = "Retry queue -> Intacct, with exponential backoff and full jitter"
      memory_mb   = 256
      # Up to 10 messages, 2 at a time; each may wait 10 s for a slot and then call Intacct.
      timeout_seconds = 120
    }
    poller = {
      description = "Hourly: what changed in Intacct -> Invoiced; also sync now and initial syncs"
      memory_mb   = 512
      # The poll stops 20 s before its deadline and commits its cursor; the next run continues.
      timeout_seconds = 900
    }
    operator = {
      description = "Operator HTTP routes (IAM): errors, retries, sync now, pause, dead-letter redrive"
      memory_mb   = 256
      # API Gateway ends requests after 30 s; the operator works 20 s per call and says whether
      # it finished.
      timeout_seconds = 30
    }
  }

  function_names = { for name, _ in local.functions : name => "${var.name_prefix}-${name}" }

  lambda_artifacts_dir = coalesce(var.lambda_artifacts_dir, "${path.module}/../target/lambda")

  # Secrets are named <prefix><connection id>; the functions read SYNC_SECRET_PREFIX.
  secret_prefix = "${var.name_prefix}/connections/"
  # Secrets Manager appends a random six-character suffix to every secret ARN.
  secret_arn_pattern = "arn:${local.partition}:secretsmanager:${var.region}:${local.account_id}:secret:${local.secret_prefix}*"

  # Exactly the variables the code reads (lib/aws/src/runtime.rs, env::ALL); the infra test
  # compares the two.
  function_environment = {
    SYNC_TABLE_NAME            = aws_dynamodb_table.sync.name
    SYNC_RETRY_QUEUE_URL       = aws_sqs_queue.retry.url
    SYNC_DEAD_LETTER_QUEUE_URL = aws_sqs_queue.dead_letter.url
    SYNC_SECRET_PREFIX         = local.secret_prefix
    SYNC_RETRY_MAX_ATTEMPTS    = tostring(var.retry_max_attempts)
    RUST_LOG                   = var.log_level
  }

  # A retry message becomes visible again after this long if the retrier dies holding it; AWS
  # asks for at least six times the function timeout so a throttled ESM cannot redeliver early.
  retry_visibility_timeout_seconds = 6 * local.functions.retrier.timeout_seconds

  # Receives of one message that never settled (crashes, timeouts) before SQS dead-letters it.
  # Failed attempts are new messages, counted by retry_max_attempts instead.
  retry_max_receive_count = 5

  # Event source mappings accept 2 to 1000.
  retrier_maximum_concurrency = max(2, var.intacct_concurrency_per_company)
}
