output "state_bucket" {
  description = "S3 bucket every backend.tf points at."
  value       = aws_s3_bucket.state.id
}

output "state_kms_key_arn" {
  description = "KMS key encrypting the state bucket."
  value       = aws_kms_key.state.arn
}

output "state_kms_key_alias" {
  description = "Alias of the state KMS key, the kms_key_id every S3 backend of this repository names."
  value       = aws_kms_alias.state.name
}

output "lock_table" {
  description = "DynamoDB lock table (null with S3 lock files)."
  value       = one(aws_dynamodb_table.lock[*].name)
}
