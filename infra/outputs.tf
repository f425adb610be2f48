output "webhook_base_url" {
  description = "Base of the webhook URLs: <base>/webhooks/<connection id>."
  value       = aws_apigatewayv2_api.sync.api_endpoint
}

output "webhook_urls" {
  description = "The URL to register in Invoiced (Settings -> Developers -> Webhooks) for each connection."
  value       = { for c in var.connections : c => "${aws_apigatewayv2_api.sync.api_endpoint}/webhooks/${c}" }
}

output "operator_api_url" {
  description = "Base of the operator routes (IAM-signed requests, service execute-api)."
  value       = aws_apigatewayv2_api.sync.api_endpoint
}

output "table_name" {
  description = "DynamoDB table."
  value       = aws_dynamodb_table.sync.name
}

output "retry_queue_url" {
  description = "SQS retry queue."
  value       = aws_sqs_queue.retry.url
}

output "dead_letter_queue_url" {
  description = "SQS dead-letter queue of the retry queue."
  value       = aws_sqs_queue.dead_letter.url
}

output "poll_failures_queue_url" {
  description = "SQS queue of failed or undeliverable scheduled polls."
  value       = aws_sqs_queue.poll_failures.url
}

output "function_names" {
  description = "Lambda function names by role."
  value       = { for name, f in aws_lambda_function.function : name => f.function_name }
}

output "secret_names" {
  description = "Secrets Manager secret of each connection (set its value with syncd --aws connection add --secret)."
  value       = { for c, s in aws_secretsmanager_secret.connection : c => s.name }
}

output "alarm_topic_arn" {
  description = "SNS topic every alarm notifies."
  value       = aws_sns_topic.alarms.arn
}

output "operator_environment" {
  description = "Shell exports for `syncd --aws`: eval \"$(terraform -chdir=infra output -raw operator_environment)\"."
  value       = <<-EOT
    export AWS_REGION=${var.region}
    export SYNC_TABLE_NAME=${aws_dynamodb_table.sync.name}
    export SYNC_RETRY_QUEUE_URL=${aws_sqs_queue.retry.url}
    export SYNC_DEAD_LETTER_QUEUE_URL=${aws_sqs_queue.dead_letter.url}
    export SYNC_SECRET_PREFIX=${local.secret_prefix}
    export SYNC_WEBHOOK_BASE_URL=${aws_apigatewayv2_api.sync.api_endpoint}
  EOT
}
