# The hourly poll. An empty event polls every enabled connection; each poll commits its cursors
# page by page, so a retried or late invocation continues where the last one stopped.
resource "aws_scheduler_schedule" "poll" {
  name                         = "${var.name_prefix}-poll"
  description                  = "Reads what changed in Intacct for every enabled connection"
  schedule_expression          = var.poll_schedule
  schedule_expression_timezone = "UTC"

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = aws_lambda_function.function["poller"].arn
    role_arn = aws_iam_role.scheduler.arn
    input    = jsonencode({})

    retry_policy {
      maximum_event_age_in_seconds = 3600
      maximum_retry_attempts       = 3
    }

    dead_letter_config {
      arn = aws_sqs_queue.poll_failures.arn
    }
  }
}
