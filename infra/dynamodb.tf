# One table for everything the engine keeps: connection configuration, ID mappings, write
# intents, reconciliation errors, sync cursors, handled webhook events and Intacct leases. Keys
# are generic (pk/sk, strings); lib/aws/src/dynamodb/mod.rs holds the same names.
resource "aws_dynamodb_table" "sync" {
  name                        = "${var.name_prefix}-sync"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "pk"
  range_key                   = "sk"
  deletion_protection_enabled = var.table_deletion_protection

  attribute {
    name = "pk"
    type = "S"
  }

  attribute {
    name = "sk"
    type = "S"
  }

  # Handled webhook events and expired leases carry an expiry time and are removed by DynamoDB.
  ttl {
    attribute_name = "ttl"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled = true
  }
}
