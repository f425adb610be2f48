# One HTTP API: Invoiced posts webhooks to POST /webhooks/{connection} (signature checked by the
# writer); operators call the operator routes signed with their IAM credentials (SigV4).

resource "aws_apigatewayv2_api" "sync" {
  name          = "${var.name_prefix}-api"
  protocol_type = "HTTP"
  description   = "Invoiced webhooks and the operator API"
}

resource "aws_apigatewayv2_integration" "writer" {
  api_id                 = aws_apigatewayv2_api.sync.id
  integration_type       = "AWS_PROXY"
  integration_uri        = aws_lambda_function.function["writer"].invoke_arn
  payload_format_version = "2.0"
  timeout_milliseconds   = 30000
}

resource "aws_apigatewayv2_route" "webhook" {
  api_id    = aws_apigatewayv2_api.sync.id
  route_key = "POST /webhooks/{connection}"
  target    = "integrations/${aws_apigatewayv2_integration.writer.id}"
  # Invoiced cannot sign with AWS credentials; the writer verifies its HMAC signature and
  # answers 401 before touching anything.
  authorization_type = "NONE"
}

resource "aws_apigatewayv2_integration" "operator" {
  api_id                 = aws_apigatewayv2_api.sync.id
  integration_type       = "AWS_PROXY"
  integration_uri        = aws_lambda_function.function["operator"].invoke_arn
  payload_format_version = "2.0"
  timeout_milliseconds   = 30000
}

locals {
  # Exactly the routes the operator function answers (ROUTES in
  # lib/aws/src/handlers/operator.rs; tests/tests/infra_rules.rs compares the two).
  operator_routes = toset([
    "PUT /connections/{connection}",
    "POST /connections/{connection}/pause",
    "POST /connections/{connection}/resume",
    "GET /connections/{connection}/status",
    "GET /connections/{connection}/errors",
    "GET /connections/{connection}/errors/{error}",
    "POST /connections/{connection}/errors/{error}/retry",
    "POST /connections/{connection}/errors/{error}/ignore",
    "POST /connections/{connection}/sync",
    "POST /connections/{connection}/initial-sync",
    "GET /dlq",
    "POST /dlq/redrive",
  ])
}

resource "aws_apigatewayv2_route" "operator" {
  for_each = local.operator_routes

  api_id             = aws_apigatewayv2_api.sync.id
  route_key          = each.key
  target             = "integrations/${aws_apigatewayv2_integration.operator.id}"
  authorization_type = "AWS_IAM"
}

resource "aws_cloudwatch_log_group" "api_access" {
  name              = "/aws/apigateway/${var.name_prefix}-api"
  retention_in_days = var.log_retention_days
}

resource "aws_apigatewayv2_stage" "default" {
  api_id      = aws_apigatewayv2_api.sync.id
  name        = "$default"
  auto_deploy = true

  default_route_settings {
    throttling_rate_limit  = var.webhook_rate_limit
    throttling_burst_limit = var.webhook_burst_limit
  }

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.api_access.arn
    format = jsonencode({
      requestId          = "$context.requestId"
      routeKey           = "$context.routeKey"
      path               = "$context.path"
      status             = "$context.status"
      integrationStatus  = "$context.integrationStatus"
      integrationError   = "$context.integrationErrorMessage"
      responseLatency    = "$context.responseLatency"
      caller             = "$context.identity.userArn"
      sourceIp           = "$context.identity.sourceIp"
      requestTime        = "$context.requestTime"
      responseLength     = "$context.responseLength"
      integrationLatency = "$context.integrationLatency"
    })
  }
}

resource "aws_lambda_permission" "webhook" {
  statement_id  = "AllowWebhooksFromHttpApi"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.function["writer"].function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.sync.execution_arn}/*/POST/webhooks/*"
}

resource "aws_lambda_permission" "operator_connections" {
  statement_id  = "AllowOperatorConnectionRoutesFromHttpApi"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.function["operator"].function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.sync.execution_arn}/*/*/connections/*"
}

resource "aws_lambda_permission" "operator_dead_letters" {
  statement_id  = "AllowOperatorDeadLetterRoutesFromHttpApi"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.function["operator"].function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.sync.execution_arn}/*/*/dlq*"
}
