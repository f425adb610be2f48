# Work Intacct could not take yet (throttled, a slot busy, a transient failure), delayed by the
# engine's backoff and consumed by the retrier.
resource "aws_sqs_queue" "retry" {
  name                       = "${var.name_prefix}-retry"
  visibility_timeout_seconds = local.retry_visibility_timeout_seconds
  message_retention_seconds  = 4 * 24 * 3600
  sqs_managed_sse_enabled    = true

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dead_letter.arn
    maxReceiveCount     = local.retry_max_receive_count
  })
}

# Retry messages whose attempts ran out (their reconciliation error is recorded too) or that
# never settled. An operator redrives them once the cause is fixed.
resource "aws_sqs_queue" "dead_letter" {
  name                      = "${var.name_prefix}-retry-dlq"
  message_retention_seconds = 14 * 24 * 3600
  sqs_managed_sse_enabled   = true
}

# Only the retry queue may use it as a dead-letter queue.
resource "aws_sqs_queue_redrive_allow_policy" "dead_letter" {
  queue_url = aws_sqs_queue.dead_letter.id

  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.retry.arn]
  })
}

# Poll invocations the scheduler could not deliver, or that failed after Lambda's own retries.
# Nothing is lost by a failed poll (the cursor did not move), so these are for the operator's
# eyes: the alarm says polling is broken.
resource "aws_sqs_queue" "poll_failures" {
  name                      = "${var.name_prefix}-poll-failures"
  message_retention_seconds = 14 * 24 * 3600
  sqs_managed_sse_enabled   = true
}
