# One role per function, each allowed only what its code calls: the named table, the named
# queues, the connections' secrets by prefix, and its own log group.

data "aws_iam_policy_document" "lambda_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "function" {
  for_each = local.functions

  name               = "${local.function_names[each.key]}-role"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
}

# What every function needs: its log group, the table (DynamoStore uses exactly these four
# actions; transactions are made of PutItem), and the connections' credentials.
data "aws_iam_policy_document" "function_base" {
  for_each = local.functions

  statement {
    sid       = "OwnLogGroup"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.function[each.key].arn}:*"]
  }

  statement {
    sid       = "SyncTable"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:Query"]
    resources = [aws_dynamodb_table.sync.arn]
  }

  statement {
    sid       = "ConnectionSecrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [local.secret_arn_pattern]
  }
}

data "aws_iam_policy_document" "writer" {
  source_policy_documents = [data.aws_iam_policy_document.function_base["writer"].json]

  statement {
    sid       = "QueueRetries"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.retry.arn]
  }
}

data "aws_iam_policy_document" "retrier" {
  source_policy_documents = [data.aws_iam_policy_document.function_base["retrier"].json]

  statement {
    sid       = "ConsumeRetries"
    actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"]
    resources = [aws_sqs_queue.retry.arn]
  }

  statement {
    sid       = "RequeueAndDeadLetter"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.retry.arn, aws_sqs_queue.dead_letter.arn]
  }
}

data "aws_iam_policy_document" "poller" {
  source_policy_documents = [data.aws_iam_policy_document.function_base["poller"].json]

  statement {
    sid       = "QueueRetries"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.retry.arn]
  }

  # Lambda sends a failed asynchronous invocation to its on-failure destination with the
  # function's own role.
  statement {
    sid       = "ReportFailedPolls"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.poll_failures.arn]
  }
}

data "aws_iam_policy_document" "operator" {
  source_policy_documents = [data.aws_iam_policy_document.function_base["operator"].json]

  statement {
    sid       = "QueueRetries"
    actions   = ["sqs:SendMessage", "sqs:GetQueueAttributes"]
    resources = [aws_sqs_queue.retry.arn]
  }

  # Looking at dead letters receives them and makes them visible again at once
  # (ChangeMessageVisibility); a redrive receives, re-sends to the retry queue and deletes.
  statement {
    sid       = "InspectAndRedriveDeadLetters"
    actions   = ["sqs:ReceiveMessage", "sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
    resources = [aws_sqs_queue.dead_letter.arn]
  }
}

locals {
  function_policies = {
    writer   = data.aws_iam_policy_document.writer.json
    retrier  = data.aws_iam_policy_document.retrier.json
    poller   = data.aws_iam_policy_document.poller.json
    operator = data.aws_iam_policy_document.operator.json
  }
}

resource "aws_iam_role_policy" "function" {
  for_each = local.functions

  name   = "${local.function_names[each.key]}-policy"
  role   = aws_iam_role.function[each.key].id
  policy = local.function_policies[each.key]
}

# EventBridge Scheduler invokes the poller and dead-letters what it cannot deliver.
data "aws_iam_policy_document" "scheduler_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["scheduler.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

data "aws_iam_policy_document" "scheduler" {
  statement {
    sid       = "InvokePoller"
    actions   = ["lambda:InvokeFunction"]
    resources = [aws_lambda_function.function["poller"].arn]
  }

  statement {
    sid       = "DeadLetterPolls"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.poll_failures.arn]
  }
}

resource "aws_iam_role" "scheduler" {
  name               = "${var.name_prefix}-scheduler-role"
  assume_role_policy = data.aws_iam_policy_document.scheduler_assume.json
}

resource "aws_iam_role_policy" "scheduler" {
  name   = "${var.name_prefix}-scheduler-policy"
  role   = aws_iam_role.scheduler.id
  policy = data.aws_iam_policy_document.scheduler.json
}
