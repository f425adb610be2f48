variable "region" {
  description = "AWS region for every resource."
  type        = string
  default     = "us-east-1"
}

variable "name_prefix" {
  description = "Prefix of every resource name; one deployment per prefix and account."
  type        = string
  default     = "invoiced-intacct-sync"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,39}$", var.name_prefix))
    error_message = "name_prefix must be 3-40 characters: lower-case letters, digits and hyphens, starting with a letter."
  }
}

variable "connections" {
  description = "Connection ids (one per Invoiced account and Intacct company pair). Each gets a Secrets Manager secret, whose value is set out of band with `syncd --aws connection add --secret`, and a webhook URL in the outputs."
  type        = set(string)
  default     = []

  validation {
    # The same rule as ConnectionId::parse (lib/sync/src/config/mod.rs).
    condition     = alltrue([for c in var.connections : can(regex("^[a-z0-9][a-z0-9-]{0,63}$", c))])
    error_message = "Connection ids are 1-64 characters of a-z, 0-9 and '-', not starting with '-'."
  }
}

variable "poll_schedule" {
  description = "EventBridge Scheduler expression for the poller: rate(...) or cron(...)."
  type        = string
  default     = "rate(1 hour)"

  validation {
    condition     = can(regex("^(rate\\([1-9][0-9]* (minute|minutes|hour|hours|day|days)\\)|cron\\(([^ ]+ ){5}[^ ]+\\))$", var.poll_schedule))
    error_message = "poll_schedule must be rate(N unit) or cron(six fields)."
  }
}

variable "intacct_concurrency_per_company" {
  description = "Concurrent XML gateway requests Intacct allows each company (2 unless more were bought). Bounds the retrier's concurrent invocations; each connection's own limit (max_concurrent_requests in its configuration) is enforced by leases in DynamoDB."
  type        = number
  default     = 2

  validation {
    condition     = var.intacct_concurrency_per_company >= 1 && var.intacct_concurrency_per_company <= 50
    error_message = "intacct_concurrency_per_company must be between 1 and 50."
  }
}

variable "retry_max_attempts" {
  description = "Attempts before a failing record becomes a reconciliation error and its retry message goes to the dead-letter queue (SYNC_RETRY_MAX_ATTEMPTS). Backoff doubles from 30 s to a 1 h ceiling, with full jitter."
  type        = number
  default     = 8

  validation {
    condition     = var.retry_max_attempts >= 1 && var.retry_max_attempts <= 20 && floor(var.retry_max_attempts) == var.retry_max_attempts
    error_message = "retry_max_attempts must be a whole number from 1 to 20."
  }
}

variable "log_retention_days" {
  description = "CloudWatch Logs retention for every function and the API access log."
  type        = number
  default     = 90

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of the values CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, ...)."
  }
}

variable "log_level" {
  description = "RUST_LOG filter of every function (for example info, or info,sync_engine=debug)."
  type        = string
  default     = "info"
}

variable "alarm_email" {
  description = "Email address subscribed to the alarm topic (confirm the subscription mail). Null: subscribe something else to the alarm_topic_arn output."
  type        = string
  default     = null
}

variable "oldest_retry_message_alarm_seconds" {
  description = "Alarm when the oldest message in the retry queue is older than this. Each retry is a fresh message delayed at most 15 minutes, so an old message means the retrier is not consuming."
  type        = number
  default     = 1800
}

variable "webhook_rate_limit" {
  description = "Steady requests per second the HTTP API accepts (stage throttling); above it API Gateway answers 429 and Invoiced retries the webhook."
  type        = number
  default     = 50
}

variable "webhook_burst_limit" {
  description = "Burst of requests the HTTP API accepts above the steady rate."
  type        = number
  default     = 100
}

variable "lambda_architecture" {
  description = "Lambda architecture; must match the build (arm64: cargo lambda build --arm64; x86_64: without it)."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.lambda_architecture)
    error_message = "lambda_architecture must be arm64 or x86_64."
  }
}

variable "lambda_artifacts_dir" {
  description = "Directory holding <function>/bootstrap.zip as `cargo lambda build --release --arm64 --output-format zip` writes them. Null: target/lambda of this repository."
  type        = string
  default     = null
}

variable "poller_reserved_concurrency" {
  description = "Reserved concurrency of the poller (1 keeps two polls from overlapping). -1 reserves none: needed on accounts whose concurrency quota is still 10, where any reservation is refused."
  type        = number
  default     = -1
}

variable "table_deletion_protection" {
  description = "DynamoDB deletion protection. Turn off (and apply) before `terraform destroy`."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
