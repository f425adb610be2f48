# One secret per connection: Intacct sender and user credentials, the Invoiced API key and the
# webhook signing secret. Terraform creates the container only; the value is put out of band
# (`syncd --aws connection add --secret`, or `connection secret` to rotate), so it never
# reaches the Terraform state.
resource "aws_secretsmanager_secret" "connection" {
  for_each = var.connections

  name                    = "${local.secret_prefix}${each.key}"
  description             = "Credentials of connection ${each.key} (value set with syncd, never by Terraform)"
  recovery_window_in_days = 7
}
